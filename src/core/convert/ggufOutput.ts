/**
 * Writes a checkpoint as GGUF v3. BitLinear weights become TQ1_0 / TQ2_0 (one
 * fp16 d = γ in every 256-element block, so the per-tensor scale survives;
 * bitnet-reference.md §4b) or I2_S (float32 γ after the packed bytes, §4c).
 * A weight whose rows do not split into those blocks falls back, on its own,
 * to Q8_0 or F16 holding the same ternary values Q·γ (listed in `fallbacks`).
 * 1-D tensors (norms, biases) become F32, which llama.cpp's norm kernels need
 * (an F16 norm aborts in binary_op; peers.md §2). When writing a model (a
 * GgufModelLayout) or the gguf-f16 baseline, every other float matrix —
 * embeddings, head — is F16; otherwise matrices and integer tensors keep
 * their type. GGUF inputs keep their ggml types byte for byte.
 */
import { BitnetLabError } from '../errors.js';
import type { CheckpointSource, TensorEntry } from '../formats/types.js';
import { encodeFromFloat32, f32ToF16Bits } from '../formats/dtypes.js';
import { GGML_TYPE, ggmlTensorBytes, ggmlTypeByName, LLAMA_FILE_TYPE, rowFitType, type GgmlTypeInfo } from '../formats/gguf/ggmlTypes.js';
import { GgufWriter, type GgufKv, type GgufTensorPlan } from '../formats/gguf/ggufWriter.js';
import { encodeTq1_0, encodeTq1_0FromPatterns } from '../formats/ternary/tq1_0.js';
import { encodeTq2_0, encodeTq2_0FromPatterns } from '../formats/ternary/tq2_0.js';
import { encodeI2s, encodeI2sFromPatterns } from '../formats/ternary/i2s.js';
import { encodeQ8_0 } from '../formats/ternary/q8_0.js';
import { matrixDims } from '../quant/selection.js';
import type { TernaryTensor } from '../quant/types.js';
import { llamaRowOrder, reorderRows } from './headPermutation.js';
import { readTensorValues } from './readTensor.js';
import { copyAs, copyRaw, encodeAs } from './tensorCopy.js';
import type { PlannedTensor, OutputWriter } from './outputWriter.js';
import type { GgufExtraTensor } from './ggufArch.js';

export type GgufTernary = 'TQ1_0' | 'TQ2_0' | 'I2_S';
export type GgufFallback = 'Q8_0' | 'F16';

export interface GgufTensorName {
  name: string;
  /** Heads the rows are permuted over (llama Q/K; headPermutation.ts). */
  permuteHeads?: number;
}

export interface GgufOutputOptions {
  /** The ternary type of quantized weights, or F16 for the unquantized baseline (nothing is quantized). */
  type: GgufTernary | 'F16';
  fallback: GgufFallback;
  kvs: GgufKv[];
  /** GGUF name of each planned tensor (in plan order). */
  names: readonly GgufTensorName[];
  /** Float matrices that are kept become F16 (model exports and the F16 baseline). */
  f16Matrices: boolean;
  /** F32 tensors written after the planned ones (computed, not read: rope_freqs). */
  extraTensors: readonly GgufExtraTensor[];
}

export interface GgufFallbackNote {
  name: string;
  type: GgufFallback;
  reason: string;
}

type Mode =
  /** Ternary codes encoded as `type`. */
  | 'ternary'
  /** Ternary values Q·γ encoded as Q8_0 or F16. */
  | 'fallback'
  /** Stored bytes copied unchanged. */
  | 'raw'
  /** Decoded and re-encoded as F32 or F16. */
  | 'convert';

interface GgufSlot {
  plan: GgufTensorPlan;
  type: GgmlTypeInfo;
  mode: Mode;
  /** GGUF row k = HF row order[k]. */
  order?: Int32Array;
}

const INTEGER_DTYPES = new Set(['BOOL', 'U8', 'I8', 'U16', 'I16', 'U32', 'I32', 'U64', 'I64']);

