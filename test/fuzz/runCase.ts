/**
 * Runs one fuzz case: open the checkpoint, analyse every tensor with small
 * chunks, close. The only acceptable outcomes are a report or a
 * BitnetLabError. analyzeCheckpoint turns a per-tensor failure into
 * `tensor.error`, which would hide an untyped exception, so the source is
 * wrapped to catch what its iterators throw before analysis sees it.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BitnetLabError } from '../../src/core/errors.js';
import { openCheckpoint } from '../../src/core/formats/open.js';
import type { CheckpointSource, ValueReadOptions } from '../../src/core/formats/types.js';
import { analyzeCheckpoint, headerReport } from '../../src/core/analysis/analyze.js';
import { GgufTokenizer } from '../../src/core/model/tokenizer/ggufTokenizer.js';

export type Outcome = 'report' | 'typed' | 'finding';

export interface CaseResult {
  outcome: Outcome;
  /** Error code for typed errors; message and first stack frames for findings. */
  detail: string;
}

/** Untyped exceptions the wrapped iterators saw (analysis swallows them into tensor.error). */
class Watched implements CheckpointSource {
  readonly untyped: unknown[] = [];
  constructor(private readonly inner: CheckpointSource) {}
  get path(): string { return this.inner.path; }
  get format() { return this.inner.format; }
  get tensors() { return this.inner.tensors; }
  get metadata() { return this.inner.metadata; }
  private watch<T>(it: () => AsyncIterable<T>): AsyncIterable<T> {
    const untyped = this.untyped;
    return {
      async *[Symbol.asyncIterator]() {
        try {
          yield* it();
        } catch (e) {
          if (!(e instanceof BitnetLabError)) untyped.push(e);
          throw e;
        }
      },
    };
  }
  values(name: string, options?: ValueReadOptions): AsyncIterable<Float32Array> {
    return this.watch(() => this.inner.values(name, options));
  }
  rawBytes(name: string, options?: ValueReadOptions & { chunkBytes?: number }): AsyncIterable<Uint8Array> {
    return this.watch(() => this.inner.rawBytes(name, options));
  }
  close(): Promise<void> { return this.inner.close(); }
}

export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const frames = (e.stack ?? '').split('\n').slice(1, 4).map((l) => l.trim()).join(' | ');
    return `${e.name}: ${e.message.slice(0, 300)} @ ${frames}`;
  }
  return `non-Error thrown: ${String(e).slice(0, 300)}`;
}

/** Writes the case's files into `dir` (emptied first) and returns the entry path. */
export async function materialise(dir: string, files: ReadonlyArray<{ name: string; bytes: Uint8Array }>, entry: string): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const f of files) {
    const p = join(dir, f.name);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, f.bytes);
  }
  return join(dir, entry);
}

/** A GGUF's tokenizer.ggml.* must also build, encode and decode, or end in a BitnetLabError. */
function exerciseTokenizer(source: CheckpointSource): void {
  const entries = source.ggufEntries;
  if (!entries?.some((e) => e.key === 'tokenizer.ggml.model')) return;
  const t = GgufTokenizer.fromEntries(entries, source.path);
  t.decode(t.encode('Hello wörld <s> 12345 \u{1F999}\n'));
}

/** Opens and analyses `path` (and its tokenizer, if it carries one); classifies what happened. */
export async function runCheckpoint(path: string): Promise<CaseResult> {
  let source: CheckpointSource;
  try {
    source = await openCheckpoint(path);
  } catch (e) {
    return e instanceof BitnetLabError ? { outcome: 'typed', detail: e.code } : { outcome: 'finding', detail: `open: ${describeError(e)}` };
  }
  const watched = new Watched(source);
  try {
    headerReport(watched);
    const report = await analyzeCheckpoint(watched, { statsFor: 'all', chunkElements: 2048, cacheElements: 1 << 16 });
    // A report must be serialisable (the CLI prints it, the job process posts it).
    JSON.stringify(report);
    exerciseTokenizer(source);
    if (watched.untyped.length > 0) return { outcome: 'finding', detail: `values: ${describeError(watched.untyped[0])}` };
    return { outcome: 'report', detail: report.tensors.some((t) => t.error) ? 'report with tensor errors' : 'report' };
  } catch (e) {
    if (watched.untyped.length > 0) return { outcome: 'finding', detail: `values: ${describeError(watched.untyped[0])}` };
    return e instanceof BitnetLabError ? { outcome: 'typed', detail: e.code } : { outcome: 'finding', detail: `analyze: ${describeError(e)}` };
  } finally {
    try {
      await source.close();
    } catch {
      // A failing close is not what we are testing; the OS reclaims the handle.
    }
  }
}
