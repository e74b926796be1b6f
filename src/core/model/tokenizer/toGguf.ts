/**
 * tokenizerGgufEntries: the `tokenizer.ggml.*` entries llama.cpp needs to run
 * a checkpoint we export to GGUF, so the GGUF tokenizes as the source did
 * (peers.md §2; what llama.cpp's convert_hf_to_gguf.py writes in
 * _set_vocab_llama_hf / _set_vocab_gpt2, read there, written here our way):
 *
 * - SentencePiece-style tokenizer.json (Llama 2, Mistral: BPE with
 *   byte_fallback, spaces as ▁) → `llama`: tokens, scores, token types,
 *   BOS/EOS/UNK ids, add_bos_token, add_space_prefix. llama.cpp merges SPM
 *   pieces by score where tokenizer.json merges by rank, so each token's
 *   score is minus the rank of the first merge that makes it: the best-ranked
 *   merge available is then the best-scored one. (The upstream converter
 *   writes -1000 for every token here, which loses the merge order.)
 *   Spaces may also come as a Metaspace pre-tokenizer, when it behaves as
 *   llama.cpp does (checkMetaspace).
 * - byte-level BPE (Llama 3, GPT-2) → `gpt2`: tokens, token types, merges,
 *   tokenizer.ggml.pre (`llama-bpe` or `gpt-2`, recognised from the
 *   pre-tokenizer itself), ids and add_bos_token.
 * - our byte-level LM → a 256-token `llama` vocabulary of byte tokens
 *   <0xXX> (type BYTE, so llama.cpp's byte fallback spells every text), with
 *   the space as a user-defined " " token: SPM turns spaces into ▁ before
 *   merging, and a user-defined token is cut out of the text before that.
 * - a GGUF keeps its own tokenizer.* entries.
 *
 * add_bos_token / add_eos_token are always written, as the source tokenizer
 * behaves (hf.ts), so llama.cpp's defaults (BOS on for `llama` and for the
 * Llama 3 pre-tokenizer) never decide.
 */
import { dirname, join } from 'node:path';
import { BitnetLabError } from '../../errors.js';
import { readConfigJson } from '../../formats/hfBitnet/hfConfig.js';
import type { GgufEntry } from '../../formats/gguf/ggufValue.js';
import { TokenType } from './ggufVocab.js';
import { HfTokenizer } from './hf.js';
import { locateTokenizer, type TokenizerSource } from './locate.js';

/** The Split regex of Llama 3's tokenizer.json, which llama.cpp names `llama-bpe`. */
const LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

type Json = Record<string, unknown>;

interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

const str = (key: string, value: string): GgufEntry => ({ key, type: 'string', value });
const u32 = (key: string, value: number): GgufEntry => ({ key, type: 'u32', value });
const bool = (key: string, value: boolean): GgufEntry => ({ key, type: 'bool', value });

/** Pieces of a Sequence (normalizers, pre_tokenizers, decoders), or the one piece itself. */
function parts(node: unknown, listKey: string): Json[] {
  if (node === null || typeof node !== 'object') return [];
  const n = node as Json;
  if (n['type'] === 'Sequence' && Array.isArray(n[listKey])) return (n[listKey] as unknown[]).flatMap((x) => parts(x, listKey));
  return [n];
}

function addedTokens(json: Json): AddedToken[] {
  const list = Array.isArray(json['added_tokens']) ? (json['added_tokens'] as Json[]) : [];
  return list
    .filter((t) => typeof t['id'] === 'number' && typeof t['content'] === 'string')
    .map((t) => ({ id: t['id'] as number, content: t['content'] as string, special: t['special'] === true }));
}

