/**
 * Schemas of the engine jobs' results (quantize, compare, energy, diff,
 * train, fine-tune) as they cross the job-process boundary. Each is typed by
 * `exactly` with its core type, so the compiler rejects a schema that no
 * longer matches it, optional keys included; the host then reads a checked
 * value instead of casting what arrived.
 * Measured figures use `anyNumber` (a loss, a ratio or a median can be NaN or
 * Infinity); counts and sizes use v.number().
 */
import * as v from 'valibot';
import type { ComparisonReport, ShapeSpeed, SpeedPoint } from '../core/analysis/compare.js';
import type { LayerQuality } from '../core/analysis/compareQuality.js';
import type { CheckpointDiff, LayerDiff, TensorDiff } from '../core/analysis/diff.js';
import type { EnergyFormat, EnergyReport, EnergyTable, FormatEnergy, LayerEnergy, OpEnergy } from '../core/analysis/energy.js';
import { ENERGY_FORMATS, PROCESS_NODES } from '../core/analysis/energy.js';
import type { CheckpointEnergyReport } from '../core/analysis/energyCheckpoint.js';
import type { ModelQuality, ModelQualityRow, QualityVariant } from '../core/analysis/modelQuality.js';
import type { QuantizeFormat, QuantizeSummary } from '../core/convert/types.js';
import type { AdamConfig } from '../core/nn/adamw.js';
import type { Recipe, TrainConfig } from '../core/nn/config.js';
import type { MnistOptions } from '../core/nn/data/mnist.js';
import type { Evaluation } from '../core/nn/evaluate.js';
import type { FinetuneResult } from '../core/nn/finetune.js';
import type { MlpConfig } from '../core/nn/mlp.js';
import type { ModelFamily } from '../core/nn/model.js';
import type { TorchrunResult } from '../core/nn/torchrun/engine.js';
import type { RunSummary, TrainResult } from '../core/nn/trainer.js';
import type { LmActivation, LmConfig } from '../core/nn/transformerLm.js';
import { QUANT_METHODS } from '../core/quant/types.js';
import { CheckpointFormatSchema, MemoryByFormatSchema } from './reportSchemas.js';
import { anyNumber, exactly, numbers, picklistOf, type Matches } from './schema.js';
import { MetricNameSchema } from './training.js';

const method = v.picklist(QUANT_METHODS);
const named = v.strictObject({ name: v.string(), reason: v.string() });
const provenanceSettings = v.record(v.string(), v.unknown());

// ---------------------------------------------------------------- quantize

export const QuantizeSummarySchema = exactly<QuantizeSummary>()(v.strictObject({
  format: picklistOf<QuantizeFormat>()(['hf-bitnet', 'gguf-tq2_0', 'gguf-tq1_0', 'gguf-i2_s', 'gguf-f16', 'fake-quant']),
  method,
  outputs: v.array(v.string()),
  tensorsWritten: v.number(),
  quantizedTensors: v.number(),
  bytesIn: v.number(),
  bytesOut: v.number(),
  memorySavedFactor: anyNumber,
  seconds: anyNumber,
  kept: v.array(named),
  dropped: v.array(named),
  fallbacks: v.array(v.strictObject({ name: v.string(), type: v.string(), reason: v.string() })),
  architecture: v.optional(v.string()),
  runtimes: v.optional(v.string()),
  tokenizer: v.optional(v.string()),
}));

// ---------------------------------------------------------------- energy

const ProcessNodeSchema = v.picklist(PROCESS_NODES);
const EnergyFormatSchema: v.GenericSchema<EnergyFormat> = v.picklist(ENERGY_FORMATS);
const OpEnergySchema = exactly<OpEnergy>()(v.strictObject({ add: anyNumber, mul: anyNumber }));

const EnergyTableSchema = exactly<EnergyTable>()(v.strictObject({
  node: ProcessNodeSchema,
  source: v.string(),
  fp32: OpEnergySchema,
  fp16: OpEnergySchema,
  int8: OpEnergySchema,
}));

