/**
 * Texts the tokenizers are compared on: each stresses a different part of
 * SPM / byte-level BPE / pre-tokenization (kept short: llama.cpp and
 * @huggingface/tokenizers both run on every one).
 */
export const CORPUS: readonly string[] = [
  'Hello world',
  'The quick brown fox jumps over the lazy dog. It\'s 5 o\'clock; they\'re sure we\'ll go — aren\'t we?',
  ' leading space',
  '   three leading spaces',
  'trailing spaces   ',
  'tabs\tand\t\ttabs and\nnew\n\nlines\r\n\r\nCRLF',
  'whitespace runs:      six, then\n\n\n\nfour newlines,  \n  mixed',
  'function add(a: number, b: number): number {\n  return a + b; // sum\n}\n',
  'if (x >= 10 && y != 0) { z = x / y; } else { z = -1; }',
  'digits 0 12 345 6789 1234567890 3.14159 1e-10 -42 $1,000,000',
  "I'm, you're, he's, we've, she'd, I'll, DON'T, It'S, 'quoted' words",
  'emoji 🦙🚀😶‍🌫️ ✅ 👍🏽 and flags 🇫🇷',
  'CJK 中文分词测试，日本語のテキスト、한국어 텍스트',
  'accents: café naïve Ångström façade — Ünïcödé',
  'Cyrillic нещо на Български and Greek αβγ δέλτα',
  'rare scripts ሰላም ᚠᚢᚦ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𓀀 (byte fallback)',
  'control \u0001\u0007 chars and zero\u200bwidth',
  'next line a \u0085b, byte-order mark a \ufeffb, ideographic space a\u3000\u3000b',
  'punctuation!!! ??? ... ,,, ;;; ::: --- ___ *** ### @@@',
  "'''''' ``````` \"\"\"\" ......!!!!!!??????",
  'https://example.com/path?query=1&b=2#frag user@mail.org',
  '  \n  ',
  'a',
  '',
];

/** Texts holding special-token strings of the two real tokenizers, parsed as specials by both peers. */
export const SPECIAL_CORPUS: readonly string[] = [
  '<s>Hello</s> world <unk>',
  'a<s>b</s>c',
  '<|begin_of_text|>Hi<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nq',
  'not special: <|fake|> <s >',
];