/** Token texts by id (model vocabulary, then added tokens), padded as config.json's vocab_size asks; `padding` lists the ids no token had. */
function tokenTable(json: Json, added: readonly AddedToken[], vocabSize: number | undefined, file: string): { tokens: string[]; padding: Set<number> } {
  const vocab = (json['model'] as Json)['vocab'];
  if (vocab === null || typeof vocab !== 'object' || Array.isArray(vocab)) throw new BitnetLabError('header', 'model.vocab is not a token → id object', { file });
  const byId: Array<string | undefined> = [];
  for (const [text, id] of Object.entries(vocab as Record<string, unknown>)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 1 << 24) throw new BitnetLabError('header', `model.vocab gives ${JSON.stringify(text)} the id ${String(id)}`, { file });
    byId[id] = text;
  }
  for (const t of added) byId[t.id] = t.content;
  const n = Math.max(byId.length, vocabSize ?? 0);
  if (vocabSize !== undefined && byId.length > vocabSize) {
    throw new BitnetLabError('usage', `the tokenizer has ids up to ${byId.length - 1} but config.json's vocab_size is ${vocabSize}`, { file });
  }
  // Holes and the rows the model has beyond its tokenizer become unused [PADi] tokens, as llama.cpp's converter writes them.
  const padding = new Set<number>();
  const tokens = Array.from({ length: n }, (_, i) => {
    if (byId[i] !== undefined) return byId[i];
    padding.add(i);
    return `[PAD${i}]`;
  });
  return { tokens, padding };
}

/** convert_hf_to_gguf.py does_token_look_special, for added tokens not flagged special. */
const looksSpecial = (t: string): boolean => (t.startsWith('<|') && t.endsWith('|>')) || (t.startsWith('<｜') && t.endsWith('｜>'));

function mergeList(model: Json, file: string): string[] {
  const merges = model['merges'];
  if (!Array.isArray(merges)) throw new BitnetLabError('header', 'model.merges is missing', { file });
  return merges.map((m: unknown) => {
    if (typeof m === 'string') return m;
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') return `${m[0]} ${m[1]}`;
    throw new BitnetLabError('header', `model.merges holds ${JSON.stringify(m)}`, { file });
  });
}

function idEntries(hf: HfTokenizer, unkId: number | undefined): GgufEntry[] {
  const out: GgufEntry[] = [];
  if (hf.bosId !== undefined) out.push(u32('tokenizer.ggml.bos_token_id', hf.bosId));
  if (hf.eosId !== undefined) out.push(u32('tokenizer.ggml.eos_token_id', hf.eosId));
  if (unkId !== undefined) out.push(u32('tokenizer.ggml.unknown_token_id', unkId));
  out.push(bool('tokenizer.ggml.add_bos_token', hf.addsBos), bool('tokenizer.ggml.add_eos_token', hf.addsEos));
  const template = hf.config['chat_template'];
  if (typeof template === 'string') out.push(str('tokenizer.chat_template', template));
  return out;
}

/**
 * A Metaspace pre-tokenizer llama.cpp's SPM reproduces: one that neither
 * splits words at ▁ (llama.cpp merges across the whole text, so runs of ▁▁
 * would differ) nor prepends ▁ (Metaspace skips the prefix when the text
 * starts with a space and, for "first", after special tokens; llama.cpp's
 * add_space_prefix never skips it).
 */
function checkMetaspace(m: Json, file: string): void {
  const scheme = m['prepend_scheme'] ?? (m['add_prefix_space'] === false ? 'never' : 'always');
  if (m['split'] !== false) throw new BitnetLabError('unsupported', 'the Metaspace pre-tokenizer splits words at ▁, which llama.cpp\'s SentencePiece tokenizer does not', { file });
  if (scheme !== 'never') {
    throw new BitnetLabError('unsupported', `the Metaspace pre-tokenizer prepends ▁ (prepend_scheme ${String(scheme)}) but not before a leading space, where llama.cpp's add_space_prefix always does`, { file });
  }
}

