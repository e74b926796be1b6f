/**
 * Replays every input that once broke a reader (test/fixtures/fuzz-regressions,
 * saved by the fuzz harness or written to reproduce its finding) under the same
 * guards as the fuzz run: each must end in a report or a BitnetLabError, with
 * no file handle left open and no oversized allocation.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayCorpus } from '../../fuzz/pool.js';

const ROOT = process.cwd();
const CORPUS = join(ROOT, 'test', 'fixtures', 'fuzz-regressions');

describe('fuzz regression corpus', () => {
  it('every saved input ends in a report or a typed error', async () => {
    const names = (await readdir(CORPUS)).filter((n) => !n.startsWith('.') && n !== 'README.md');
    expect(names.length).toBeGreaterThan(0);
    const results = await replayCorpus(ROOT, CORPUS, { workers: 2, timeoutMs: 30_000 });
    expect(results.length).toBe(names.length);
    expect(results.filter((r) => r.outcome === 'finding').map((r) => `${r.path}: ${r.detail}`)).toEqual([]);
    // Inputs whose fix is a specific refusal (see the corpus README) must keep getting it.
    const expected: Record<string, string> = {
      'hf-bitnet-96fc9e49fc': 'typed header',
      'hf-bitnet-b6509832e6': 'typed header',
      'sharded-27fa93558a': 'typed header',
      'tfjs-18318bd5e1': 'typed header',
    };
    for (const r of results) {
      const name = r.path.slice(CORPUS.length + 1);
      if (expected[name] !== undefined) expect(`${name}: ${r.outcome} ${r.detail}`).toBe(`${name}: ${expected[name]}`);
    }
  }, 60_000);
});
