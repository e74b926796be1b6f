/**
 * The training loop: BitNet and (optionally) the full-precision baseline of
 * the same architecture, initialised from the same seed and fed the very same
 * batches. The two are interleaved step by step (BitNet step k, FP step k,
 * BitNet step k+1, …), so a cancel or a slow machine affects both alike and
 * both curves advance together in the panel.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, type BackendPreference } from '../backend.js';
import { BitnetLabError, cancelled } from '../errors.js';
import { writeFileAtomic } from '../formats/atomicWrite.js';
import type { RunOptions } from '../progress.js';
import type { EvalPoint, MetricName, MetricPoint, MetricsLine, RunName } from './metricTypes.js';
import { AdamW } from './adamw.js';
import type { LinearOptions } from './bitLinear.js';
import { CHECKPOINT_FORMAT, META, loadTensors, rejectLegacyLm, runMetadata, saveTensors, valuesForSpecs } from './checkpoint.js';
import { scheduleOf, type TrainConfig } from './config.js';
import { median } from '../kernels/stats.js';
import { evaluate } from './evaluate.js';
import { hfLmConfig } from './hfLmConfig.js';
import { FlipTracker } from './layerStats.js';
import { lossOn, type Batch, type ModelDef } from './model.js';
import { Params } from './params.js';
import { derivedPrng } from '../random.js';
import { lrAt, weightDecayAt, type ScheduleConfig } from './schedule.js';
import { setupRun } from './setup.js';
import { exportTernary } from './ternaryExport.js';
import type { Tf } from './tf.js';

export interface RunSummary {
  steps: number;
  seconds: number;
  finalTrainLoss: number;
  finalValLoss: number;
  finalValMetric: number;
  metricName: MetricName;
  /** Median wall time of one training step (forward, backward, AdamW) of this invocation, ms. */
  msPerStep: number;
  checkpoint: string | null;
  /** BitNet run: the packed 2-bit export (HF BitNet layout), when written. */
  ternaryCheckpoint?: string;
}

export interface TrainResult {
  /** Which engine trained (run.json): this loop, or PyTorch under torchrun (nn/torchrun/engine.ts). */
  engine?: 'tfjs' | 'torchrun';
  config: TrainConfig;
  backend: string;
  dataset: Record<string, string | number>;
  runs: { bitnet: RunSummary; fp?: RunSummary };
  /** Resumed from this step (0 for a fresh run). */
  startStep: number;
}

export interface TrainOptions extends RunOptions {
  backend?: BackendPreference;
  /** Folder for checkpoints, metrics.jsonl and run.json; nothing is written without it. */
  out?: string;
  /** Continue the run saved in this folder (its config wins over `config`). */
  resume?: string;
  /** With `resume`: train to this many steps in total (extends a finished run; the schedule is laid over the new total). */
  resumeSteps?: number;
  /** Metric points, at most every `metricsIntervalMs` per run (plus every evaluation and the end). */
  onMetrics?: (run: RunName, points: MetricPoint[]) => void;
  metricsIntervalMs?: number;
  /** Start from these weights (in-memory layout) instead of a seeded init — fine-tuning. */
  initialValues?: ReadonlyMap<string, Float32Array>;
  /** Stop after this many steps of this invocation (tests simulate an interruption with it). */
  stopAfterSteps?: number;
}

interface Run {
  name: RunName;
  params: Params;
  opt: AdamW;
  quant: LinearOptions;
  schedule: ScheduleConfig;
  flips: FlipTracker;
  seconds: number;
  stepMs: number[];
  lossSinceLog: number[];
  lossSinceEval: number[];
  pending: MetricPoint[];
  lastFlush: number;
  last?: EvalPoint;
  lastTrainLoss: number;
}

export function runFiles(out: string, run: RunName): { model: string; optim: string } {
  return { model: join(out, `${run}.safetensors`), optim: join(out, `${run}.optim.safetensors`) };
}

