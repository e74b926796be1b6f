/**
 * The float32 baseline the ternary kernel is measured against: tfjs matMul on
 * the active backend. Weights are stored [in, out] and multiplied as
 * matMul(x, W), the layout tfjs-wasm is fastest with (the transposed form is
 * 5–9× slower there, docs/vscode-and-tfjs.md §1).
 */
import type * as TF from '@tensorflow/tfjs';

export interface FloatLayer {
  /** y = x · W for the stored x; returns after the result is read back. */
  run(): Float32Array;
  dispose(): void;
}

/**
 * w: row-major [in, out] float32; x: row-major [batch, in].
 * Both are copied into tfjs tensors once; run() times only the product.
 */
export function prepareFloatLayer(tf: typeof TF, w: Float32Array, out: number, inFeatures: number, x: Float32Array, batch: number): FloatLayer {
  const W = tf.tensor2d(w, [inFeatures, out]);
  const X = tf.tensor2d(x, [batch, inFeatures]);
  return {
    run() {
      const y = tf.matMul(X, W);
      const data = y.dataSync() as Float32Array;
      y.dispose();
      return data;
    },
    dispose() {
      W.dispose();
      X.dispose();
    },
  };
}

/** Dequantized weights codes·γ transposed into the [in, out] layout. */
export function dequantizedInOut(codes: Int8Array, out: number, inFeatures: number, gamma: number): Float32Array {
  const w = new Float32Array(out * inFeatures);
  for (let r = 0; r < out; r++) {
    for (let j = 0; j < inFeatures; j++) w[j * out + r] = codes[r * inFeatures + j]! * gamma;
  }
  return w;
}
