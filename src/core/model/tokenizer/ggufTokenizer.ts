/**
 * The tokenizer a GGUF file carries, giving the ids llama.cpp gives for the
 * same file (llama-vocab.cpp, llama_vocab::impl::tokenize / detokenize):
 *
 * 1. Special tokens are cut out of the text first, longest first
 *    (tokenizer_st_partition): user-defined ones always, control and unknown
 *    ones when `parseSpecial` (the default of `encode`, as tokenizer.json's
 *    added tokens are matched by @huggingface/tokenizers).
 * 2. Each remaining run of text goes to SPM (`llama`: spaces → ▁, one ▁ in
 *    front of the first run and of every run after a special token when
 *    add_space_prefix) or byte-level BPE (`gpt2`).
 * 3. BOS / EOS are added as add_bos_token / add_eos_token say.
 *
 * Not reproduced: llama.cpp's per-model tweaks keyed on general.name or the
 * token text (lstrip/rstrip for phi-3 and jina, promoting <|eot_id|>-like
 * normal tokens to control): our exports mark such tokens' types themselves.
 */
import type { GgufEntry } from '../../formats/gguf/ggufValue.js';
import { CHAR_TO_BYTE } from './byteLevel.js';
import { BpeModel } from './bpe.js';
import { checkIds } from './checkIds.js';
import { readGgufVocab, TokenType, type GgufVocab } from './ggufVocab.js';
import { spmEncode, type SpmVocab } from './spm.js';
import type { Tokenizer, TokenizerKind } from './types.js';

export interface TokenizeOptions {
  addSpecial?: boolean;
  parseSpecial?: boolean;
}

interface Special {
  id: number;
  text: string;
  /** Control and unknown tokens are matched only when parsing specials. */
  always: boolean;
}

type Fragment = string | number;

const EMPTY = new Uint8Array(0);

function utf8(s: string): Uint8Array {
  return Buffer.from(s, 'utf8');
}

/** A byte-level token's text back to its bytes (llama_decode_text, including its marker for characters outside the alphabet). */
function byteLevelBytes(text: string): Uint8Array {
  const out: number[] = [];
  for (const c of text) {
    const b = CHAR_TO_BYTE.get(c);
    if (b !== undefined) out.push(b);
    else out.push(...utf8(`[UNK_BYTE_0x${utf8(c).reduce((s, x) => s + x.toString(16).padStart(2, '0'), '')}${text}]`));
  }
  return Uint8Array.from(out);
}

const SPACE = 0x20;
const isAny = (x: number | undefined, chars: string): boolean => x !== undefined && chars.includes(String.fromCharCode(x));

/**
 * llama.cpp's clean_spaces passes over detokenized bytes: drop the space
 * before ? ! . , ; turn " ' " into "'"; drop the space before 's 'm 're 've.
 */
function cleanSpaces(b: number[]): number[] {
  const pass = (src: number[], step: (src: number[], i: number, out: number[]) => number): number[] => {
    if (src.length === 0) return src;
    const out = [src[0]!];
    for (let i = 1; i < src.length; i++) i = step(src, i, out);
    return out;
  };
  const punct = pass(b, (s, i, out) => {
    if (s[i - 1] === SPACE && isAny(s[i], '?!.,')) out.pop();
    out.push(s[i]!);
    return i;
  });
  // This pass blanks the space it skips, so that space no longer counts as one before the next character.
  const quote = pass([...punct], (s, i, out) => {
    if (s[i] === 0x27 && i + 1 < s.length && s[i - 1] === SPACE && s[i + 1] === SPACE) {
      out.pop();
      out.push(s[i]!);
      s[i + 1] = 0;
      return i + 1;
    }
    out.push(s[i]!);
    return i;
  });
  return pass(quote, (s, i, out) => {
    if (s[i - 1] === SPACE && s[i] === 0x27 && i + 1 < s.length) {
      const a = s[i + 1];
      const two = i + 2 < s.length ? String.fromCharCode(a!, s[i + 2]!) : '';
      if (isAny(a, 'sm') || two === 're' || two === 've') out.pop();
    }
    out.push(s[i]!);
    return i;
  });
}

export class GgufTokenizer implements Tokenizer {
  readonly kind: TokenizerKind;
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  readonly description: string;
  private readonly ids = new Map<string, number>();
  private readonly specials: Special[] = [];
  private readonly pieces: Array<Uint8Array | undefined>;
  private readonly encodeRun: (text: string, out: number[]) => void;

