/**
 * What the trainer needs from a model family: its parameter list and a loss
 * on one batch. Batches are plain typed arrays so datasets never touch tfjs.
 */
import type { LinearOptions } from './bitLinear.js';
import type { ParamSpec, Params } from './params.js';
import type { Scalar, Tensor, Tf } from './tf.js';

export type ModelFamily = 'mlp' | 'lm';

/** One batch: for the MLP `inputs` are pixels [n, 784]; for the LM token ids [n, T]. Targets are class / next-token ids. */
export interface Batch {
  inputs: Float32Array | Int32Array;
  inputShape: number[];
  targets: Int32Array;
}

export interface ModelDef {
  family: ModelFamily;
  specs: ParamSpec[];
  /** Logits [rows, classes] (rows = examples for the MLP, tokens for the LM). */
  logits(tf: Tf, params: Params, batch: Batch, quant: LinearOptions): Tensor;
}

/** Mean softmax cross-entropy (nats) of logits against integer targets. */
export function crossEntropy(tf: Tf, logits: Tensor, targets: Int32Array): Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[logits.shape.length - 1]!;
    const oneHot = tf.oneHot(tf.tensor1d(targets, 'int32'), classes);
    const logp = tf.logSoftmax(logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logp), -1))) as Scalar;
  });
}

export function lossOn(tf: Tf, model: ModelDef, params: Params, batch: Batch, quant: LinearOptions): Scalar {
  return tf.tidy(() => crossEntropy(tf, model.logits(tf, params, batch, quant), batch.targets));
}
