/**
 * Schema of the engine's checkpoint diff (src/core/analysis/diff.ts) as the
 * diff page receives it, annotated with the core type so the compiler keeps
 * the two in step. The first engine result of issue 11 §3(b) with its own
 * schema; the others still cross as `v.unknown()`.
 */
import * as v from 'valibot';
import type { CheckpointDiff, LayerDiff, TensorDiff } from '../core/analysis/diff.js';
import { QUANT_METHODS } from '../core/quant/types.js';
import { anyNumber, numbers } from './schema.js';

const TensorDiffSchema: v.GenericSchema<TensorDiff> = v.strictObject({
  name: v.string(),
  nameB: v.optional(v.string()),
  shape: numbers,
  params: anyNumber,
  layer: v.nullable(v.number()),
  flips: anyNumber,
  flipRate: anyNumber,
  gammaA: anyNumber,
  gammaB: anyNumber,
  deltaGamma: anyNumber,
  relDeltaGamma: anyNumber,
  sparsityA: anyNumber,
  sparsityB: anyNumber,
  deltaSparsity: anyNumber,
  storedA: v.boolean(),
  storedB: v.boolean(),
});

const LayerDiffSchema: v.GenericSchema<LayerDiff> = v.strictObject({
  layer: v.number(),
  tensors: v.number(),
  params: anyNumber,
  flipRate: anyNumber,
  meanRelDeltaGamma: anyNumber,
  deltaSparsity: anyNumber,
});

export const CheckpointDiffSchema: v.GenericSchema<CheckpointDiff> = v.strictObject({
  fileA: v.string(),
  fileB: v.string(),
  formatA: v.string(),
  formatB: v.string(),
  method: v.picklist(QUANT_METHODS),
  tensors: v.array(TensorDiffSchema),
  perLayer: v.array(LayerDiffSchema),
  onlyInA: v.array(v.string()),
  onlyInB: v.array(v.string()),
  shapeMismatch: v.array(v.strictObject({ name: v.string(), shapeA: numbers, shapeB: numbers })),
  errors: v.array(v.strictObject({ name: v.string(), error: v.string() })),
  totals: v.strictObject({ tensors: v.number(), params: anyNumber, flips: anyNumber, flipRate: anyNumber }),
  seconds: anyNumber,
});
