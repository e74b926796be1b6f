/**
 * Measured resident memory of one forward pass of a model's linear layers,
 * FP32 vs packed ternary: each side runs in a fresh child process
 * (dist/rssProbe.js, built from scripts/rssProbe.ts) and reports its resident set
 * (after a GC) above its own baseline. Returns null with a reason whenever the probe
 * cannot run honestly (script missing, FP32 weights beyond the tfjs-wasm heap,
 * child failure or timeout) — the caller then shows computed bytes instead.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** What the probe is asked to run (its one command-line argument, as JSON). */
export interface RssProbeInput {
  mode: 'fp32' | 'ternary';
  layers: Array<{ out: number; in: number }>;
}

/** The probe's one line of output. */
export interface RssProbeResult {
  mode: 'fp32' | 'ternary';
  backend: string;
  baselineBytes: number;
  /** RSS after the pass (after a GC when the child runs with --expose-gc), minus the baseline. */
  deltaBytes: number;
  /** Peak RSS of the whole child minus the baseline (includes transient copies while building the weights). */
  peakDeltaBytes: number;
}

export interface ResidentMemory {
  fp32: RssProbeResult;
  ternary: RssProbeResult;
}

/** tfjs-wasm corrupts tensors past ≈3.6 GiB of heap (docs/vscode-and-tfjs.md §1): stay well below. */
export const MAX_PROBE_FP32_BYTES = 2 * 1024 ** 3;

/** Below this, the weights are within the few MB by which a process's RSS wanders on its own. */
export const MIN_PROBE_FP32_BYTES = 16 * 1024 ** 2;

declare const __dirname: string | undefined;

export function defaultProbePath(): string | undefined {
  const p = typeof __dirname === 'string' ? join(__dirname, 'rssProbe.js') : undefined;
  return p !== undefined && existsSync(p) ? p : undefined;
}

function runProbe(script: string, input: RssProbeInput, signal?: AbortSignal): Promise<RssProbeResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', script, JSON.stringify(input)], { timeout: 180_000, maxBuffer: 1 << 20, signal }, (err, stdout, stderr) => {
      if (err) return reject(new Error(stderr.trim() || err.message));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as RssProbeResult);
      } catch {
        reject(new Error(`unreadable probe output: ${stdout.slice(0, 200)}`));
      }
    });
  });
}

export async function measureResidentMemory(
  layers: Array<{ out: number; in: number }>,
  options: { probePath?: string; signal?: AbortSignal } = {},
): Promise<{ result: ResidentMemory | null; reason?: string }> {
  const script = options.probePath ?? defaultProbePath();
  if (script === undefined) return { result: null, reason: 'the memory probe (dist/rssProbe.js) is not built next to this bundle' };
  const fp32Bytes = layers.reduce((a, l) => a + 4 * l.out * l.in, 0);
  if (fp32Bytes < MIN_PROBE_FP32_BYTES) {
    return { result: null, reason: `the linear weights (${(fp32Bytes / 2 ** 20).toFixed(1)} MiB as FP32) are too small to measure against process RSS noise` };
  }
  if (fp32Bytes > MAX_PROBE_FP32_BYTES) {
    return { result: null, reason: `FP32 weights (${(fp32Bytes / 2 ** 30).toFixed(1)} GiB) exceed what the tfjs-wasm heap holds reliably` };
  }
  try {
    const fp32 = await runProbe(script, { mode: 'fp32', layers }, options.signal);
    const ternary = await runProbe(script, { mode: 'ternary', layers }, options.signal);
    return { result: { fp32, ternary } };
  } catch (e) {
    return { result: null, reason: `memory probe failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
}
