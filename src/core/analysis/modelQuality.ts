/**
 * Model-level quality for the comparison report: when a checkpoint is one of
 * our training families (bitnet-lab training checkpoint: family, config and
 * run recorded in __metadata__), score it end to end on the held-out split of
 * the data it was trained on —
 *   fp   the full-precision weights, no quantization;
 *   ptq  the same weights, post-training ternary (the run's weight method,
 *        absmean by default) with per-token int8 activations;
 *   qat  the BitNet run (trained with quantization in the loop), quantized.
 * The FP weights come from the run's fp.safetensors and the QAT weights from
 * its bitnet.safetensors, whichever of the two was given (the other is looked
 * up next to it). Evaluation is the training code's own (nn/evaluate.ts), so
 * these numbers are the ones the training panel and `finetune` show.
 * Any other checkpoint yields a reason instead: per-layer error still applies.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { initBackend, type BackendPreference } from '../backend.js';
import { isBitnetLabError, throwIfAborted } from '../errors.js';
import { openCheckpoint } from '../formats/open.js';
import type { RunOptions } from '../progress.js';
import { CHECKPOINT_FORMAT, META, loadTensors, valuesForSpecs } from '../nn/checkpoint.js';
import type { TrainConfig } from '../nn/config.js';
import type { Dataset } from '../nn/data/dataset.js';
import { evaluate, evaluateFpAndPtq, type Evaluation } from '../nn/evaluate.js';
import type { ModelDef, ModelFamily } from '../nn/model.js';
import { Params } from '../nn/params.js';
import { setupRun } from '../nn/setup.js';
import type { Tf } from '../nn/tf.js';
import { runFiles } from '../nn/trainer.js';

export type QualityVariant = 'fp' | 'ptq' | 'qat';

export interface ModelQualityRow {
  variant: QualityVariant;
  /** The weights file scored. */
  checkpoint: string;
  /** What quantization the forward pass applied, in words. */
  quantization: string;
  /** Mean cross-entropy, nats (per example for MNIST, per byte for text). */
  loss: number;
  /** Accuracy in [0, 1], or perplexity exp(loss). */
  metric: number;
}

export interface ModelQuality {
  family: ModelFamily;
  /** The data and the split scored, in words. */
  dataset: string;
  /** Examples (MNIST) or scored byte tokens (text). */
  splitSize: number;
  metricName: 'accuracy' | 'perplexity';
  rows: ModelQualityRow[];
  backend: string;
  notes: string[];
}

export type ModelQualityOutcome = { quality: ModelQuality; reason?: undefined } | { quality: undefined; reason: string };

export interface ModelQualityOptions extends RunOptions {
  backend?: BackendPreference;
  /** The checkpoint's __metadata__ when the caller already has it open (saves a re-open). */
  metadata?: Readonly<Record<string, string>>;
}

/** bitnet_lab.format of nn/ternaryExport.ts's packed export. */
const TERNARY_EXPORT_FORMAT = 'bitnet-lab-ternary/1';

export const UNSUPPORTED_REASON = 'architecture not supported for end-to-end evaluation; per-layer error below';

/** A run file we can score: its recorded config and which run of the pair it is. */
interface RunFile {
  path: string;
  config: TrainConfig;
  run: string;
}

async function metadataOf(path: string): Promise<Readonly<Record<string, string>>> {
  const src = await openCheckpoint(path);
  try {
    return src.metadata;
  } finally {
    await src.close();
  }
}