export async function trainRun(inputConfig: TrainConfig, options: TrainOptions = {}): Promise<TrainResult> {
  const { tf, name: backend } = await initBackend(options.backend ?? 'auto');
  const signal = options.signal;
  let config = inputConfig;
  let resumed: Map<RunName, { values: Map<string, Float32Array>; optim: Map<string, Float32Array>; step: number }> | undefined;
  if (options.resume) {
    const r = await readResume(options.resume, signal);
    config = options.resumeSteps !== undefined ? { ...r.config, steps: options.resumeSteps } : r.config;
    resumed = r.runs;
  }
  const { dataset, model } = setupRun(config);
  const startStep = resumed?.get('bitnet')?.step ?? 0;
  if (startStep >= config.steps) {
    throw new BitnetLabError('usage', `the run already has ${startStep} steps; pass --steps N with N > ${startStep} to extend it`, { file: options.resume });
  }

  const out = options.out;
  const metricsPath = out ? join(out, 'metrics.jsonl') : undefined;
  if (metricsPath && resumed) await truncateMetrics(metricsPath, startStep);
  // Nothing goes to disk before the first complete checkpoint: a run cancelled
  // earlier leaves no folder behind. Metric lines wait in memory until then
  // (a resume starts from a checkpoint and drops later lines anyway).
  const outExisted = out !== undefined && existsSync(out);
  let unsavedMetrics: string[] = [];
  let savedOnce = resumed !== undefined;
  const saveAll = async (done: number): Promise<void> => {
    if (!out) return;
    mkdirSync(out, { recursive: true });
    for (const run of runs) await saveRun(out, run, config, dataset.describe, done, signal);
    if (config.model === 'lm') await writeFileAtomic(join(out, 'config.json'), JSON.stringify(hfLmConfig(config.lm), null, 2) + '\n', { signal });
    const lines = unsavedMetrics.join('');
    unsavedMetrics = [];
    // A fresh run replaces the metrics of whatever run used this folder before.
    if (savedOnce) appendFileSync(metricsPath!, lines);
    else writeFileSync(metricsPath!, lines);
    savedOnce = true;
  };

  const names: RunName[] = config.baseline ? ['bitnet', 'fp'] : ['bitnet'];
  const runs: Run[] = [];
  try {
    for (const name of names) {
      const quant: LinearOptions = { quantize: name === 'bitnet', weightMethod: config.weightMethod, activationQuant: config.activationQuant };
      const r = resumed?.get(name);
      if (resumed && !r) throw new BitnetLabError('usage', `no ${name} checkpoint to resume`, { file: options.resume });
      // Same seed for both runs: identical initial latent weights.
      const params = r
        ? Params.fromValues(tf, model.specs, r.values, options.resume)
        : options.initialValues
          ? Params.fromValues(tf, model.specs, options.initialValues)
          : Params.init(tf, model.specs, derivedPrng(config.seed, 'init'));
      const opt = new AdamW(tf, params, config.adam);
      if (r) opt.load(r.optim, r.step);
      const schedule = scheduleOf(name === 'bitnet' ? config.bitnet : config.fp, config.steps);
      runs.push({ name, params, opt, quant, schedule, flips: new FlipTracker(config.weightMethod), seconds: 0, stepMs: [], lossSinceLog: [], lossSinceEval: [], pending: [], lastFlush: 0, lastTrainLoss: NaN });
    }

    const emit = (run: Run, point: MetricPoint, force: boolean): void => {
      if (metricsPath) unsavedMetrics.push(JSON.stringify({ run: run.name, ...point } satisfies MetricsLine) + '\n');
      run.pending.push(point);
      const now = Date.now();
      if (force || now - run.lastFlush >= (options.metricsIntervalMs ?? 250)) {
        run.lastFlush = now;
        const pts = run.pending.splice(0);
        options.onMetrics?.(run.name, pts);
      }
    };

    const doEval = (run: Run, step: number, record: boolean): void => {
      const ev = evaluate(tf, model, run.params, dataset, { ...run.quant, quantize: run.name === 'bitnet' }, signal);
      const layers = run.flips.measure(run.params);
      const trainLoss = run.lossSinceEval.length > 0 ? mean(run.lossSinceEval) : null;
      run.lossSinceEval = [];
      const point: EvalPoint = {
        kind: 'eval', step, trainLoss, valLoss: ev.valLoss, valMetric: ev.valMetric, metricName: dataset.metricName,
        lr: lrAt(run.schedule, Math.max(0, step - 1)), wd: weightDecayAt(run.schedule, Math.max(0, step - 1)), seconds: run.seconds, layers,
      };
      run.last = point;
      if (record) emit(run, point, true);
    };

    // Baseline evaluation at the start: the first point of every curve, and the reference for flip rates.
    for (const run of runs) doEval(run, startStep, !resumed);

    const end = options.stopAfterSteps !== undefined ? Math.min(config.steps, startStep + options.stopAfterSteps) : config.steps;
    let lastYield = performance.now();
    // The step loop is synchronous tfjs work: hand the event loop a turn every
    // ~50 ms so a cancel message (IPC, Ctrl-C) can arrive and set the signal.
    // Checked before each run's step, not only each step: on the cpu backend
    // one step of both runs takes ~0.8 s, most of the 1 s the cancel contract allows.
    const yieldAndCheck = async (): Promise<void> => {
      if (performance.now() - lastYield > 50) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      if (signal?.aborted) throw cancelled();
    };
    for (let step = startStep; step < end; step++) {
      const batch = dataset.trainBatch(config.seed, step, config.batchSize);
      for (const run of runs) {
        await yieldAndCheck();
        const t0 = performance.now();
        const loss = trainStep(tf, model, run, batch, step);
        const ms = performance.now() - t0;
        run.seconds += ms / 1000;
        run.stepMs.push(ms);
        run.lossSinceLog.push(loss);
        run.lossSinceEval.push(loss);
        run.lastTrainLoss = loss;
      }
      const done = step + 1;
      for (const run of runs) {
        if (done % config.logEvery === 0) {
          emit(run, { kind: 'train', step: done, loss: mean(run.lossSinceLog), lr: lrAt(run.schedule, step), wd: weightDecayAt(run.schedule, step) }, false);
          run.lossSinceLog = [];
        }
        if (done % config.evalEvery === 0 || done === config.steps) doEval(run, done, true);
      }
      options.onProgress?.({ label: `step ${done}`, done, total: config.steps, unit: 'steps' });
      if ((config.checkpointEvery > 0 && done % config.checkpointEvery === 0) || done === config.steps) await saveAll(done);
    }
    if (signal?.aborted) throw cancelled();
    for (const run of runs) {
      const pts = run.pending.splice(0);
      if (pts.length > 0) options.onMetrics?.(run.name, pts);
    }

    const summary = (run: Run): RunSummary => ({
      steps: end,
      seconds: run.seconds,
      finalTrainLoss: run.last?.trainLoss ?? run.lastTrainLoss,
      finalValLoss: run.last?.valLoss ?? NaN,
      finalValMetric: run.last?.valMetric ?? NaN,
      metricName: dataset.metricName,
      msPerStep: median(run.stepMs),
      checkpoint: out && end === config.steps ? runFiles(out, run.name).model : null,
    });
    const result: TrainResult = {
      engine: 'tfjs',
      config,
      backend,
      dataset: dataset.describe,
      runs: { bitnet: summary(runs[0]!), ...(runs[1] ? { fp: summary(runs[1]) } : {}) },
      startStep,
    };
    if (out && end === config.steps) {
      const b = runs[0]!;
      result.runs.bitnet.ternaryCheckpoint = await exportTernary(join(out, 'bitnet-ternary'), b.params.specs, b.params.snapshot(), config, config.weightMethod, signal);
    }
    if (out && end === config.steps) await writeFileAtomic(join(out, 'run.json'), JSON.stringify(result, null, 2) + '\n', { signal });
    return result;
  } catch (e) {
    // Stopped before any complete checkpoint: remove what the first save began.
    if (out && !savedOnce) {
      if (!outExisted) rmSync(out, { recursive: true, force: true });
      else for (const run of runs) for (const f of Object.values(runFiles(out, run.name))) rmSync(f, { force: true });
    }
    throw e;
  } finally {
    for (const run of runs) {
      run.opt.dispose();
      run.params.dispose();
    }
  }
}

