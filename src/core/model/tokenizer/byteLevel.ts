/**
 * GPT-2's byte-level alphabet: every byte maps to one printable code point
 * (printable Latin-1 bytes to themselves, the other 68 to U+0100 onwards, in
 * byte order), so byte-level BPE vocabularies and merges are plain strings.
 * The table is the one of openai/gpt-2 encoder.py `bytes_to_unicode`, which
 * tokenizer.json's ByteLevel and llama.cpp's unicode.cpp share.
 */
const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);

/** Byte → its character. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const out: string[] = [];
  let next = 0x100;
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(printable(b) ? b : next++));
  return out;
})();

/** Character → its byte (the inverse of BYTE_TO_CHAR). */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** The byte-level spelling of a text: its UTF-8 bytes, each as its character. */
export function toByteLevel(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) out += BYTE_TO_CHAR[b]!;
  return out;
}
