/** Pieces shared by `train` and `finetune`: the backend flag, the default output folder, number formatting. */
import { join } from 'node:path';
import { parseBackendPreference, type BackendPreference } from '../../core/backend.js';
import { BitnetLabError } from '../../core/errors.js';
import type { RunSummary } from '../../core/nn/trainer.js';
import { parseDecimal } from '../args.js';
import { formatNumber } from '../format/table.js';

export function backendOption(command: string, v: unknown): BackendPreference {
  try {
    return parseBackendPreference(v === undefined ? undefined : String(v));
  } catch (e) {
    throw new BitnetLabError('usage', `${command}: ${(e as Error).message}`);
  }
}

/** bitnet-lab-runs/<what>-<YYYYMMDD-HHMMSS> under the current folder. */
export function defaultOutDir(what: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return join('bitnet-lab-runs', `${what}-${stamp}`);
}

export function floatOption(command: string, name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  const n = parseDecimal(v);
  if (!Number.isFinite(n) || n < 0) throw new BitnetLabError('usage', `${command}: --${name} must be a non-negative number, got "${String(v)}"`);
  return n;
}

export function fmtMetric(metricName: string, v: number): string {
  return metricName === 'accuracy' ? `${(100 * v).toFixed(2)} %` : v.toFixed(2);
}

/** Two lines per run of a finished training: figures, then the checkpoint. */
export function summaryLine(name: string, s: RunSummary): string {
  return `  ${name.padEnd(7)} steps ${s.steps}  ${s.seconds.toFixed(1)} s (${s.msPerStep.toFixed(1)} ms/step)  train loss ${formatNumber(s.finalTrainLoss)}  val loss ${formatNumber(s.finalValLoss)}  ${s.metricName} ${fmtMetric(s.metricName, s.finalValMetric)}\n          ${s.checkpoint ?? '(no checkpoint)'}\n`;
}
