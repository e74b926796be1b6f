/**
 * llama.cpp's `llama` architecture applies RoPE to interleaved pairs (x[2j],
 * x[2j+1]) where Hugging Face's Llama rotates halves (x[j], x[j + d/2]), so
 * its converter reorders the rows of Q and K inside each head
 * (convert_hf_to_gguf.py `LlamaModel.permute`:
 * `w.reshape(n_head, 2, rows // n_head // 2, cols).swapaxes(1, 2).reshape(rows, cols)`,
 * with n_head_kv for K). We apply the same reordering to weights and biases;
 * `bitnet` / `bitnet-b1.58` use NEOX RoPE and take HF rows as they are.
 */
import { BitnetLabError } from '../errors.js';

/** `source[k]` = the HF row that becomes GGUF row k, for `rows` rows split into `heads` heads. */
export function llamaRowOrder(rows: number, heads: number): Int32Array {
  const headDim = rows / heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw new BitnetLabError('usage', `${rows} rows do not split into ${heads} heads of an even size, which RoPE needs`);
  }
  const half = headDim / 2;
  const order = new Int32Array(rows);
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < half; j++) {
      // After swapaxes(1, 2) row (h, j, i) of the result is row (h, i, j) of the input.
      order[h * headDim + 2 * j] = h * headDim + j;
      order[h * headDim + 2 * j + 1] = h * headDim + half + j;
    }
  }
  return order;
}

type Rows = Int8Array | Uint16Array | Float32Array;

/** Rows of a row-major [rows, cols] matrix in `order` (llamaRowOrder), into `out` (not `src`). */
export function reorderRows<T extends Rows>(src: T, cols: number, order: Int32Array, out: T): T {
  for (let k = 0; k < order.length; k++) out.set(src.subarray(order[k]! * cols, (order[k]! + 1) * cols), k * cols);
  return out;
}
