/**
 * Training jobs in the job process: train and fine-tune. A cancelled run leaves nothing behind: the run folder this job
 * created is removed (checkpoints are only written at the end, atomically,
 * but a cancel during that final save could otherwise leave one of two).
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { BitnetLabError, isBitnetLabError } from '../core/errors.js';
import { defaultTrainConfig } from '../core/nn/config.js';
import { finetuneRun } from '../core/nn/finetune.js';
import { trainRun } from '../core/nn/trainer.js';
import { trainTorchrun } from '../core/nn/torchrun/engine.js';
import type { FinetuneResult } from '../core/nn/finetune.js';
import type { JobRequest, TrainJobValue } from '../protocol/jobs.js';
import type { JobRunOptions } from './engineTypes.js';

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

export async function trainJob(r: Extract<JobRequest, { kind: 'train' }>, run: JobRunOptions): Promise<TrainJobValue> {
  const o = r.options;
  const model = o.model ?? 'mlp';
  const data = o.data ?? (model === 'mlp' ? 'mnist' : undefined);
  if (data === undefined) throw new BitnetLabError('usage', 'the language model needs a text file or folder to train on');
  const config = defaultTrainConfig(model, data);
  config.steps = o.steps ?? config.steps;
  config.seed = o.seed ?? config.seed;
  config.batchSize = o.batchSize ?? config.batchSize;
  config.evalEvery = Math.max(1, Math.min(o.evalEvery ?? config.evalEvery, config.steps));
  config.weightMethod = o.method ?? config.weightMethod;
  if (o.baseline === false) config.baseline = false;
  config.logEvery = o.logEvery ?? config.logEvery;
  config.checkpointEvery = o.checkpointEvery ?? config.checkpointEvery;
  const lm = config.lm;
  lm.dModel = o.dModel ?? lm.dModel;
  lm.layers = o.layers ?? lm.layers;
  lm.heads = o.heads ?? lm.heads;
  lm.kvHeads = o.kvHeads ?? lm.heads;
  lm.ffnDim = o.ffn ?? lm.ffnDim;
  lm.context = o.context ?? lm.context;
  config.text.valTokens = o.valTokens ?? config.text.valTokens;
  config.text.blockBytes = o.blockBytes ?? config.text.blockBytes;
  if (o.warmupSteps !== undefined) config.bitnet.warmupSteps = config.fp.warmupSteps = o.warmupSteps;
  const out = o.out;
  if (o.engine === 'torchrun') {
    if (out === undefined) throw new BitnetLabError('usage', 'a torchrun run needs a run folder (option "out")');
    // trainTorchrun removes a fresh folder itself when cancelled before its first checkpoint.
    const result = await trainTorchrun(config, {
      out,
      python: o.python,
      topology: { nprocPerNode: o.nproc ?? 1, nnodes: 1, nodeRank: 0 },
      signal: run.signal,
      onProgress: run.onProgress,
      onMetrics: run.onMetrics,
    });
    // null is another node's answer in a multi-node run; this one is single-node, so node 0 has the results.
    if (result === null) throw new Error(`torchrun finished without a result on node 0 (${out})`);
    return result;
  }
  return inFreshFolder(out, () =>
    trainRun(config, { backend: o.backend, out, signal: run.signal, onProgress: run.onProgress, onMetrics: run.onMetrics }),
  );
}

export function finetuneJob(r: Extract<JobRequest, { kind: 'finetune' }>, run: JobRunOptions): Promise<FinetuneResult> {
  const { data, out, batchSize } = r.options;
  if (data === undefined) throw new BitnetLabError('usage', 'fine-tuning needs data: mnist, or a text file or folder', { file: r.path });
  return inFreshFolder(out, () =>
    finetuneRun(
      r.path,
      { data, steps: r.options.steps ?? 300, ...(batchSize !== undefined ? { batchSize } : {}), seed: r.options.seed },
      {
        backend: r.options.backend,
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
