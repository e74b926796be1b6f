/**
 * The one report schema, shared by `bitnet-lab inspect --json`, the
 * inspector webview, the sidebar summary and exported reports. Plain data only
 * (JSON-serialisable), so it crosses IPC and postMessage unchanged.
 */
import type { CheckpointFormat } from '../formats/types.js';
import type { QuantMethod } from '../quant/types.js';

/**
 * 2: tensors kept in high precision carry no ternary statistics (`stats` is
 *    null; their value range is in `distribution`), `stats.fakeQuantized`
 *    marks values that already were ternary, and the report may list
 *    `warnings`. Version 1 reports are read by upgradeReport (reportVersion.ts).
 */
export const REPORT_SCHEMA_VERSION = 2;

export interface Histogram {
  /** bins + 1 ascending edges, spanning [min, max] of the tensor. */
  edges: number[];
  counts: number[];
}

export interface TensorStats {
  /** Scale the quantizer chose (γ for absmean; mean|W|/mean|Q| for median; β for sign). */
  gamma: number;
  zeros: number;
  plus: number;
  minus: number;
  zeroFraction: number;
  /** Entropy of the {−1, 0, +1} distribution, bits (log2 3 = 1.585 is the maximum). */
  entropyBits: number;
  /** ‖W − Q·γ‖ / ‖W‖ over finite values. */
  relRmse: number;
  cosine: number;
  sqnrDb: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  /** Count of NaN/±Inf values; when > 0 the tensor is flagged and they are left out of every other figure. */
  nonFinite: number;
  histogram: Histogram;
  /** Thresholds on W where the code changes (±γ/2 for absmean; ±median|W| for median; mean W for sign). */
  thresholds: number[];
  /** True when the stored values already were ternary codes (packed checkpoints): no re-quantization happened. */
  storedTernary?: boolean;
  /**
   * True when the tensor is stored as floats that already are exactly
   * {−γ, 0, +γ} (fake-quantized, e.g. by `quantize --format fake-quant` or our
   * fine-tune): read as stored ternary (storedTernary is true too), γ = that magnitude.
   */
  fakeQuantized?: boolean;
}

/** The value range of a tensor kept in high precision: what it holds, with nothing about quantization. */
export interface ValueSummary {
  min: number;
  max: number;
  mean: number;
  std: number;
  /** NaN/±Inf values, left out of the other figures. */
  nonFinite: number;
}

export interface TensorReport {
  name: string;
  dtype: string;
  shape: number[];
  params: number;
  bytes: number;
  /** Whether this tensor is treated as a BitLinear weight (quantized) or kept in high precision. */
  quantized: boolean;
  /** Why a tensor is not quantized (e.g. "embedding", "norm", "1-D", "excluded by --exclude"). */
  reason?: string;
  /** Ternary statistics, for quantized tensors only (null until analysed, and always null for kept tensors). */
  stats: TensorStats | null;
  /** For an analysed tensor kept in high precision: its values, not their quantization. */
  distribution?: ValueSummary;
  notes?: string[];
  /** An error confined to this tensor (e.g. truncated data) — the rest of the report is still valid. */
  error?: string;
}

export interface MemoryByFormat {
  asStored: number;
  f32: number;
  f16: number;
  int8: number;
  hfBitnet: number;
  tq2_0: number;
  tq1_0: number;
  i2_s: number;
  ideal: number;
}

export interface ReportTotals {
  params: number;
  bytes: number;
  quantizedParams: number;
  quantizedTensors: number;
  /** Parameter count per stored dtype. */
  dtypeParams: Record<string, number>;
  memory: MemoryByFormat;
}

export interface Provenance {
  tool: string;            // "bitnet-lab 0.1.0"
  /** Which compute path produced the numbers ("js-stream" = float64-accumulating typed-array loops). */
  engine: string;
  settings: Record<string, unknown>;
  createdAt: string;
  seconds: number;
  machine: string;         // CPU model and core count
}

export interface CheckpointReport {
  schemaVersion: number;
  file: string;
  format: CheckpointFormat;
  /** The tfjs backend name where tfjs computed, else the engine name. */
  backend: string;
  method: QuantMethod;
  metadata: Record<string, string>;
  tensors: TensorReport[];
  totals: ReportTotals;
  provenance: Provenance;
  /** Things the user should know about the settings, e.g. an --exclude pattern that matches no tensor. */
  warnings?: string[];
}
