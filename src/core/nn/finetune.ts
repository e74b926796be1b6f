/**
 * Quantization-aware fine-tuning (QAT) of an existing checkpoint: one of ours
 * (saved by train, architecture in __metadata__) or any safetensors whose
 * tensor names and shapes match the MLP or LM families (PyTorch layout,
 * linear weights [out, in]). Reports quality before — the full-precision
 * weights, and the same weights after post-training ternary quantization
 * (PTQ) — and after QAT, on the same validation data.
 */
import { initBackend, type BackendPreference } from '../backend.js';
import { BitnetLabError } from '../errors.js';
import type { RunOptions } from '../progress.js';
import type { MetricName, MetricPoint, RunName } from './metricTypes.js';
import { readConfigJson } from '../formats/hfBitnet/hfConfig.js';
import { dirname, join } from 'node:path';
import { META, loadTensors, rejectLegacyLm, valuesForSpecs, type LoadedTensors } from './checkpoint.js';
import { defaultTrainConfig, type Recipe, type TrainConfig } from './config.js';
import { evaluateFpAndPtq, type Evaluation } from './evaluate.js';
import type { MlpConfig } from './mlp.js';
import type { ModelFamily } from './model.js';
import { Params } from './params.js';
import { setupRun } from './setup.js';
import { trainRun, type RunSummary } from './trainer.js';
import { lmConfigFromHf } from './hfLmConfig.js';
import { DEFAULT_LM, type LmConfig } from './transformerLm.js';

export interface FinetuneConfig {
  data: string;
  steps: number;
  batchSize?: number;
  seed?: number;
  evalEvery?: number;
  /** QAT recipe; defaults to a gentler version of the BitNet two-stage schedule. */
  recipe?: Partial<Recipe>;
}

export interface FinetuneResult {
  checkpoint: string;
  family: ModelFamily;
  config: TrainConfig;
  backend: string;
  metricName: MetricName;
  before: { fp: Evaluation; ptq: Evaluation };
  after: RunSummary;
}

export interface FinetuneOptions extends RunOptions {
  backend?: BackendPreference;
  out?: string;
  onMetrics?: (run: RunName, points: MetricPoint[]) => void;
  /** Called once the before-QAT quality is known. */
  onBefore?: (before: FinetuneResult['before'], metricName: MetricName) => void;
}

export async function finetuneRun(checkpoint: string, ft: FinetuneConfig, options: FinetuneOptions = {}): Promise<FinetuneResult> {
  const { tf, name: backend } = await initBackend(options.backend ?? 'auto');
  const loaded = await loadTensors(checkpoint, options.signal);
  rejectLegacyLm(loaded, checkpoint);
  const hf = loaded.metadata[META.hfConfig] === undefined ? await readConfigJson(join(dirname(checkpoint), 'config.json')) : undefined;
  const config = configFor(loaded, checkpoint, ft, hf);
  const { model, dataset } = setupForCheckpoint(config, checkpoint);
  // Norm gains are optional: a plain PyTorch MLP has none (gain 1 is the identity scale).
  const values = valuesForSpecs(loaded, model.specs, checkpoint, '', (s) => s.kind === 'norm');

  const params = Params.fromValues(tf, model.specs, values, checkpoint);
  let before: FinetuneResult['before'];
  try {
    before = evaluateFpAndPtq(tf, model, params, dataset, { weightMethod: config.weightMethod, activationQuant: config.activationQuant }, options.signal);
  } finally {
    params.dispose();
  }
  options.onBefore?.(before, dataset.metricName);
  const r = await trainRun(config, { ...options, initialValues: values });
  return { checkpoint, family: config.model, config, backend, metricName: dataset.metricName, before, after: r.runs.bitnet };
}

