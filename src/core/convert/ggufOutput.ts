/**
 * Writes a quantized checkpoint as GGUF v3: BitLinear weights as TQ1_0 / TQ2_0
 * (one fp16 d = γ in every 256-element block, so the per-tensor scale
 * survives; bitnet-reference.md §4b) or I2_S (float32 γ after the packed
 * bytes, §4c); everything else copied. 1-D tensors (norms) become F32 as
 * llama.cpp expects; F32/F16/BF16 matrices and integer tensors keep their
 * type; GGUF inputs keep their ggml types byte for byte.
 */
import { BitnetLabError } from '../errors.js';
import type { CheckpointSource, TensorEntry } from '../formats/types.js';
import { f32ToF16Bits } from '../formats/dtypes.js';
import { GGML_TYPES } from '../formats/gguf/ggmlTypes.js';
import { GgufWriter, type GgufTensorPlan } from '../formats/gguf/ggufWriter.js';
import type { GgufEntry } from '../formats/gguf/ggufValue.js';
import { llamaCppName } from '../formats/gguf/llamaNames.js';
import { encodeTq1_0, encodeTq1_0FromPatterns } from '../formats/ternary/tq1_0.js';
import { encodeTq2_0, encodeTq2_0FromPatterns } from '../formats/ternary/tq2_0.js';
import { encodeI2s, encodeI2sFromPatterns } from '../formats/ternary/i2s.js';
import { matrixDims } from '../quant/selection.js';
import type { TernaryTensor } from '../quant/types.js';
import { copyAs, copyRaw } from './tensorCopy.js';
import type { PlannedTensor, OutputWriter } from './outputWriter.js';

type GgufTernary = 'TQ1_0' | 'TQ2_0' | 'I2_S';

const TYPE_ID_BY_NAME = new Map<string, number>([...GGML_TYPES].map(([id, info]) => [info.name, id]));
TYPE_ID_BY_NAME.set('I2_S', 36);

/** llama_ftype values (llama.h; I2_S from the BitNet fork), informational only. */
const FILE_TYPE: Record<GgufTernary, number> = { TQ1_0: 36, TQ2_0: 37, I2_S: 40 };

interface GgufSlot {
  plan: GgufTensorPlan;
  mode: 'quantize' | 'raw' | 'f32';
}

function outputType(format: GgufTernary): { id: number; bytes: (n: number) => number } {
  if (format === 'TQ1_0') return { id: 34, bytes: (n) => (n / 256) * 54 };
  if (format === 'TQ2_0') return { id: 35, bytes: (n) => (n / 256) * 66 };
  return { id: 36, bytes: (n) => n / 4 + 32 };
}

function checkQuantizable(format: GgufTernary, t: TensorEntry, file: string): void {
  const { cols } = matrixDims(t.shape);
  if (format !== 'I2_S' && cols % 256 !== 0) {
    throw new BitnetLabError(
      'usage',
      `rows of ${cols} values are not a multiple of 256, which ${format} needs (its blocks never straddle rows); exclude this tensor (--exclude) or use --format gguf-i2_s / hf-bitnet — we never pad silently`,
      { file, tensor: t.name },
    );
  }
  if (format === 'I2_S' && t.params % 128 !== 0) {
    throw new BitnetLabError('usage', `${t.params} values are not a multiple of 128, which I2_S's 128-element blocks need`, { file, tensor: t.name });
  }
}

function copySlot(t: TensorEntry, name: string, dims: number[], sourceIsGguf: boolean, file: string): GgufSlot {
  const oneD = t.shape.length <= 1;
  if (sourceIsGguf) {
    const id = TYPE_ID_BY_NAME.get(t.dtype);
    if (id !== undefined && t.bytes > 0 && !(oneD && (t.dtype === 'F16' || t.dtype === 'BF16'))) {
      return { plan: { name, dims, typeId: id, bytes: t.bytes }, mode: 'raw' };
    }
  } else if (!oneD || t.dtype === 'F32') {
    const id = ({ F32: 0, F16: 1, BF16: 30, I8: 24, I16: 25, I32: 26, I64: 27, F64: 28 } as Record<string, number>)[t.dtype];
    if (id !== undefined) return { plan: { name, dims, typeId: id, bytes: t.bytes }, mode: 'raw' };
  }
  if (['U8', 'U16', 'U32', 'U64', 'BOOL'].includes(t.dtype)) {
    throw new BitnetLabError('unsupported', `dtype ${t.dtype} has no GGUF equivalent; exclude it or convert it first`, { file, tensor: t.name });
  }
  // Every other decodable type (F16/BF16 norms, F8, GGUF blocks, tfjs affine
  // uint8) is written as F32, which holds its values exactly.
  return { plan: { name, dims, typeId: 0, bytes: t.params * 4 }, mode: 'f32' };
}

