/**
 * The comparison engine behind `bitnet-lab compare` and the comparison panel:
 * memory, speed, quality and energy of one checkpoint's linear layers, FP vs
 * BitNet b1.58 ternary, measured here, with provenance. Output is plain JSON
 * (ComparisonReport), rendered by the CLI, the webview and compareHtml.ts.
 *
 * Phases:
 *  1. analysis (analyze.ts): one streaming pass for γ and zero share of every
 *     linear weight, and the memory model (memory.ts);
 *  2. per selected layer: read its weights, absmean-quantize, output error on
 *     random inputs (compareQuality.ts); for the first layer of each distinct
 *     shape, time float32 tfjs matMul vs the ternary kernel at batch 1 and N;
 *  3. energy model (energy.ts) on all linear shapes and their zero shares.
 * Speed and quality are capped (shapes, layers, time budget) and the report
 * says what was left out.
 */
import { initBackend, type BackendPreference } from '../backend.js';
import { isBitnetLabError, throwIfAborted } from '../errors.js';
import type { CheckpointFormat, CheckpointSource } from '../formats/types.js';
import { gaussianArray, mulberry32 } from '../random.js';
import { prepareFloatLayer } from '../kernels/floatBaseline.js';
import { packedBytes } from '../kernels/packing.js';
import { timePairMedian } from '../kernels/stats.js';
import { createTernaryKernel } from '../kernels/createKernel.js';
import type { RunOptions } from '../progress.js';
import { quantizeAbsmean } from '../quant/absmean.js';
import { TOOL } from '../version.js';
import { analyzeCheckpoint } from './analyze.js';
import { layerQuality, type LayerQuality } from './compareQuality.js';
import { estimateEnergy, type EnergyReport, type ProcessNode } from './energy.js';
import { linearLayersOf, MAX_LAYER_ELEMENTS, readTensor, type LinearLayer } from './linearLayers.js';
import { describeMachine } from './machine.js';
import { evaluateModelQuality, type ModelQuality } from './modelQuality.js';
import { measureResidentMemory } from './residentMemory.js';
import type { MemoryByFormat } from './report.js';

export const COMPARISON_SCHEMA_VERSION = 1;

export interface SpeedPoint {
  floatMs: number;
  ternaryMs: number;
  speedup: number;
}

export interface ShapeSpeed {
  out: number;
  in: number;
  /** How many linear layers have this shape. */
  layers: number;
  /** The layer whose weights were timed. */
  example: string;
  gemv: SpeedPoint;
  gemm: SpeedPoint;
}

export interface ComparisonReport {
  schemaVersion: number;
  kind: 'bitnet-lab/comparison';
  file: string;
  format: CheckpointFormat;
  linearLayers: number;
  linearParams: number;
  memory: {
    /** Whole checkpoint, every linear weight in each format (memory.ts). */
    byFormat: MemoryByFormat;
    /** Bytes a forward pass of the linear layers keeps resident for weights. */
    workingSet: { fp32Bytes: number; ternaryPackedBytes: number; note: string };
    /** Measured RSS (after GC) above baseline after one batch-1 pass through every linear layer, each side in a fresh process. */
    resident: { fp32Bytes: number; ternaryBytes: number; fp32Backend: string; note: string } | null;
    /** Why `resident` is null, when it is. */
    residentUnavailable?: string;
  };
  speed: {
    backend: string;
    kernel: string;
    threads: 1;
    batch: number;
    repeats: number;
    shapes: ShapeSpeed[];
    /** Σ over measured shapes of layers × time, float / ternary: one forward pass of those layers. */
    forwardPass: { gemv: SpeedPoint; gemm: SpeedPoint; coveredLayers: number } | null;
    skippedShapes: Array<{ out: number; in: number; layers: number; reason: string }>;
  };
  quality: {
    inputs: string;
    tokens: number;
    layers: LayerQuality[];
    meanRelError: number;
    minCosine: number;
    skippedLayers: number;
    notes: string[];
  };
  energy: EnergyReport;
  /**
   * End-to-end quality on held-out data — FP vs post-training ternary vs QAT
   * ternary — for checkpoints of the training families (modelQuality.ts).
   */
  modelQuality?: ModelQuality;
  /** Why `modelQuality` is absent, when it is. */
  modelQualityUnavailable?: string;
  provenance: {
    tool: string;
    backend: string;
    kernel: string;
    machine: string;
    settings: Record<string, unknown>;
    createdAt: string;
    seconds: number;
  };
  notes: string[];
}