function configFor(loaded: LoadedTensors, file: string, ft: FinetuneConfig, hfBeside: Record<string, unknown> | undefined): TrainConfig {
  const meta = loaded.metadata;
  let family: ModelFamily;
  let arch: MlpConfig | LmConfig;
  let saved: Partial<TrainConfig> = {};
  if (meta[META.family] === 'mlp' || meta[META.family] === 'lm') {
    family = meta[META.family] as ModelFamily;
    try {
      saved = JSON.parse(meta[META.config] ?? '{}') as Partial<TrainConfig>;
      arch = JSON.parse(meta[META.architecture] ?? '') as MlpConfig | LmConfig;
    } catch {
      throw new BitnetLabError('header', 'architecture in __metadata__ is not JSON', { file });
    }
  } else if (loaded.tensors.has('layers.0.weight')) {
    family = 'mlp';
    arch = inferMlp(loaded);
  } else if (loaded.tensors.has('model.embed_tokens.weight')) {
    family = 'lm';
    arch = hfBeside?.['model_type'] === 'bitnet' ? lmConfigFromHf(hfBeside, join(dirname(file), 'config.json')) : inferLm(loaded, file);
  } else {
    throw new BitnetLabError('unsupported', 'tensor names match neither the MLP family (layers.<i>.weight) nor the LM family (model.embed_tokens.weight, model.layers.<i>.self_attn.q_proj.weight, …)', { file });
  }
  const c = defaultTrainConfig(family, ft.data);
  if (family === 'mlp') c.mlp = arch as MlpConfig;
  else c.lm = arch as LmConfig;
  if (saved.weightMethod) c.weightMethod = saved.weightMethod;
  if (saved.activationQuant !== undefined) c.activationQuant = saved.activationQuant;
  if (saved.mnist) c.mnist = saved.mnist;
  c.steps = ft.steps;
  c.batchSize = ft.batchSize ?? c.batchSize;
  c.seed = ft.seed ?? c.seed;
  c.evalEvery = ft.evalEvery ?? Math.max(1, Math.floor(ft.steps / 10));
  c.baseline = false;
  // Starting from trained weights: short warm-up, lower peaks than from scratch.
  c.bitnet = { ...c.bitnet, warmupSteps: Math.min(20, Math.max(1, Math.floor(ft.steps / 10))), peakLr: 1e-3, secondPeakLr: 5e-4, ...ft.recipe };
  return c;
}

/** layers.<i>.weight [out, in] for i = 0, 1, … → sizes [in0, out0, out1, …]. */
function inferMlp(loaded: LoadedTensors): MlpConfig {
  const sizes: number[] = [];
  for (let i = 0; loaded.tensors.has(`layers.${i}.weight`); i++) {
    const [out, inp] = loaded.tensors.get(`layers.${i}.weight`)!.shape;
    if (i === 0) sizes.push(inp!);
    sizes.push(out!);
  }
  return { sizes, firstLayer: 'bitnet', lastLayer: 'fp' };
}

function inferLm(loaded: LoadedTensors, file: string): LmConfig {
  const shape = (n: string): number[] => {
    const t = loaded.tensors.get(n);
    if (!t) throw new BitnetLabError('layout', 'missing: the LM family needs it', { file, tensor: n });
    return t.shape;
  };
  const [vocab, dModel] = shape('model.embed_tokens.weight') as [number, number];
  let layers = 0;
  while (loaded.tensors.has(`model.layers.${layers}.self_attn.q_proj.weight`)) layers++;
  const [ffnDim] = shape('model.layers.0.mlp.gate_proj.weight') as [number];
  const [kvRows] = shape('model.layers.0.self_attn.k_proj.weight') as [number];
  // Without a config.json, heads cannot be read from shapes: keep the default head width (32) when it divides.
  const heads = dModel % 32 === 0 ? dModel / 32 : DEFAULT_LM.heads;
  const kvHeads = Math.max(1, Math.round(kvRows / (dModel / heads)));
  return { ...DEFAULT_LM, vocab, dModel, layers, heads, kvHeads, ffnDim, tieEmbeddings: !loaded.tensors.has('lm_head.weight') };
}

/** setupRun's refusals speak of flags; here they concern the user's checkpoint, so they name it. */
function setupForCheckpoint(config: TrainConfig, checkpoint: string): ReturnType<typeof setupRun> {
  try {
    return setupRun(config);
  } catch (e) {
    if (e instanceof BitnetLabError && e.place.file === undefined) throw new BitnetLabError(e.code, e.reason, { ...e.place, file: checkpoint });
    throw e;
  }
}
