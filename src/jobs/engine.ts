/**
 * The real engine, bound for the job process. This is the only file of the
 * job side that names engine modules; a job kind without an engine function
 * is absent from `extra` and fails as "not available in this build".
 * Training jobs live in trainingJobs.ts, real-model jobs in modelJobs.ts.
 */
import { analyzeCheckpoint, headerReport } from '../core/analysis/analyze.js';
import { compareCheckpoint } from '../core/analysis/compare.js';
import { diffCheckpoints } from '../core/analysis/diff.js';
import { energyOfCheckpoint } from '../core/analysis/energyCheckpoint.js';
import { isQuantizeFormat, quantizeCheckpoint, type QuantizeFormat } from '../core/convert/quantize.js';
import { BitnetLabError } from '../core/errors.js';
import { openCheckpoint } from '../core/formats/open.js';
import type { CheckpointSource } from '../core/formats/types.js';
import type { Engine } from './engineTypes.js';
import { finetuneJob, trainJob } from './trainingJobs.js';
import { evaluateText } from '../core/model/eval.js';
import { generateText } from '../core/model/generate.js';
import { modelJobs } from './modelJobs.js';

async function withSource<T>(path: string, use: (s: CheckpointSource) => Promise<T>): Promise<T> {
  const source = await openCheckpoint(path);
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}

/** 'tq2_0' is accepted for 'gguf-tq2_0' (the names users see in llama.cpp). */
export function quantizeFormatOf(name: string | undefined): QuantizeFormat {
  if (name !== undefined && isQuantizeFormat(name)) return name;
  if (name !== undefined && isQuantizeFormat(`gguf-${name}`)) return `gguf-${name}` as QuantizeFormat;
  throw new BitnetLabError('usage', `unknown ternary format "${name ?? ''}" (choose hf-bitnet, tq2_0, tq1_0, i2_s, f16, fake-quant)`);
}

export const engine: Engine = {
  openCheckpoint: (path) => openCheckpoint(path),
  headerReport: async (source, settings) =>
    headerReport(source, settings ? { method: settings.method, include: settings.include, exclude: settings.exclude, patternSource: 'settings' } : {}),
  analyze: (source, call) =>
    analyzeCheckpoint(source, {
      method: call.settings.method,
      include: call.settings.include,
      exclude: call.settings.exclude,
      patternSource: 'settings',
      bins: call.settings.bins,
      only: call.settings.only,
      signal: call.signal,
      onProgress: call.onProgress,
      onTensor: call.onTensor,
    }),
  extra: {
    quantize: (r, run) =>
      withSource(r.input, (source) =>
        quantizeCheckpoint(source, {
          out: r.output,
          format: quantizeFormatOf(r.options.format),
          method: r.options.method,
          include: r.options.include,
          exclude: r.options.exclude,
          ...run,
        }),
      ),
    compare: (r, run) =>
      withSource(r.path, (source) =>
        compareCheckpoint(source, {
          backend: r.options.backend,
          include: r.options.include,
          exclude: r.options.exclude,
          seed: r.options.seed,
          timeBudgetMs: r.options.timeBudgetMs,
          node: r.options.node,
          ...run,
        }),
      ),
    diff: (r, run) =>
      withSource(r.a, (a) =>
        withSource(r.b, (b) =>
          diffCheckpoints(a, b, {
            method: r.options.method,
            include: r.options.include,
            exclude: r.options.exclude,
            ...run,
          }),
        ),
      ),
    energy: (r, run) => {
      if (r.path === undefined) throw new BitnetLabError('usage', 'the energy report needs a checkpoint: open one in the inspector first');
      return withSource(r.path, (source) =>
        energyOfCheckpoint(source, {
          node: r.options.node,
          tokens: r.options.tokens,
          include: r.options.include,
          exclude: r.options.exclude,
          ...run,
        }),
      );
    },
    train: trainJob,
    finetune: finetuneJob,
    ...modelJobs({ evaluateText, generateText }),
  },
};
