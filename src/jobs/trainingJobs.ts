/**
 * Training jobs in the job process: train, fine-tune, and reading a finished
 * run back. A cancelled run leaves nothing behind: the run folder this job
 * created is removed (checkpoints are only written at the end, atomically,
 * but a cancel during that final save could otherwise leave one of two).
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BACKEND_PREFERENCES } from '../core/backend.js';
import { BitnetLabError, isBitnetLabError } from '../core/errors.js';
import { defaultTrainConfig } from '../core/nn/config.js';
import { finetuneRun } from '../core/nn/finetune.js';
import { readMetricsFile } from '../core/nn/metricsFile.js';
import { trainRun } from '../core/nn/trainer.js';
import { trainTorchrun } from '../core/nn/torchrun/engine.js';
import { QUANT_METHODS } from '../core/quant/types.js';
import type { JobRequest } from '../protocol/jobs.js';
import type { JobRunOptions } from './engineTypes.js';
import { num, oneOf, str } from './engineOptions.js';

/** Run `work` writing into `out`; if it fails or is cancelled and `out` did not exist before, remove it. */
async function inFreshFolder<T>(out: string | undefined, work: () => Promise<T>): Promise<T> {
  const fresh = out !== undefined && !existsSync(out);
  try {
    return await work();
  } catch (e) {
    if (fresh && isBitnetLabError(e) && e.code === 'cancelled') await rm(out, { recursive: true, force: true });
    throw e;
  }
}

export function trainJob(r: Extract<JobRequest, { kind: 'train' }>, run: JobRunOptions): Promise<unknown> {
  const model = oneOf(r.options, 'model', ['mlp', 'lm'] as const) ?? 'mlp';
  const data = str(r.options, 'data') ?? (model === 'mlp' ? 'mnist' : undefined);
  if (data === undefined) throw new BitnetLabError('usage', 'the language model needs a text file or folder to train on');
  const config = defaultTrainConfig(model, data);
  config.steps = num(r.options, 'steps') ?? config.steps;
  config.seed = num(r.options, 'seed') ?? config.seed;
  config.batchSize = num(r.options, 'batchSize') ?? config.batchSize;
  config.evalEvery = Math.max(1, Math.min(num(r.options, 'evalEvery') ?? config.evalEvery, config.steps));
  config.weightMethod = oneOf(r.options, 'method', QUANT_METHODS) ?? config.weightMethod;
  if (r.options.baseline === false) config.baseline = false;
  config.logEvery = num(r.options, 'logEvery') ?? config.logEvery;
  config.checkpointEvery = num(r.options, 'checkpointEvery') ?? config.checkpointEvery;
  // Model size (the defaults are the CLI's); a test or a keybinding can ask for a tiny LM.
  const lm = config.lm;
  lm.dModel = num(r.options, 'dModel') ?? lm.dModel;
  lm.layers = num(r.options, 'layers') ?? lm.layers;
  lm.heads = num(r.options, 'heads') ?? lm.heads;
  lm.kvHeads = num(r.options, 'kvHeads') ?? lm.heads;
  lm.ffnDim = num(r.options, 'ffn') ?? lm.ffnDim;
  lm.context = num(r.options, 'context') ?? lm.context;
  config.text.valTokens = num(r.options, 'valTokens') ?? config.text.valTokens;
  config.text.blockBytes = num(r.options, 'blockBytes') ?? config.text.blockBytes;
  const warmup = num(r.options, 'warmupSteps');
  if (warmup !== undefined) config.bitnet.warmupSteps = config.fp.warmupSteps = warmup;
  const out = str(r.options, 'out');
  if (oneOf(r.options, 'engine', ['tfjs', 'torchrun'] as const) === 'torchrun') {
    if (out === undefined) throw new BitnetLabError('usage', 'a torchrun run needs a run folder (option "out")');
    const nproc = num(r.options, 'nproc') ?? 1;
    if (!Number.isInteger(nproc) || nproc < 1) throw new BitnetLabError('usage', `option "nproc" must be a whole number of ranks, got ${nproc}`);
    // trainTorchrun removes a fresh folder itself when cancelled before its first checkpoint.
    return trainTorchrun(config, {
      out,
      python: str(r.options, 'python'),
      topology: { nprocPerNode: nproc, nnodes: 1, nodeRank: 0 },
      signal: run.signal,
      onProgress: run.onProgress,
      onMetrics: run.onMetrics,
    });
  }
  return inFreshFolder(out, () =>
    trainRun(config, { backend: oneOf(r.options, 'backend', BACKEND_PREFERENCES), out, signal: run.signal, onProgress: run.onProgress, onMetrics: run.onMetrics }),
  );
}

export function finetuneJob(r: Extract<JobRequest, { kind: 'finetune' }>, run: JobRunOptions): Promise<unknown> {
  const data = str(r.options, 'data');
  if (data === undefined) throw new BitnetLabError('usage', 'fine-tuning needs data: mnist, or a text file or folder', { file: r.path });
  const out = str(r.options, 'out');
  const batchSize = num(r.options, 'batchSize');
  return inFreshFolder(out, () =>
    finetuneRun(
      r.path,
      { data, steps: num(r.options, 'steps') ?? 300, ...(batchSize !== undefined ? { batchSize } : {}), seed: num(r.options, 'seed') },
      {
        backend: oneOf(r.options, 'backend', BACKEND_PREFERENCES),
        out,
        signal: run.signal,
        onProgress: run.onProgress,
        onMetrics: run.onMetrics,
        onBefore: (before, metricName) =>
          run.onFinetuneBefore?.({ metricName, fpValLoss: before.fp.valLoss, fpMetric: before.fp.valMetric, ptqValLoss: before.ptq.valLoss, ptqMetric: before.ptq.valMetric }),
      },
    ),
  );
}

/** A finished run folder: its metric points per run and its run.json summary (if present). */
export async function runMetricsJob(r: Extract<JobRequest, { kind: 'runMetrics' }>): Promise<unknown> {
  const metrics = await readMetricsFile(join(r.dir, 'metrics.jsonl'));
  let summary: unknown;
  try {
    summary = JSON.parse(await readFile(join(r.dir, 'run.json'), 'utf8')) as unknown;
  } catch {
    summary = undefined;
  }
  return { dir: r.dir, runs: metrics.runs, skippedLines: metrics.skippedLines, summary };
}
