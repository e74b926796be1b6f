/**
 * The real-model views' plumbing that needs no model: which modes a
 * checkpoint is compared in, what a page may ask (validated on receipt), and
 * how the job process reads the text of an evaluation (bounded, UTF-8 only,
 * errors naming the file and the byte).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TensorReport } from '../../../src/core/analysis/report.js';
import { isJobToHost } from '../../../src/protocol/jobs.js';
import { MAX_NEW_TOKENS, MAX_PROMPT_CHARS, parseQualityRequest, parseTryRequest } from '../../../src/protocol/models.js';
import { comparedModes } from '../../../src/extension/models/linearModes.js';
import { readEvalText } from '../../../src/jobs/modelJobs.js';
import { TextCoalescer } from '../../../src/jobs/textCoalescer.js';

const t = (name: string, dtype: string): TensorReport => ({ name, dtype, shape: [1], params: 1, bytes: 1, quantized: true, stats: null });

describe('modes a checkpoint is compared in', () => {
  it('FP against post-training ternary, or against the stored codes of a ternary checkpoint', () => {
    expect(comparedModes({ format: 'safetensors', tensors: [t('a', 'BF16'), t('b', 'F32')] })).toEqual(['fp', 'ternary']);
    expect(comparedModes({ format: 'gguf', tensors: [t('a', 'F32'), t('b', 'TQ2_0')] })).toEqual(['fp', 'stored']);
    expect(comparedModes({ format: 'gguf', tensors: [t('a', 'i2_s')] })).toEqual(['fp', 'stored']);
    expect(comparedModes({ format: 'gguf', tensors: [t('a', 'Q8_0')] })).toEqual(['fp', 'ternary']);
    expect(comparedModes({ format: 'hf-bitnet', tensors: [t('a', 'U8')] })).toEqual(['fp', 'stored']);
  });
});

describe('page → host requests', () => {
  it('accepts the documented ones', () => {
    expect(parseQualityRequest({ type: 'evaluateQuality', source: 'file' })).toEqual({ type: 'evaluateQuality', source: 'file' });
    expect(parseQualityRequest({ type: 'cancelQuality' })).toEqual({ type: 'cancelQuality' });
    expect(parseQualityRequest({ type: 'tryModel' })).toEqual({ type: 'tryModel' });
    const settings = { maxTokens: 32, temperature: 0.7, topK: 40, seed: 3 };
    expect(parseTryRequest({ type: 'generate', prompt: 'Hi', settings })).toEqual({ type: 'generate', prompt: 'Hi', settings });
    expect(parseTryRequest({ type: 'cancel' })).toEqual({ type: 'cancel' });
  });
  it('refuses a path riding along (strict objects), so a page cannot name a file', () => {
    expect(parseQualityRequest({ type: 'evaluateQuality', source: 'file', path: '/etc/passwd' })).toBeUndefined();
    expect(parseTryRequest({ type: 'generate', prompt: 'Hi', settings: { maxTokens: 1, temperature: 0, topK: 0, seed: 0, file: 'x' } })).toBeUndefined();
  });
  it('rejects malformed and out-of-bounds ones', () => {
    const ok = { maxTokens: 32, temperature: 0, topK: 0, seed: 0 };
    for (const bad of [
      null, 'ready', { type: 'evaluateQuality', source: '/tmp/x.txt' }, { type: 'evaluateQuality' }, { type: 'readFile' },
    ]) expect(parseQualityRequest(bad)).toBeUndefined();
    for (const bad of [
      { type: 'generate', prompt: '', settings: ok },
      { type: 'generate', prompt: 'x'.repeat(MAX_PROMPT_CHARS + 1), settings: ok },
      { type: 'generate', prompt: 'x', settings: { ...ok, maxTokens: MAX_NEW_TOKENS + 1 } },
      { type: 'generate', prompt: 'x', settings: { ...ok, maxTokens: 1.5 } },
      { type: 'generate', prompt: 'x', settings: { ...ok, temperature: -1 } },
      { type: 'generate', prompt: 'x', settings: { ...ok, seed: Number.NaN } },
      { type: 'generate', prompt: 'x' },
    ]) expect(parseTryRequest(bad)).toBeUndefined();
  });
  it('the job process text message is checked like the others', () => {
    expect(isJobToHost({ type: 'text', id: 1, text: 'a', tokens: 1 })).toBe(true);
    expect(isJobToHost({ type: 'text', id: 1, text: 5, tokens: 1 })).toBe(false);
  });
});

describe('the text of an evaluation', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bitnet-eval-text-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a UTF-8 file and names it by its base name', async () => {
    const f = join(dir, 'ok.txt');
    writeFileSync(f, 'Grüße, 世界\n');
    const r = await readEvalText({ file: f });
    expect(r.text).toBe('Grüße, 世界\n');
    expect(r.info).toEqual({ kind: 'file', label: 'ok.txt', chars: 'Grüße, 世界\n'.length });
  });
  it('refuses a binary file, naming the file and the first bad byte', async () => {
    const f = join(dir, 'bin.dat');
    writeFileSync(f, Buffer.concat([Buffer.from('hello é '), Buffer.from([0xff, 0x00, 0x41])]));
    await expect(readEvalText({ file: f })).rejects.toThrow(`${f}: not UTF-8 text (at byte ${Buffer.byteLength('hello é ')})`);
  });
  it('refuses empty and missing files and empty editor text', async () => {
    const f = join(dir, 'empty.txt');
    writeFileSync(f, '  \n');
    await expect(readEvalText({ file: f })).rejects.toThrow(`${f}: the text file is empty`);
    await expect(readEvalText({ file: join(dir, 'missing.txt') })).rejects.toThrow(/missing\.txt: cannot read the text file \(ENOENT\)/);
    await expect(readEvalText({ text: '', label: 'Untitled-1' })).rejects.toThrow('Untitled-1 is empty');
  });
});

describe('text coalescing', () => {
  it('sends the first piece at once, then joins pieces within the interval, losing none', () => {
    let now = 0;
    const sent: Array<[string, number]> = [];
    const c = new TextCoalescer((text, n) => sent.push([text, n]), () => now);
    c.push('a');
    now = 10;
    c.push('b');
    c.push('c');
    c.flush();
    now = 100;
    c.push('d');
    c.dispose();
    expect(sent).toEqual([['a', 1], ['bc', 2], ['d', 1]]);
  });
});
