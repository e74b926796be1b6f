/**
 * Byte-level BPE as llama.cpp's `gpt2` vocabularies do it (llama-vocab.cpp,
 * llm_tokenizer_bpe_session): pre-tokenize into words, spell each word in
 * GPT-2's byte alphabet, start from its code points and repeatedly join the
 * adjacent pair with the lowest merge rank (the leftmost on ties).
 */
import { toByteLevel } from './byteLevel.js';
import { Heap } from './heap.js';
import { preTokenize, type PreTokenizerKind } from './preTokenize.js';

interface Bigram {
  left: number;
  right: number;
  rank: number;
  text: string;
}

/** Merge-pair key that cannot collide whatever the two texts hold. */
const pairKey = (a: string, b: string): string => `${a.length}:${a}${b}`;

export class BpeModel {
  private readonly ranks = new Map<string, number>();

  constructor(
    private readonly idOf: (text: string) => number | undefined,
    merges: readonly string[],
    private readonly pre: PreTokenizerKind,
    private readonly ignoreMerges: boolean,
  ) {
    merges.forEach((m, rank) => {
      // "first second", split at the first space after the first character; the first
      // listing of a pair wins (llama.cpp fills bpe_ranks with emplace).
      const at = m.indexOf(' ', 1);
      const key = at < 0 ? pairKey('', '') : pairKey(m.slice(0, at), m.slice(at + 1));
      if (!this.ranks.has(key)) this.ranks.set(key, rank);
    });
  }

  /** Appends the ids of `text` to `out`. */
  encode(text: string, out: number[]): void {
    for (const word of preTokenize(this.pre, text)) this.encodeWord(toByteLevel(word), out);
  }

  private encodeWord(word: string, out: number[]): void {
    if (this.ignoreMerges) {
      const whole = this.idOf(word);
      if (whole !== undefined) {
        out.push(whole);
        return;
      }
    }
    const sym = Array.from(word);
    const next = sym.map((_, i) => (i + 1 < sym.length ? i + 1 : -1));
    const prev = sym.map((_, i) => i - 1);
    const queue = new Heap<Bigram>((a, b) => a.rank < b.rank || (a.rank === b.rank && a.left < b.left));
    const tryPair = (left: number, right: number): void => {
      if (left < 0 || right < 0) return;
      const rank = this.ranks.get(pairKey(sym[left]!, sym[right]!));
      if (rank !== undefined) queue.push({ left, right, rank, text: sym[left]! + sym[right]! });
    };
    for (let i = 1; i < sym.length; i++) tryPair(i - 1, i);
    while (queue.size > 0) {
      const { left, right, text } = queue.pop()!;
      const l = sym[left]!;
      const r = sym[right]!;
      if (l === '' || r === '' || l + r !== text) continue;
      sym[left] = text;
      sym[right] = '';
      next[left] = next[right]!;
      if (next[right]! >= 0) prev[next[right]!] = left;
      tryPair(prev[left]!, left);
      tryPair(left, next[left]!);
    }
    for (let i = 0; i !== -1 && sym.length > 0; i = next[i]!) {
      const id = this.idOf(sym[i]!);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      // A piece the vocabulary lacks: llama.cpp looks its bytes up one by one and drops those it cannot find.
      for (const b of Buffer.from(sym[i]!, 'utf8')) {
        const byteId = b < 0x80 ? this.idOf(String.fromCharCode(b)) : undefined;
        if (byteId !== undefined) out.push(byteId);
      }
    }
  }
}