function spmEntries(hf: HfTokenizer, vocabSize: number | undefined, file: string): GgufEntry[] {
  const json = hf.json;
  const model = json['model'] as Json;
  const added = addedTokens(json);
  const { tokens, padding } = tokenTable(json, added, vocabSize, file);
  const unkText = typeof model['unk_token'] === 'string' ? (model['unk_token'] as string) : undefined;
  const addedById = new Map(added.map((t) => [t.id, t]));
  const types = tokens.map((t, id) => {
    const a = addedById.get(id);
    if (padding.has(id)) return TokenType.UNUSED;
    if (t === unkText) return TokenType.UNKNOWN;
    if (a) return a.special ? TokenType.CONTROL : TokenType.USER_DEFINED;
    return /^<0x[0-9A-Fa-f]{2}>$/.test(t) ? TokenType.BYTE : TokenType.NORMAL;
  });
  const ids = new Map(tokens.map((t, i) => [t, i]));
  const firstRank = new Map<number, number>();
  mergeList(model, file).forEach((m, rank) => {
    const id = ids.get(m.replace(' ', ''));
    if (id !== undefined && !firstRank.has(id)) firstRank.set(id, rank);
  });
  // Normal tokens no merge makes (single characters, or unreachable ones) come last.
  const scores = types.map((type, id) => (firstRank.has(id) ? -firstRank.get(id)! : type === TokenType.NORMAL ? -1e9 : 0));
  const normalizers = parts(json['normalizer'], 'normalizers');
  const metaspace = parts(json['pre_tokenizer'], 'pretokenizers').find((p) => p['type'] === 'Metaspace');
  if (metaspace) checkMetaspace(metaspace, file);
  const prepends = normalizers.some((n) => n['type'] === 'Prepend' && n['prepend'] === '\u2581');
  return [
    str('tokenizer.ggml.model', 'llama'),
    str('tokenizer.ggml.pre', 'default'),
    { key: 'tokenizer.ggml.tokens', type: 'array', itemType: 'string', value: tokens },
    { key: 'tokenizer.ggml.scores', type: 'array', itemType: 'f32', value: scores },
    { key: 'tokenizer.ggml.token_type', type: 'array', itemType: 'i32', value: types },
    ...idEntries(hf, unkText === undefined ? undefined : ids.get(unkText)),
    bool('tokenizer.ggml.add_space_prefix', prepends),
  ];
}

/** The llama.cpp pre-tokenizer name for a byte-level tokenizer.json, or a clear refusal. */
function bytePreName(json: Json, file: string): string {
  const pres = parts(json['pre_tokenizer'], 'pretokenizers');
  const types = pres.map((p) => p['type']).join(' + ');
  const byteLevel = pres.find((p) => p['type'] === 'ByteLevel');
  if (byteLevel?.['add_prefix_space'] === true) {
    throw new BitnetLabError('unsupported', 'the ByteLevel pre-tokenizer adds a prefix space, which llama.cpp\'s byte-level BPE never does', { file });
  }
  if (pres.length === 2 && pres[0]!['type'] === 'Split' && byteLevel === pres[1] && byteLevel['use_regex'] === false) {
    const pattern = (pres[0]!['pattern'] as Json | undefined)?.['Regex'];
    if (pattern === LLAMA3_SPLIT) return 'llama-bpe';
  }
  if (pres.length === 1 && byteLevel && byteLevel['use_regex'] !== false) return 'gpt-2';
  throw new BitnetLabError('unsupported', `byte-level pre-tokenizer ${types} is neither Llama 3's nor GPT-2's, the two llama.cpp pre-tokenizers we export to`, { file });
}

/** The llama.cpp pre-tokenizer of a byte-level tokenizer.json, refusing what llama.cpp would tokenize differently. */
function checkByteLevel(json: Json, file: string): string {
  if (json['normalizer'] !== null && json['normalizer'] !== undefined) {
    throw new BitnetLabError('unsupported', 'a byte-level tokenizer with a normalizer: llama.cpp\'s llama-bpe and gpt-2 pre-tokenizers do not normalize', { file });
  }
  const model = json['model'] as Json;
  const pre = bytePreName(json, file);
  // llama.cpp skips merging words found whole in the vocabulary exactly for llama-bpe.
  if ((model['ignore_merges'] === true) !== (pre === 'llama-bpe')) {
    throw new BitnetLabError('unsupported', `model.ignore_merges is ${String(model['ignore_merges'] ?? false)}, but llama.cpp's ${pre} pre-tokenizer implies ${pre === 'llama-bpe'}`, { file });
  }
  return pre;
}

function gpt2Entries(hf: HfTokenizer, pre: string, vocabSize: number | undefined, file: string): GgufEntry[] {
  const json = hf.json;
  const model = json['model'] as Json;
  const added = addedTokens(json);
  const { tokens, padding } = tokenTable(json, added, vocabSize, file);
  const addedById = new Map(added.map((t) => [t.id, t]));
  const types = tokens.map((_, id) => {
    const a = addedById.get(id);
    if (a) return a.special || looksSpecial(a.content) ? TokenType.CONTROL : TokenType.USER_DEFINED;
    return padding.has(id) ? TokenType.UNUSED : TokenType.NORMAL;
  });
  return [
    str('tokenizer.ggml.model', 'gpt2'),
    str('tokenizer.ggml.pre', pre),
    { key: 'tokenizer.ggml.tokens', type: 'array', itemType: 'string', value: tokens },
    { key: 'tokenizer.ggml.token_type', type: 'array', itemType: 'i32', value: types },
    { key: 'tokenizer.ggml.merges', type: 'array', itemType: 'string', value: mergeList(model, file) },
    ...idEntries(hf, undefined),
  ];
}