  constructor(private readonly v: GgufVocab) {
    this.kind = v.model === 'llama' ? 'gguf-llama' : 'gguf-gpt2';
    this.vocabSize = v.tokens.length;
    this.bosId = v.bosId;
    this.eosId = v.eosId;
    // The last of repeated texts wins, as in llama.cpp's token_to_id.
    v.tokens.forEach((t, id) => this.ids.set(t, id));
    v.types.forEach((type, id) => {
      if (type === TokenType.CONTROL || type === TokenType.UNKNOWN || type === TokenType.USER_DEFINED) {
        this.specials.push({ id, text: v.tokens[id]!, always: type === TokenType.USER_DEFINED });
      }
    });
    const bytes = (s: Special): number => Buffer.byteLength(s.text, 'utf8');
    this.specials.sort((a, b) => bytes(b) - bytes(a) || a.id - b.id);
    this.pieces = new Array<Uint8Array | undefined>(v.tokens.length);
    const idOf = (t: string): number | undefined => this.ids.get(t);
    if (v.model === 'llama') {
      const spm: SpmVocab = { file: v.file, idOf, score: (id) => v.scores[id]! };
      this.encodeRun = (text, out) => spmEncode(text.replaceAll(' ', '\u2581'), spm, out);
    } else {
      const bpe = new BpeModel(idOf, v.merges, v.pre, v.ignoreMerges);
      this.encodeRun = (text, out) => bpe.encode(text, out);
    }
    const bos = v.addBos ? `BOS ${JSON.stringify(v.tokens[v.bosId!])} (${v.bosId}) added` : 'no BOS added';
    const model = v.model === 'llama' ? `SentencePiece-style${v.addSpacePrefix ? ', space prefix' : ''}` : `byte-level BPE, pre-tokenizer ${v.preName || '(none: default)'}`;
    this.description = `GGUF tokenizer.ggml.* of ${v.file}: ${model}, ${v.tokens.length} tokens, ${bos}`;
  }

  static fromEntries(entries: readonly GgufEntry[], file: string): GgufTokenizer {
    return new GgufTokenizer(readGgufVocab(entries, file));
  }

  encode(text: string, options: { addSpecial?: boolean } = {}): number[] {
    return this.tokenize(text, { addSpecial: options.addSpecial ?? true, parseSpecial: true });
  }

  /** llama_tokenize(text, add_special, parse_special). */
  tokenize(text: string, { addSpecial = true, parseSpecial = true }: TokenizeOptions = {}): number[] {
    const out: number[] = [];
    if (addSpecial && this.v.addBos) out.push(this.v.bosId!);
    let afterSpecial = true;
    for (const f of this.partition(text, parseSpecial)) {
      if (typeof f === 'number') {
        out.push(f);
        afterSpecial = true;
        continue;
      }
      const prefix = this.v.model === 'llama' && this.v.addSpacePrefix && afterSpecial ? ' ' : '';
      this.encodeRun(prefix + f, out);
      afterSpecial = false;
    }
    if (addSpecial && this.v.addEos && this.v.eosId !== undefined) out.push(this.v.eosId);
    return out;
  }

  private partition(text: string, parseSpecial: boolean): Fragment[] {
    let frags: Fragment[] = text === '' ? [] : [text];
    for (const s of this.specials) {
      if (!parseSpecial && !s.always) continue;
      const next: Fragment[] = [];
      for (const f of frags) {
        if (typeof f === 'number') {
          next.push(f);
          continue;
        }
        let from = 0;
        for (let at = f.indexOf(s.text); at >= 0; at = f.indexOf(s.text, from)) {
          if (at > from) next.push(f.slice(from, at));
          next.push(s.id);
          from = at + s.text.length;
        }
        if (from < f.length) next.push(from === 0 ? f : f.slice(from));
      }
      frags = next;
    }
    return frags;
  }

  /** token_to_piece with special = false: control and unknown tokens give nothing. */
  private piece(id: number): Uint8Array {
    const cached = this.pieces[id];
    if (cached) return cached;
    const text = this.v.tokens[id]!;
    let p: Uint8Array = EMPTY;
    switch (this.v.types[id]) {
      case TokenType.USER_DEFINED: p = utf8(text); break;
      case TokenType.NORMAL: p = this.v.model === 'llama' ? utf8(text.replaceAll('\u2581', ' ')) : byteLevelBytes(text); break;
      case TokenType.BYTE: p = Uint8Array.of(parseInt(text.slice(3, 5), 16) & 0xff); break;
      default: break;
    }
    this.pieces[id] = p;
    return p;
  }

  /**
   * llama.cpp's detokenize of the ids with special tokens dropped first (so a
   * leading BOS does not keep the prefix space, which llama.cpp's own
   * detokenize keeps after one): pieces joined, the first piece's leading
   * space removed when add_space_prefix, and clean_spaces for BPE.
   */
  decode(ids: readonly number[]): string {
    let bytes: number[] = [];
    let first = true;
    checkIds(ids, this.vocabSize, this.v.file);
    for (const id of ids) {
      const type = this.v.types[id];
      if (type === TokenType.CONTROL || type === TokenType.UNKNOWN) continue;
      const p = this.piece(id);
      const skip = first && this.v.addSpacePrefix && p[0] === SPACE ? 1 : 0;
      for (let i = skip; i < p.length; i++) bytes.push(p[i]!);
      first = false;
    }
    if (this.v.cleanSpaces) bytes = cleanSpaces(bytes);
    return Buffer.from(bytes).toString('utf8');
  }
}
