/**
 * Finished analyses cached per checkpoint and settings, so reopening a file
 * (or flipping back to a method already tried) is instant. The key covers
 * every file the checkpoint reads — an edited shard invalidates the entry —
 * and every setting that changes the numbers.
 */
import type { AnalysisSettings } from '../protocol/inspector.js';

export interface FileStamp {
  path: string;
  size: number;
  mtimeMs: number;
}

/** A stable key: file order and pattern order do not matter, every stamp field does. */
export function analysisCacheKey(files: readonly FileStamp[], settings: AnalysisSettings): string {
  const stamps = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => [f.path, f.size, f.mtimeMs]);
  return JSON.stringify({
    files: stamps,
    method: settings.method,
    include: [...new Set(settings.include)].sort(),
    exclude: [...new Set(settings.exclude)].sort(),
    backend: settings.backend,
  });
}

/** Least-recently-used map with a fixed number of entries (reports of big models hold many histograms). */
export class LruCache<V> {
  private readonly map = new Map<string, V>();
  constructor(readonly maxEntries: number) {
    if (!(maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  clear(): void {
    this.map.clear();
  }
}
