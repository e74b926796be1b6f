/**
 * The linear layers of a checkpoint as the compare and energy engines see
 * them: every tensor the analysis quantized, flattened to [out, in], with its
 * measured γ and zero share.
 */
import { BitnetLabError, throwIfAborted } from '../errors.js';
import type { CheckpointSource } from '../formats/types.js';
import type { RunOptions } from '../progress.js';
import { matrixDims } from '../quant/selection.js';
import type { CheckpointReport } from './report.js';

export interface LinearLayer {
  name: string;
  out: number;
  in: number;
  gamma: number;
  zeroFraction: number;
  storedTernary: boolean;
}

export function linearLayersOf(report: CheckpointReport): LinearLayer[] {
  const layers: LinearLayer[] = [];
  for (const t of report.tensors) {
    if (!t.quantized || !t.stats || t.params === 0) continue;
    const { rows, cols } = matrixDims(t.shape);
    layers.push({
      name: t.name,
      out: rows,
      in: cols,
      gamma: t.stats.gamma,
      zeroFraction: t.stats.zeroFraction,
      storedTernary: t.stats.storedTernary === true,
    });
  }
  return layers;
}

/** Largest weight (elements) the compare engine loads into memory at once: 64 Mi = 256 MB float32. */
export const MAX_LAYER_ELEMENTS = 64 * 1024 * 1024;

/** All values of one tensor as float32 (bounded by MAX_LAYER_ELEMENTS). */
export async function readTensor(source: CheckpointSource, name: string, options: RunOptions = {}): Promise<Float32Array> {
  const t = source.tensors.find((e) => e.name === name);
  if (!t) throw new BitnetLabError('usage', `no tensor named "${name}"`, { file: source.path });
  if (t.params > MAX_LAYER_ELEMENTS) {
    throw new BitnetLabError('limit', `${t.params} values exceed the ${MAX_LAYER_ELEMENTS} loaded at once`, { file: t.file, tensor: name });
  }
  const out = new Float32Array(t.params);
  let at = 0;
  for await (const chunk of source.values(name, { signal: options.signal })) {
    throwIfAborted(options.signal, { file: t.file, tensor: name });
    if (at + chunk.length > out.length) break;
    out.set(chunk, at);
    at += chunk.length;
  }
  if (at !== out.length) {
    throw new BitnetLabError('truncated', `read ${at} of ${out.length} values`, { file: t.file, tensor: name });
  }
  return out;
}
