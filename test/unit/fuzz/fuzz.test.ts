/**
 * The short deterministic fuzz run inside `npm test` (issue 7): 300 cases per
 * reader, fixed seed, two worker threads. Every case must end in a report or
 * a BitnetLabError — a finding prints the mutations that made it and where
 * its input was saved (replay it with the regression test once fixed).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCase } from '../../fuzz/mutate.js';
import { runFuzz } from '../../fuzz/pool.js';
import { buildSeeds, FUZZ_FORMATS } from '../../fuzz/seeds.js';
import { mkdtemp, rm } from 'node:fs/promises';

const ROOT = process.cwd();

describe('fuzz harness', () => {
  it('rebuilds the same case from (seed, format, index) and different cases otherwise', async () => {
    const work = await mkdtemp(join(tmpdir(), 'bitnet-lab-fuzz-seeds-'));
    try {
      const seeds = await buildSeeds(work, ROOT);
      for (const format of FUZZ_FORMATS) {
        const a = makeCase(seeds, 's', format, 7);
        const b = makeCase(seeds, 's', format, 7);
        expect(b.mutations).toEqual(a.mutations);
        expect(b.files.map((f) => Buffer.from(f.bytes).toString('base64'))).toEqual(a.files.map((f) => Buffer.from(f.bytes).toString('base64')));
        const distinct = new Set(Array.from({ length: 20 }, (_, i) => makeCase(seeds, 's', format, i).mutations.join(';')));
        expect(distinct.size).toBeGreaterThan(10);
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('300 cases per reader end in a report or a typed error', async () => {
    const result = await runFuzz({ repoRoot: ROOT, formats: FUZZ_FORMATS, cases: 300, runSeed: 'npm-test', workers: 2, timeoutMs: 30_000 });
    const lines = result.findings.map((f) => `${f.format} #${f.index}: ${f.detail}\n  ${f.mutations.join('; ')}`);
    expect(lines).toEqual([]);
    for (const format of FUZZ_FORMATS) {
      const c = result.counts[format]!;
      expect(c.cases).toBe(300);
      // Both outcomes must occur, or the mutations are too weak (all rejected) or not applied (all accepted).
      expect(c.reports).toBeGreaterThan(0);
      expect(c.typed).toBeGreaterThan(0);
    }
  }, 120_000);
});
