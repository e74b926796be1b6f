/**
 * Weights held in memory the way they are stored, so a loaded model takes
 * about its file size: F32 as Float32Array, BF16/F16 as their 16-bit
 * patterns, ternary packings (HF packed, TQ1_0, TQ2_0, I2_S) as 2-bit codes
 * (four per byte, code + 1, weight j of a row in bits 2(j mod 4)) plus a
 * per-tensor γ. Rows are decoded to float32 on use,
 * one at a time, into a caller's scratch row.
 *
 * Everything is read through the CheckpointSource readers (rawBytes for
 * formats kept as stored, values() for the rest), chunk by chunk: no tensor is
 * ever materialised as float32 unless it is stored as float32 (or Q8_0/F64,
 * which have no compact row decoder here).
 */
import { BitnetLabError, throwIfAborted } from '../errors.js';
import { f16ToF32 } from '../formats/dtypes.js';
import type { CheckpointSource, TensorEntry } from '../formats/types.js';

export type FloatMatrix =
  | { kind: 'f32'; rows: number; cols: number; data: Float32Array }
  | { kind: 'bf16' | 'f16'; rows: number; cols: number; data: Uint16Array }
  | { kind: 'codes'; rows: number; cols: number; data: Uint8Array; scale: number };

export function matrixBytes(m: FloatMatrix): number {
  return m.data.byteLength;
}

let f16Table: Float32Array | undefined;

/** Row r of m as float32 into out[0 … cols). */
export function decodeRow(m: FloatMatrix, r: number, out: Float32Array): void {
  const n = m.cols;
  const at = r * n;
  switch (m.kind) {
    case 'f32':
      out.set(m.data.subarray(at, at + n));
      return;
    case 'bf16': {
      // bf16 is the top half of a float32: shift the pattern into an int32 view of the output.
      const o = new Int32Array(out.buffer, out.byteOffset, n);
      const d = m.data;
      for (let j = 0; j < n; j++) o[j] = d[at + j]! << 16;
      return;
    }
    case 'f16': {
      f16Table ??= Float32Array.from({ length: 65536 }, (_, h) => f16ToF32(h));
      const t = f16Table;
      const d = m.data;
      for (let j = 0; j < n; j++) out[j] = t[d[at + j]!]!;
      return;
    }
    case 'codes': {
      const d = m.data;
      const s = m.scale;
      const base = r * codeRowBytes(n);
      for (let j = 0; j < n; j++) out[j] = (((d[base + (j >> 2)]! >> ((j & 3) << 1)) & 3) - 1) * s;
      return;
    }
  }
}

function codeRowBytes(cols: number): number {
  return Math.ceil(cols / 4);
}

/** Ternary codes [rows, cols] as 2-bit codes, rows padded to whole bytes. */
export function packCodes(codes: Int8Array, rows: number, cols: number): Uint8Array {
  const rb = codeRowBytes(cols);
  const out = new Uint8Array(rows * rb);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) out[r * rb + (j >> 2)]! |= (codes[r * cols + j]! + 1) << ((j & 3) << 1);
  }
  return out;
}

/** The codes of a 'codes' matrix as one int8 per weight. */
export function unpackCodes(m: Extract<FloatMatrix, { kind: 'codes' }>): Int8Array {
  const rb = codeRowBytes(m.cols);
  const out = new Int8Array(m.rows * m.cols);
  for (let r = 0; r < m.rows; r++) {
    for (let j = 0; j < m.cols; j++) out[r * m.cols + j] = ((m.data[r * rb + (j >> 2)]! >> ((j & 3) << 1)) & 3) - 1;
  }
  return out;
}

function shape2(t: TensorEntry, file: string): [number, number] {
  if (t.shape.length === 1) return [1, t.shape[0]!];
  if (t.shape.length !== 2) throw new BitnetLabError('layout', `expected a matrix, got shape [${t.shape.join(', ')}]`, { file, tensor: t.name });
  return [t.shape[0]!, t.shape[1]!];
}

async function readRaw(source: CheckpointSource, t: TensorEntry, into: Uint8Array, signal?: AbortSignal): Promise<void> {
  let at = 0;
  for await (const chunk of source.rawBytes(t.name, { signal })) {
    if (at + chunk.length > into.length) break;
    into.set(chunk, at);
    at += chunk.length;
  }
  if (at !== into.length) throw new BitnetLabError('truncated', `read ${at} of ${into.length} bytes`, { file: source.path, tensor: t.name });
}