/** The run config recorded by the trainer, or why this file is not one of ours. */
function runFileOf(path: string, meta: Readonly<Record<string, string>>): RunFile | string {
  const family = meta[META.family];
  if (meta[META.format] === TERNARY_EXPORT_FORMAT) {
    return `${UNSUPPORTED_REASON} (this is the packed ternary export of a training run: compare the run's fp.safetensors or bitnet.safetensors, one folder up, for FP vs PTQ vs QAT quality)`;
  }
  if (meta[META.format] !== CHECKPOINT_FORMAT || (family !== 'mlp' && family !== 'lm')) {
    return `${UNSUPPORTED_REASON} (only bitnet-lab training checkpoints, which record their model family and data in __metadata__, can be run here)`;
  }
  let config: TrainConfig;
  try {
    config = JSON.parse(meta[META.config] ?? '') as TrainConfig;
  } catch {
    return `${UNSUPPORTED_REASON} (the run config in __metadata__ is not JSON)`;
  }
  if (typeof config !== 'object' || config === null || config.model !== family || typeof config.data !== 'string') {
    return `${UNSUPPORTED_REASON} (the run config in __metadata__ does not describe a ${family} run)`;
  }
  return { path, config, run: meta[META.run] ?? '' };
}

/** Same architecture and same evaluation data: the sibling belongs to the same comparison. */
function sameRun(a: TrainConfig, b: TrainConfig): boolean {
  const arch = (c: TrainConfig) => JSON.stringify(c.model === 'mlp' ? c.mlp : c.lm);
  const data = (c: TrainConfig) => JSON.stringify([c.data, c.model === 'mlp' ? c.mnist : c.text]);
  return a.model === b.model && arch(a) === arch(b) && data(a) === data(b);
}

async function sibling(dir: string, run: 'fp' | 'bitnet', like: TrainConfig, notes: string[]): Promise<RunFile | undefined> {
  const path = runFiles(dir, run).model;
  if (!existsSync(path)) return undefined;
  const f = runFileOf(path, await metadataOf(path));
  if (typeof f === 'string' || f.run !== run) {
    notes.push(`${path} is not a ${run} run of a bitnet-lab training checkpoint; not used`);
    return undefined;
  }
  if (!sameRun(f.config, like)) {
    notes.push(`${path} has another architecture or data than the given checkpoint; not used`);
    return undefined;
  }
  return f;
}

function quantWords(c: TrainConfig): string {
  return `${c.weightMethod} ternary weights${c.activationQuant ? ' + per-token int8 activations' : ' (activations left in float: the run trained without int8 activations)'}`;
}

/** Loads one run file's weights into the model's parameters, runs `score`, frees them. */
async function withParams<T>(tf: Tf, model: ModelDef, file: string, signal: AbortSignal | undefined, score: (p: Params) => T): Promise<T> {
  const loaded = await loadTensors(file, signal);
  const params = Params.fromValues(tf, model.specs, valuesForSpecs(loaded, model.specs, file), file);
  try {
    return score(params);
  } finally {
    params.dispose();
  }
}

const row = (variant: QualityVariant, checkpoint: string, quantization: string, e: Evaluation): ModelQualityRow =>
  ({ variant, checkpoint, quantization, loss: e.valLoss, metric: e.valMetric });