function trainStep(tf: Tf, model: ModelDef, run: Run, batch: Batch, step: number): number {
  const { value, grads } = tf.variableGrads(() => lossOn(tf, model, run.params, batch, run.quant), run.params.list());
  try {
    const loss = value.dataSync()[0]!;
    run.opt.apply(grads, lrAt(run.schedule, step), weightDecayAt(run.schedule, step));
    return loss;
  } finally {
    value.dispose();
    tf.dispose(grads);
  }
}

/** Model + optimizer files of one run; each written atomically. */
async function saveRun(out: string, run: Run, config: TrainConfig, data: Record<string, string | number>, step: number, signal?: AbortSignal): Promise<void> {
  const files = runFiles(out, run.name);
  const meta = runMetadata(run.name, config, data, run.params.specs, step);
  const specs = run.params.specs;
  await saveTensors(files.optim, specs, run.opt.state(), { ...meta, 'bitnet_lab.adam_step': String(run.opt.step) }, signal, ['m.', 'v.']);
  await saveTensors(files.model, specs, run.params.snapshot(), meta, signal);
}

interface ResumeState {
  config: TrainConfig;
  runs: Map<RunName, { values: Map<string, Float32Array>; optim: Map<string, Float32Array>; step: number }>;
}

async function readResume(dir: string, signal?: AbortSignal): Promise<ResumeState> {
  const runs: ResumeState['runs'] = new Map();
  let config: TrainConfig | undefined;
  for (const name of ['bitnet', 'fp'] as const) {
    const files = runFiles(dir, name);
    if (!existsSync(files.model)) continue;
    if (!existsSync(files.optim)) throw new BitnetLabError('usage', 'optimizer state is missing, cannot resume exactly', { file: files.optim });
    const m = await loadTensors(files.model, signal);
    rejectLegacyLm(m, files.model);
    const o = await loadTensors(files.optim, signal);
    if (m.metadata[META.format] !== CHECKPOINT_FORMAT) throw new BitnetLabError('unsupported', `not a bitnet-lab training checkpoint (${META.format} = ${m.metadata[META.format] ?? 'absent'})`, { file: files.model });
    const step = Number(m.metadata[META.step]);
    if (!Number.isInteger(step) || String(step) !== o.metadata[META.step]) {
      throw new BitnetLabError('layout', `model step ${m.metadata[META.step]} and optimizer step ${o.metadata[META.step]} differ`, { file: files.optim });
    }
    try {
      config ??= JSON.parse(m.metadata[META.config] ?? '') as TrainConfig;
    } catch {
      throw new BitnetLabError('header', 'run config in __metadata__ is not JSON', { file: files.model });
    }
    const { model } = setupRun(config);
    const values = valuesForSpecs(m, model.specs, files.model);
    const mm = valuesForSpecs(o, model.specs, files.optim, 'm.');
    const vv = valuesForSpecs(o, model.specs, files.optim, 'v.');
    const optim = new Map<string, Float32Array>();
    for (const [k, v] of mm) optim.set(`m.${k}`, v);
    for (const [k, v] of vv) optim.set(`v.${k}`, v);
    runs.set(name, { values, optim, step: Number(o.metadata['bitnet_lab.adam_step'] ?? step) });
  }
  if (!config || !runs.has('bitnet')) throw new BitnetLabError('usage', 'no bitnet.safetensors to resume from', { file: dir });
  if (config.baseline && !runs.has('fp')) throw new BitnetLabError('usage', 'the run had a baseline but fp.safetensors is missing', { file: dir });
  return { config, runs };
}

/** Drop metric lines after the resume step, so the resumed curve continues without duplicates. */
export async function truncateMetrics(path: string, step: number): Promise<void> {
  if (!existsSync(path)) return;
  const keep = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => {
      if (line.trim() === '') return false;
      try {
        return (JSON.parse(line) as { step: number }).step <= step;
      } catch {
        return false;
      }
    });
  await writeFileAtomic(path, keep.map((l) => l + '\n').join(''));
}

function mean(xs: number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}
