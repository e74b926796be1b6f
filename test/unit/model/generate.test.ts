/**
 * generateText: greedy decoding with the KV cache picks what a full recompute
 * picks at every step; sampling is reproducible from its seed; text streams
 * in pieces that add up to the result; Ctrl-C (abort) stops it cleanly.
 */
import { describe, expect, it } from 'vitest';
import { evaluateText } from '../../../src/core/model/eval.js';
import { generateText } from '../../../src/core/model/generate.js';
import { loadCausalLm } from '../../../src/core/model/load.js';
import { argmax, sampleToken } from '../../../src/core/model/sampling.js';
import { Prng } from '../../../src/core/random.js';
import { hfModel, torchAvailable } from '../../peers/torchModels.js';
import { hfTestTokenizer } from './hfTestTokenizer.js';

describe('sampling', () => {
  const logits = Float32Array.from([0.1, 2.5, -1, 2.4, 0]);
  it('is greedy at temperature 0 and with top-k 1', () => {
    expect(sampleToken(logits, { temperature: 0, topK: 0 }, new Prng(1))).toBe(1);
    for (let s = 0; s < 20; s++) expect(sampleToken(logits, { temperature: 5, topK: 1 }, new Prng(s))).toBe(1);
  });

  it('draws by softmax(logits / T) within the top k', () => {
    const prng = new Prng(3);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 20000; i++) counts[sampleToken(logits, { temperature: 1, topK: 2 }, prng)]++;
    expect(counts[0] + counts[2] + counts[4]).toBe(0);
    // p(1) = e^2.5 / (e^2.5 + e^2.4) = 0.525
    expect(counts[1] / 20000).toBeCloseTo(0.525, 1);
  });
});

describe.runIf(torchAvailable())('generateText', () => {
  it('greedy with the cache = argmax of a full recompute at every step; pieces add up', async () => {
    const dir = await hfModel('bitnet-2b4t');
    const tokenizer = await hfTestTokenizer(dir);
    const pieces: string[] = [];
    const r = await generateText(dir, 'The lighthouse keeper', { maxTokens: 6, tokenizer, mode: 'ternary', onText: (p) => pieces.push(p) });
    expect(r.provenance.settings['mode']).toBe('ternary');
    const prompt = tokenizer.encode('The lighthouse keeper');
    expect(r.promptTokens).toBe(prompt.length);
    const lm = await loadCausalLm(dir, { mode: 'ternary' });
    const seq = [...prompt];
    for (const id of r.generatedTokens) {
      const all = lm.logits(seq);
      expect(id).toBe(argmax(all.subarray(all.length - 32000)));
      seq.push(id);
    }
    expect(r.generatedTokens.length).toBe(6);
    expect(pieces.join('')).toBe(r.text);
    expect(r.text).toBe(tokenizer.decode(r.generatedTokens));
  });

  it('samples reproducibly from a seed', async () => {
    const dir = await hfModel('llama');
    const tokenizer = await hfTestTokenizer(dir);
    const opts = { maxTokens: 5, temperature: 1, topK: 40, tokenizer };
    const a = await generateText(dir, 'Hello', { ...opts, seed: 11 });
    const b = await generateText(dir, 'Hello', { ...opts, seed: 11 });
    const c = await generateText(dir, 'Hello', { ...opts, seed: 12 });
    expect(a.generatedTokens).toEqual(b.generatedTokens);
    expect(c.generatedTokens).not.toEqual(a.generatedTokens);
  });

  it('stops with a cancelled error when aborted mid-generation', async () => {
    const dir = await hfModel('llama');
    const tokenizer = await hfTestTokenizer(dir);
    const controller = new AbortController();
    let pieces = 0;
    const run = generateText(dir, 'Hello', {
      maxTokens: 50,
      tokenizer,
      signal: controller.signal,
      onText: () => {
        pieces++;
        controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(pieces).toBe(1);
  });

  it('eval stops with a cancelled error when aborted', async () => {
    const dir = await hfModel('llama');
    const tokenizer = await hfTestTokenizer(dir);
    const controller = new AbortController();
    const run = evaluateText(dir, 'word '.repeat(400), {
      context: 64,
      modes: ['fp'],
      tokenizer,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.unit === 'steps') controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
  });
});
