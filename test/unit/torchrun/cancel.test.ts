/**
 * Stopping a torchrun run: a cancel through the engine's AbortSignal (what
 * Ctrl-C in the CLI and Cancel in VS Code do), and a terminal's Ctrl-C that
 * hits torchrun and every rank at once (SIGINT to the whole process group).
 * Both must stop every rank and leave only complete files. Also: an
 * interpreter without torch gets one line that names it.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBitnetLabError } from '../../../src/core/errors.js';
import { openSafetensors } from '../../../src/core/formats/safetensors/index.js';
import { trainTorchrun } from '../../../src/core/nn/torchrun/engine.js';
import { freePort, runTorchrun, torchrunArgv } from '../../../src/core/nn/torchrun/launch.js';
import { prepareTorchrunRun } from '../../../src/core/nn/torchrun/runFolder.js';
import { probeTorch } from '../../../src/core/nn/torchrun/torchProbe.js';
import { TORCH_PYTHON, torchAvailable } from '../../peers/torch.js';
import { smallLm, tempDir } from './helpers.js';

/** Processes whose working folder is `dir`: torchrun and its ranks run in the run folder. */
function processesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readlinkSync(`/proc/${p}/cwd`) === dir) pids.push(Number(p));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** Every file is complete: no temp file is left and each safetensors file opens. */
async function expectOnlyCompleteFiles(dir: string): Promise<void> {
  const files = readdirSync(dir);
  expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  for (const f of files.filter((x) => x.endsWith('.safetensors'))) await (await openSafetensors(join(dir, f))).close();
}

const busyRun = () => {
  const c = smallLm(5000);
  c.checkpointEvery = 1; // a write in flight at almost any moment
  c.evalEvery = 5000;
  return c;
};

describe.skipIf(!torchAvailable())('stopping a torchrun run', () => {
  it('cancel via AbortSignal stops every rank and leaves no partial file', async () => {
    const out = tempDir();
    const ac = new AbortController();
    let err: unknown;
    let pidsWhileRunning: number[] = [];
    try {
      await trainTorchrun(busyRun(), {
        out, python: TORCH_PYTHON, signal: ac.signal, topology: { nprocPerNode: 2, nnodes: 1, nodeRank: 0 },
        onProgress: (e) => {
          if (e.done >= 3 && !ac.signal.aborted) {
            pidsWhileRunning = processesIn(out);
            ac.abort();
          }
        },
      });
    } catch (e) {
      err = e;
    }
    expect(isBitnetLabError(err) && err.code === 'cancelled').toBe(true);
    expect(pidsWhileRunning.length).toBeGreaterThanOrEqual(3); // torchrun + 2 ranks
    expect(processesIn(out)).toEqual([]);
    await expectOnlyCompleteFiles(out);
    expect(readdirSync(out)).not.toContain('run.json');
  }, 180_000);

  it('a cancel before the first checkpoint leaves no folder behind', async () => {
    const out = join(tempDir(), 'never');
    const ac = new AbortController();
    const err = await trainTorchrun(busyRun(), { out, python: TORCH_PYTHON, signal: ac.signal, onLaunch: () => ac.abort() }).catch((e: unknown) => e);
    expect(isBitnetLabError(err) && err.code === 'cancelled').toBe(true);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('Ctrl-C in a terminal (SIGINT to torchrun and every rank) stops them all cleanly', async () => {
    const out = tempDir();
    await prepareTorchrunRun(busyRun(), out, { worldSize: 2 });
    const argv = torchrunArgv(TORCH_PYTHON, { nprocPerNode: 2, nnodes: 1, nodeRank: 0 }, `127.0.0.1:${await freePort()}`);
    const child = spawn(argv[0]!, argv.slice(1), { cwd: out, detached: true, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Wait for a few checkpoints, then Ctrl-C the whole foreground group as a terminal does.
    for (let i = 0; i < 600 && !readdirSync(out).includes('bitnet.optim.safetensors'); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    expect(processesIn(out).length).toBeGreaterThanOrEqual(3);
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    expect(code).not.toBe(0);
    // torchrun waits for its ranks before it exits; give the kernel a moment to reap them.
    await new Promise((r) => setTimeout(r, 300));
    expect(processesIn(out)).toEqual([]);
    await expectOnlyCompleteFiles(out);
  }, 180_000);
});

describe('an interpreter that cannot run the script', () => {
  it('without torch: one line naming the interpreter', async () => {
    // A real Python whose site-packages (where Debian puts torch) are switched off.
    const python = join(tempDir(), 'python-without-torch');
    writeFileSync(python, `#!/bin/sh\nexec ${TORCH_PYTHON} -S "$@"\n`);
    chmodSync(python, 0o755);
    const err = await probeTorch(python).catch((e: unknown) => e);
    expect(isBitnetLabError(err)).toBe(true);
    const msg = (err as Error).message;
    expect(msg.split('\n')).toHaveLength(1);
    expect(msg).toContain(python);
    expect(msg).toContain("No module named 'torch'");
    expect(msg).toContain('PyTorch >= 1.13');
  });

  it('missing interpreter: one line naming it; the run folder is not written', async () => {
    const out = tempDir();
    const python = join(out, 'no-such-python');
    const err = await trainTorchrun(smallLm(2), { out, python }).catch((e: unknown) => e);
    expect(isBitnetLabError(err)).toBe(true);
    expect((err as Error).message).toBe(`Python interpreter ${python}: not found (choose one with --python PATH)`);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe.skipIf(!torchAvailable())('a run that fails', () => {
  it('surfaces the script\'s own error line, not torchrun\'s traceback', async () => {
    const out = tempDir();
    await prepareTorchrunRun(smallLm(4), out, { worldSize: 1 });
    // The folder was prepared for batch 8; 3 ranks cannot share it.
    const argv = torchrunArgv(TORCH_PYTHON, { nprocPerNode: 3, nnodes: 1, nodeRank: 0 }, `127.0.0.1:${await freePort()}`);
    const err = await runTorchrun(out, argv, 'test').catch((e: unknown) => e);
    expect(isBitnetLabError(err)).toBe(true);
    expect((err as Error).message).toBe(`${out}: torchrun failed (exit code 1): batch size 8 is not a multiple of the world size 3`);
    expect(processesIn(out)).toEqual([]);
  }, 120_000);
});
