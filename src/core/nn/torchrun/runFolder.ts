/**
 * Writes a self-contained torchrun run folder: the PyTorch script, its job
 * file, the initial weights and the data. Anyone can then run it with plain
 * torchrun (here, on a SLURM cluster, by hand) without bitnet-lab.
 *
 * Data order, documented choice: bitnet-lab draws the split and every step's
 * window offsets (src/core/nn/data/text.ts) and stores them in
 * data.safetensors; the script only reads them. So both engines see the same
 * batches in the same order from one implementation, and a rank takes rows
 * [rank·B/W, (rank+1)·B/W) of each global batch of B windows (W ranks).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BitnetLabError } from '../../errors.js';
import { writeFileAtomic } from '../../formats/atomicWrite.js';
import { writeSafetensors } from '../../formats/safetensors/index.js';
import { derivedPrng } from '../../random.js';
import type { RunName } from '../metricTypes.js';
import { runMetadata, saveTensors } from '../checkpoint.js';
import { scheduleOf, type TrainConfig } from '../config.js';
import type { TextWindows } from '../data/text.js';
import { hfLmConfig } from '../hfLmConfig.js';
import { initValues, isMatrixWeight } from '../params.js';
import type { ScheduleConfig } from '../schedule.js';
import { setupRun } from '../setup.js';
import { TRAIN_SCRIPT } from './generated/trainScript.js';

export const JOB_FORMAT = 'bitnet-lab-torchrun/1';

export const TORCHRUN_FILES = {
  script: 'train_bitnet.py',
  job: 'job.json',
  init: 'init.safetensors',
  data: 'data.safetensors',
  metrics: 'metrics.jsonl',
  run: 'run.json',
  hfConfig: 'config.json',
  /** torchrun's per-rank output (launch.ts). */
  logs: 'logs',
} as const;

/** Validation windows per forward pass in the script (the tfjs evaluate() batch for context 64). */
const EVAL_BATCH = 64;
/** [steps, batch] int32 offsets above this many entries is more than a run folder should hold. */
const MAX_WINDOW_ENTRIES = 64 << 20;

/** What train_bitnet.py reads from job.json. */
export interface TorchrunJob {
  format: typeof JOB_FORMAT;
  /** The run's Hugging Face config.json (hfLmConfig.ts): the script builds its model from it. */
  model: Record<string, unknown>;
  runs: { name: RunName; quantize: boolean; schedule: ScheduleConfig; checkpointMetadata: Record<string, string> }[];
  activationQuant: boolean;
  adam: TrainConfig['adam'];
  /** Parameters AdamW decays (matrix weights, as the tfjs AdamW does). */
  decayedParams: string[];
  steps: number;
  batchSize: number;
  context: number;
  logEvery: number;
  evalEvery: number;
  checkpointEvery: number;
  evalBatch: number;
  seed: number;
  /** > 0: continue from <run>.safetensors / <run>.optim.safetensors at this step. */
  resumeStep: number;
  files: { init: string; data: string; metrics: string };
  /** Echoed into run.json. */
  record: { config: TrainConfig; dataset: Record<string, string | number> };
}

export interface PreparedRun {
  dir: string;
  job: TorchrunJob;
  jobPath: string;
  scriptPath: string;
}

/** Checks that `config` is something the torchrun engine trains, for `worldSize` ranks in all. */
export function checkTorchrunConfig(config: TrainConfig, worldSize: number): void {
  if (config.model !== 'lm') throw new BitnetLabError('usage', 'the torchrun engine trains the language model (--model lm); the MNIST MLP trains with --engine tfjs');
  if (config.weightMethod !== 'absmean') throw new BitnetLabError('usage', `the torchrun engine quantizes with absmean (BitNet b1.58); --method ${config.weightMethod} trains with --engine tfjs`);
  if (config.batchSize % worldSize !== 0) {
    throw new BitnetLabError('usage', `batch size ${config.batchSize} is not a multiple of the ${worldSize} ranks (every rank takes an equal slice of each batch)`);
  }
}

