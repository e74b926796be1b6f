import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWriterTempOf, removeCrashedWriterTemps } from '../../../src/jobs/crashLeftovers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bitnet-leftovers-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const touch = (...parts: string[]): string => {
  const p = join(dir, ...parts);
  writeFileSync(p, 'x');
  return p;
};

describe('temp files a killed job process leaves', () => {
  it('recognises only the atomic writer temp names of the given pid', () => {
    expect(isWriterTempOf('.model.gguf.4242-0a1b2c3d.tmp', 4242)).toBe(true);
    expect(isWriterTempOf('.model.gguf.14242-0a1b2c3d.tmp', 4242)).toBe(false);
    expect(isWriterTempOf('.model.gguf.4242-0a1b2c3d.tmp', 424)).toBe(false);
    expect(isWriterTempOf('model.gguf.4242-0a1b2c3d.tmp', 4242)).toBe(false);
    expect(isWriterTempOf('.model.gguf.4242-0a1b2c3.tmp', 4242)).toBe(false);
    expect(isWriterTempOf('.model.gguf.4242-0a1b2c3d.tmp.bak', 4242)).toBe(false);
  });

  it('removes the dead process temp files (two folder levels down), and nothing else', async () => {
    mkdirSync(join(dir, 'bitnet-ternary', 'deep', 'deeper'), { recursive: true });
    const dead = [touch('.bitnet.safetensors.77-deadbeef.tmp'), touch('bitnet-ternary', '.model.safetensors.77-00000001.tmp'), touch('bitnet-ternary', 'deep', '.x.77-00000002.tmp')];
    const kept = [
      touch('bitnet.safetensors'),
      touch('.bitnet.safetensors.78-deadbeef.tmp'), // a live writer of another process
      touch('notes.tmp'),
      touch('bitnet-ternary', 'deep', 'deeper', '.y.77-00000003.tmp'), // beyond the sweep's depth
    ];
    const removed = await removeCrashedWriterTemps(dir, 77);
    expect(removed.sort()).toEqual(dead.sort());
    for (const p of dead) expect(existsSync(p)).toBe(false);
    for (const p of kept) expect(existsSync(p)).toBe(true);
  });

  it('is a no-op for a missing folder or an unknown pid', async () => {
    touch('.a.1-00000000.tmp');
    expect(await removeCrashedWriterTemps(join(dir, 'missing'), 1)).toEqual([]);
    expect(await removeCrashedWriterTemps(dir, undefined)).toEqual([]);
    expect(existsSync(join(dir, '.a.1-00000000.tmp'))).toBe(true);
  });
});
