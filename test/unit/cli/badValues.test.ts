/**
 * Bad values for the numeric (and other valued) flags of every command end in
 * our one-line `error: <command>: --flag …` message with exit 2 (usage), never
 * Node's multi-line parseArgs text or a stack; bad files end with exit 1
 * (data). The table runs each case through the real main().
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, TINY_LLAMA } from './harness.js';

const TEXT = join(__dirname, '../../fixtures/text/eval-sample.txt');
const ck = TINY_LLAMA;

/** [argv, the flag the message must name] — each a usage mistake. */
const USAGE: Array<[string[], string]> = [
  [['inspect', ck, '--bins', '-3'], '--bins'],
  [['inspect', ck, '--bins', '0'], '--bins'],
  [['inspect', ck, '--bins', '2.5'], '--bins'],
  [['inspect', ck, '--bins', '0x10'], '--bins'],
  [['inspect', ck, '--bins', ' 8'], '--bins'],
  [['inspect', ck, '--bins', '='], '--bins'],
  [['inspect', ck, '--bins='], '--bins'],
  [['inspect', ck, '--bins', '100000000'], '--bins'],
  [['inspect', ck, '--bins'], '--bins'],
  [['inspect', ck, '--method', 'ternary'], '--method'],
  [['inspect', ck, '--nope'], '--nope'],
  [['inspect', ck, '--json=3'], '--json'],
  [['inspect', ck, '--bins', '--json'], '--bins'],
  [['quantize', ck, '-o', 'x.gguf', '--format', 'tq9'], '--format'],
  [['quantize', ck, '-o', 'x.gguf', '--format', 'gguf-tq2_0', '--fallback', 'q4_0'], '--fallback'],
  [['diff', ck, ck, '--method', '-1'], '--method'],
  [['compare', ck, '--batch', '-8'], '--batch'],
  [['compare', ck, '--batch', '1e9'], '--batch'],
  [['compare', ck, '--repeats', 'Infinity'], '--repeats'],
  [['compare', ck, '--max-shapes', '-1'], '--max-shapes'],
  [['compare', ck, '--max-layers', '1.5'], '--max-layers'],
  [['compare', ck, '--budget', '-120'], '--budget'],
  [['compare', ck, '--tokens', '0'], '--tokens'],
  [['compare', ck, '--node', '3nm'], '--node'],
  [['energy', ck, '--tokens', '-1000'], '--tokens'],
  [['energy', ck, '--tokens', 'NaN'], '--tokens'],
  [['energy', ck, '--node', '-7nm'], '--node'],
  [['bench', 'kernels', '--repeats', '-2'], '--repeats'],
  [['bench', 'kernels', '--threads', '0'], '--threads'],
  [['bench', 'kernels', '--cold-mib', '-64'], '--cold-mib'],
  [['bench', 'kernels', '--cold-mib', '99999'], '--cold-mib'],
  [['eval', ck, '--data', TEXT, '--threads', '-1'], '--threads'],
  [['eval', ck, '--data', TEXT, '--context', '1'], '--context'],
  [['eval', ck, '--data', TEXT, '--context', '-64'], '--context'],
  [['generate', ck, '--prompt', 'hi', '--max-tokens', '-5'], '--max-tokens'],
  [['generate', ck, '--prompt', 'hi', '--temperature', '-0.5'], '--temperature'],
  [['generate', ck, '--prompt', 'hi', '--top-k', '-1'], '--top-k'],
  [['generate', ck, '--prompt', 'hi', '--seed', '1.5'], '--seed'],
  [['generate', ck, '--prompt', 'hi', '--threads', '0x2'], '--threads'],
  [['finetune', ck, '--data', 'mnist', '--steps', '-10'], '--steps'],
  [['finetune', ck, '--data', 'mnist', '--lr', '-1e-3'], '--lr'],
  [['finetune', ck, '--data', 'mnist', '--lr2', 'fast'], '--lr2'],
  [['train', '--model', 'mlp', '--steps', '-3'], '--steps'],
  [['train', '--model', 'mlp', '--seed', '0x1'], '--seed'],
  [['train', '--model', 'mlp', '--lr', ''], '--lr'],
  [['train', '--model', 'mlp', '--engine', 'torchrun', '--nproc', '-2'], '--nproc'],
];

describe('bad flag values → one line, exit 2', () => {
  for (const [argv, flag] of USAGE) {
    it(`${argv.slice(argv[0] === 'bench' ? 0 : 2).join(' ') || argv.join(' ')}`, async () => {
      const r = await cli(argv);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^error: ${argv[0]}: `));
      expect(lines[0]).toContain(flag);
      expect(lines[0]).not.toMatch(/TypeError|ERR_PARSE_ARGS|at .*\(/);
    });
  }
});

describe('bad data → one line naming the file, exit 1', () => {
  const dir = tempDir();
  const notJson = join(dir, 'broken.safetensors');
  writeFileSync(notJson, Buffer.concat([Buffer.from([5, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{oops')]));
  const cases: string[][] = [
    ['inspect', notJson],
    ['inspect', join(dir, 'missing.safetensors')],
    ['quantize', notJson, '-o', join(dir, 'o.gguf'), '--format', 'gguf-tq2_0'],
    ['diff', ck, notJson],
    ['energy', notJson],
    ['eval', ck, '--data', join(dir, 'missing.txt')],
  ];
  for (const argv of cases) {
    it(argv.join(' ').replace(dir, '<tmp>'), async () => {
      const r = await cli(argv);
      expect(r.code, r.stderr).toBe(1);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toContain(dir);
    });
  }
});