function quantizedSlot(t: TensorEntry, o: GgufOutputOptions, fallbacks: GgufFallbackNote[]): { type: GgmlTypeInfo; mode: Mode } {
  const ternary = GGML_TYPE[o.type as GgufTernary];
  const { cols } = matrixDims(t.shape);
  const type = rowFitType(ternary, cols, GGML_TYPE[o.fallback]);
  if (type === ternary) return { type, mode: 'ternary' };
  const misfit = (x: GgmlTypeInfo): string => `rows of ${cols} values are not a multiple of ${x.blockElems}, which ${x.name} needs`;
  const why = type.name === o.fallback ? misfit(ternary) : `${misfit(ternary)}, and ${misfit(GGML_TYPE[o.fallback])}`;
  fallbacks.push({ name: t.name, type: type.name as GgufFallback, reason: `${why} (blocks never straddle rows; we never pad); stored as ${type.name}, the same ternary values Q·γ` });
  return { type, mode: 'fallback' };
}

function keptSlot(t: TensorEntry, sourceIsGguf: boolean, f16Matrices: boolean, permuted: boolean): { type: GgmlTypeInfo; mode: Mode } {
  const oneD = t.shape.length <= 1;
  // HF-packed U8 weights decode to floats Q·γ: they are weights, not integers.
  const stored = t.ternary?.packing === 'hf-bitnet' ? undefined : ggmlTypeByName(t.dtype);
  const integer = INTEGER_DTYPES.has(t.dtype) && t.ternary === undefined;
  if (oneD) {
    if (t.dtype === 'F32' && !permuted) return { type: GGML_TYPE.F32, mode: 'raw' };
    if (integer && stored && !permuted) return { type: stored, mode: 'raw' };
    if (sourceIsGguf && stored && t.bytes > 0 && t.dtype !== 'F16' && t.dtype !== 'BF16' && !permuted) return { type: stored, mode: 'raw' };
  } else if (integer) {
    if (stored) return { type: stored, mode: 'raw' };
  } else if (f16Matrices) {
    return { type: GGML_TYPE.F16, mode: t.dtype === 'F16' && !permuted ? 'raw' : 'convert' };
  } else if (stored && (t.bytes > 0 || t.params === 0) && !permuted) {
    return { type: stored, mode: 'raw' };
  }
  if (integer) {
    throw new BitnetLabError('unsupported', `dtype ${t.dtype} has no GGUF equivalent; exclude it or convert it first`, { file: t.file, tensor: t.name });
  }
  // Every other decodable type (F16/BF16 norms, F8, GGUF blocks, tfjs affine
  // uint8) is written as F32, which holds its values exactly.
  return { type: GGML_TYPE.F32, mode: 'convert' };
}

