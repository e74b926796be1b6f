/**
 * The checkpoint report: per-tensor quantization statistics and model totals,
 * streamed tensor by tensor, chunk by chunk, through CheckpointSource.values().
 *
 * The engine is "js-stream": plain typed-array loops accumulating in float64
 * (tensorStats.ts). No tfjs is involved, so the report's `backend` names that
 * engine rather than a tfjs backend.
 *
 * Memory stays bounded whatever the checkpoint size: one chunk from the
 * reader, fixed-size counters, and — for a tensor that needs a second pass and
 * holds at most `cacheElements` values — a reused float32 copy so the file is
 * read once; bigger tensors are read twice instead.
 */
import { BitnetLabError, cancelled, throwIfAborted } from '../errors.js';
import type { CheckpointSource, TensorEntry } from '../formats/types.js';
import type { RunOptions } from '../progress.js';
import { type QuantMethod } from '../quant/types.js';
import { TensorSelector, declaredFullPrecision, unmatchedPatternWarnings, type PatternSource, type SelectionDecision } from '../quant/selection.js';
import { HISTOGRAM16_MIN_ELEMENTS, storedHalf16Kind } from '../quant/histogram16.js';
import { TOOL } from '../version.js';
import { describeMachine } from './machine.js';
import { addToMemory, emptyMemory } from './memory.js';
import { REPORT_SCHEMA_VERSION, type CheckpointReport, type ReportTotals, type TensorReport, type TensorStats, type ValueSummary } from './report.js';
import { DEFAULT_HISTOGRAM_BINS, EXACT16_DTYPES, TensorStatsBuilder } from './tensorStats.js';

export const ANALYSIS_ENGINE = 'js-stream';

export interface AnalyzeOptions extends RunOptions {
  method?: QuantMethod;
  include?: string[];
  exclude?: string[];
  /** Where include/exclude came from, for the warnings' wording (default the CLI's flags). */
  patternSource?: PatternSource;
  bins?: number;
  /** Analyse only these tensor names (others are reported from the header, stats null). */
  only?: string[];
  /** Which tensors get statistics: every tensor (default) or only the quantized ones. */
  statsFor?: 'all' | 'quantized';
  /** Elements per chunk asked of the reader (default 1 Mi). */
  chunkElements?: number;
  /** Largest tensor (elements) kept in memory between passes (default 16 Mi = 64 MB). */
  cacheElements?: number;
  /** Called as each tensor's report is final, in checkpoint order. */
  onTensor?: (t: TensorReport, index: number) => void;
}

const DEFAULT_CHUNK = 1 << 20;
const DEFAULT_CACHE = 1 << 24;

/** Tensor names that hold quantization scales of another tensor (not weights themselves). */
function isScaleTensor(name: string, decision: SelectionDecision): boolean {
  return decision.reason === 'quantization scale' || /(^|\.)weight_scale$/.test(name);
}

function settingsOf(options: AnalyzeOptions): Record<string, unknown> {
  return {
    method: options.method ?? 'absmean',
    include: options.include ?? [],
    exclude: options.exclude ?? [],
    bins: options.bins ?? DEFAULT_HISTOGRAM_BINS,
    statsFor: options.statsFor ?? 'all',
    ...(options.only ? { only: options.only } : {}),
  };
}

function headerTensor(t: TensorEntry, decision: SelectionDecision): TensorReport {
  return {
    name: t.name,
    dtype: t.dtype,
    // The source's own array, not a copy: the report is never mutated, and 400,000 copies add up.
    shape: t.shape,
    params: t.params,
    bytes: t.bytes,
    quantized: decision.quantized,
    ...(decision.quantized && decision.reason === 'linear weight' ? {} : { reason: decision.reason }),
    stats: null,
    ...(t.notes && t.notes.length > 0 ? { notes: [...t.notes] } : {}),
  };
}

