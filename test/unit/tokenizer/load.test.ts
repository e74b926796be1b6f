/**
 * loadTokenizer finds each kind of tokenizer where checkpoints keep it, the
 * BOS policy follows the tokenizer's own files, and every bad input ends in
 * a BitnetLabError naming the file.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../../src/core/formats/safetensors/writer.js';
import { GgufTokenizer } from '../../../src/core/model/tokenizer/ggufTokenizer.js';
import { HfTokenizer } from '../../../src/core/model/tokenizer/hf.js';
import { loadTokenizer } from '../../../src/core/model/tokenizer/load.js';
import { byteVocabEntries } from '../../../src/core/model/tokenizer/toGguf.js';
import { writeVocabGguf } from '../../peers/vocabGguf.js';
import { tempDir } from '../convert/helpers.js';

const root = tempDir('tok-load');
let counter = 0;
const lenml = (name: string): string => join(process.cwd(), 'node_modules', '@lenml', `tokenizer-${name}`, 'models');

/** A fresh folder, optionally with the real llama2 / llama3 tokenizer files and extra files. */
function folder(files: Record<string, string> = {}, tokenizer?: 'llama2' | 'llama3'): string {
  const d = join(root, `d${counter++}`);
  mkdirSync(d, { recursive: true });
  if (tokenizer) {
    copyFileSync(join(lenml(tokenizer), 'tokenizer.json'), join(d, 'tokenizer.json'));
    copyFileSync(join(lenml(tokenizer), 'tokenizer_config.json'), join(d, 'tokenizer_config.json'));
  }
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

const tinyWeights = [{ name: 'w', dtype: 'F32' as const, shape: [2], data: Float32Array.of(1, 2) }];

describe('loadTokenizer: where tokenizers are found', () => {
  it('tokenizer.json beside a checkpoint: the folder, a file in it, a sharded index', async () => {
    const d = folder({ 'model.safetensors.index.json': '{"weight_map": {}}' }, 'llama2');
    await writeSafetensors(join(d, 'model.safetensors'), tinyWeights);
    for (const p of [d, join(d, 'model.safetensors'), join(d, 'model.safetensors.index.json')]) {
      const t = await loadTokenizer(p);
      expect(t.kind).toBe('hf');
      expect(t.encode('Hello world')).toEqual([1, 22557, 1526]);
      expect(t.description).toContain(join(d, 'tokenizer.json'));
    }
  });

  it('a GGUF uses its own tokenizer.ggml.* even with a tokenizer.json beside it', async () => {
    const d = folder({}, 'llama3');
    const gguf = join(d, 'model.gguf');
    await writeVocabGguf(gguf, byteVocabEntries());
    const t = await loadTokenizer(gguf);
    expect(t.kind).toBe('gguf-llama');
    expect(t.encode('hé')).toEqual([0x68, 0xc3, 0xa9]);
  });

  it('a folder holding only a GGUF uses its metadata', async () => {
    const d = folder();
    await writeVocabGguf(join(d, 'm.gguf'), byteVocabEntries());
    expect((await loadTokenizer(d)).kind).toBe('gguf-llama');
  });

  it('our byte-level LM: config.json beside, config.json in __metadata__, or a training checkpoint of the LM family', async () => {
    const marker = JSON.stringify({ model_type: 'bitnet', bitnet_lab: { tokenizer: 'bytes' } });
    const a = folder({ 'config.json': marker });
    await writeSafetensors(join(a, 'model.safetensors'), tinyWeights);
    const b = folder();
    await writeSafetensors(join(b, 'run.safetensors'), tinyWeights, { 'config.json': marker });
    const c = folder();
    await writeSafetensors(join(c, 'run.safetensors'), tinyWeights, { 'bitnet_lab.family': 'lm' });
    for (const p of [a, join(b, 'run.safetensors'), join(c, 'run.safetensors')]) {
      const t = await loadTokenizer(p);
      expect(t.kind).toBe('bytes');
      expect(t.bosId).toBeUndefined();
      expect(t.encode('a €')).toEqual([0x61, 0x20, 0xe2, 0x82, 0xac]);
      expect(t.decode([0x61, 0x20, 0xe2, 0x82, 0xac])).toBe('a €');
      expect(() => t.decode([256])).toThrow(expect.objectContaining({ code: 'usage' }));
    }
  });

  it('no tokenizer anywhere: an error naming the folder and what was looked for', async () => {
    const d = folder({ 'config.json': '{"model_type": "llama"}' });
    await writeSafetensors(join(d, 'model.safetensors'), tinyWeights);
    await expect(loadTokenizer(join(d, 'model.safetensors'))).rejects.toMatchObject({
      code: 'unsupported',
      message: expect.stringMatching(new RegExp(`no tokenizer.json in ${d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, no tokenizer.ggml`)),
    });
    await expect(loadTokenizer(join(d, 'missing.safetensors'))).rejects.toMatchObject({ code: 'io' });
  });
});

describe('tokenizer.json: BOS policy and bad files', () => {
  it('the post-processor decides unless tokenizer_config.json sets add_bos_token', async () => {
    const config = (name: string, patch: Record<string, unknown>): string =>
      JSON.stringify({ ...JSON.parse(readFileSync(join(lenml(name), 'tokenizer_config.json'), 'utf8')), ...patch });
    // Llama 2's config says add_bos_token true, as its post-processor does; this Llama 3 has neither.
    expect((await loadTokenizer(folder({}, 'llama2'))).encode('hi')[0]).toBe(1);
    expect((await loadTokenizer(folder({}, 'llama3'))).encode('hi')).toEqual([6151]);
    const noBos = folder({}, 'llama2');
    writeFileSync(join(noBos, 'tokenizer_config.json'), config('llama2', { add_bos_token: false }));
    expect(await (await loadTokenizer(noBos)).encode('hi')).toEqual([12014]);
    const bos = folder({}, 'llama3');
    writeFileSync(join(bos, 'tokenizer_config.json'), config('llama3', { add_bos_token: true }));
    const t = (await loadTokenizer(bos)) as HfTokenizer;
    expect(t.encode('hi')).toEqual([128000, 6151]);
    expect(t.encode('hi', { addSpecial: false })).toEqual([6151]);
    expect(t.decode([128000, 6151])).toBe('hi');
    expect(t.decode([])).toBe('');
    // @huggingface/tokenizers would decode it to nothing.
    expect(() => t.decode([6151, 200000])).toThrow(expect.objectContaining({ code: 'usage', message: expect.stringMatching(/token id 200000 is outside the vocabulary of 128256/) }));
  });

  it('without tokenizer_config.json, the tokens the post-processor adds are BOS / EOS', async () => {
    const d = folder({}, 'llama2');
    writeFileSync(join(d, 'tokenizer_config.json'), '{}');
    const t = await loadTokenizer(d);
    expect(t.bosId).toBe(1);
    expect(t.eosId).toBeUndefined();
  });

  it('unreadable files name themselves', async () => {
    const d = folder({ 'tokenizer.json': '{"model": ' });
    await expect(loadTokenizer(d)).rejects.toMatchObject({ code: 'header', message: expect.stringMatching(/tokenizer\.json: tokenizer\.json is not valid/) });
    const e = folder({ 'tokenizer.json': JSON.stringify({ model: { type: 'Nonsense' } }) });
    await expect(loadTokenizer(e)).rejects.toMatchObject({ code: 'unsupported', message: expect.stringMatching(/@huggingface\/tokenizers cannot build/) });
  });
});

describe('GGUF vocabularies: defaults and bad metadata', () => {
  const tokens = ['<unk>', '<s>', '</s>', '\u2581a', 'b', '\u2581', '<', 's', '>'];
  const base = [
    { key: 'tokenizer.ggml.model', type: 'string' as const, value: 'llama' },
    { key: 'tokenizer.ggml.tokens', type: 'array' as const, itemType: 'string' as const, value: tokens },
  ];

  it('SPM defaults are llama.cpp\'s: BOS 1 added, EOS 2, space prefix, all tokens normal', () => {
    const t = GgufTokenizer.fromEntries(base, 'v.gguf');
    expect(t.bosId).toBe(1);
    expect(t.eosId).toBe(2);
    expect(t.encode('ab')).toEqual([1, 3, 4]);
    // Without types every token is normal, so "<s>" in the text is just text.
    expect(t.encode('<s>', { addSpecial: false })).toEqual([5, 6, 7, 8]);
    // A byte the vocabulary cannot spell is refused, not dropped.
    expect(() => t.encode('é')).toThrow(expect.objectContaining({ code: 'unsupported', message: expect.stringMatching(/no byte token for 0xC3/) }));
  });

  it('bad or missing entries are refused with the key named', () => {
    const bad = (entries: unknown[], message: RegExp, code = 'header'): void => {
      expect(() => GgufTokenizer.fromEntries(entries as never, 'v.gguf')).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
    };
    bad([], /v\.gguf: GGUF metadata has no tokenizer.ggml.model/);
    bad([{ ...base[0], value: 'bert' }, base[1]], /"bert" is not supported/, 'unsupported');
    bad([{ key: 'tokenizer.ggml.model', type: 'string', value: 'gpt2' }, { key: 'tokenizer.ggml.pre', type: 'string', value: 'qwen2' }, base[1]], /pre-tokenizer "qwen2".*supported: llama3, /, 'unsupported');
    bad([base[0]], /no tokenizer.ggml.tokens/);
    bad([base[0], { ...base[1], itemType: 'i32', value: [1] }], /tokenizer.ggml.tokens must be an array of strings/);
    bad([...base, { key: 'tokenizer.ggml.scores', type: 'array', itemType: 'f32', value: [0, 0] }], /scores has 2 entries for 9 tokens/);
    bad([...base, { key: 'tokenizer.ggml.token_type', type: 'array', itemType: 'u8', value: [1, 1, 1, 1, 1, 1, 1, 1, 1] }], /token_type must be an array of i32/);
    bad([{ key: 'tokenizer.ggml.model', type: 'string', value: 'gpt2' }, base[1]], /no tokenizer.ggml.merges/);
    bad([...base, { key: 'tokenizer.ggml.bos_token_id', type: 'string', value: '1' }], /bos_token_id must be a token id/);
    bad([...base, { key: 'tokenizer.ggml.add_bos_token', type: 'u8', value: 1 }], /add_bos_token must be a bool/);
  });

  it('ids outside the vocabulary cannot be decoded', () => {
    const t = GgufTokenizer.fromEntries(base, 'v.gguf');
    expect(() => t.decode([9])).toThrow(expect.objectContaining({ code: 'usage', message: expect.stringMatching(/token id 9 is outside the vocabulary of 9/) }));
  });
});
