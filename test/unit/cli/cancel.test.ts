/**
 * Ctrl-C as a user presses it: the built `bitnet-lab` (dist/cli.js; run
 * `npm run build` first) gets a real SIGINT while stderr is a pipe. The last
 * progress line must say "cancelled", never a 100 % the work did not reach;
 * the exit code is 130; a `train` cancelled before its first checkpoint leaves
 * no run folder. The bar's own logic is also checked with a fake clock.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/command.js';
import { createProgressBar } from '../../../src/cli/progressBar.js';
import { tempDir } from './harness.js';

const CLI = join(__dirname, '../../../dist/cli.js');

function pipeIo(signal: AbortSignal): { io: CliIo; err: string[] } {
  const err: string[] = [];
  return { io: { stdout: () => undefined, stderr: (t) => void err.push(t), interactive: false, signal }, err };
}

describe('progress bar on a pipe', () => {
  it('ends with "cancelled at N%" when the signal fired, 100 % only when the work finished', () => {
    let t = 0;
    const ac = new AbortController();
    const { io, err } = pipeIo(ac.signal);
    const bar = createProgressBar(io, 'analysing', () => t);
    t = 6000;
    bar.update({ label: 'x', done: 30, total: 100, unit: 'tensors' });
    ac.abort();
    t = 7000;
    bar.done();
    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(/ 30% 30\/100 tensors/);
    expect(err[1]).toBe('analysing cancelled at 30% after 7.0 s\n');
    expect(err.join('')).not.toMatch(/100%/);

    const ok = pipeIo(new AbortController().signal);
    const bar2 = createProgressBar(ok.io, 'analysing', () => t);
    t = 14000;
    bar2.update({ label: 'x', done: 99, total: 100, unit: 'tensors' });
    bar2.done();
    expect(ok.err[1]).toMatch(/100% 100\/100 tensors/);

    const failed = pipeIo(new AbortController().signal);
    const bar3 = createProgressBar(failed.io, 'analysing', () => t);
    t = 21000;
    bar3.update({ label: 'x', done: 10, total: 100, unit: 'tensors' });
    bar3.done('failed');
    expect(failed.err.join('')).not.toMatch(/100%/);
  });
});

describe('SIGINT to the real CLI (stderr a pipe)', () => {
  it.skipIf(!existsSync(CLI))('train: "cancelled", exit 130, no run folder before the first checkpoint', async () => {
    const out = join(tempDir(), 'run');
    const child = spawn(process.execPath, [CLI, 'train', '--model', 'mlp', '--steps', '5000', '--no-baseline', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const interrupted = new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        const before = stderr;
        stderr += d.toString();
        // Interrupt once a progress line shows the run is under way.
        if (!/steps/.test(before) && /steps/.test(stderr)) {
          child.kill('SIGINT');
          resolve();
        }
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    await interrupted;
    expect(code).toBe(130);
    const lines = stderr.trim().split('\n');
    expect(lines.some((l) => /^training mlp cancelled at \d+% after [\d.]+ s$/.test(l)), stderr).toBe(true);
    expect(stderr).not.toMatch(/100%/);
    expect(lines[lines.length - 1]).toBe('error: cancelled by the user');
    expect(stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});
