/**
 * A model trained with `bitnet-lab train --model lm --act silu
 * --tie-embeddings` goes to llama.cpp: `quantize --format gguf-tq2_0` writes
 * llama.cpp's `bitnet` architecture with our byte vocabulary, and llama.cpp's
 * greedy continuation of a prompt (an argmax loop over its raw logits, F32 KV
 * cache) equals `bitnet-lab generate --temperature 0` on the same GGUF, token
 * for token. All through the CLI's own entry point, as a user runs it.
 *
 * A second run with an FFN of 320 (not a multiple of 256) exercises the
 * per-tensor fallback: ffn_down is written as Q8_0 (or F16 with --fallback
 * f16), the summary lists it, and llama.cpp still loads the file and agrees
 * with our logits on it.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/command.js';
import { main } from '../../../src/cli/main.js';
import { openCheckpoint } from '../../../src/core/formats/open.js';
import { loadCausalLm } from '../../../src/core/model/load.js';
import { ByteTokenizer } from '../../../src/core/model/tokenizer/bytes.js';
import { loadTokenizer } from '../../../src/core/model/tokenizer/load.js';
import { llamaCppAvailable, loadLlamaCpp, type NodeLlamaCpp } from '../../peers/llamaCpp.js';
import { agreement, llamaCppLogits } from '../../peers/llamaCppLogits.js';
import { tempDir } from './helpers.js';

const CORPUS = join(__dirname, '../../../README.md');
const PROMPT = 'The model ';
/** Prompt + continuation fit the trained context of 32. */
const MAX_TOKENS = 20;

const run = llamaCppAvailable() ? describe : describe.skip;
const dir = tempDir('llamacpp-trained');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), interactive: false, signal: new AbortController().signal };
  const code = await main(argv, io);
  return { code, out: out.join(''), err: err.join('') };
}

async function cliJson<T>(argv: string[]): Promise<T> {
  const r = await cli([...argv, '--json']);
  if (r.code !== 0) throw new Error(`bitnet-lab ${argv.join(' ')} exited ${r.code}: ${r.err}`);
  return JSON.parse(r.out) as T;
}

/**
 * A small SiLU, tied-head LM trained on the README. 100 steps at a raised
 * learning rate (~40 s on a loaded 2-core machine) are enough for a greedy
 * continuation that is words, not a run of the most frequent byte.
 */
async function train(name: string, ffn: number, steps: number): Promise<string> {
  const out = join(dir, name);
  await cliJson([
    'train', '--model', 'lm', '--data', CORPUS, '--act', 'silu', '--tie-embeddings',
    '--d-model', '256', '--layers', '1', '--heads', '4', '--kv-heads', '2', '--ffn', String(ffn), '--context', '32',
    '--batch', '8', '--steps', String(steps), '--eval-every', String(steps), '--lr', '6e-3', '--lr2', '4e-3', '--no-baseline', '--seed', '3', '--out', out,
  ]);
  return out;
}

interface Generated {
  text: string;
  promptTokens: number;
  generatedTokens: number[];
}

