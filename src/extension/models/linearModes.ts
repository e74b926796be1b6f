/**
 * Which modes a real-model view compares: always FP, and either post-training
 * ternary or — for a checkpoint whose weights already are ternary codes —
 * the codes as stored (the contract's `stored`). Decided from the header
 * report the job process already produced (no 'vscode' import: unit-tested).
 */
import type { CheckpointReport } from '../../core/analysis/report.js';
import { TERNARY_GGML_TYPES } from '../../core/formats/gguf/ggmlTypes.js';
import type { LinearMode } from '../../core/model/api.js';

export function quantizedModeOf(header: Pick<CheckpointReport, 'format' | 'tensors'>): 'ternary' | 'stored' {
  if (header.format === 'hf-bitnet') return 'stored';
  return header.tensors.some((t) => TERNARY_GGML_TYPES.has(t.dtype.toUpperCase())) ? 'stored' : 'ternary';
}

export function comparedModes(header: Pick<CheckpointReport, 'format' | 'tensors'>): LinearMode[] {
  return ['fp', quantizedModeOf(header)];
}
