/**
 * The pre-tokenizers llama.cpp applies before byte-level BPE, by the name in
 * `tokenizer.ggml.pre` (llama-vocab.cpp, llm_tokenizer_bpe and the name table
 * in llama_vocab::impl::load). Each splits a text into the words BPE then
 * merges within.
 *
 * - `llama3` (Llama 3 and kin): the regex of Llama 3's tokenizer.json,
 *   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * - `gpt2`: GPT-2's, 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *
 * Both are scanned by hand, one alternative after another as the regex tries
 * them, the way llama.cpp's unicode.cpp does for these two, rather than with
 * a RegExp: JavaScript has no (?i:…) group, and \s must mean Unicode's
 * White_Space (what llama.cpp's tables hold), not ECMAScript's.
 *
 * - `default` (what llama.cpp falls back to for an unnamed BPE vocabulary):
 *   four regexes applied in turn, each splitting the pieces of the one before
 *   into matches and the text between them (unicode_regex_split). These are
 *   ordinary ECMAScript regexes, as llama.cpp runs them through std::regex
 *   (with \s spelled as White_Space).
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

const LETTER = /\p{L}/u;
const NUMBER = /\p{N}/u;
const SPACE = /\p{White_Space}/u;

type Cls = 'L' | 'N' | 'S' | 'O';

/** Letter, number, white space or other, per code point. */
function classify(cps: readonly string[]): Cls[] {
  return cps.map((c) => (LETTER.test(c) ? 'L' : NUMBER.test(c) ? 'N' : SPACE.test(c) ? 'S' : 'O'));
}

/** Length of a contraction ('s 't 'm 'd 're 've 'll) starting at i, or 0. */
function contraction(cps: readonly string[], i: number, anyCase: boolean): number {
  if (cps[i] !== "'" || i + 1 >= cps.length) return 0;
  const low = (c: string | undefined): string | undefined => (anyCase ? c?.toLowerCase() : c);
  const a = low(cps[i + 1]);
  if (a === 's' || a === 't' || a === 'm' || a === 'd') return 2;
  const b = low(cps[i + 2]);
  if ((a === 'r' && b === 'e') || (a === 'v' && b === 'e') || (a === 'l' && b === 'l')) return 3;
  return 0;
}

/** The \s+(?!\S) | \s+ tail both regexes end with: a run of white space, leaving the last one to the next word. */
function spaceRun(cls: readonly Cls[], i: number): number {
  let j = i;
  while (j < cls.length && cls[j] === 'S') j++;
  const n = j - i;
  return n > 1 && j < cls.length ? n - 1 : n;
}

function runOf(cls: readonly Cls[], i: number, pred: (c: Cls) => boolean): number {
  let j = i;
  while (j < cls.length && pred(cls[j]!)) j++;
  return j;
}

const isOther = (c: Cls): boolean => c === 'O';
const isNewline = (c: string | undefined): boolean => c === '\r' || c === '\n';

/** Word lengths (in code points) of the Llama 3 regex. */
function llama3Lengths(cps: readonly string[], cls: readonly Cls[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < cps.length;) {
    const start = i;
    const c = cps[i]!;
    const k = cls[i]!;
    const contr = contraction(cps, i, true);
    if (contr > 0) {
      i += contr;
    } else if (k === 'L' || (!isNewline(c) && k !== 'N' && cls[i + 1] === 'L')) {
      // [^\r\n\p{L}\p{N}]?\p{L}+
      i = runOf(cls, i + 1, (x) => x === 'L');
    } else if (k === 'N') {
      // \p{N}{1,3}
      i = Math.min(runOf(cls, i, (x) => x === 'N'), i + 3);
    } else if (k === 'O' || (c === ' ' && cls[i + 1] === 'O')) {
      // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
      i = runOf(cls, c === ' ' ? i + 1 : i, isOther);
      while (i < cps.length && isNewline(cps[i])) i++;
    } else {
      // White space: \s*[\r\n]+ takes the run up to its last line break; else \s+(?!\S) | \s+.
      const end = runOf(cls, i, (x) => x === 'S');
      let lastBreak = -1;
      for (let j = i; j < end; j++) if (isNewline(cps[j])) lastBreak = j;
      i = lastBreak >= 0 ? lastBreak + 1 : i + spaceRun(cls, i);
    }
    out.push(i - start);
  }
  return out;
}

/** Word lengths (in code points) of the GPT-2 regex. */
function gpt2Lengths(cps: readonly string[], cls: readonly Cls[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < cps.length;) {
    const start = i;
    const contr = contraction(cps, i, false);
    // ' ?X+' for X = letters, numbers, others: an optional space joins the run after it.
    const lead = cps[i] === ' ' && i + 1 < cps.length ? 1 : 0;
    const k = cls[i + lead]!;
    if (contr > 0) i += contr;
    else if (k !== 'S') i = runOf(cls, i + lead, (x) => x === k);
    else i += spaceRun(cls, i);
    out.push(i - start);
  }
  return out;
}

/** llama.cpp's regex list for the default BPE pre-tokenizer, with \s as White_Space like its tables. */
const DEFAULT_REGEXES = [
  /[\p{P}$+<=>^~|]+/gu,
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})/gu,
  /\p{N}+/gu,
  /[0-9][0-9][0-9]/gu,
];

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
  if (kind === 'default') return DEFAULT_REGEXES.reduce<string[]>((pieces, re) => splitAll(pieces, re), [text]);
  const cps = Array.from(text);
  const cls = classify(cps);
  const lengths = kind === 'llama3' ? llama3Lengths(cps, cls) : gpt2Lengths(cps, cls);
  const words: string[] = [];
  let at = 0;
  for (const n of lengths) {
    words.push(cps.slice(at, at + n).join(''));
    at += n;
  }
  return words;
}