export async function evaluateModelQuality(checkpoint: string, options: ModelQualityOptions = {}): Promise<ModelQualityOutcome> {
  const meta = options.metadata ?? await metadataOf(checkpoint);
  const given = runFileOf(checkpoint, meta);
  if (typeof given === 'string') return { quality: undefined, reason: given };
  const config = given.config;
  if (config.model === 'lm' && !existsSync(resolve(config.data))) {
    return { quality: undefined, reason: `the run's text source ${config.data} is not available here, so its validation split cannot be scored; per-layer error below` };
  }

  const notes: string[] = [];
  const dir = dirname(checkpoint);
  const fpFile = given.run === 'fp' ? given : await sibling(dir, 'fp', config, notes);
  const qatFile = given.run === 'bitnet' ? given : await sibling(dir, 'bitnet', config, notes);

  let dataset: Dataset;
  let model: ModelDef;
  try {
    ({ dataset, model } = setupRun(config));
  } catch (e) {
    if (isBitnetLabError(e) && e.code !== 'cancelled') return { quality: undefined, reason: `the run's data cannot be prepared here (${e.message}); per-layer error below` };
    throw e;
  }
  const recorded = recordedData(meta);
  if (config.model === 'lm' && recorded?.bytes !== undefined && recorded.bytes !== dataset.describe.bytes) {
    notes.push(`the text source has changed since training (${recorded.bytes} bytes then, ${dataset.describe.bytes} now): the validation split is not the one the run saw`);
  }
  const { tf, name: backend } = await initBackend(options.backend ?? 'auto');
  const rows: ModelQualityRow[] = [];
  if (!fpFile && !qatFile) return { quality: undefined, reason: `neither a full-precision nor a BitNet run of this model was found (run "${given.run}"); per-layer error below` };
  const steps = 2 + (fpFile && qatFile ? 1 : 0);
  const progress = (label: string) => options.onProgress?.({ label, done: rows.length, total: steps, unit: 'steps' });

  if (fpFile) {
    progress('scoring full precision and post-training ternary');
    const q = { weightMethod: fpFile.config.weightMethod, activationQuant: fpFile.config.activationQuant };
    const r = await withParams(tf, model, fpFile.path, options.signal, (p) => evaluateFpAndPtq(tf, model, p, dataset, q, options.signal));
    rows.push(row('fp', fpFile.path, 'none', r.fp), row('ptq', fpFile.path, quantWords(fpFile.config), r.ptq));
  } else if (qatFile) {
    // No trained FP twin: the BitNet run's latent weights without quantization are the closest FP
    // stand-in; their PTQ would be the QAT row itself, so it is not repeated.
    progress('scoring latent weights in full precision');
    const q = { weightMethod: qatFile.config.weightMethod, activationQuant: qatFile.config.activationQuant, quantize: false };
    const r = await withParams(tf, model, qatFile.path, options.signal, (p) => evaluate(tf, model, p, dataset, q, options.signal));
    rows.push(row('fp', qatFile.path, 'none (latent weights of the QAT run)', r));
    notes.push('no full-precision run (fp.safetensors) next to this checkpoint: the FP row is the BitNet run\'s latent weights without quantization, and there is no separate PTQ row');
  }
  if (qatFile) {
    progress('scoring the QAT (BitNet) run');
    const q = { weightMethod: qatFile.config.weightMethod, activationQuant: qatFile.config.activationQuant, quantize: true };
    const r = await withParams(tf, model, qatFile.path, options.signal, (p) => evaluate(tf, model, p, dataset, q, options.signal));
    rows.push(row('qat', qatFile.path, quantWords(qatFile.config), r));
  } else {
    notes.push('no BitNet run (bitnet.safetensors) from the same run next to this checkpoint: no QAT row');
  }
  // evaluate() stops early on abort; a partial score must not be reported as a result.
  throwIfAborted(options.signal, { file: checkpoint });
  if (config.model === 'mlp' && (config.mlp.firstLayer === 'fp' || config.mlp.lastLayer === 'fp')) {
    notes.push(`the run keeps its ${[config.mlp.firstLayer === 'fp' ? 'first' : '', config.mlp.lastLayer === 'fp' ? 'last' : ''].filter(Boolean).join(' and ')} layer in full precision; it stays float in the PTQ and QAT rows too, as in training`);
  }

  const d = dataset.describe;
  return {
    quality: {
      family: config.model,
      dataset: config.model === 'mlp'
        ? `MNIST (${d.source}), held-out test split: ${d.test} digits (split seed ${d.splitSeed}), never trained on`
        : `${config.data}, validation split: ${d.valTokensScored} byte tokens scored of ${d.valBytes} held-out bytes`,
      splitSize: dataset.valSize,
      metricName: dataset.metricName,
      rows,
      backend,
      notes,
    },
  };
}

/** The dataset description the trainer recorded (bitnet_lab.data), when readable. */
function recordedData(meta: Readonly<Record<string, string>>): Record<string, string | number> | undefined {
  try {
    return meta['bitnet_lab.data'] ? JSON.parse(meta['bitnet_lab.data']) as Record<string, string | number> : undefined;
  } catch {
    return undefined;
  }
}
