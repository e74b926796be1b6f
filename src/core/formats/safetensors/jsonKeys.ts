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
  /**
   * UTF-16 index of a top-level key's opening quote (first occurrence), found
   * by a second scan only when asked: error messages need it, and a map of
   * every key would hold hundreds of thousands of entries for nothing.
   */
  topLevelAt(key: string): number | undefined;
}

/**
 * Keys seen in one object. Most objects of a header (one per tensor) hold
 * three keys: a short array costs far less than a Set per object, which
 * mattered at 400,000 tensors; a Set takes over beyond a few keys.
 */
class KeySet {
  private list: string[] | undefined = [];
  private set: Set<string> | undefined;

  /** Adds the key; false if it was already there. */
  add(key: string): boolean {
    if (this.list !== undefined) {
      if (this.list.includes(key)) return false;
      this.list.push(key);
      if (this.list.length > 16) {
        this.set = new Set(this.list);
        this.list = undefined;
      }
      return true;
    }
    if (this.set!.has(key)) return false;
    this.set!.add(key);
    return true;
  }
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a;
const LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d;

export function scanJsonKeys(text: string): KeyScan {
  const duplicate = walkKeys(text);
  return { ...(duplicate ? { duplicate } : {}), topLevelAt: (key) => findTopLevelKey(text, key) };
}

function findTopLevelKey(text: string, wanted: string): number | undefined {
  let found: number | undefined;
  walkKeys(text, (key, at) => {
    if (key !== wanted) return false;
    found = at;
    return true;
  });
  return found;
}

/**
 * Walks the keys of an already-valid JSON text; returns the first duplicate
 * within one object. `onTopLevel` sees each top-level key and may stop the walk.
 */
function walkKeys(text: string, onTopLevel?: (key: string, at: number) => boolean): DuplicateKey | undefined {
  // One entry per open container: a key set for objects, null for arrays.
  const stack: Array<KeySet | null> = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === LBRACE) stack.push(new KeySet());
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
      if (!top.add(key)) return { key, at: start };
      if (stack.length === 1 && onTopLevel?.(key, start) === true) return undefined;
    }
  }
  return undefined;
}

/** UTF-8 byte position of UTF-16 index `at` in `text`. */
export function byteIndex(text: string, at: number): number {
  return Buffer.byteLength(text.slice(0, at), 'utf8');
}
