/**
 * The `tokenizer.ggml.*` metadata of a GGUF file as one checked vocabulary,
 * with llama.cpp's defaults for what the file leaves out
 * (llama-vocab.cpp, llama_vocab::impl::load): SPM (`llama`) defaults to
 * BOS 1, EOS 2, UNK 0, add_bos_token and add_space_prefix true; BPE (`gpt2`)
 * to BOS = EOS = 11, no UNK, no BOS unless the pre-tokenizer is Llama 3's.
 */
import { BitnetLabError } from '../../errors.js';
import type { GgufEntry } from '../../formats/gguf/ggufValue.js';
import { preTokenizerFor, supportedPreTokenizers, type PreTokenizerKind } from './preTokenize.js';

/** llama.cpp's llama_token_type (gguf-py TokenType). */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface GgufVocab {
  file: string;
  model: 'llama' | 'gpt2';
  /** `tokenizer.ggml.pre` as written ('' when absent). */
  preName: string;
  pre: PreTokenizerKind;
  tokens: string[];
  scores: number[];
  types: number[];
  /** gpt2 only, in rank order. */
  merges: string[];
  bosId: number | undefined;
  eosId: number | undefined;
  unkId: number | undefined;
  addBos: boolean;
  addEos: boolean;
  addSpacePrefix: boolean;
  /** Whole words found in the vocabulary skip merging (llama.cpp sets this for the Llama 3 pre-tokenizer). */
  ignoreMerges: boolean;
  /** llama.cpp's clean_spaces: detokenized text loses the space before . , ! ? and some contractions. */
  cleanSpaces: boolean;
}

type Lookup = (key: string) => GgufEntry | undefined;

function bad(file: string, message: string, code: 'header' | 'unsupported' = 'header'): never {
  throw new BitnetLabError(code, message, { file });
}

function stringArray(get: Lookup, key: string, file: string, required: boolean): string[] | undefined {
  const e = get(key);
  if (!e) return required ? bad(file, `GGUF metadata has no ${key}, which a tokenizer needs`) : undefined;
  if (e.type !== 'array' || e.itemType !== 'string') return bad(file, `${key} must be an array of strings (it is ${e.type === 'array' ? `an array of ${e.itemType}` : e.type})`);
  return [...e.value];
}

function numberArray(get: Lookup, key: string, file: string, allowed: readonly string[], n: number): number[] | undefined {
  const e = get(key);
  if (!e) return undefined;
  if (e.type !== 'array' || !allowed.includes(e.itemType)) return bad(file, `${key} must be an array of ${allowed.join(' or ')}`);
  if (e.value.length < n) return bad(file, `${key} has ${e.value.length} entries for ${n} tokens`);
  return (e.value as readonly number[]).slice(0, n);
}

function optionalBool(get: Lookup, key: string, file: string): boolean | undefined {
  const e = get(key);
  if (!e) return undefined;
  if (e.type !== 'bool') return bad(file, `${key} must be a bool (it is ${e.type})`);
  return e.value;
}

/** A special-token id: the file's if present and in range (llama.cpp warns and keeps the default otherwise). */
function tokenId(get: Lookup, key: string, file: string, fallback: number | undefined, n: number): number | undefined {
  const base = fallback !== undefined && fallback < n ? fallback : undefined;
  const e = get(key);
  if (!e) return base;
  const v = typeof e.value === 'number' || typeof e.value === 'bigint' ? Number(e.value) : NaN;
  if (e.type === 'array' || !Number.isInteger(v) || v < 0) return bad(file, `${key} must be a token id (it is ${e.type})`);
  return v < n ? v : base;
}

export function readGgufVocab(entries: readonly GgufEntry[], file: string): GgufVocab {
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const get: Lookup = (k) => byKey.get(k);
  const modelEntry = get('tokenizer.ggml.model');
  if (!modelEntry) bad(file, 'GGUF metadata has no tokenizer.ggml.model: this file carries no tokenizer');
  if (modelEntry.type !== 'string') bad(file, 'tokenizer.ggml.model must be a string');
  const model = modelEntry.value;
  if (model !== 'llama' && model !== 'gpt2') {
    bad(file, `tokenizer.ggml.model "${model}" is not supported (we read "llama" SentencePiece-style and "gpt2" byte-level BPE vocabularies)`, 'unsupported');
  }
  const preEntry = get('tokenizer.ggml.pre');
  if (preEntry && preEntry.type !== 'string') bad(file, 'tokenizer.ggml.pre must be a string');
  const preName = preEntry?.type === 'string' ? preEntry.value : '';
  // SPM ignores the pre-tokenizer name (llama.cpp uses its default there).
  const pre = model === 'llama' ? 'default' : preTokenizerFor(preName);
  if (pre === undefined) {
    bad(file, `pre-tokenizer "${preName}" (tokenizer.ggml.pre) is not one we implement; supported: ${supportedPreTokenizers().join(', ')}`, 'unsupported');
  }

  const tokens = stringArray(get, 'tokenizer.ggml.tokens', file, true)!;
  const n = tokens.length;
  if (n === 0) bad(file, 'tokenizer.ggml.tokens is empty');
  // llama.cpp renames empty tokens so that every text maps back to one id.
  for (let i = 0; i < n; i++) if (tokens[i] === '') tokens[i] = `[EMPTY_${i}]`;
  const scores = numberArray(get, 'tokenizer.ggml.scores', file, ['f32', 'i32'], n) ?? new Array<number>(n).fill(0);
  const types = numberArray(get, 'tokenizer.ggml.token_type', file, ['i32'], n) ?? new Array<number>(n).fill(TokenType.NORMAL);
  const merges = model === 'gpt2' ? stringArray(get, 'tokenizer.ggml.merges', file, true)! : [];

  const spm = model === 'llama';
  const llama3 = pre === 'llama3';
  const bosId = tokenId(get, 'tokenizer.ggml.bos_token_id', file, spm ? 1 : 11, n);
  const addBos = optionalBool(get, 'tokenizer.ggml.add_bos_token', file) ?? (spm || llama3);
  // llama.cpp asserts here at tokenization time; we say so when loading.
  if (addBos && bosId === undefined) bad(file, 'the tokenizer adds a BOS token but its id is outside the vocabulary');
  return {
    file,
    model,
    preName,
    pre,
    tokens,
    scores,
    types,
    merges,
    bosId,
    eosId: tokenId(get, 'tokenizer.ggml.eos_token_id', file, spm ? 2 : 11, n),
    unkId: tokenId(get, 'tokenizer.ggml.unknown_token_id', file, spm ? 0 : undefined, n),
    addBos,
    addEos: optionalBool(get, 'tokenizer.ggml.add_eos_token', file) ?? false,
    addSpacePrefix: optionalBool(get, 'tokenizer.ggml.add_space_prefix', file) ?? spm,
    ignoreMerges: llama3,
    cleanSpaces: !spm,
  };
}