/** One entry per energy format, as in the core's Record<EnergyFormat, …>. */
const perFormat = <S extends v.GenericSchema>(s: S) => v.strictObject({ fp32: s, fp16: s, int8: s, ternary: s });

const LayerEnergySchema = exactly<LayerEnergy>()(v.strictObject({
  name: v.string(),
  out: v.number(),
  in: v.number(),
  zeroFraction: anyNumber,
  pjPerToken: perFormat(anyNumber),
}));

const FormatEnergySchema = exactly<FormatEnergy>()(v.strictObject({
  format: EnergyFormatSchema,
  addsPerToken: anyNumber,
  mulsPerToken: anyNumber,
  addPj: anyNumber,
  mulPj: anyNumber,
  pjPerToken: anyNumber,
  joules: anyNumber,
  savingVsFp16: anyNumber,
}));

/** EnergyReport's entries: the comparison report nests them, the energy report extends them. */
const energyEntries = {
  node: ProcessNodeSchema,
  table: EnergyTableSchema,
  tokens: v.number(),
  formulas: v.strictObject({ ...perFormat(v.string()).entries, headline: v.string() }),
  layers: v.array(LayerEnergySchema),
  totals: v.array(FormatEnergySchema),
  ternaryAddsOnlyPj: anyNumber,
  headline: v.strictObject({ node: ProcessNodeSchema, ratio: anyNumber, formula: v.string() }),
  notes: v.array(v.string()),
};

const EnergyReportSchema = exactly<EnergyReport>()(v.strictObject(energyEntries));

export const CheckpointEnergyReportSchema = exactly<CheckpointEnergyReport>()(v.strictObject({
  ...energyEntries,
  file: v.string(),
  format: v.string(),
  provenance: v.strictObject({ tool: v.string(), machine: v.string(), settings: provenanceSettings, createdAt: v.string(), seconds: anyNumber }),
}));

// ---------------------------------------------------------------- compare

const SpeedPointSchema = exactly<SpeedPoint>()(v.strictObject({ floatMs: anyNumber, ternaryMs: anyNumber, speedup: anyNumber }));

const ShapeSpeedSchema = exactly<ShapeSpeed>()(v.strictObject({
  out: v.number(),
  in: v.number(),
  layers: v.number(),
  example: v.string(),
  gemv: SpeedPointSchema,
  gemm: SpeedPointSchema,
}));

const LayerQualitySchema = exactly<LayerQuality>()(v.strictObject({
  name: v.string(),
  out: v.number(),
  in: v.number(),
  gamma: anyNumber,
  zeroFraction: anyNumber,
  relError: anyNumber,
  cosine: anyNumber,
}));

const ModelFamilySchema: v.GenericSchema<ModelFamily> = picklistOf<ModelFamily>()(['mlp', 'lm']);

const ModelQualityRowSchema = exactly<ModelQualityRow>()(v.strictObject({
  variant: picklistOf<QualityVariant>()(['fp', 'ptq', 'qat']),
  checkpoint: v.string(),
  quantization: v.string(),
  loss: anyNumber,
  metric: anyNumber,
}));

const ModelQualitySchema = exactly<ModelQuality>()(v.strictObject({
  family: ModelFamilySchema,
  dataset: v.string(),
  splitSize: v.number(),
  metricName: MetricNameSchema,
  rows: v.array(ModelQualityRowSchema),
  backend: v.string(),
  notes: v.array(v.string()),
}));

