/**
 * Schemas of the engine's checkpoint report (src/core/analysis/report.ts) and
 * progress events as they cross the job-process boundary. Each is typed by
 * `exactly` with its core type, so the compiler rejects a schema that no
 * longer matches it, optional keys included.
 */
import * as v from 'valibot';
import type { CheckpointReport, Histogram, MemoryByFormat, Provenance, ReportTotals, TensorReport, TensorStats } from '../core/analysis/report.js';
import type { CheckpointFormat } from '../core/formats/types.js';
import type { ProgressEvent } from '../core/progress.js';
import { QUANT_METHODS } from '../core/quant/types.js';
import { anyNumber, exactly, numbers, picklistOf } from './schema.js';

export const ProgressEventSchema = exactly<ProgressEvent>()(v.strictObject({
  label: v.string(),
  done: anyNumber,
  total: anyNumber,
  unit: picklistOf<ProgressEvent['unit']>()(['bytes', 'steps', 'tensors', 'runs']),
}));

const HistogramSchema = exactly<Histogram>()(v.strictObject({ edges: numbers, counts: numbers }));

const TensorStatsSchema = exactly<TensorStats>()(v.strictObject({
  gamma: anyNumber,
  zeros: anyNumber,
  plus: anyNumber,
  minus: anyNumber,
  zeroFraction: anyNumber,
  entropyBits: anyNumber,
  relRmse: anyNumber,
  cosine: anyNumber,
  sqnrDb: anyNumber,
  min: anyNumber,
  max: anyNumber,
  mean: anyNumber,
  std: anyNumber,
  nonFinite: anyNumber,
  histogram: HistogramSchema,
  thresholds: numbers,
  storedTernary: v.optional(v.boolean()),
  fakeQuantized: v.optional(v.boolean()),
}));

export const TensorReportSchema = exactly<TensorReport>()(v.strictObject({
  name: v.string(),
  dtype: v.string(),
  shape: numbers,
  params: anyNumber,
  bytes: anyNumber,
  quantized: v.boolean(),
  reason: v.optional(v.string()),
  distribution: v.optional(v.strictObject({ min: anyNumber, max: anyNumber, mean: anyNumber, std: anyNumber, nonFinite: anyNumber })),
  stats: v.nullable(TensorStatsSchema),
  notes: v.optional(v.array(v.string())),
  error: v.optional(v.string()),
}));

export const MemoryByFormatSchema = exactly<MemoryByFormat>()(v.strictObject({
  asStored: anyNumber,
  f32: anyNumber,
  f16: anyNumber,
  int8: anyNumber,
  hfBitnet: anyNumber,
  tq2_0: anyNumber,
  tq1_0: anyNumber,
  i2_s: anyNumber,
  ideal: anyNumber,
}));

const ReportTotalsSchema = exactly<ReportTotals>()(v.strictObject({
  params: anyNumber,
  bytes: anyNumber,
  quantizedParams: anyNumber,
  quantizedTensors: anyNumber,
  dtypeParams: v.record(v.string(), anyNumber),
  memory: MemoryByFormatSchema,
}));

const ProvenanceSchema = exactly<Provenance>()(v.strictObject({
  tool: v.string(),
  engine: v.string(),
  settings: v.record(v.string(), v.unknown()),
  createdAt: v.string(),
  seconds: anyNumber,
  machine: v.string(),
}));

export const CheckpointFormatSchema: v.GenericSchema<CheckpointFormat> = picklistOf<CheckpointFormat>()(['safetensors', 'safetensors-sharded', 'hf-bitnet', 'gguf', 'tfjs']);

export const CheckpointReportSchema = exactly<CheckpointReport>()(v.strictObject({
  schemaVersion: v.number(),
  file: v.string(),
  format: CheckpointFormatSchema,
  backend: v.string(),
  method: v.picklist(QUANT_METHODS),
  metadata: v.record(v.string(), v.string()),
  tensors: v.array(TensorReportSchema),
  totals: ReportTotalsSchema,
  provenance: ProvenanceSchema,
  warnings: v.optional(v.array(v.string())),
}));
