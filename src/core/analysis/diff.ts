/**
 * Compare two checkpoints tensor by tensor: how many ternary codes differ
 * (the flip rate — useful between training steps, or PTQ vs QAT), how γ and
 * the share of zeros moved, and the same per layer. Tensors are matched by
 * name, HF and llama.cpp names being treated as one (so an HF checkpoint can
 * be compared with its GGUF), and compared only when their logical shapes agree.
 *
 * Each side's codes come from its stored ternary values when it has them
 * (HF packed, TQ1_0, TQ2_0, I2_S: code = sign of the decoded value, γ = mean
 * |value| over non-zeros), otherwise from quantizing it with `method`.
 * Memory: one tensor of each side at a time.
 */
import { BitnetLabError, isBitnetLabError, throwIfAborted } from '../errors.js';
import type { CheckpointSource, TensorEntry } from '../formats/types.js';
import { llamaCppName } from '../formats/gguf/llamaNames.js';
import { readTensorValues } from '../convert/readTensor.js';
import type { RunOptions } from '../progress.js';
import { quantizeWeights } from '../quant/quantize.js';
import { TensorSelector } from '../quant/selection.js';
import type { QuantMethod } from '../quant/types.js';

export interface DiffOptions extends RunOptions {
  method?: QuantMethod;
  include?: readonly string[];
  exclude?: readonly string[];
}

export interface TensorDiff {
  name: string;
  /** Name in checkpoint B when it differs (HF vs llama.cpp naming). */
  nameB?: string;
  shape: number[];
  params: number;
  layer: number | null;
  flips: number;
  flipRate: number;
  gammaA: number;
  gammaB: number;
  deltaGamma: number;
  /** (γB − γA) / γA. */
  relDeltaGamma: number;
  sparsityA: number;
  sparsityB: number;
  deltaSparsity: number;
  /** Whether each side's codes were read as stored (true) or quantized with the method (false). */
  storedA: boolean;
  storedB: boolean;
}

export interface LayerDiff {
  layer: number;
  tensors: number;
  params: number;
  flipRate: number;
  meanRelDeltaGamma: number;
  deltaSparsity: number;
}

export interface CheckpointDiff {
  fileA: string;
  fileB: string;
  formatA: string;
  formatB: string;
  method: QuantMethod;
  tensors: TensorDiff[];
  perLayer: LayerDiff[];
  onlyInA: string[];
  onlyInB: string[];
  shapeMismatch: Array<{ name: string; shapeA: number[]; shapeB: number[] }>;
  errors: Array<{ name: string; error: string }>;
  totals: { tensors: number; params: number; flips: number; flipRate: number };
  seconds: number;
}

/** Layer index from HF ("layers.12."), llama.cpp ("blk.12."), GPT-2 ("h.12.") names. */
export function layerOf(name: string): number | null {
  const m = /(?:^|\.)(?:layers|blk|h|layer|block|blocks)\.(\d+)\./.exec(name);
  return m ? Number(m[1]) : null;
}

interface Side {
  codes: Int8Array;
  gamma: number;
  stored: boolean;
}

async function codesOf(src: CheckpointSource, t: TensorEntry, method: QuantMethod, signal?: AbortSignal): Promise<Side> {
  const v = await readTensorValues(src, t, signal);
  if (t.ternary) {
    const codes = new Int8Array(v.length);
    let sum = 0;
    let nz = 0;
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (x !== 0) {
        codes[i] = x > 0 ? 1 : -1;
        sum += Math.abs(x);
        nz++;
      }
    }
    return { codes, gamma: nz > 0 ? sum / nz : 0, stored: true };
  }
  const q = quantizeWeights(v, method);
  return { codes: q.codes, gamma: q.scale, stored: false };
}

function zeroFraction(c: Int8Array): number {
  let z = 0;
  for (let i = 0; i < c.length; i++) if (c[i] === 0) z++;
  return c.length > 0 ? z / c.length : 0;
}

/** Why no pair of tensors can be compared, in the user's terms (a diff of nothing is a mistake, not a 0 % result). */
function nothingToCompare(a: CheckpointSource, b: CheckpointSource, onlyInA: number, shapeMismatch: number): string {
  const sizes = `${a.tensors.length} tensors in ${a.path}, ${b.tensors.length} in ${b.path}`;
  if (a.tensors.length === 0 || b.tensors.length === 0) return `nothing to compare: one checkpoint has no tensors (${sizes})`;
  if (onlyInA === a.tensors.length) return `the two checkpoints have no tensor in common: no name matches (${sizes}); diff compares two versions of the same model`;
  if (shapeMismatch > 0 && shapeMismatch + onlyInA === a.tensors.length) return `the two checkpoints have no tensor in common: the ${shapeMismatch} names they share all differ in shape`;
  return 'the two checkpoints have no quantizable tensor in common (only embeddings, norms or other kept tensors match); --include adds tensors';
}

