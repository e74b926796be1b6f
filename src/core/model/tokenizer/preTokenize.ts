/**
 * The pre-tokenizers llama.cpp applies before byte-level BPE, by the name in
 * `tokenizer.ggml.pre` (llama-vocab.cpp, llm_tokenizer_bpe and the name table
 * in llama_vocab::impl::load). Each splits a text into the words BPE then
 * merges within: a list of regexes, each splitting the pieces of the one
 * before into its matches and the text between them (unicode_regex_split).
 *
 * - `llama3` (Llama 3 and kin): Llama 3's tokenizer.json regex, with its
 *   (?i:…) group spelled out as llama.cpp spells it (JavaScript has no such group);
 * - `gpt2`: GPT-2's;
 * - `default` (what llama.cpp falls back to for an unnamed BPE vocabulary):
 *   punctuation runs, then GPT-2's regex, then digit runs, then digits in threes.
 *
 * \s is written as White_Space throughout: that is the set llama.cpp's
 * Unicode tables hold (ECMAScript's \s adds U+FEFF and lacks U+0085).
 */

export type PreTokenizerKind = 'llama3' | 'gpt2' | 'default';

/** `tokenizer.ggml.pre` names → the pre-tokenizer llama.cpp uses for them (the subset we implement). */
const BY_NAME: Record<string, PreTokenizerKind> = {
  'llama3': 'llama3', 'llama-v3': 'llama3', 'llama-bpe': 'llama3', 'falcon3': 'llama3', 'falcon-h1': 'llama3', 'pixtral': 'llama3',
  'midm-2.0': 'llama3', 'lfm2': 'llama3', 'jina-v5-nano': 'llama3',
  'gpt-2': 'gpt2', 'phi-2': 'gpt2', 'jina-es': 'gpt2', 'jina-de': 'gpt2', 'gigachat': 'gpt2', 'jina-v2-es': 'gpt2', 'jina-v2-de': 'gpt2',
  'a.x-4.0': 'gpt2', 'mellum': 'gpt2', 'modern-bert': 'gpt2', 'jina-v1-en': 'gpt2', 'jina-v2-code': 'gpt2', 'roberta-bpe': 'gpt2', 'exaone4': 'gpt2',
  'default': 'default', '': 'default',
};

export function preTokenizerFor(name: string): PreTokenizerKind | undefined {
  return Object.hasOwn(BY_NAME, name) ? BY_NAME[name] : undefined;
}

export function supportedPreTokenizers(): string[] {
  return Object.keys(BY_NAME).filter((n) => n !== '');
}

const S = '\\p{White_Space}';
const NOT_S = '\\P{White_Space}';
const GPT2 = `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${S}\\p{L}\\p{N}]+|${S}+(?!${NOT_S})|${S}+`;
const LLAMA3 =
  `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^${S}\\p{L}\\p{N}]+[\\r\\n]*|${S}*[\\r\\n]+|${S}+(?!${NOT_S})|${S}+`;

const REGEXES: Record<PreTokenizerKind, RegExp[]> = {
  llama3: [new RegExp(LLAMA3, 'gu')],
  gpt2: [new RegExp(GPT2, 'gu')],
  default: [
    /[\p{P}$+<=>^~|]+/gu,
    new RegExp(`'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${S}\\p{L}\\p{N}]+|${S}+(?!${NOT_S})`, 'gu'),
    /\p{N}+/gu,
    /[0-9][0-9][0-9]/gu,
  ],
};

/** Splits each piece into its matches and the text between them, keeping all of it. */
function splitAll(pieces: readonly string[], re: RegExp): string[] {
  const out: string[] = [];
  for (const p of pieces) {
    let last = 0;
    for (const m of p.matchAll(re)) {
      if (m[0].length === 0) continue;
      if (m.index > last) out.push(p.slice(last, m.index));
      out.push(m[0]);
      last = m.index + m[0].length;
    }
    if (last < p.length) out.push(p.slice(last));
  }
  return out;
}

/** The words of `text` under pre-tokenizer `kind`. */
export function preTokenize(kind: PreTokenizerKind, text: string): string[] {
  return REGEXES[kind].reduce<string[]>((pieces, re) => splitAll(pieces, re), [text]);
}
