/**
 * The torchrun engine: the same BitNet run as trainRun() (same config, init,
 * data order, recipe, metrics schema and checkpoint files), trained by
 * PyTorch DDP under torchrun. Probe the interpreter, write the run folder,
 * launch, follow metrics.jsonl into onMetrics / onProgress, read run.json.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BitnetLabError, cancelled, isBitnetLabError } from '../../errors.js';
import { openSafetensors } from '../../formats/safetensors/index.js';
import type { RunOptions } from '../../progress.js';
import { followRun } from '../../runs/follow.js';
import type { MetricPoint, RunName } from '../metricTypes.js';
import { loadTensors, META, valuesForSpecs } from '../checkpoint.js';
import { exportTernary } from '../ternaryExport.js';
import { lmSpecs } from '../transformerLm.js';
import { writeFileAtomic } from '../../formats/atomicWrite.js';
import type { TrainConfig } from '../config.js';
import { runFiles, truncateMetrics, type TrainResult } from '../trainer.js';
import { freePort, launchCommand, runTorchrun, torchrunArgv, worldSize, type Topology } from './launch.js';
import { JOB_FORMAT, prepareTorchrunRun, TORCHRUN_FILES, type TorchrunJob } from './runFolder.js';
import { DEFAULT_PYTHON, probeTorch } from './torchProbe.js';

export interface TorchrunOptions extends RunOptions {
  /** Run folder: script, job, init, data, then metrics, checkpoints, run.json. */
  out: string;
  /** Continue the run saved in this folder (it must be `out`). */
  resume?: boolean;
  python?: string;
  topology?: Topology;
  onMetrics?: (run: RunName, points: MetricPoint[]) => void;
  /** Every line torchrun and the ranks print. */
  onOutput?: (line: string) => void;
  /** The launch command, as soon as it is known (a UI shows it to copy). */
  onLaunch?: (command: string) => void;
}

/** What run.json holds for a torchrun run: trainRun's result plus where and how it ran. */
export interface TorchrunResult extends TrainResult {
  engine: 'torchrun';
  worldSize: number;
  launch: string;
  torchVersion: string;
  device: string;
  distBackend: string | null;
}

export const SINGLE_PROCESS: Topology = { nprocPerNode: 1, nnodes: 1, nodeRank: 0 };

/**
 * Trains `inputConfig` under torchrun; resolves to run.json's content, or to
 * null on a node other than node 0 of a multi-node run (node 0 holds the
 * results). Each node runs this with its own node rank and its own folder.
 */
export async function trainTorchrun(inputConfig: TrainConfig, options: TorchrunOptions): Promise<TorchrunResult | null> {
  const { out, signal } = options;
  const topology = options.topology ?? SINGLE_PROCESS;
  if (topology.nnodes > 1 && !topology.rdzvEndpoint) throw new BitnetLabError('usage', `${topology.nnodes} nodes need --rdzv-endpoint HOST:PORT (node 0's address)`);
  const python = options.python ?? DEFAULT_PYTHON;
  await probeTorch(python, signal);

  const { config, resumeStep } = options.resume ? await resumePoint(out) : { config: inputConfig, resumeStep: 0 };
  const existed = existsSync(out);
  try {
    return await prepareAndRun(config, resumeStep, python, topology, options);
  } catch (e) {
    // Stopped before any checkpoint: nothing worth keeping, so the folder goes (as trainRun does).
    if (isBitnetLabError(e) && e.code === 'cancelled' && !options.resume && !existsSync(runFiles(out, 'bitnet').model)) {
      if (!existed) rmSync(out, { recursive: true, force: true });
      else for (const f of Object.values(TORCHRUN_FILES)) rmSync(join(out, f), { recursive: true, force: true });
    }
    throw e;
  }
}