function totalsOf(source: CheckpointSource, decisions: readonly SelectionDecision[]): ReportTotals {
  const memory = emptyMemory();
  const dtypeParams: Record<string, number> = {};
  let params = 0;
  let bytes = 0;
  let quantizedParams = 0;
  let quantizedTensors = 0;
  source.tensors.forEach((t, i) => {
    const d = decisions[i]!;
    params += t.params;
    bytes += t.bytes;
    dtypeParams[t.dtype] = (dtypeParams[t.dtype] ?? 0) + t.params;
    if (d.quantized) {
      quantizedParams += t.params;
      quantizedTensors++;
    }
    addToMemory(memory, { shape: t.shape, params: t.params, bytes: t.bytes, quantized: d.quantized, isScale: isScaleTensor(t.name, d) });
  });
  return { params, bytes, quantizedParams, quantizedTensors, dtypeParams, memory };
}

function* namesOf(source: CheckpointSource): Iterable<string> {
  for (const t of source.tensors) yield t.name;
}

function baseReport(source: CheckpointSource, options: AnalyzeOptions, decisions: SelectionDecision[], seconds: number): CheckpointReport {
  const patterns = (options.include?.length ?? 0) + (options.exclude?.length ?? 0);
  const warnings = patterns === 0 ? [] : unmatchedPatternWarnings(namesOf(source), { include: options.include, exclude: options.exclude }, options.patternSource);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    file: source.path,
    format: source.format,
    // No tfjs here: the numbers come from the js-stream engine.
    backend: ANALYSIS_ENGINE,
    method: options.method ?? 'absmean',
    metadata: { ...source.metadata },
    tensors: source.tensors.map((t, i) => headerTensor(t, decisions[i]!)),
    totals: totalsOf(source, decisions),
    provenance: {
      tool: TOOL,
      engine: ANALYSIS_ENGINE,
      settings: settingsOf(options),
      createdAt: new Date().toISOString(),
      seconds,
      machine: describeMachine(),
    },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** The report from headers alone (instant): every figure but the statistics, which are null. */
export function headerReport(source: CheckpointSource, options: AnalyzeOptions = {}): CheckpointReport {
  const selector = new TensorSelector({ include: options.include, exclude: options.exclude, fullPrecision: declaredFullPrecision(source.metadata) });
  return baseReport(source, options, source.tensors.map((t) => selector.decide(t)), 0);
}

/** Stream every tensor (or `only` those) through the statistics pass. */
export async function analyzeCheckpoint(source: CheckpointSource, options: AnalyzeOptions = {}): Promise<CheckpointReport> {
  const started = performance.now();
  const method = options.method ?? 'absmean';
  const selector = new TensorSelector({ include: options.include, exclude: options.exclude, fullPrecision: declaredFullPrecision(source.metadata) });
  const decisions = source.tensors.map((t) => selector.decide(t));
  const report = baseReport(source, options, decisions, 0);
  const only = options.only ? new Set(options.only) : undefined;
  const chunkElements = options.chunkElements ?? DEFAULT_CHUNK;
  const cacheElements = options.cacheElements ?? DEFAULT_CACHE;

  const wanted = source.tensors.map((t, i) => {
    if (only && !only.has(t.name)) return false;
    if (options.statsFor === 'quantized' && !decisions[i]!.quantized) return false;
    return t.params > 0;
  });
  const totalBytes = source.tensors.reduce((s, t, i) => s + (wanted[i] ? t.bytes : 0), 0);
  let bytesBefore = 0;
  const cache: { buffer: Float32Array } = { buffer: new Float32Array(0) };

  for (let i = 0; i < source.tensors.length; i++) {
    const t = source.tensors[i]!;
    const tr = report.tensors[i]!;
    throwIfAborted(options.signal, { file: source.path, tensor: t.name });
    if (wanted[i]) {
      try {
        // A kept tensor is read for its values only: one histogram bin, and no ternary figures in the report.
        const kept = !decisions[i]!.quantized;
        const stats = await tensorStats(source, t, method, { ...options, bins: kept ? 1 : options.bins }, chunkElements, cacheElements, cache, (fraction) =>
          options.onProgress?.({ label: t.name, done: bytesBefore + t.bytes * fraction, total: totalBytes, unit: 'bytes' }),
        );
        if (kept) tr.distribution = valueSummary(stats);
        else tr.stats = stats;
        if (stats.nonFinite > 0) {
          (tr.notes ??= []).push(`${stats.nonFinite} non-finite values (NaN/Inf) are left out of every figure`);
        }
        if (!kept && stats.fakeQuantized) {
          (tr.notes ??= []).push('values already ternary {−γ, 0, +γ} (fake-quantized): read as stored, not quantized again');
        }
      } catch (e) {
        if (e instanceof BitnetLabError && e.code === 'cancelled') throw e;
        if (options.signal?.aborted) throw cancelled({ file: source.path, tensor: t.name });
        tr.stats = null;
        tr.error = e instanceof Error ? e.message : String(e);
      }
      bytesBefore += t.bytes;
      options.onProgress?.({ label: t.name, done: bytesBefore, total: totalBytes, unit: 'bytes' });
    }
    options.onTensor?.(tr, i);
  }
  report.provenance.seconds = (performance.now() - started) / 1000;
  return report;
}

function valueSummary(s: TensorStats): ValueSummary {
  return { min: s.min, max: s.max, mean: s.mean, std: s.std, nonFinite: s.nonFinite };
}

async function tensorStats(
  source: CheckpointSource,
  t: TensorEntry,
  method: QuantMethod,
  options: AnalyzeOptions,
  chunkElements: number,
  cacheElements: number,
  cache: { buffer: Float32Array },
  progress: (fraction: number) => void,
): Promise<TensorStats> {
  const dtype = t.dtype.toUpperCase();
  // Stored BF16/F16 patterns counted without decoding — the same route, from
  // the same size on, as the quantize engine (src/core/quant/histogram16.ts).
  const raw16 = storedHalf16Kind(t) !== undefined;
  const big = t.params >= HISTOGRAM16_MIN_ELEMENTS;
  const builder = new TensorStatsBuilder({
    method,
    bins: options.bins,
    storedTernary: t.ternary !== undefined,
    exact16: big && (EXACT16_DTYPES.has(dtype) || raw16),
    halves: dtype === 'F16' ? 'f16' : 'bf16',
  });
  const place = { file: t.file, tensor: t.name };
  let cached = false;
  let passes = 0;
  while (builder.beginPass()) {
    passes++;
    // Progress: the first pass fills the bar up to half when a second pass is likely.
    const share = builder.way === 'bits16' ? 1 : 0.5;
    const offset = passes === 1 || builder.way === 'bits16' ? 0 : 0.5;
    if (cached) {
      const data = cache.buffer.subarray(0, t.params);
      for (let at = 0; at < data.length; at += chunkElements) {
        throwIfAborted(options.signal, place);
        builder.add(data.subarray(at, Math.min(data.length, at + chunkElements)));
      }
      progress(offset + share);
      continue;
    }
    if (builder.way === 'bits16' && raw16) {
      // Stored BF16/F16 patterns each are one value: count them without decoding.
      let seenBytes = 0;
      for await (const bytes of source.rawBytes(t.name, { signal: options.signal, chunkBytes: 2 * chunkElements })) {
        throwIfAborted(options.signal, place);
        if (seenBytes + bytes.byteLength > t.bytes || bytes.byteLength % 2 !== 0) {
          throw new BitnetLabError('layout', `reader yielded bytes beyond the ${t.bytes} the tensor declares`, place);
        }
        const aligned = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
        builder.addHigh16(new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2));
        seenBytes += bytes.byteLength;
        progress(seenBytes / t.bytes);
      }
      if (seenBytes !== t.bytes) throw new BitnetLabError('truncated', `reader yielded ${seenBytes} of the ${t.bytes} bytes of the tensor`, place);
      continue;
    }
    // Keep a copy for the second pass when the general way will need one and it fits.
    const keep = builder.way === 'general' && t.params <= cacheElements;
    if (keep && cache.buffer.length < t.params) cache.buffer = new Float32Array(t.params);
    let seen = 0;
    for await (const chunk of source.values(t.name, { signal: options.signal, chunkElements })) {
      throwIfAborted(options.signal, place);
      if (seen + chunk.length > t.params) {
        throw new BitnetLabError('layout', `reader yielded more than the ${t.params} values the shape declares`, place);
      }
      if (keep) cache.buffer.set(chunk, seen);
      builder.add(chunk);
      seen += chunk.length;
      progress(offset + (share * seen) / t.params);
    }
    if (seen !== t.params) {
      throw new BitnetLabError('truncated', `reader yielded ${seen} of the ${t.params} values the shape declares`, place);
    }
    cached = keep;
  }
  return builder.finish();
}
