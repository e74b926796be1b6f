/**
 * Memory model: the checkpoint's bytes as stored, and as they would be with
 * every quantizable weight stored in another format. Tensors that are not
 * quantized (embeddings, norms, head, biases) count as stored in every column.
 *
 * Per quantizable weight with logical shape flattened to [out, in]
 * (in = last dim, selection.ts) and n = out·in parameters:
 *   f32        4·n
 *   f16        2·n                      (BF16 is the same size)
 *   int8       n + 4                    (one float32 per-tensor scale)
 *   hfBitnet   ⌈out/4⌉·in + 2           (transformers pack_weights: 4 trits per byte along out; one BF16 weight_scale)
 *   tq2_0      n/256·66                 (GGUF TQ2_0: 256 weights in 66 B = 2.0625 bpw)
 *   tq1_0      n/256·54                 (GGUF TQ1_0: 256 weights in 54 B = 1.6875 bpw)
 *   i2_s       n/4 + 32                 (bitnet.cpp I2_S: 2 bits per weight + 32 B holding the float32 scale)
 * GGUF blocks never straddle rows, so a weight whose rows (in) do not split
 * into a type's blocks is counted as what the exporter writes instead:
 * Q8_0 (34 B per 32) or F16 (rowFitType in the ggml type registry).
 *   ideal      n·log2(3)/8              (entropy bound of a uniform ternary code)
 * (bitnet-reference.md §0 items 5–8; block sizes from the ggml type registry, ggmlTypes.ts.)
 *
 * Tensors that only hold quantization scales (HF `weight_scale`) are left out
 * of every column except asStored: each target format counts its own scale.
 * Parameter counts come from TensorEntry.params, which is already the logical
 * count for packed checkpoints (a U8 [out/4, in] HF weight holds out·in).
 */
import type { MemoryByFormat } from './report.js';
import { matrixDims } from '../quant/selection.js';
import { GGML_TYPE, ggmlTensorBytes, rowFitType, type GgmlTypeInfo } from '../formats/gguf/ggmlTypes.js';

export interface MemoryInput {
  shape: readonly number[];
  params: number;
  /** Bytes as stored in the file. */
  bytes: number;
  quantized: boolean;
  /** True for a tensor that is only a quantization scale of another one. */
  isScale?: boolean;
}

export const LOG2_3 = Math.log2(3);

/** Bytes of one quantizable weight in each target format. */
export function quantizedWeightBytes(shape: readonly number[], params: number): Omit<MemoryByFormat, 'asStored'> {
  const { rows, cols } = matrixDims(shape);
  const gguf = (t: GgmlTypeInfo): number => ggmlTensorBytes(rowFitType(t, cols), params, cols)!;
  return {
    f32: 4 * params,
    f16: 2 * params,
    int8: params + 4,
    hfBitnet: Math.ceil(rows / 4) * cols + 2,
    tq2_0: gguf(GGML_TYPE.TQ2_0),
    tq1_0: gguf(GGML_TYPE.TQ1_0),
    i2_s: gguf(GGML_TYPE.I2_S),
    ideal: (params * LOG2_3) / 8,
  };
}

export function emptyMemory(): MemoryByFormat {
  return { asStored: 0, f32: 0, f16: 0, int8: 0, hfBitnet: 0, tq2_0: 0, tq1_0: 0, i2_s: 0, ideal: 0 };
}

/** The columns a quantizable weight changes; asStored is the file as it is. */
const TARGET_FORMATS = ['f32', 'f16', 'int8', 'hfBitnet', 'tq2_0', 'tq1_0', 'i2_s', 'ideal'] as const;

/** Add one tensor to running totals. */
export function addToMemory(total: MemoryByFormat, t: MemoryInput): void {
  total.asStored += t.bytes;
  if (t.isScale) return;
  const q = t.quantized ? quantizedWeightBytes(t.shape, t.params) : undefined;
  for (const f of TARGET_FORMATS) total[f] += q ? q[f] : t.bytes;
}

export function memoryModel(tensors: readonly MemoryInput[]): MemoryByFormat {
  const total = emptyMemory();
  for (const t of tensors) addToMemory(total, t);
  return total;
}