export interface CompareOptions extends RunOptions {
  /** Tokens of the GEMM timing (default 8). */
  batch?: number;
  repeats?: number;
  warmup?: number;
  /** Distinct shapes timed at most (default 6). */
  maxShapes?: number;
  /** Layers whose output error is measured at most (default 12; every timed shape's example counts). */
  maxQualityLayers?: number;
  /** Random input tokens per quality layer (default 8). */
  qualityTokens?: number;
  /** Wall-clock budget for timing and quality, ms (default 120 000). */
  timeBudgetMs?: number;
  node?: ProcessNode;
  /** Tokens for the energy total (default 1000). */
  energyTokens?: number;
  /** Measure resident memory in child processes (default true). */
  measureMemory?: boolean;
  /** Path of the built probe script (default: rssProbe.js next to this bundle). */
  rssProbePath?: string;
  backend?: BackendPreference;
  seed?: number;
  /** Score the model end to end when it is one of the training families (default true). */
  modelQuality?: boolean;
  include?: string[];
  exclude?: string[];
}

/** Layers to examine: the first of each shape (in order of size), then evenly spaced others. */
export function pickLayers(layers: LinearLayer[], maxShapes: number, maxQuality: number): { timed: Map<string, LinearLayer>; quality: LinearLayer[] } {
  const byShape = new Map<string, LinearLayer>();
  for (const l of layers) if (!byShape.has(`${l.out}x${l.in}`)) byShape.set(`${l.out}x${l.in}`, l);
  const shapes = [...byShape.entries()].sort((a, b) => b[1].out * b[1].in - a[1].out * a[1].in).slice(0, maxShapes);
  const timed = new Map(shapes);
  const chosen = new Set<LinearLayer>(timed.values());
  // Evenly spaced down the depth, then the next unchosen ones, until the cap.
  const room = Math.max(0, maxQuality - chosen.size);
  for (let k = 0; k < room && chosen.size < maxQuality; k++) chosen.add(layers[Math.floor((k * layers.length) / room)]!);
  for (let i = 0; i < layers.length && chosen.size < maxQuality; i++) chosen.add(layers[i]!);
  return { timed, quality: layers.filter((l) => chosen.has(l)) };
}

/** Ternary form of a weight: absmean, or the stored codes when it already is ternary. */
function ternaryOf(w: Float32Array, stored: boolean): { codes: Int8Array; gamma: number } {
  if (!stored) {
    const q = quantizeAbsmean(w);
    return { codes: q.codes, gamma: q.scale };
  }
  let gamma = 0;
  for (let i = 0; i < w.length; i++) gamma = Math.max(gamma, Math.abs(w[i]!));
  const codes = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) codes[i] = w[i]! > 0 ? 1 : w[i]! < 0 ? -1 : 0;
  return { codes, gamma: gamma || 1 };
}

const point = (floatMs: number, ternaryMs: number): SpeedPoint => ({ floatMs, ternaryMs, speedup: floatMs / ternaryMs });