async function readValues(source: CheckpointSource, t: TensorEntry, each: (chunk: Float32Array, at: number) => void, signal?: AbortSignal): Promise<void> {
  let at = 0;
  for await (const chunk of source.values(t.name, { signal })) {
    throwIfAborted(signal, { file: source.path, tensor: t.name });
    if (at + chunk.length > t.params) throw new BitnetLabError('layout', 'more values than the shape holds', { file: source.path, tensor: t.name });
    each(chunk, at);
    at += chunk.length;
  }
  if (at !== t.params) throw new BitnetLabError('truncated', `decoded ${at} of ${t.params} values`, { file: source.path, tensor: t.name });
}

/** A tensor in its compact in-memory form (see the header). */
export async function loadMatrix(source: CheckpointSource, t: TensorEntry, signal?: AbortSignal): Promise<FloatMatrix> {
  const [rows, cols] = shape2(t, source.path);
  const n = rows * cols;
  if (t.ternary) {
    // One γ: keep 2-bit codes. Scales varying by block: only their floats say what the weights are.
    const r = await readTernary(source, t, signal);
    if ('codes' in r) return { kind: 'codes', rows, cols, data: packCodes(r.codes, rows, cols), scale: r.gamma };
  }
  if ((t.dtype === 'BF16' || t.dtype === 'F16') && t.bytes === 2 * n) {
    const data = new Uint16Array(n);
    await readRaw(source, t, new Uint8Array(data.buffer), signal);
    return { kind: t.dtype === 'BF16' ? 'bf16' : 'f16', rows, cols, data };
  }
  const data = new Float32Array(n);
  if (!t.ternary && t.dtype === 'F32' && t.bytes === 4 * n) await readRaw(source, t, new Uint8Array(data.buffer), signal);
  else await readValues(source, t, (chunk, at) => data.set(chunk, at), signal);
  return { kind: 'f32', rows, cols, data };
}

/** A 1-D tensor (norm weights, scales) as float32. */
export async function loadVector(source: CheckpointSource, t: TensorEntry, signal?: AbortSignal): Promise<Float32Array> {
  const out = new Float32Array(t.params);
  await readValues(source, t, (chunk, at) => out.set(chunk, at), signal);
  return out;
}

/**
 * The ternary codes and γ of a tensor stored ternary. The readers hand out
 * dequantized values code·scale; the codes are their signs, and every nonzero
 * value must have the same magnitude — one γ per tensor, which is what the
 * kernel multiplies by. TQ1_0/TQ2_0 carry a scale per 256-block: files made
 * from BitNet weights repeat γ in every block (all-zero blocks may say 0), but
 * a TQ file quantized from ordinary weights has a different d per block and
 * cannot run on a per-tensor kernel, which we say rather than approximate.
 */
export async function loadTernaryCodes(source: CheckpointSource, t: TensorEntry, signal?: AbortSignal, into?: Int8Array): Promise<{ codes: Int8Array; gamma: number }> {
  const r = await readTernary(source, t, signal, into);
  if ('codes' in r) return r;
  throw new BitnetLabError(
    'unsupported',
    `ternary weights with more than one scale (${r.scales[0]} and ${r.scales[1]}): stored mode needs one γ per tensor; run it with --mode fp`,
    { file: source.path, tensor: t.name },
  );
}

/** `into` (t.params long), when given, receives the codes instead of a new array (the loader reuses one per layer). */
async function readTernary(source: CheckpointSource, t: TensorEntry, signal?: AbortSignal, into?: Int8Array): Promise<{ codes: Int8Array; gamma: number } | { scales: [number, number] }> {
  if (into && into.length !== t.params) throw new BitnetLabError('layout', `code buffer of ${into.length} for ${t.params} weights`, { file: source.path, tensor: t.name });
  // Zeros are never written below: the buffer starts all zero.
  const codes = into ? into.fill(0) : new Int8Array(t.params);
  // [γ, a second magnitude]: 0 until seen.
  const seen = new Float64Array(2);
  await readValues(
    source,
    t,
    (chunk, at) => {
      if (seen[1] === 0) signsOf(chunk, codes, at, seen);
    },
    signal,
  );
  const gamma = seen[0]!;
  return seen[1] !== 0 ? { scales: [gamma, seen[1]!] } : { codes, gamma: gamma === 0 ? 1 : gamma };
}

/**
 * Signs of dequantized ternary values into codes[at …]; the first nonzero
 * magnitude goes to seen[0], a different one to seen[1] (then it stops). A
 * plain function over locals: this loop sees every weight of the model once.
 */
function signsOf(chunk: Float32Array, codes: Int8Array, at: number, seen: Float64Array): void {
  let gamma = seen[0]!;
  for (let i = 0; i < chunk.length; i++) {
    const v = chunk[i]!;
    if (v === 0) continue;
    const a = v > 0 ? v : -v;
    if (a !== gamma) {
      if (gamma !== 0) {
        seen[1] = a;
        return;
      }
      gamma = a;
      seen[0] = a;
    }
    codes[at + i] = v > 0 ? 1 : -1;
  }
}
