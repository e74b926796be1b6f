/** Validation loss and accuracy / perplexity of a model on a dataset's fixed validation set. */
import type { LinearOptions } from './bitLinear.js';
import type { Dataset } from './data/dataset.js';
import { crossEntropy, type ModelDef } from './model.js';
import type { Params } from './params.js';
import type { Tf } from './tf.js';

export interface Evaluation {
  valLoss: number;
  /** Accuracy in [0, 1] or perplexity exp(valLoss). */
  valMetric: number;
}

export const EVAL_BATCH = 256;

export function evaluate(tf: Tf, model: ModelDef, params: Params, ds: Dataset, quant: LinearOptions, signal?: AbortSignal): Evaluation {
  let lossSum = 0;
  let correct = 0;
  let rows = 0;
  const batch = ds.metricName === 'accuracy' ? EVAL_BATCH : Math.max(1, Math.floor(4096 / (model.family === 'lm' ? 64 : 1)));
  for (const b of ds.valBatches(batch)) {
    if (signal?.aborted) break;
    const n = b.targets.length;
    const [loss, hits] = tf.tidy(() => {
      const logits = model.logits(tf, params, b, quant);
      const l = crossEntropy(tf, logits, b.targets).dataSync()[0]!;
      let h = 0;
      if (ds.metricName === 'accuracy') {
        const pred = tf.argMax(logits, -1).dataSync();
        for (let i = 0; i < n; i++) if (pred[i] === b.targets[i]) h++;
      }
      return [l, h];
    });
    lossSum += loss * n;
    correct += hits;
    rows += n;
  }
  const valLoss = lossSum / Math.max(1, rows);
  return { valLoss, valMetric: ds.metricName === 'accuracy' ? correct / Math.max(1, rows) : Math.exp(valLoss) };
}

/**
 * One set of weights scored twice on the same data: as full precision, and
 * after post-training ternary quantization (PTQ) with the run's weight method
 * and activation setting — the "before QAT" of fine-tuning and the FP / PTQ
 * rows of the comparison report, so both mean exactly the same thing.
 */
export function evaluateFpAndPtq(
  tf: Tf, model: ModelDef, params: Params, ds: Dataset,
  q: Omit<LinearOptions, 'quantize'>, signal?: AbortSignal,
): { fp: Evaluation; ptq: Evaluation } {
  return {
    fp: evaluate(tf, model, params, ds, { ...q, quantize: false }, signal),
    ptq: evaluate(tf, model, params, ds, { ...q, quantize: true }, signal),
  };
}
