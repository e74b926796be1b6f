/**
 * The host side of torchrun and followed runs, without VS Code: which Python
 * runs torchrun, the SLURM shape the user types, checkpoint snapshots taken
 * as a run overwrites its checkpoint, what a run folder says about itself,
 * and the conversion of followed updates (metrics.jsonl, TensorBoard
 * scalars) into panel points with resets.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '../../../src/core/formats/safetensors/index.js';
import type { ScalarRecord } from '../../../src/core/runs/tfevents.js';
import { choosePython, SYSTEM_PYTHON } from '../../../src/extension/training/pythonChoice.js';
import { parseShape, shapeProblem } from '../../../src/extension/training/slurmShape.js';
import { checkpointStep, CheckpointSnapshots, SNAPSHOT_FOLDER } from '../../../src/extension/training/checkpointSnapshots.js';
import { engineLabel, readRunSummary } from '../../../src/extension/training/runSummary.js';
import { FollowedPoints } from '../../../src/extension/training/followedPoints.js';
import type { MetricPoint } from '../../../src/protocol/training.js';

const dirs: string[] = [];
const temp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'bitnet-train-runs-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the torchrun interpreter', () => {
  it('takes the setting, then the Python extension, then /usr/bin/python3, then python3', () => {
    expect(choosePython(' /opt/venv/bin/python ', '/x/python', () => true)).toEqual({ path: '/opt/venv/bin/python', source: 'setting' });
    expect(choosePython('', '/x/python', () => true)).toEqual({ path: '/x/python', source: 'python extension' });
    expect(choosePython(undefined, undefined, (p) => p === SYSTEM_PYTHON)).toEqual({ path: '/usr/bin/python3', source: 'system' });
    expect(choosePython('  ', '', () => false)).toEqual({ path: 'python3', source: 'PATH' });
  });
});

describe('SLURM shape', () => {
  it('reads NODESxGPUS and refuses a shape that does not divide the batch', () => {
    expect(parseShape('2x8')).toEqual([2, 8]);
    expect(parseShape(' 4 × 2 ')).toEqual([4, 2]);
    expect(parseShape('8')).toEqual([1, 8]);
    expect(parseShape('0x8')).toBeUndefined();
    expect(parseShape('two')).toBeUndefined();
    expect(shapeProblem(16, 2, 8)).toBeUndefined();
    expect(shapeProblem(16, 4, 8)).toBe('batch size 16 is not a multiple of 4 × 8 = 32 ranks (every rank takes an equal slice of each batch)');
  });
});

async function checkpoint(path: string, step: number, value: number): Promise<void> {
  await writeSafetensors(path, [{ name: 'w', dtype: 'F32', shape: [4], data: new Float32Array(4).fill(value) }], { 'bitnet_lab.step': String(step) });
}

describe('checkpoint snapshots', () => {
  it('keeps one copy per step as the run overwrites its checkpoint, named by the step inside the copy', async () => {
    const dir = temp();
    const snaps = new CheckpointSnapshots(dir, ['bitnet', 'fp']);
    expect(await snaps.poll()).toEqual([]);
    await checkpoint(join(dir, 'bitnet.safetensors'), 10, 1);
    const first = await snaps.poll();
    expect(first.map((s) => [s.run, s.step])).toEqual([['bitnet', 10]]);
    expect(await snaps.poll()).toEqual([]); // unchanged file: nothing new
    await checkpoint(join(dir, 'bitnet.safetensors'), 20, 2);
    await checkpoint(join(dir, 'fp.safetensors'), 20, 3);
    const second = await snaps.poll();
    expect(second.map((s) => [s.run, s.step])).toEqual([['bitnet', 20], ['fp', 20]]);
    expect(readdirSync(join(dir, SNAPSHOT_FOLDER)).sort()).toEqual(['bitnet-step-000010.safetensors', 'bitnet-step-000020.safetensors', 'fp-step-000020.safetensors']);
    // Each copy holds its own step's weights, not the latest.
    expect(await checkpointStep(first[0]!.path)).toBe(10);
    const { openSafetensors } = await import('../../../src/core/formats/safetensors/index.js');
    const f = await openSafetensors(first[0]!.path);
    expect(f.metadata['bitnet_lab.step']).toBe('10');
    await f.close();
  });

  it('ignores a file without a step (not one of our checkpoints)', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'bitnet.safetensors'), 'not safetensors');
    expect(await new CheckpointSnapshots(dir, ['bitnet']).poll()).toEqual([]);
  });
});

describe('run folder summary', () => {
  it('names the engine from run.json, or a torchrun run still training from job.json', async () => {
    expect(engineLabel('torchrun', 2, undefined, 'gloo')).toBe('PyTorch torchrun · 2 ranks (gloo)');
    expect(engineLabel('tfjs', undefined, 'wasm')).toBe('tfjs (wasm)');
    const dir = temp();
    expect(await readRunSummary(dir)).toBeUndefined();
    writeFileSync(join(dir, 'job.json'), JSON.stringify({ steps: 20 }));
    writeFileSync(join(dir, 'train_bitnet.py'), '');
    expect(await readRunSummary(dir)).toEqual({ engine: 'PyTorch torchrun (training)', finished: false, steps: 20, checkpoints: {} });
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ engine: 'torchrun', worldSize: 2, distBackend: 'gloo', launch: 'cd x && torchrun', config: { steps: 20 }, runs: { bitnet: { checkpoint: '/r/bitnet.safetensors' } } }));
    expect(await readRunSummary(dir)).toEqual({ engine: 'PyTorch torchrun · 2 ranks (gloo)', finished: true, steps: 20, launch: 'cd x && torchrun', checkpoints: { bitnet: '/r/bitnet.safetensors' } });
  });
});

describe('followed updates → panel points', () => {
  const scalar = (tag: string, step: number, value: number): ScalarRecord => ({ tag, step, value, wallTime: 1e9 + step, file: '/tb/events.out.tfevents.1' });
  const train = (step: number, loss: number): MetricPoint => ({ kind: 'train', step, loss, lr: 0.1, wd: 0 });

  it('passes metrics.jsonl points through, and a rewrite as a reset', () => {
    const f = new FollowedPoints();
    expect(f.apply({ points: { bitnet: [train(1, 2)] }, scalars: [], restarted: false })).toEqual({ reset: false, add: [{ run: 'bitnet', points: [train(1, 2)] }], source: 'metrics' });
    expect(f.apply({ points: { bitnet: [train(1, 3)] }, scalars: [], restarted: true }).reset).toBe(true);
  });

  it('sends only what extends the scalars already sent; a late learning rate that changes earlier points resets', () => {
    const f = new FollowedPoints();
    const a = f.apply({ points: {}, scalars: [scalar('train/loss', 1, 2.5), scalar('lr', 0, 0.1)], restarted: false });
    expect(a.source).toBe('events');
    expect(a.reset).toBe(false);
    expect(a.add[0]!.points).toEqual([{ kind: 'train', step: 1, loss: 2.5, lr: 0.1, wd: NaN }]);
    const b = f.apply({ points: {}, scalars: [scalar('train/loss', 2, 2.0)], restarted: false });
    expect(b.reset).toBe(false);
    expect(b.add[0]!.points.map((p) => p.step)).toEqual([2]);
    // A learning rate logged for step 1 after the fact changes point 1: everything again, after a reset.
    const c = f.apply({ points: {}, scalars: [scalar('lr', 1, 0.05)], restarted: false });
    expect(c.reset).toBe(true);
    expect(c.add[0]!.points.map((p) => [p.step, (p as { lr: number }).lr])).toEqual([[1, 0.05], [2, 0.05]]);
    const d = f.apply({ points: {}, scalars: [scalar('train/loss', 1, 9)], restarted: true });
    expect(d.reset).toBe(true);
    expect(d.add[0]!.points).toEqual([{ kind: 'train', step: 1, loss: 9, lr: NaN, wd: NaN }]);
  });
});