export async function openGgufOutput(
  source: CheckpointSource,
  planned: readonly PlannedTensor[],
  o: GgufOutputOptions,
  out: string,
  signal?: AbortSignal,
): Promise<{ writer: OutputWriter; fallbacks: GgufFallbackNote[] }> {
  const sourceIsGguf = source.format === 'gguf';
  const fallbacks: GgufFallbackNote[] = [];
  const slots: GgufSlot[] = planned.map(({ entry: t, quantize }, i) => {
    const { name, permuteHeads } = o.names[i]!;
    const dims = t.shape.length === 0 ? [1] : [...t.shape].reverse();
    const order = permuteHeads !== undefined ? llamaRowOrder(t.shape[0] ?? 1, permuteHeads) : undefined;
    const s = quantize ? quantizedSlot(t, o, fallbacks) : keptSlot(t, sourceIsGguf, o.f16Matrices, order !== undefined);
    const bytes = s.mode === 'raw' ? t.bytes : ggmlTensorBytes(s.type, t.params, dims[0]!);
    if (bytes === undefined) throw new BitnetLabError('usage', `${t.params} values do not fill whole ${s.type.name} blocks`, { file: source.path, tensor: t.name });
    return { plan: { name, dims, typeId: s.type.id, bytes }, type: s.type, mode: s.mode, ...(order ? { order } : {}) };
  });
  const kvs: GgufKv[] = [...o.kvs];
  if (slots.some((s) => s.mode === 'ternary' || s.type === GGML_TYPE.Q8_0)) {
    kvs.push({ key: 'general.quantization_version', type: 'u32', value: 2 });
  }
  kvs.push({ key: 'general.file_type', type: 'u32', value: LLAMA_FILE_TYPE[o.type]! });
  const extraPlans: GgufTensorPlan[] = o.extraTensors.map((t) => ({ name: t.name, dims: [t.values.length], typeId: GGML_TYPE.F32.id, bytes: 4 * t.values.length }));
  const writer = await GgufWriter.create(out, kvs, [...slots.map((s) => s.plan), ...extraPlans], signal);
  const sink = (b: Uint8Array): Promise<void> => writer.write(b);
  // Encoded tensors go through reused buffers (writes complete before we return).
  let scratch = new Uint8Array(0);
  const scratchOf = (n: number): Uint8Array => {
    if (scratch.length < n) scratch = new Uint8Array(n);
    return scratch.subarray(0, n);
  };
  let codeScratch = new Int8Array(0);
  let halfScratch = new Uint16Array(0);
  const scaleBits = (t: TensorEntry, scale: number): number => {
    const dBits = f32ToF16Bits(scale);
    if ((dBits & 0x7c00) === 0x7c00) throw new BitnetLabError('usage', `scale ${scale} does not fit in fp16`, { file: source.path, tensor: t.name });
    return dBits;
  };
  /** Ternary values Q·γ as Q8_0 or F16; `trit(k)` is element k's trit. */
  const writeFallback = async (slot: GgufSlot, t: TensorEntry, trit: (k: number) => number, scale: number): Promise<void> => {
    const values = new Float32Array(t.params);
    for (let k = 0; k < t.params; k++) values[k] = trit(k) * scale;
    if (slot.type === GGML_TYPE.Q8_0) {
      const bytes = scratchOf(slot.plan.bytes);
      encodeQ8_0(values, t.params / 32, bytes, 0, f32ToF16Bits);
      await writer.write(bytes);
    } else {
      await writer.write(encodeAs('F16', values, t));
    }
  };
  const cols = (t: TensorEntry): number => matrixDims(t.shape).cols;
  return {
    fallbacks,
    writer: {
      async writeQuantized(i, q: TernaryTensor) {
        const t = planned[i]!.entry;
        const slot = slots[i]!;
        const n = t.params;
        let codes = q.codes;
        if (slot.order) {
          if (codeScratch.length < n) codeScratch = new Int8Array(n);
          codes = reorderRows(q.codes.subarray(0, n), cols(t), slot.order, codeScratch.subarray(0, n));
        }
        if (slot.mode === 'fallback') {
          await writeFallback(slot, t, (k) => codes[k]!, q.scale);
        } else if (o.type === 'I2_S') {
          await writer.write(encodeI2s(codes, n, q.scale, scratchOf(slot.plan.bytes)));
        } else {
          const bytes = scratchOf(slot.plan.bytes);
          (o.type === 'TQ1_0' ? encodeTq1_0 : encodeTq2_0)(codes, 0, n / GGML_TYPE[o.type].blockElems, scaleBits(t, q.scale), bytes, 0);
          await writer.write(bytes);
        }
        await writer.endTensor();
      },
      async writeQuantizedPatterns(i, halves, stored, scale) {
        const t = planned[i]!.entry;
        const slot = slots[i]!;
        const n = t.params;
        let h = halves;
        if (slot.order) {
          if (halfScratch.length < n) halfScratch = new Uint16Array(n);
          h = reorderRows(halves.subarray(0, n), cols(t), slot.order, halfScratch.subarray(0, n));
        }
        if (slot.mode === 'fallback') {
          await writeFallback(slot, t, (k) => stored[h[k]!]! - 1, scale);
        } else if (o.type === 'I2_S') {
          await writer.write(encodeI2sFromPatterns(h, n, stored, scale, scratchOf(slot.plan.bytes)));
        } else {
          const bytes = scratchOf(slot.plan.bytes);
          (o.type === 'TQ1_0' ? encodeTq1_0FromPatterns : encodeTq2_0FromPatterns)(h, n / GGML_TYPE[o.type].blockElems, stored, scaleBits(t, scale), bytes, 0);
          await writer.write(bytes);
        }
        await writer.endTensor();
      },
      async writeCopy(i) {
        const t = planned[i]!.entry;
        const slot = slots[i]!;
        const as = slot.type === GGML_TYPE.F16 ? 'F16' : 'F32';
        if (slot.mode === 'raw') {
          await copyRaw(source, t, sink, signal);
        } else if (slot.order) {
          // Rows move across the whole tensor: read it whole (Q/K are at most hidden × hidden).
          const values = await readTensorValues(source, t, signal);
          await writer.write(encodeAs(as, reorderRows(values, cols(t), slot.order, new Float32Array(values.length)), t));
        } else {
          await copyAs(as, source, t, sink, signal);
        }
        await writer.endTensor();
      },
      async commit() {
        for (const t of o.extraTensors) {
          await writer.write(encodeFromFloat32('F32', t.values));
          await writer.endTensor();
        }
        await writer.commit();
      },
      abort: () => writer.abort(),
    },
  };
}