/** llama.cpp's greedy continuation: feed the prompt, then repeatedly the argmax of the last logits. */
async function llamaCppGreedy(path: string, prompt: readonly number[], n: number): Promise<number[]> {
  const { llama } = await loadLlamaCpp();
  const model = await llama.loadModel({ modelPath: path });
  try {
    const context = await model.createContext({
      contextSize: prompt.length + n + 1,
      flashAttention: false,
      experimentalKvCacheKeyType: 'F32',
      experimentalKvCacheValueType: 'F32',
      threads: 2,
    });
    try {
      const sequence = context.getSequence();
      const argmax = (logits: Map<number, number>): number => {
        let best = -1;
        let bestValue = -Infinity;
        for (const [id, v] of logits) if (v > bestValue) [best, bestValue] = [id, v];
        return best;
      };
      const out: number[] = [];
      let steps = await sequence.controlledEvaluate(prompt.map((t, i) => (i === prompt.length - 1 ? [t, { generateNext: { logits: true } }] : t)));
      while (out.length < n) {
        const next = argmax(steps.at(-1).next.logits);
        out.push(next);
        if (out.length === n) break;
        steps = await sequence.controlledEvaluate([[next, { generateNext: { logits: true } }]]);
      }
      return out;
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}

async function llamaCppTokens(path: string, text: string): Promise<number[]> {
  const { llama } = await loadLlamaCpp();
  const model: NodeLlamaCpp = await llama.loadModel({ modelPath: path, vocabOnly: true });
  try {
    return [...(model.tokens.shouldPrependBosToken ? [model.tokens.bos as number] : []), ...(Array.from(model.tokenize(text, true)) as number[])];
  } finally {
    await model.dispose();
  }
}

run('a model trained with bitnet-lab train, in llama.cpp', () => {
  let runDir: string;
  let gguf: string;
  let summary: { architecture: string; runtimes: string; tokenizer: string; fallbacks: unknown[]; quantizedTensors: number };
  const notes: string[] = [];

  beforeAll(async () => {
    runDir = await train('silu-tied', 512, 100);
    gguf = join(dir, 'silu-tied.tq2_0.gguf');
    summary = await cliJson(['quantize', join(runDir, 'bitnet.safetensors'), '-o', gguf, '--format', 'gguf-tq2_0']);
  }, 180_000);
  afterAll(() => {
    if (notes.length > 0) console.log(notes.join('\n'));
  });

  it('exports as llama.cpp\'s bitnet architecture with our byte vocabulary, every linear TQ2_0', async () => {
    expect(summary.architecture).toBe('bitnet');
    expect(summary.runtimes).toMatch(/^llama\.cpp/);
    expect(summary.tokenizer).toMatch(/^llama, 256 tokens, from our byte-level LM/);
    expect(summary.fallbacks).toEqual([]);
    expect(summary.quantizedTensors).toBe(7);
    // llama.cpp tokenizes the prompt to its UTF-8 bytes, as our tokenizer does on the file and on the checkpoint.
    const bytes = new ByteTokenizer('test').encode(PROMPT);
    expect(await llamaCppTokens(gguf, PROMPT)).toEqual(bytes);
    expect((await loadTokenizer(gguf)).encode(PROMPT)).toEqual(bytes);
    expect((await loadTokenizer(join(runDir, 'bitnet.safetensors'))).encode(PROMPT)).toEqual(bytes);
  }, 120_000);

  it('llama.cpp\'s greedy continuation equals bitnet-lab generate --temperature 0 on the same GGUF, token for token', async () => {
    const ours = await cliJson<Generated>(['generate', gguf, '--prompt', PROMPT, '--max-tokens', String(MAX_TOKENS), '--temperature', '0']);
    expect(ours.generatedTokens).toHaveLength(MAX_TOKENS);
    const prompt = new ByteTokenizer('test').encode(PROMPT);
    expect(ours.promptTokens).toBe(prompt.length);
    const theirs = await llamaCppGreedy(gguf, prompt, MAX_TOKENS);
    expect(theirs).toEqual(ours.generatedTokens);
    // A real continuation, not a run of one byte (which a broken model could also produce).
    expect(new Set(ours.generatedTokens).size).toBeGreaterThan(3);
    notes.push(`trained LM (d 256, 1 layer, GQA 4:2, FFN 512, SiLU, tied, 100 steps), prompt ${JSON.stringify(PROMPT)}:`);
    notes.push(`  gguf-tq2_0, bitnet-lab generate (stored) and llama.cpp greedy: ${JSON.stringify(ours.text)}`);
    // For the record: the safetensors checkpoint the GGUF came from, in ternary PTQ (same codes and γ, γ through fp16)
    // and its HF-packed twin in stored mode.
    for (const [label, path, mode] of [
      ['bitnet.safetensors --mode ternary', join(runDir, 'bitnet.safetensors'), 'ternary'],
      ['bitnet.safetensors --mode fp', join(runDir, 'bitnet.safetensors'), 'fp'],
      ['bitnet-ternary (HF packed) --mode stored', join(runDir, 'bitnet-ternary'), 'stored'],
    ] as const) {
      const g = await cliJson<Generated>(['generate', path, '--prompt', PROMPT, '--max-tokens', String(MAX_TOKENS), '--temperature', '0', '--mode', mode]);
      let same = 0;
      while (same < MAX_TOKENS && g.generatedTokens[same] === ours.generatedTokens[same]) same++;
      notes.push(`  ${label}: first ${same}/${MAX_TOKENS} tokens equal the GGUF's: ${JSON.stringify(g.text)}`);
    }
  }, 180_000);
});

run('weights a ternary type cannot hold fall back per tensor, and llama.cpp still loads the file', () => {
  let runDir: string;
  beforeAll(async () => {
    runDir = await train('ffn320', 320, 10);
  }, 180_000);

  for (const [fallback, type] of [['q8_0', 'Q8_0'], ['f16', 'F16']] as const) {
    it(`--fallback ${fallback}: ffn_down (rows of 320) is ${type}, listed, and llama.cpp runs the file with our logits`, async () => {
      const gguf = join(dir, `ffn320.${fallback}.gguf`);
      const s = await cliJson<{ fallbacks: Array<{ name: string; type: string; reason: string }>; architecture: string; runtimes: string }>([
        'quantize', join(runDir, 'bitnet.safetensors'), '-o', gguf, '--format', 'gguf-tq2_0', '--fallback', fallback,
      ]);
      expect(s.architecture).toBe('bitnet');
      expect(s.fallbacks).toEqual([{ name: 'model.layers.0.mlp.down_proj.weight', type, reason: expect.stringMatching(/rows of 320 values are not a multiple of 256, which TQ2_0 needs/) }]);
      const text = await cli(['quantize', join(runDir, 'bitnet.safetensors'), '-o', join(dir, `ffn320.${fallback}.again.gguf`), '--format', 'gguf-tq2_0', '--fallback', fallback]);
      expect(text.out).toMatch(new RegExp(`fallback: model\\.layers\\.0\\.mlp\\.down_proj\\.weight → ${type}`));
      const file = await openCheckpoint(gguf);
      const dtypes = new Map(file.tensors.map((t) => [t.name, t.dtype]));
      await file.close();
      expect(dtypes.get('blk.0.ffn_down.weight')).toBe(type);
      expect(dtypes.get('blk.0.ffn_up.weight')).toBe('TQ2_0');

      const ids = new ByteTokenizer('test').encode('BitNet Lab answers that for BitNet b1.58 on your own checkpoints.');
      const theirs = await llamaCppLogits(gguf, ids);
      expect(theirs.vocab).toBe(256);
      // Our ternary mode: the stored TQ2_0 codes, and the fallback's ternary values Q·γ as codes with their γ.
      const lm = await loadCausalLm(gguf, { mode: 'ternary' });
      const a = agreement(theirs.logits, lm.logits(ids), theirs.vocab);
      console.log(`ffn320 --fallback ${fallback}: corr ${a.correlation.toFixed(7)} argmax ${a.argmax.toFixed(3)} max|Δ| ${a.maxAbsDiff.toExponential(2)}`);
      expect(a.correlation).toBeGreaterThanOrEqual(0.999);
      expect(a.argmax).toBeGreaterThanOrEqual(0.9);
    }, 180_000);
  }
});