export async function prepareTorchrunRun(config: TrainConfig, dir: string, opts: { worldSize: number; resumeStep?: number; signal?: AbortSignal }): Promise<PreparedRun> {
  checkTorchrunConfig(config, opts.worldSize);
  const { model, dataset, windows } = setupRun(config);
  if (!windows) throw new BitnetLabError('usage', 'the torchrun engine trains on text data');
  if (config.steps * config.batchSize > MAX_WINDOW_ENTRIES) {
    throw new BitnetLabError('limit', `${config.steps} steps × batch ${config.batchSize} window offsets is more than a run folder holds (${MAX_WINDOW_ENTRIES})`);
  }
  mkdirSync(dir, { recursive: true });
  const signal = opts.signal;
  const names: RunName[] = config.baseline ? ['bitnet', 'fp'] : ['bitnet'];
  const job: TorchrunJob = {
    format: JOB_FORMAT,
    model: hfLmConfig(config.lm),
    runs: names.map((name) => ({
      name,
      quantize: name === 'bitnet',
      schedule: scheduleOf(name === 'bitnet' ? config.bitnet : config.fp, config.steps),
      checkpointMetadata: withoutStep(runMetadata(name, config, dataset.describe, model.specs, 0)),
    })),
    activationQuant: config.activationQuant,
    adam: { ...config.adam },
    decayedParams: model.specs.filter((s) => isMatrixWeight(s.kind)).map((s) => s.name),
    steps: config.steps,
    batchSize: config.batchSize,
    context: config.lm.context,
    logEvery: config.logEvery,
    evalEvery: config.evalEvery,
    checkpointEvery: config.checkpointEvery,
    evalBatch: EVAL_BATCH,
    seed: config.seed,
    resumeStep: opts.resumeStep ?? 0,
    files: { init: TORCHRUN_FILES.init, data: TORCHRUN_FILES.data, metrics: TORCHRUN_FILES.metrics },
    record: { config, dataset: dataset.describe },
  };
  // Same seed, same stream as the tfjs engine's Params.init: identical initial weights.
  const init = initValues(model.specs, derivedPrng(config.seed, 'init'));
  await saveTensors(join(dir, TORCHRUN_FILES.init), model.specs, init, { 'bitnet_lab.weights': 'initial weights; linear weights [out, in]', 'bitnet_lab.seed': String(config.seed) }, signal);
  await writeData(join(dir, TORCHRUN_FILES.data), windows, config, signal);
  const scriptPath = join(dir, TORCHRUN_FILES.script);
  await writeFileAtomic(scriptPath, TRAIN_SCRIPT, { signal });
  // The HF config.json beside the checkpoints, as the tfjs engine writes it.
  await writeFileAtomic(join(dir, TORCHRUN_FILES.hfConfig), JSON.stringify(job.model, null, 2) + '\n', { signal });
  const jobPath = join(dir, TORCHRUN_FILES.job);
  await writeFileAtomic(jobPath, JSON.stringify(job, null, 2) + '\n', { signal });
  return { dir, job, jobPath, scriptPath };
}

function withoutStep(meta: Record<string, string>): Record<string, string> {
  const { 'bitnet_lab.step': _step, ...rest } = meta;
  return rest;
}

async function writeData(path: string, w: TextWindows, config: TrainConfig, signal?: AbortSignal): Promise<void> {
  const B = config.batchSize;
  const order = new Int32Array(config.steps * B);
  for (let step = 0; step < config.steps; step++) order.set(w.trainStarts(config.seed, step, B), step * B);
  await writeSafetensors(
    path,
    [
      { name: 'train_tokens', dtype: 'U8', shape: [w.train.length], data: w.train },
      { name: 'val_tokens', dtype: 'U8', shape: [w.val.length], data: w.val },
      { name: 'train_windows', dtype: 'I32', shape: [config.steps, B], data: order },
      { name: 'val_windows', dtype: 'I32', shape: [w.valStarts.length], data: Int32Array.from(w.valStarts) },
    ],
    { 'bitnet_lab.data': 'train/val byte streams; train_windows[step] = start offsets of that step\'s batch rows; val_windows = validation window starts', 'bitnet_lab.seed': String(config.seed) },
    { signal },
  );
}