/** Our byte-level LM as a llama.cpp vocabulary: id = byte. */
export function byteVocabEntries(): GgufEntry[] {
  const tokens = Array.from({ length: 256 }, (_, b) => (b === 0x20 ? ' ' : `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`));
  return [
    str('tokenizer.ggml.model', 'llama'),
    str('tokenizer.ggml.pre', 'default'),
    { key: 'tokenizer.ggml.tokens', type: 'array', itemType: 'string', value: tokens },
    { key: 'tokenizer.ggml.scores', type: 'array', itemType: 'f32', value: new Array<number>(256).fill(0) },
    { key: 'tokenizer.ggml.token_type', type: 'array', itemType: 'i32', value: tokens.map((t) => (t === ' ' ? TokenType.USER_DEFINED : TokenType.BYTE)) },
    bool('tokenizer.ggml.add_bos_token', false),
    bool('tokenizer.ggml.add_eos_token', false),
    bool('tokenizer.ggml.add_space_prefix', false),
  ];
}

/** The tokenizer of an HF tokenizer.json as llama.cpp entries (the file's shape is checked before the tokenizer is built). */
export async function hfTokenizerGgufEntries(tokenizerJson: string, tokenizerConfig: string | undefined, vocabSize?: number): Promise<GgufEntry[]> {
  const json = await readConfigJson(tokenizerJson);
  if (!json) throw new BitnetLabError('io', 'no such file', { file: tokenizerJson });
  const model = json['model'] as Json | undefined;
  if (model?.['type'] !== 'BPE') {
    throw new BitnetLabError('unsupported', `a ${String(model?.['type'])} tokenizer.json model: we export BPE tokenizers (SentencePiece-style or byte-level) to GGUF`, { file: tokenizerJson });
  }
  const byteLevel = parts(json['pre_tokenizer'], 'pretokenizers').some((p) => p['type'] === 'ByteLevel');
  if (byteLevel) {
    const pre = checkByteLevel(json, tokenizerJson);
    return gpt2Entries(await HfTokenizer.fromJson(json, tokenizerConfig, tokenizerJson), pre, vocabSize, tokenizerJson);
  }
  const spaces = parts(json['normalizer'], 'normalizers').some((n) => n['type'] === 'Replace' && n['content'] === '\u2581')
    || parts(json['pre_tokenizer'], 'pretokenizers').some((p) => p['type'] === 'Metaspace');
  if (model['byte_fallback'] !== true || !spaces) {
    throw new BitnetLabError('unsupported', 'a BPE tokenizer.json that is neither byte-level nor SentencePiece-style (byte_fallback with ▁ for spaces)', { file: tokenizerJson });
  }
  return spmEntries(await HfTokenizer.fromJson(json, tokenizerConfig, tokenizerJson), vocabSize, tokenizerJson);
}

export async function tokenizerGgufEntries(checkpointPath: string): Promise<GgufEntry[]> {
  return tokenizerSourceGgufEntries(await locateTokenizer(checkpointPath));
}

/** The llama.cpp entries of a tokenizer already located. */
export async function tokenizerSourceGgufEntries(src: TokenizerSource): Promise<GgufEntry[]> {
  switch (src.kind) {
    case 'gguf': return src.entries.filter((e) => e.key.startsWith('tokenizer.'));
    case 'bytes': return byteVocabEntries();
    case 'hf': {
      const config = await readConfigJson(join(dirname(src.tokenizerJson), 'config.json'));
      const vocabSize = typeof config?.['vocab_size'] === 'number' ? (config['vocab_size'] as number) : undefined;
      return hfTokenizerGgufEntries(src.tokenizerJson, src.tokenizerConfig, vocabSize);
    }
  }
}