export const ComparisonReportSchema = exactly<ComparisonReport>()(v.strictObject({
  schemaVersion: v.number(),
  kind: v.literal('bitnet-lab/comparison'),
  file: v.string(),
  format: CheckpointFormatSchema,
  linearLayers: v.number(),
  linearParams: v.number(),
  memory: v.strictObject({
    byFormat: MemoryByFormatSchema,
    workingSet: v.strictObject({ fp32Bytes: anyNumber, ternaryPackedBytes: anyNumber, note: v.string() }),
    resident: v.nullable(v.strictObject({ fp32Bytes: anyNumber, ternaryBytes: anyNumber, fp32Backend: v.string(), note: v.string() })),
    residentUnavailable: v.optional(v.string()),
  }),
  speed: v.strictObject({
    backend: v.string(),
    kernel: v.string(),
    threads: v.literal(1),
    batch: v.number(),
    repeats: v.number(),
    shapes: v.array(ShapeSpeedSchema),
    forwardPass: v.nullable(v.strictObject({ gemv: SpeedPointSchema, gemm: SpeedPointSchema, coveredLayers: v.number() })),
    skippedShapes: v.array(v.strictObject({ out: v.number(), in: v.number(), layers: v.number(), reason: v.string() })),
  }),
  quality: v.strictObject({
    inputs: v.string(),
    tokens: v.number(),
    layers: v.array(LayerQualitySchema),
    meanRelError: anyNumber,
    minCosine: anyNumber,
    skippedLayers: v.number(),
    notes: v.array(v.string()),
  }),
  energy: EnergyReportSchema,
  modelQuality: v.optional(ModelQualitySchema),
  modelQualityUnavailable: v.optional(v.string()),
  provenance: v.strictObject({
    tool: v.string(),
    backend: v.string(),
    kernel: v.string(),
    machine: v.string(),
    settings: provenanceSettings,
    createdAt: v.string(),
    seconds: anyNumber,
  }),
  notes: v.array(v.string()),
}));

// ---------------------------------------------------------------- diff

const TensorDiffSchema = exactly<TensorDiff>()(v.strictObject({
  name: v.string(),
  nameB: v.optional(v.string()),
  shape: numbers,
  params: v.number(),
  layer: v.nullable(v.number()),
  flips: v.number(),
  flipRate: anyNumber,
  gammaA: anyNumber,
  gammaB: anyNumber,
  deltaGamma: anyNumber,
  relDeltaGamma: anyNumber,
  sparsityA: anyNumber,
  sparsityB: anyNumber,
  deltaSparsity: anyNumber,
  storedA: v.boolean(),
  storedB: v.boolean(),
}));

const LayerDiffSchema = exactly<LayerDiff>()(v.strictObject({
  layer: v.number(),
  tensors: v.number(),
  params: v.number(),
  flipRate: anyNumber,
  meanRelDeltaGamma: anyNumber,
  deltaSparsity: anyNumber,
}));

export const CheckpointDiffSchema = exactly<CheckpointDiff>()(v.strictObject({
  fileA: v.string(),
  fileB: v.string(),
  formatA: v.string(),
  formatB: v.string(),
  method,
  tensors: v.array(TensorDiffSchema),
  perLayer: v.array(LayerDiffSchema),
  onlyInA: v.array(v.string()),
  onlyInB: v.array(v.string()),
  shapeMismatch: v.array(v.strictObject({ name: v.string(), shapeA: numbers, shapeB: numbers })),
  errors: v.array(v.strictObject({ name: v.string(), error: v.string() })),
  totals: v.strictObject({ tensors: v.number(), params: v.number(), flips: v.number(), flipRate: anyNumber }),
  seconds: anyNumber,
}));

// ---------------------------------------------------------------- train and fine-tune

const layerKind = picklistOf<MlpConfig['firstLayer']>()(['bitnet', 'fp']);

const MlpConfigSchema = exactly<MlpConfig>()(v.strictObject({ sizes: numbers, firstLayer: layerKind, lastLayer: layerKind }));

const LmConfigSchema = exactly<LmConfig>()(v.strictObject({
  vocab: v.number(),
  dModel: v.number(),
  layers: v.number(),
  heads: v.number(),
  kvHeads: v.number(),
  ffnDim: v.number(),
  context: v.number(),
  act: picklistOf<LmActivation>()(['relu2', 'silu']),
  tieEmbeddings: v.boolean(),
  ropeTheta: anyNumber,
  rmsNormEps: anyNumber,
}));