export async function diffCheckpoints(a: CheckpointSource, b: CheckpointSource, options: DiffOptions = {}): Promise<CheckpointDiff> {
  const started = performance.now();
  const method = options.method ?? 'absmean';
  const selector = new TensorSelector({ include: options.include ?? [], exclude: options.exclude ?? [] });
  const key = (n: string): string => llamaCppName(n);
  const bByKey = new Map(b.tensors.map((t) => [key(t.name), t]));
  const aKeys = new Set(a.tensors.map((t) => key(t.name)));
  const pairs: Array<[TensorEntry, TensorEntry]> = [];
  const shapeMismatch: CheckpointDiff['shapeMismatch'] = [];
  const onlyInA: string[] = [];
  for (const ta of a.tensors) {
    const tb = bByKey.get(key(ta.name));
    if (!tb) {
      onlyInA.push(ta.name);
      continue;
    }
    if (ta.shape.length !== tb.shape.length || ta.shape.some((d, i) => d !== tb.shape[i])) {
      shapeMismatch.push({ name: ta.name, shapeA: ta.shape, shapeB: tb.shape });
      continue;
    }
    if (selector.decide(ta).quantized || selector.decide(tb).quantized) pairs.push([ta, tb]);
  }
  const onlyInB = b.tensors.filter((t) => !aKeys.has(key(t.name))).map((t) => t.name);
  if (pairs.length === 0) throw new BitnetLabError('usage', nothingToCompare(a, b, onlyInA.length, shapeMismatch.length), { file: b.path });

  const tensors: TensorDiff[] = [];
  const errors: CheckpointDiff['errors'] = [];
  const total = pairs.length;
  let done = 0;
  for (const [ta, tb] of pairs) {
    throwIfAborted(options.signal, { tensor: ta.name });
    options.onProgress?.({ label: ta.name, done, total, unit: 'tensors' });
    try {
      const sa = await codesOf(a, ta, method, options.signal);
      const sb = await codesOf(b, tb, method, options.signal);
      let flips = 0;
      for (let i = 0; i < sa.codes.length; i++) if (sa.codes[i] !== sb.codes[i]) flips++;
      const za = zeroFraction(sa.codes);
      const zb = zeroFraction(sb.codes);
      const d: TensorDiff = {
        name: ta.name,
        shape: ta.shape.slice(),
        params: ta.params,
        layer: layerOf(ta.name) ?? layerOf(tb.name),
        flips,
        flipRate: ta.params > 0 ? flips / ta.params : 0,
        gammaA: sa.gamma,
        gammaB: sb.gamma,
        deltaGamma: sb.gamma - sa.gamma,
        relDeltaGamma: sa.gamma !== 0 ? (sb.gamma - sa.gamma) / sa.gamma : 0,
        sparsityA: za,
        sparsityB: zb,
        deltaSparsity: zb - za,
        storedA: sa.stored,
        storedB: sb.stored,
      };
      if (tb.name !== ta.name) d.nameB = tb.name;
      tensors.push(d);
    } catch (e) {
      if (isBitnetLabError(e) && e.code === 'cancelled') throw e;
      errors.push({ name: ta.name, error: e instanceof Error ? e.message : String(e) });
    }
    done++;
  }
  options.onProgress?.({ label: 'done', done: total, total, unit: 'tensors' });

  const layers = new Map<number, TensorDiff[]>();
  for (const t of tensors) {
    if (t.layer === null) continue;
    const list = layers.get(t.layer) ?? [];
    list.push(t);
    layers.set(t.layer, list);
  }
  const perLayer: LayerDiff[] = [...layers.entries()]
    .sort(([x], [y]) => x - y)
    .map(([layer, list]) => {
      const params = list.reduce((s, t) => s + t.params, 0);
      return {
        layer,
        tensors: list.length,
        params,
        flipRate: params > 0 ? list.reduce((s, t) => s + t.flips, 0) / params : 0,
        meanRelDeltaGamma: list.reduce((s, t) => s + t.relDeltaGamma, 0) / list.length,
        deltaSparsity: params > 0 ? list.reduce((s, t) => s + t.deltaSparsity * t.params, 0) / params : 0,
      };
    });
  const params = tensors.reduce((s, t) => s + t.params, 0);
  const flips = tensors.reduce((s, t) => s + t.flips, 0);
  return {
    fileA: a.path,
    fileB: b.path,
    formatA: a.format,
    formatB: b.format,
    method,
    tensors,
    perLayer,
    onlyInA,
    onlyInB,
    shapeMismatch,
    errors,
    totals: { tensors: tensors.length, params, flips, flipRate: params > 0 ? flips / params : 0 },
    seconds: (performance.now() - started) / 1000,
  };
}
