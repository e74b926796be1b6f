/**
 * Reading metrics.jsonl back (re-opening a past run's curves). Lines that are
 * not metric points (a torn last line after a crash, foreign text) are
 * skipped and counted rather than failing the whole file.
 */
import { readFile, stat } from 'node:fs/promises';
import { BitnetLabError } from '../errors.js';
import type { MetricPoint, RunName } from './metricTypes.js';

/** metrics.jsonl of a 100k-step run is a few tens of MB; refuse far larger files. */
export const MAX_METRICS_BYTES = 512 << 20;

export interface MetricsFile {
  runs: Partial<Record<RunName, MetricPoint[]>>;
  skippedLines: number;
}

export function parseMetricsLines(text: string): MetricsFile {
  const runs: MetricsFile['runs'] = {};
  let skippedLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      skippedLines++;
      continue;
    }
    const o = v as { run?: unknown; kind?: unknown; step?: unknown };
    if ((o.run !== 'bitnet' && o.run !== 'fp') || (o.kind !== 'train' && o.kind !== 'eval') || typeof o.step !== 'number') {
      skippedLines++;
      continue;
    }
    const { run, ...point } = o as { run: RunName } & Record<string, unknown>;
    (runs[run] ??= []).push(point as unknown as MetricPoint);
  }
  return { runs, skippedLines };
}

export async function readMetricsFile(path: string): Promise<MetricsFile> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    throw new BitnetLabError('io', `cannot read: ${e instanceof Error ? e.message : String(e)}`, { file: path });
  }
  if (size > MAX_METRICS_BYTES) throw new BitnetLabError('limit', `${size} bytes of metrics is more than we load (${MAX_METRICS_BYTES})`, { file: path });
  return parseMetricsLines(await readFile(path, 'utf8'));
}
