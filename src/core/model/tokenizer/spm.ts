/**
 * SentencePiece-style merging as llama.cpp's `llama` vocabularies do it
 * (llama-vocab.cpp, llm_tokenizer_spm_session): start from single code
 * points, repeatedly join the adjacent pair whose concatenation is a
 * vocabulary token with the highest score (the leftmost on ties), and spell
 * whatever never became a token as byte tokens <0xXX>.
 */
import { BitnetLabError } from '../../errors.js';
import { Heap } from './heap.js';

export interface SpmVocab {
  file: string;
  idOf(text: string): number | undefined;
  score(id: number): number;
}

interface Bigram {
  left: number;
  right: number;
  score: number;
  /** Combined length when queued: a pair whose symbols changed since no longer matches it. */
  size: number;
}

const hex = (b: number): string => b.toString(16).toUpperCase().padStart(2, '0');

/** The byte token for `b`: `<0xXX>`, else the one-byte text itself, as llama.cpp looks them up. */
export function spmByteId(v: SpmVocab, b: number): number {
  const id = v.idOf(`<0x${hex(b)}>`) ?? (b < 0x80 ? v.idOf(String.fromCharCode(b)) : undefined);
  if (id === undefined) throw new BitnetLabError('unsupported', `the vocabulary has no byte token for 0x${hex(b)}, so this text cannot be tokenized`, { file: v.file });
  return id;
}

/** Appends the ids of `text` (already ▁-escaped) to `out`. */
export function spmEncode(text: string, v: SpmVocab, out: number[]): void {
  const sym = Array.from(text);
  if (sym.length === 0) return;
  const next = sym.map((_, i) => (i + 1 < sym.length ? i + 1 : -1));
  const prev = sym.map((_, i) => i - 1);
  const queue = new Heap<Bigram>((a, b) => a.score > b.score || (a.score === b.score && a.left < b.left));
  const tryPair = (left: number, right: number): void => {
    if (left < 0 || right < 0) return;
    const id = v.idOf(sym[left]! + sym[right]!);
    if (id !== undefined) queue.push({ left, right, score: v.score(id), size: sym[left]!.length + sym[right]!.length });
  };
  for (let i = 1; i < sym.length; i++) tryPair(i - 1, i);
  while (queue.size > 0) {
    const { left, right, size } = queue.pop()!;
    const l = sym[left]!;
    const r = sym[right]!;
    if (l === '' || r === '' || l.length + r.length !== size) continue;
    sym[left] = l + r;
    sym[right] = '';
    next[left] = next[right]!;
    if (next[right]! >= 0) prev[next[right]!] = left;
    tryPair(prev[left]!, left);
    tryPair(left, next[left]!);
  }
  for (let i = 0; i !== -1; i = next[i]!) {
    const id = v.idOf(sym[i]!);
    if (id !== undefined) out.push(id);
    else for (const b of Buffer.from(sym[i]!, 'utf8')) out.push(spmByteId(v, b));
  }
}