export async function compareCheckpoint(source: CheckpointSource, options: CompareOptions = {}): Promise<ComparisonReport> {
  const started = performance.now();
  const batch = options.batch ?? 8;
  const repeats = options.repeats ?? 9;
  const warmup = options.warmup ?? 2;
  const maxShapes = options.maxShapes ?? 6;
  const maxQuality = options.maxQualityLayers ?? 12;
  const qTokens = options.qualityTokens ?? 8;
  const budget = options.timeBudgetMs ?? 120_000;
  const seed = options.seed ?? 1;
  const settings = { batch, repeats, warmup, maxShapes, maxQualityLayers: maxQuality, qualityTokens: qTokens, timeBudgetMs: budget, seed, node: options.node ?? '7nm', energyTokens: options.energyTokens ?? 1000, method: 'absmean', modelQuality: options.modelQuality ?? true };

  const analysis = await analyzeCheckpoint(source, {
    method: 'absmean', statsFor: 'quantized', bins: 8, include: options.include, exclude: options.exclude,
    signal: options.signal,
    onProgress: (e) => options.onProgress?.({ ...e, label: `analysing ${e.label}` }),
  });
  const layers = linearLayersOf(analysis);
  const { tf, name: backend } = await initBackend(options.backend ?? 'auto');
  const kernel = await createTernaryKernel();
  const { timed, quality: qualityLayers } = pickLayers(layers.filter((l) => l.out * l.in <= MAX_LAYER_ELEMENTS), maxShapes, maxQuality);
  const countOf = new Map<string, number>();
  for (const l of layers) countOf.set(`${l.out}x${l.in}`, (countOf.get(`${l.out}x${l.in}`) ?? 0) + 1);

  const next = mulberry32(seed);
  const shapes: ShapeSpeed[] = [];
  const quality: LayerQuality[] = [];
  const notes: string[] = [];
  let overBudget = false;
  const phaseStart = performance.now();
  for (let i = 0; i < qualityLayers.length; i++) {
    const l = qualityLayers[i]!;
    throwIfAborted(options.signal, { file: source.path, tensor: l.name });
    if (performance.now() - phaseStart > budget) {
      overBudget = true;
      break;
    }
    options.onProgress?.({ label: `measuring ${l.name}`, done: i, total: qualityLayers.length, unit: 'tensors' });
    const w = await readTensor(source, l.name, options);
    const { codes, gamma } = ternaryOf(w, l.storedTernary);
    const x = gaussianArray(qTokens * l.in, next);
    quality.push(layerQuality(kernel, l.name, w, codes, gamma, l.out, l.in, x, qTokens, l.zeroFraction));

    const key = `${l.out}x${l.in}`;
    if (timed.get(key) === l) {
      const m = kernel.prepareTernaryMatrix(codes, l.out, l.in, gamma);
      const wInOut = new Float32Array(w.length);
      for (let r = 0; r < l.out; r++) for (let j = 0; j < l.in; j++) wInOut[j * l.out + r] = w[r * l.in + j]!;
      const speeds: SpeedPoint[] = [];
      for (const b of [1, batch]) {
        const xb = gaussianArray(b * l.in, next);
        const layer = prepareFloatLayer(tf, wInOut, l.out, l.in, xb, b);
        try {
          const [f, t] = timePairMedian(() => layer.run(), () => kernel.gemm(m, xb, b), repeats, warmup);
          speeds.push(point(f, t));
        } finally {
          layer.dispose();
        }
      }
      shapes.push({ out: l.out, in: l.in, layers: countOf.get(key) ?? 1, example: l.name, gemv: speeds[0]!, gemm: speeds[1]! });
    }
  }

  const measured = new Set(shapes.map((s) => `${s.out}x${s.in}`));
  const skippedShapes = [...countOf.entries()]
    .filter(([k]) => !measured.has(k))
    .map(([k, n]) => {
      const [out, inF] = k.split('x').map(Number) as [number, number];
      const reason = out * inF > MAX_LAYER_ELEMENTS ? 'larger than the per-layer load limit'
        : overBudget ? 'time budget spent' : `only the ${maxShapes} largest shapes are timed`;
      return { out, in: inF, layers: n, reason };
    });
  let forwardPass: ComparisonReport['speed']['forwardPass'] = null;
  if (shapes.length > 0) {
    const sum = (f: (s: ShapeSpeed) => number) => shapes.reduce((a, s) => a + s.layers * f(s), 0);
    forwardPass = {
      gemv: point(sum((s) => s.gemv.floatMs), sum((s) => s.gemv.ternaryMs)),
      gemm: point(sum((s) => s.gemm.floatMs), sum((s) => s.gemm.ternaryMs)),
      coveredLayers: shapes.reduce((a, s) => a + s.layers, 0),
    };
  }
  if (kernel.name !== 'wasm-simd') notes.push('this JavaScript engine lacks WebAssembly SIMD: the ternary timings come from the slow TypeScript fallback kernel');
  if (layers.length === 0) notes.push('no linear (quantizable) weights found: nothing to compare');
  if (layers.some((l) => l.storedTernary)) {
    notes.push('weights are stored ternary: the "FP" side is the dequantized ternary weight, so quality shows only the effect of int8 activations');
  }

  let modelQuality: ModelQuality | undefined;
  let modelQualityUnavailable: string | undefined = 'not requested';
  if (options.modelQuality ?? true) {
    try {
      const mq = await evaluateModelQuality(source.path, {
        metadata: source.metadata, backend: options.backend, signal: options.signal,
        onProgress: (e) => options.onProgress?.({ ...e, label: `model quality: ${e.label}` }),
      });
      modelQuality = mq.quality;
      modelQualityUnavailable = mq.reason;
    } catch (e) {
      // A broken sibling or unreadable data must not cost the rest of the report; a cancel must stop it.
      if (!isBitnetLabError(e) || e.code === 'cancelled') throw e;
      modelQualityUnavailable = `end-to-end evaluation failed: ${e.message}; per-layer error below`;
    }
  }

  let resident: ComparisonReport['memory']['resident'] = null;
  let residentUnavailable: string | undefined = 'not requested';
  if (options.measureMemory ?? true) {
    options.onProgress?.({ label: 'measuring resident memory', done: qualityLayers.length, total: qualityLayers.length, unit: 'tensors' });
    const m = await measureResidentMemory(layers.map((l) => ({ out: l.out, in: l.in })), { probePath: options.rssProbePath, signal: options.signal });
    residentUnavailable = m.reason;
    if (m.result) {
      resident = {
        fp32Bytes: m.result.fp32.deltaBytes,
        ternaryBytes: m.result.ternary.deltaBytes,
        fp32Backend: m.result.fp32.backend,
        note: 'resident set (after a GC) above each child process\'s own baseline after one batch-1 pass through every linear layer: FP32 tfjs tensors vs packed ternary bytes + the wasm kernel\'s memory (sized to the largest layer); includes allocator and runtime overhead, and on tfjs-wasm the packed copy of each weight that its XNNPACK matMul keeps',
      };
    }
  }

  const energy = estimateEnergy(layers.map((l) => ({ name: l.name, out: l.out, in: l.in, zeroFraction: l.zeroFraction })), {
    node: options.node ?? '7nm',
    tokens: options.energyTokens ?? 1000,
  });
  const rel = quality.map((q) => q.relError).filter(Number.isFinite);
  const cos = quality.map((q) => q.cosine).filter(Number.isFinite);
  return {
    schemaVersion: COMPARISON_SCHEMA_VERSION,
    kind: 'bitnet-lab/comparison',
    file: source.path,
    format: source.format,
    linearLayers: layers.length,
    linearParams: layers.reduce((a, l) => a + l.out * l.in, 0),
    memory: {
      byFormat: analysis.totals.memory,
      workingSet: {
        fp32Bytes: layers.reduce((a, l) => a + 4 * l.out * l.in, 0),
        ternaryPackedBytes: layers.reduce((a, l) => a + packedBytes(l.out, l.in) + 8, 0),
        note: 'computed: float32 weights as tfjs holds them vs this kernel\'s 2-bit bitplanes (rows padded to 128 inputs) plus one γ per layer; activations are a few KB per token on both sides',
      },
      resident,
      ...(resident === null ? { residentUnavailable } : {}),
    },
    speed: {
      backend,
      kernel: kernel.name,
      threads: 1,
      batch,
      repeats,
      shapes,
      forwardPass,
      skippedShapes,
    },
    quality: {
      inputs: `Gaussian N(0, 1), seed ${seed}`,
      tokens: qTokens,
      layers: quality,
      meanRelError: rel.length ? rel.reduce((a, b) => a + b, 0) / rel.length : NaN,
      minCosine: cos.length ? Math.min(...cos) : NaN,
      skippedLayers: layers.length - quality.length,
      notes: [
        'ternary side = absmean ternary weights × per-token int8 activations through the wasm kernel; FP side = float64 x·Wᵀ on the original weights',
        ...(overBudget ? ['time budget spent before every selected layer was measured'] : []),
      ],
    },
    energy,
    ...(modelQuality ? { modelQuality } : { modelQualityUnavailable }),
    provenance: {
      tool: TOOL,
      backend,
      kernel: kernel.name,
      machine: describeMachine(),
      settings,
      createdAt: new Date().toISOString(),
      seconds: (performance.now() - started) / 1000,
    },
    notes,
  };
}
