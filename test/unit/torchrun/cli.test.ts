/**
 * `bitnet-lab train --engine torchrun` through its CliCommand, on real
 * PyTorch; and `--emit-slurm`, whose sbatch script is run for real except for
 * SLURM itself: `srun` and `scontrol` are two-line shell stand-ins (there is
 * no SLURM here), so torchrun, the c10d rendezvous and the ranks are real.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/command.js';
import { train } from '../../../src/cli/commands/train.js';
import { isBitnetLabError } from '../../../src/core/errors.js';
import { freePort } from '../../../src/core/nn/torchrun/launch.js';
import { TORCH_PYTHON, torchAvailable } from '../../peers/torch.js';
import { CORPUS, tempDir } from './helpers.js';

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), interactive: false, signal: new AbortController().signal };
}

const SMALL = ['--model', 'lm', '--data', CORPUS, '--steps', '6', '--eval-every', '6', '--batch', '8', '--no-baseline'];

describe('bitnet-lab train --engine torchrun: usage', () => {
  const usage = async (args: string[]): Promise<string> => {
    const e = await train.run(args, io()).catch((x: unknown) => x);
    expect(isBitnetLabError(e) && e.code === 'usage').toBe(true);
    return (e as Error).message;
  };
  it('rejects what the torchrun engine does not do, in one line each', async () => {
    expect(await usage([...SMALL, '--engine', 'jax'])).toContain('--engine must be tfjs or torchrun');
    expect(await usage([...SMALL, '--nproc', '2'])).toContain('--nproc belongs to --engine torchrun');
    expect(await usage(['--model', 'mlp', '--data', 'mnist', '--engine', 'torchrun', '--out', tempDir(), '--python', TORCH_PYTHON])).toContain('trains the language model');
    expect(await usage([...SMALL, '--engine', 'torchrun', '--emit-slurm', '--nproc', '3', '--out', tempDir()])).toContain('batch size 8 is not a multiple of the 3 ranks');
    expect(await usage([...SMALL, '--engine', 'torchrun', '--nnodes', '2', '--node-rank', '2'])).toContain('--node-rank 2 is not below --nnodes 2');
    expect(await usage([...SMALL, '--engine', 'torchrun', '--nnodes', '2', '--out', tempDir(), '--python', TORCH_PYTHON])).toContain('need --rdzv-endpoint');
  });
});

describe.skipIf(!torchAvailable())('bitnet-lab train --engine torchrun', () => {
  it('--json prints the run with its engine, world size, launch command and torch version', async () => {
    const o = io();
    const out = join(tempDir(), 'run');
    const code = await train.run([...SMALL, '--engine', 'torchrun', '--nproc', '2', '--python', TORCH_PYTHON, '--out', out, '--json'], o);
    expect(code).toBe(0);
    const r = JSON.parse(o.out.join(''));
    expect(r.engine).toBe('torchrun');
    expect(r.worldSize).toBe(2);
    expect(r.torchVersion).toMatch(/^1\.13/);
    expect(r.runs.bitnet.steps).toBe(6);
    expect(r.runs.fp).toBeUndefined();
    expect(existsSync(r.runs.bitnet.checkpoint)).toBe(true);
    expect(o.err.join('')).toContain(`launch: ${r.launch}`);
  }, 180_000);

  it('--emit-slurm writes a folder whose sbatch script trains (SLURM stand-ins, real torchrun)', async () => {
    const o = io();
    const out = join(tempDir(), 'cluster-run');
    expect(await train.run([...SMALL, '--engine', 'torchrun', '--emit-slurm', '--nnodes', '2', '--nproc', '4', '--out', out], o)).toBe(0);
    const sbatch = join(out, 'train.sbatch');
    const text = readFileSync(sbatch, 'utf8');
    expect(text).toContain('#SBATCH --nodes=2');
    expect(text).toContain('#SBATCH --gpus-per-node=4');
    expect(o.out.join('')).toContain('sbatch train.sbatch');
    expect(existsSync(join(out, 'metrics.jsonl'))).toBe(false); // nothing trained yet
    execFileSync('bash', ['-n', sbatch]);

    const bin = join(tempDir(), 'bin');
    mkdirSync(bin);
    // srun: drop its own options, run the task here; scontrol: the allocation is this machine.
    writeFileSync(join(bin, 'srun'), '#!/bin/sh\nwhile [ "${1#--}" != "$1" ]; do shift; done\nexec "$@"\n');
    writeFileSync(join(bin, 'scontrol'), '#!/bin/sh\necho 127.0.0.1\n');
    for (const f of ['srun', 'scontrol']) chmodSync(join(bin, f), 0o755);
    execFileSync('bash', [sbatch], {
      cwd: '/',
      stdio: 'ignore',
      timeout: 120_000,
      env: {
        ...process.env, PATH: `${bin}:${process.env.PATH}`, PYTHON: TORCH_PYTHON, RDZV_PORT: String(await freePort()),
        SLURM_SUBMIT_DIR: out, SLURM_JOB_NODELIST: 'node1', SLURM_JOB_NUM_NODES: '1', SLURM_JOB_ID: '4242',
        NPROC_PER_NODE: '2', // 1 node × 2 ranks here; the folder was prepared for 2 × 4 (batch 8 suits both)
      },
    });
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.worldSize).toBe(2);
    expect(run.engine).toBe('torchrun');
    expect(run.runs.bitnet.steps).toBe(6);
  }, 180_000);
});
