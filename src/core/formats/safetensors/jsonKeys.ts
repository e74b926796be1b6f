/**
 * JSON.parse keeps the last of duplicate keys without a word, but the
 * safetensors spec forbids duplicates (two tensors of one name would make the
 * file ambiguous). This scan walks an already-valid JSON text and reports the
 * first key that repeats within one object. It works on the decoded string
 * (fast: keys are substrings, no per-key decoding) and records UTF-16 indices;
 * `byteIndex` turns one into a UTF-8 byte position only when an error needs it.
 */
export interface DuplicateKey {
  key: string;
  /** UTF-16 index of the repeated key's opening quote. */
  at: number;
}

export interface KeyScan {
  duplicate?: DuplicateKey;
  /** UTF-16 index of each top-level key's opening quote (first occurrence). */
  topLevel: Map<string, number>;
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a;
const LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d;

export function scanJsonKeys(text: string): KeyScan {
  // One entry per open container: a key set for objects, null for arrays.
  const stack: Array<Set<string> | null> = [];
  const topLevel = new Map<string, number>();
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === LBRACE) stack.push(new Set());
    else if (c === LBRACKET) stack.push(null);
    else if (c === RBRACE || c === RBRACKET) stack.pop();
    else if (c === QUOTE) {
      const start = i;
      let escaped = false;
      let j = i + 1;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d === BACKSLASH) {
          escaped = true;
          j++; // skip the escaped character (for \uXXXX the hex digits are harmless)
        } else if (d === QUOTE) break;
      }
      i = j; // closing quote
      const top = stack[stack.length - 1];
      if (top === undefined || top === null) continue; // a value inside an array, or a bare string
      let k = j + 1;
      while (k < n) {
        const s = text.charCodeAt(k);
        if (s !== 0x20 && s !== 0x09 && s !== 0x0a && s !== 0x0d) break;
        k++;
      }
      if (text.charCodeAt(k) !== COLON) continue; // a string value, not a key
      // Escaped spellings ("\u0077" vs "w") must compare equal, so decode those.
      const key = escaped ? (JSON.parse(text.slice(start, j + 1)) as string) : text.slice(start + 1, j);
      if (top.has(key)) return { duplicate: { key, at: start }, topLevel };
      top.add(key);
      if (stack.length === 1) topLevel.set(key, start);
    }
  }
  return { topLevel };
}

/** UTF-8 byte position of UTF-16 index `at` in `text`. */
export function byteIndex(text: string, at: number): number {
  return Buffer.byteLength(text.slice(0, at), 'utf8');
}
