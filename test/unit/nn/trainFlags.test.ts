/**
 * The house rules of `bitnet-lab train`, through the CLI's own entry point:
 * bad flag values end in one line of ours (exit 2 for a usage mistake, 1 for
 * bad data), a cancelled run leaves no folder unless a resumable checkpoint
 * was written, and `--resume DIR --steps N` extends a finished run.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/command.js';
import { main } from '../../../src/cli/main.js';
import { defaultTrainConfig } from '../../../src/core/nn/config.js';
import { trainRun } from '../../../src/core/nn/trainer.js';
import { isBitnetLabError } from '../../../src/core/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'bitnet-train-flags-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const corpus = join(tmp, 'corpus.txt');
writeFileSync(corpus, 'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse. '.repeat(40));
const empty = join(tmp, 'empty.txt');
writeFileSync(empty, '');
const TINY_LM = ['--model', 'lm', '--data', corpus, '--d-model', '16', '--layers', '1', '--heads', '2', '--ffn', '32', '--context', '8', '--batch', '4'];

async function cli(argv: string[], signal = new AbortController().signal): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), interactive: false, signal };
  const code = await main(['train', ...argv], io);
  return { code, out: out.join(''), err: err.join('') };
}

describe('bad values for train\'s flags', () => {
  const usage: string[][] = [
    ['--model', 'mlp', '--steps', '-3'],
    ['--model', 'mlp', '--steps', '0'],
    ['--model', 'mlp', '--steps', '2.5'],
    ['--model', 'mlp', '--steps', 'many'],
    ['--model', 'mlp', '--steps', '99999999999'],
    ['--model', 'mlp', '--batch', '-16'],
    ['--model', 'mlp', '--seed', '-1'],
    ['--model', 'mlp', '--eval-every', '-1'],
    ['--model', 'mlp', '--checkpoint-every', '-5'],
    ['--model', 'mlp', '--lr', '-1e-3'],
    ['--model', 'mlp', '--fp-lr', 'NaN'],
    ['--model', 'mlp', '--lr2', 'Infinity'],
    ['--model', 'mlp', '--d-model', '64'],
    [...TINY_LM, '--d-model', '-16'],
    [...TINY_LM, '--heads', '3'],
    [...TINY_LM, '--kv-heads', '3'],
    [...TINY_LM, '--kv-heads', '0'],
    [...TINY_LM, '--heads', '16'], // head size 1 is odd: no RoPE pairs
    [...TINY_LM, '--context', '1'],
    [...TINY_LM, '--act', 'gelu'],
    [...TINY_LM, '--rope-theta', '-1'],
    [...TINY_LM, '--steps'],
    ['--model', 'mlp', '--bogus'],
  ];
  for (const argv of usage) {
    it(`${argv.slice(argv.length > 4 ? -2 : 0).join(' ')} → our one-line usage error, exit 2`, async () => {
      const r = await cli(argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^error: /);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/ERR_PARSE_ARGS|Did you forget|at .*\.js/);
    });
  }

  for (const [what, data] of [['a missing file', join(tmp, 'nope.txt')], ['an empty file', empty]] as const) {
    it(`--data on ${what} → one line naming the file, exit 1`, async () => {
      const r = await cli([...TINY_LM.slice(0, 2), '--data', data, '--steps', '2', '--out', join(tmp, 'never')]);
      expect(r.code).toBe(1);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err).toContain(data);
      expect(existsSync(join(tmp, 'never'))).toBe(false);
    });
  }
});

describe('cancel', () => {
  function tinyLm(steps: number) {
    const c = defaultTrainConfig('lm', corpus);
    c.lm = { ...c.lm, dModel: 16, layers: 1, heads: 2, kvHeads: 2, ffnDim: 32, context: 8 };
    c.steps = steps;
    c.batchSize = 4;
    c.evalEvery = steps;
    c.text = { ...c.text, valTokens: 64 };
    return c;
  }

  it('before any checkpoint leaves no run folder', async () => {
    const out = join(tmp, 'cancelled-early');
    const ac = new AbortController();
    const err = await trainRun(tinyLm(20), { out, signal: ac.signal, onProgress: (e) => { if (e.done === 3) ac.abort(); } }).catch((e: unknown) => e);
    expect(isBitnetLabError(err) && err.code === 'cancelled').toBe(true);
    expect(existsSync(out)).toBe(false);
  });

  it('after a checkpoint keeps a folder that resumes, with metrics up to that checkpoint', async () => {
    const out = join(tmp, 'cancelled-late');
    const ac = new AbortController();
    const c = tinyLm(20);
    c.checkpointEvery = 5;
    c.logEvery = 1;
    const err = await trainRun(c, { out, signal: ac.signal, onProgress: (e) => { if (e.done === 8) ac.abort(); } }).catch((e: unknown) => e);
    expect(isBitnetLabError(err) && err.code === 'cancelled').toBe(true);
    expect(readdirSync(out).sort()).toEqual(['bitnet.optim.safetensors', 'bitnet.safetensors', 'config.json', 'fp.optim.safetensors', 'fp.safetensors', 'metrics.jsonl']);
    const steps = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
    expect(Math.max(...steps)).toBe(5);
    const r = await trainRun(c, { out, resume: out });
    expect(r.startStep).toBe(5);
    expect(r.runs.bitnet.steps).toBe(20);
  });
});

describe('--resume DIR --steps N', () => {
  it('extends a finished run; without --steps it says how to', async () => {
    const out = join(tmp, 'extend');
    const first = await cli([...TINY_LM, '--steps', '6', '--eval-every', '3', '--out', out, '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out).runs.bitnet.msPerStep).toBeGreaterThan(0);

    const again = await cli(['--resume', out]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already has 6 steps; pass --steps N with N > 6/);

    const more = await cli(['--resume', out, '--steps', '10', '--json']);
    expect(more.code).toBe(0);
    const r = JSON.parse(more.out);
    expect(r.config.steps).toBe(10);
    expect(r.runs.bitnet.steps).toBe(10);
    expect(r.runs.fp.steps).toBe(10);
    // One curve: each (run, kind, step) once, through step 10.
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { run: string; kind: string; step: number });
    const keys = lines.map((l) => `${l.run}/${l.kind}@${l.step}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain('bitnet/eval@6');
    expect(keys).toContain('bitnet/eval@10');

    const shrink = await cli(['--resume', out, '--steps', '8']);
    expect(shrink.code).toBe(2);
    const arch = await cli(['--resume', out, '--steps', '12', '--d-model', '32']);
    expect(arch.code).toBe(2);
  });
});
