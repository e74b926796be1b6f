/**
 * Follows a run folder while it is written: bitnet-lab's metrics.jsonl (from
 * either engine), or the TensorBoard event files of any other trainer.
 * Each poll hands over only what is new, as metric records.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BitnetLabError } from '../errors.js';
import { parseMetricsLines } from '../nn/metricsFile.js';
import type { MetricPoint, RunName } from '../nn/metricTypes.js';
import { GrowingFile } from './growingFile.js';
import { isEventFileName, TfRecordStream, scalarsOfEvent, type ScalarRecord } from './tfevents.js';

export interface RunUpdate {
  /** bitnet-lab metric points (metrics.jsonl). */
  points: Partial<Record<RunName, MetricPoint[]>>;
  /** Scalars of TensorBoard event files, with the file they came from. */
  scalars: ScalarRecord[];
  /** The source was rewritten (a resumed run): drop what earlier updates gave. */
  restarted: boolean;
}

export const METRICS_FILE = 'metrics.jsonl';

/** Complete lines of a growing metrics.jsonl; a torn last line waits for the next poll. */
class MetricsTail {
  private readonly file: GrowingFile;
  private rest = '';
  private readonly decoder = new TextDecoder();

  constructor(path: string) {
    this.file = new GrowingFile(path);
  }

  async poll(): Promise<{ points: RunUpdate['points']; restarted: boolean } | null> {
    const g = await this.file.readNew();
    if (!g) return null;
    if (g.restarted) this.rest = '';
    const text = this.rest + this.decoder.decode(g.bytes, { stream: true });
    const cut = text.lastIndexOf('\n') + 1;
    this.rest = text.slice(cut);
    return { points: parseMetricsLines(text.slice(0, cut)).runs, restarted: g.restarted };
  }
}

/** Event files of one folder (and its sub-folders one level down, as TensorBoard writers nest runs). */
async function eventFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new BitnetLabError('io', `cannot read: ${(e as Error).message}`, { file: dir });
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isFile() && isEventFileName(e.name)) out.push(join(dir, e.name));
    else if (e.isDirectory() && !e.name.startsWith('.')) {
      for (const f of (await readdir(join(dir, e.name))).sort()) if (isEventFileName(f)) out.push(join(dir, e.name, f));
    }
  }
  return out;
}

/**
 * One poller over a run folder. metrics.jsonl wins when present (it is ours
 * and complete); otherwise every event file is followed, new ones included.
 */
export class RunFollower {
  private metrics: MetricsTail;
  private readonly events = new Map<string, { file: GrowingFile; stream: TfRecordStream }>();

  constructor(readonly dir: string) {
    this.metrics = new MetricsTail(join(dir, METRICS_FILE));
  }

  async poll(): Promise<RunUpdate> {
    const m = await this.metrics.poll();
    if (m) return { points: m.points, scalars: [], restarted: m.restarted };
    const scalars: ScalarRecord[] = [];
    let restarted = false;
    for (const path of await eventFiles(this.dir)) {
      let f = this.events.get(path);
      if (!f) {
        f = { file: new GrowingFile(path), stream: new TfRecordStream(path) };
        this.events.set(path, f);
      }
      const g = await f.file.readNew();
      if (!g) continue;
      if (g.restarted) {
        f.stream = new TfRecordStream(path);
        restarted = true;
      }
      for (const rec of f.stream.push(g.bytes)) scalars.push(...scalarsOfEvent(rec, path));
    }
    return { points: {}, scalars, restarted };
  }
}

/** Everything a run folder holds now. */
export async function readRun(dir: string): Promise<RunUpdate> {
  return new RunFollower(dir).poll();
}

/**
 * Polls `dir` every `intervalMs` until `signal` fires, handing each non-empty
 * update to `onUpdate`; one last poll after the abort catches the final lines.
 */
export async function followRun(dir: string, onUpdate: (u: RunUpdate) => void, opts: { signal: AbortSignal; intervalMs?: number }): Promise<void> {
  const f = new RunFollower(dir);
  const deliver = async (): Promise<void> => {
    const u = await f.poll();
    if (u.restarted || u.scalars.length > 0 || Object.keys(u.points).length > 0) onUpdate(u);
  };
  while (!opts.signal.aborted) {
    await deliver();
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(t);
        opts.signal.removeEventListener('abort', wake);
        resolve();
      };
      const t = setTimeout(wake, opts.intervalMs ?? 500);
      opts.signal.addEventListener('abort', wake, { once: true });
    });
  }
  await deliver();
}
