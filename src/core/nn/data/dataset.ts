/** A dataset as the trainer sees it: deterministic training batches by step, and a fixed validation set. */
import type { Batch } from '../model.js';

export interface Dataset {
  name: string;
  metricName: 'accuracy' | 'perplexity';
  /** Output classes (10 digits, or the vocabulary size). */
  classes: number;
  trainSize: number;
  valSize: number;
  /** Plain-data description recorded with the run. */
  describe: Record<string, string | number>;
  /** Batch for update `step`; a pure function of (seed, step), so resumed runs see the same data. */
  trainBatch(seed: number, step: number, batchSize: number): Batch;
  /** The whole validation set, in a fixed order. */
  valBatches(batchSize: number): Iterable<Batch>;
}