export async function openGgufOutput(
  source: CheckpointSource,
  planned: readonly PlannedTensor[],
  format: GgufTernary,
  kvs: GgufEntry[],
  out: string,
  signal?: AbortSignal,
): Promise<OutputWriter> {
  const sourceIsGguf = source.format === 'gguf';
  const ot = outputType(format);
  const slots: GgufSlot[] = planned.map(({ entry: t, quantize }) => {
    const name = sourceIsGguf ? t.name : llamaCppName(t.name);
    const dims = t.shape.length === 0 ? [1] : [...t.shape].reverse();
    if (quantize) {
      checkQuantizable(format, t, source.path);
      return { plan: { name, dims, typeId: ot.id, bytes: ot.bytes(t.params) }, mode: 'quantize' };
    }
    return copySlot(t, name, dims, sourceIsGguf, source.path);
  });
  const anyQuantized = slots.some((s) => s.mode === 'quantize');
  const allKvs: GgufEntry[] = [...kvs];
  if (anyQuantized) {
    allKvs.push({ key: 'general.quantization_version', type: 'u32', value: 2 });
    allKvs.push({ key: 'general.file_type', type: 'u32', value: FILE_TYPE[format] });
  }
  const writer = await GgufWriter.create(out, allKvs, slots.map((s) => s.plan), signal);
  const sink = (b: Uint8Array): Promise<void> => writer.write(b);
  // Encoded tensors go through one reused buffer (writes complete before we return).
  let scratch = new Uint8Array(0);
  const scratchOf = (n: number): Uint8Array => {
    if (scratch.length < n) scratch = new Uint8Array(n);
    return scratch.subarray(0, n);
  };
  const scaleBits = (t: TensorEntry, scale: number): number => {
    const dBits = f32ToF16Bits(scale);
    if ((dBits & 0x7c00) === 0x7c00) throw new BitnetLabError('usage', `scale ${scale} does not fit in fp16`, { file: source.path, tensor: t.name });
    return dBits;
  };
  return {
    async writeQuantized(i, q: TernaryTensor) {
      const t = planned[i]!.entry;
      const n = t.params;
      let bytes: Uint8Array;
      if (format === 'I2_S') {
        bytes = encodeI2s(q.codes, n, q.scale, scratchOf(ot.bytes(n)));
      } else {
        const dBits = scaleBits(t, q.scale);
        bytes = scratchOf(ot.bytes(n));
        (format === 'TQ1_0' ? encodeTq1_0 : encodeTq2_0)(q.codes, 0, n / 256, dBits, bytes, 0);
      }
      await writer.write(bytes);
      await writer.endTensor();
    },
    async writeQuantizedPatterns(i, halves, stored, scale) {
      const t = planned[i]!.entry;
      const n = t.params;
      let bytes: Uint8Array;
      if (format === 'I2_S') {
        bytes = encodeI2sFromPatterns(halves, n, stored, scale, scratchOf(ot.bytes(n)));
      } else {
        const dBits = scaleBits(t, scale);
        bytes = scratchOf(ot.bytes(n));
        (format === 'TQ1_0' ? encodeTq1_0FromPatterns : encodeTq2_0FromPatterns)(halves, n / 256, stored, dBits, bytes, 0);
      }
      await writer.write(bytes);
      await writer.endTensor();
    },
    async writeCopy(i) {
      const t = planned[i]!.entry;
      if (slots[i]!.mode === 'raw') await copyRaw(source, t, sink, signal);
      else await copyAs('F32', source, t, sink, signal);
      await writer.endTensor();
    },
    commit: () => writer.commit(),
    abort: () => writer.abort(),
  };
}
