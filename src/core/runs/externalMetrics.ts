/**
 * Scalars of any trainer's TensorBoard log as bitnet-lab metric points, so an
 * external run draws in the same curves as ours. Tags are matched by the
 * names trainers commonly use (Lightning "train_loss", HF Trainer
 * "train/loss" and "eval/loss", Keras "epoch_loss" / "val_loss", nanoGPT-style
 * "loss" and "lr"). What a run did not log is NaN (null in JSON), never a guess.
 */
import type { EvalPoint, MetricPoint, TrainPoint } from '../nn/metricTypes.js';
import type { ScalarRecord } from './tfevents.js';

const VAL_LOSS = /(^|[/_])(val|valid|validation|eval|test)[/_]?(loss|nll)$/i;
const VAL_ACC = /(^|[/_])(val|valid|validation|eval|test)[/_]?(acc|accuracy)$/i;
const TRAIN_LOSS = /^((train|training|epoch)[/_])?loss$/i;
const LR = /(^|[/_])(lr|learning[_-]?rate)(\/.*)?$/i;
const WD = /(^|[/_])(wd|weight[_-]?decay)$/i;

export function scalarsToPoints(scalars: readonly ScalarRecord[]): MetricPoint[] {
  const bySeries = (re: RegExp): Map<number, number> => {
    const m = new Map<number, number>();
    for (const s of scalars) if (re.test(s.tag)) m.set(s.step, s.value);
    return m;
  };
  const lr = bySeries(LR);
  const wd = bySeries(WD);
  const start = scalars.reduce((t, s) => Math.min(t, s.wallTime), Infinity);
  const latest = (series: Map<number, number>, step: number): number => {
    let best = -Infinity;
    let v = NaN;
    for (const [s, x] of series) if (s <= step && s > best) [best, v] = [s, x];
    return v;
  };
  const out: MetricPoint[] = [];
  for (const s of scalars) {
    if (TRAIN_LOSS.test(s.tag)) {
      out.push({ kind: 'train', step: s.step, loss: s.value, lr: latest(lr, s.step), wd: latest(wd, s.step) } satisfies TrainPoint);
    } else if (VAL_LOSS.test(s.tag) || VAL_ACC.test(s.tag)) {
      const isLoss = VAL_LOSS.test(s.tag);
      out.push({
        kind: 'eval', step: s.step, trainLoss: null,
        valLoss: isLoss ? s.value : NaN,
        // Perplexity only as exp of a loss in nats, which is what these tags hold for language models.
        valMetric: isLoss ? Math.exp(s.value) : s.value,
        metricName: isLoss ? 'perplexity' : 'accuracy',
        lr: latest(lr, s.step), wd: latest(wd, s.step), seconds: s.wallTime - start, layers: [],
      } satisfies EvalPoint);
    }
  }
  return out.sort((a, b) => a.step - b.step);
}
