/**
 * Token embedding as a row gather with a scatter-add gradient, on typed
 * arrays: out[r] = E[ids[r]], dE[v] = Σ_{r: ids[r] = v} dy[r].
 *
 * Why not tfjs: the wasm backend has no UnsortedSegmentSum, so tf.gather has
 * no gradient there, and the one-hot matmul that stood in for it
 * ([b·t, vocab] × [vocab, d], forward and both gradients) cost as much as a
 * transformer layer's projections.
 */
import type { CustomGradFn, Tensor, Tf } from './tf.js';

/** Rows of `table` [vocab, d] picked by `ids` → [ids.length, d]; differentiable in the table. */
export function embedRows(tf: Tf, table: Tensor, ids: Int32Array): Tensor {
  const [vocab, d] = table.shape as [number, number];
  for (const id of ids) if (!(id >= 0 && id < vocab)) throw new Error(`internal: token id ${id} outside the vocabulary of ${vocab}`);
  const f = tf.customGrad(((e: Tensor, save: (t: Tensor[]) => void) => {
    save([]);
    const src = e.dataSync() as Float32Array;
    const out = new Float32Array(ids.length * d);
    for (let r = 0; r < ids.length; r++) out.set(src.subarray(ids[r]! * d, ids[r]! * d + d), r * d);
    return {
      value: tf.tensor2d(out, [ids.length, d]),
      gradFunc: (dy: Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const dE = new Float32Array(vocab * d);
        for (let r = 0; r < ids.length; r++) {
          const o = ids[r]! * d;
          const s = r * d;
          for (let j = 0; j < d; j++) dE[o + j] += g[s + j]!;
        }
        return tf.tensor2d(dE, [vocab, d]);
      },
    };
  }) as unknown as CustomGradFn);
  return f(table);
}
