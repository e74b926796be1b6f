/** A small LM run and temp folders shared by the torchrun tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { defaultTrainConfig, type TrainConfig } from '../../../src/core/nn/config.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'bitnet-torchrun-'));
  dirs.push(d);
  return d;
}

/** Real text: this repository's README and licence. */
export const CORPUS = join(__dirname, '../../../README.md');

export function smallLm(steps: number): TrainConfig {
  const c = defaultTrainConfig('lm', CORPUS);
  c.lm = { ...c.lm, dModel: 32, layers: 1, heads: 2, kvHeads: 2, ffnDim: 64, context: 32 };
  c.steps = steps;
  c.batchSize = 8;
  c.evalEvery = steps;
  c.logEvery = 1;
  c.text = { ...c.text, valTokens: 1024, blockBytes: 1024 };
  c.bitnet.warmupSteps = 2;
  c.fp.warmupSteps = 2;
  return c;
}