const RecipeSchema = exactly<Recipe>()(v.strictObject({
  warmupSteps: v.number(),
  peakLr: anyNumber,
  secondPeakLr: anyNumber,
  finalLrFraction: anyNumber,
  weightDecay: anyNumber,
  secondStageWeightDecay: anyNumber,
}));

const AdamConfigSchema = exactly<AdamConfig>()(v.strictObject({ beta1: anyNumber, beta2: anyNumber, eps: anyNumber }));

const MnistOptionsSchema = exactly<MnistOptions>()(v.strictObject({ testFraction: anyNumber, splitSeed: v.number(), trainLimit: v.optional(v.number()) }));

const TrainConfigSchema = exactly<TrainConfig>()(v.strictObject({
  model: ModelFamilySchema,
  mlp: MlpConfigSchema,
  lm: LmConfigSchema,
  data: v.string(),
  steps: v.number(),
  batchSize: v.number(),
  seed: v.number(),
  evalEvery: v.number(),
  logEvery: v.number(),
  checkpointEvery: v.number(),
  weightMethod: method,
  activationQuant: v.boolean(),
  baseline: v.boolean(),
  bitnet: RecipeSchema,
  fp: RecipeSchema,
  adam: AdamConfigSchema,
  mnist: MnistOptionsSchema,
  text: v.strictObject({ maxBytes: v.number(), splitSeed: v.number(), blockBytes: v.number(), valTokens: v.number() }),
}));

const RunSummarySchema = exactly<RunSummary>()(v.strictObject({
  steps: v.number(),
  seconds: anyNumber,
  finalTrainLoss: anyNumber,
  finalValLoss: anyNumber,
  finalValMetric: anyNumber,
  metricName: MetricNameSchema,
  msPerStep: anyNumber,
  checkpoint: v.nullable(v.string()),
  ternaryCheckpoint: v.optional(v.string()),
}));

const trainEntries = {
  config: TrainConfigSchema,
  backend: v.string(),
  dataset: v.record(v.string(), v.union([v.string(), anyNumber])),
  runs: v.strictObject({ bitnet: RunSummarySchema, fp: v.optional(RunSummarySchema) }),
  startStep: v.number(),
};

/** A train job's value: this loop's result, or a torchrun run's run.json (the same plus where and how it ran). */
export type TrainJobValue = TrainResult | TorchrunResult;

// `satisfies`, not an annotation: the variant below needs the object schemas' entries.
const TfjsTrainResultSchema = v.strictObject({ engine: v.optional(v.literal('tfjs')), ...trainEntries }) satisfies v.GenericSchema<TrainResult>;

const TorchrunResultSchema = v.strictObject({
  engine: v.literal('torchrun'),
  ...trainEntries,
  worldSize: v.number(),
  launch: v.string(),
  torchVersion: v.string(),
  device: v.string(),
  distBackend: v.nullable(v.string()),
}) satisfies v.GenericSchema<TorchrunResult>;

// Exactly the core's types: the tfjs option is TrainResult with engine 'tfjs' or absent (what trainRun writes).
true satisfies Matches<typeof TfjsTrainResultSchema, TrainResult & { engine?: 'tfjs' }>;
true satisfies Matches<typeof TorchrunResultSchema, TorchrunResult>;

export const TrainJobValueSchema: v.GenericSchema<TrainJobValue> = v.variant('engine', [TfjsTrainResultSchema, TorchrunResultSchema]);

const EvaluationSchema = exactly<Evaluation>()(v.strictObject({ valLoss: anyNumber, valMetric: anyNumber }));

export const FinetuneResultSchema = exactly<FinetuneResult>()(v.strictObject({
  checkpoint: v.string(),
  family: ModelFamilySchema,
  config: TrainConfigSchema,
  backend: v.string(),
  metricName: MetricNameSchema,
  before: v.strictObject({ fp: EvaluationSchema, ptq: EvaluationSchema }),
  after: RunSummarySchema,
}));