async function prepareAndRun(config: TrainConfig, resumeStep: number, python: string, topology: Topology, options: TorchrunOptions): Promise<TorchrunResult | null> {
  const { out, signal } = options;
  const prepared = await prepareTorchrunRun(config, out, { worldSize: worldSize(topology), resumeStep, signal });
  // Done here as well as in the script, before anything follows the file: the
  // curve then continues from the checkpoint, and onMetrics sees only new points.
  if (resumeStep > 0) await truncateMetrics(join(out, TORCHRUN_FILES.metrics), resumeStep);
  const endpoint = topology.rdzvEndpoint ?? `127.0.0.1:${await freePort()}`;
  const argv = torchrunArgv(python, topology, endpoint);
  const launch = launchCommand(out, argv);
  options.onLaunch?.(launch);

  const following = new AbortController();
  const follower = followRun(out, (u) => {
    for (const [run, all] of Object.entries(u.points) as [RunName, MetricPoint[]][]) {
      // A resumed run reports what it adds, as trainRun does; the file keeps the history.
      const points = resumeStep > 0 ? all.filter((p) => p.step > resumeStep) : all;
      if (points.length === 0) continue;
      options.onMetrics?.(run, points);
      const last = points[points.length - 1];
      if (run === 'bitnet' && last) options.onProgress?.({ label: `step ${last.step}`, done: last.step, total: config.steps, unit: 'steps' });
    }
  }, { signal: following.signal, intervalMs: 250 });
  try {
    await runTorchrun(out, argv, launch, { signal, onOutput: options.onOutput });
  } finally {
    following.abort();
    await follower;
  }
  if (signal?.aborted) throw cancelled({ file: out });
  // Only global rank 0 (on node 0) writes metrics, checkpoints and run.json.
  if (topology.nodeRank !== 0) return null;
  const runJson = join(out, TORCHRUN_FILES.run);
  const result = readRunJson(runJson, prepared.job);
  // The packed 2-bit export the tfjs engine also writes, from the script's final weights.
  const model = runFiles(out, 'bitnet').model;
  const values = valuesForSpecs(await loadTensors(model, signal), lmSpecs(config.lm), model);
  result.runs.bitnet.ternaryCheckpoint = await exportTernary(join(out, 'bitnet-ternary'), lmSpecs(config.lm), values, config, config.weightMethod, signal);
  await writeFileAtomic(runJson, JSON.stringify(result, null, 2) + '\n', { signal });
  return result;
}

function readRunJson(path: string, job: TorchrunJob): TorchrunResult {
  if (!existsSync(path)) throw new BitnetLabError('io', 'torchrun finished but rank 0 wrote no run.json', { file: path });
  const r = JSON.parse(readFileSync(path, 'utf8')) as TorchrunResult;
  if (r.engine !== 'torchrun' || r.runs?.bitnet === undefined) throw new BitnetLabError('header', 'run.json is not a torchrun result', { file: path });
  return { ...r, config: job.record.config };
}

/** Config and step of the run saved in `dir`: job.json's config, the step of its checkpoints. */
async function resumePoint(dir: string): Promise<{ config: TrainConfig; resumeStep: number }> {
  const jobPath = join(dir, TORCHRUN_FILES.job);
  if (!existsSync(jobPath)) throw new BitnetLabError('usage', 'no torchrun job to resume here', { file: jobPath });
  const job = JSON.parse(readFileSync(jobPath, 'utf8')) as TorchrunJob;
  if (job.format !== JOB_FORMAT) throw new BitnetLabError('unsupported', `not a bitnet-lab torchrun job (format ${String(job.format)})`, { file: jobPath });
  const model = runFiles(dir, 'bitnet').model;
  if (!existsSync(model)) throw new BitnetLabError('usage', 'no checkpoint to resume from yet (save some with --checkpoint-every N)', { file: model });
  const f = await openSafetensors(model);
  const step = Number(f.metadata[META.step]);
  await f.close();
  if (!Number.isInteger(step) || step <= 0) throw new BitnetLabError('header', `checkpoint step "${f.metadata[META.step] ?? ''}" is not a step number`, { file: model });
  if (step >= job.record.config.steps) throw new BitnetLabError('usage', `the run already finished (${step} of ${job.record.config.steps} steps)`, { file: model });
  return { config: job.record.config, resumeStep: step };
}
