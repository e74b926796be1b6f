/**
 * `bitnet-lab train --engine torchrun`: the torchrun flags, and the output of
 * a PyTorch DDP run (or of --emit-slurm, which only writes the run folder and
 * its sbatch script).
 */
import { basename } from 'node:path';
import { BitnetLabError } from '../../core/errors.js';
import type { TrainConfig } from '../../core/nn/config.js';
import { trainTorchrun } from '../../core/nn/torchrun/engine.js';
import { launchCommand, torchrunArgv, worldSize, type Topology } from '../../core/nn/torchrun/launch.js';
import { emitSlurmRun } from '../../core/nn/torchrun/slurm.js';
import { DEFAULT_PYTHON } from '../../core/nn/torchrun/torchProbe.js';
import { intOption } from '../args.js';
import type { CliIo } from '../command.js';
import { createProgressBar } from '../progressBar.js';
import { summaryLine } from './trainShared.js';

export const TORCHRUN_USAGE = `
  --engine tfjs|torchrun tfjs (default) trains here in Node; torchrun writes a PyTorch DDP script,
                         initial weights and data order into --out and runs it with torchrun
                         (language model only; same model, data, seed and recipe)
  --python PATH          interpreter with PyTorch >= 1.13 (default python3)
  --nproc N              ranks per node (default 1; CUDA → nccl, CPU → gloo, chosen by each rank)
  --nnodes M --node-rank R --rdzv-endpoint HOST:PORT
                         several machines: run the same command on each, R = 0..M-1,
                         HOST:PORT = node 0's address
  --emit-slurm           only write the run folder and train.sbatch (--nnodes nodes × --nproc GPUs,
                         default 1 × 8) for a SLURM cluster; nothing is trained here
`;

export const TORCHRUN_OPTIONS = {
  engine: { type: 'string' },
  python: { type: 'string' },
  nproc: { type: 'string' },
  nnodes: { type: 'string' },
  'node-rank': { type: 'string' },
  'rdzv-endpoint': { type: 'string' },
  'emit-slurm': { type: 'boolean', default: false },
} as const;

export type Engine = 'tfjs' | 'torchrun';

export function engineOption(values: Record<string, unknown>): Engine {
  const e = String(values.engine ?? (values['emit-slurm'] ? 'torchrun' : 'tfjs'));
  if (e !== 'tfjs' && e !== 'torchrun') throw new BitnetLabError('usage', `train: --engine must be tfjs or torchrun, got "${e}"`);
  if (e === 'tfjs') {
    for (const k of ['python', 'nproc', 'nnodes', 'node-rank', 'rdzv-endpoint'] as const) {
      if (values[k] !== undefined) throw new BitnetLabError('usage', `train: --${k} belongs to --engine torchrun`);
    }
    if (values['emit-slurm']) throw new BitnetLabError('usage', 'train: --emit-slurm belongs to --engine torchrun');
  }
  return e;
}

function topologyOf(values: Record<string, unknown>, defaultNproc: number): Topology {
  const nnodes = intOption('train', 'nnodes', values.nnodes, 1, 1);
  const nodeRank = intOption('train', 'node-rank', values['node-rank'], 0, 0);
  if (nodeRank >= nnodes) throw new BitnetLabError('usage', `train: --node-rank ${nodeRank} is not below --nnodes ${nnodes}`);
  const endpoint = values['rdzv-endpoint'] === undefined ? undefined : String(values['rdzv-endpoint']);
  if (endpoint !== undefined && !/^[^\s:]+:\d{1,5}$/.test(endpoint)) throw new BitnetLabError('usage', `train: --rdzv-endpoint must be HOST:PORT, got "${endpoint}"`);
  return { nprocPerNode: intOption('train', 'nproc', values.nproc, defaultNproc, 1), nnodes, nodeRank, rdzvEndpoint: endpoint };
}

export async function runTorchrunEngine(config: TrainConfig, out: string, resume: boolean, values: Record<string, unknown>, io: CliIo): Promise<number> {
  const python = values.python === undefined ? DEFAULT_PYTHON : String(values.python);
  if (values['emit-slurm']) {
    const t = topologyOf(values, 8);
    const sbatch = await emitSlurmRun(config, out, { jobName: `bitnet-${basename(out)}`, nodes: t.nnodes, gpusPerNode: t.nprocPerNode }, io.signal);
    const oneNode = launchCommand(out, torchrunArgv(python, { ...t, nnodes: 1, nodeRank: 0 }, '127.0.0.1:29500'));
    if (values.json) io.stdout(`${JSON.stringify({ runFolder: out, sbatch, worldSize: worldSize(t), singleNodeCommand: oneNode })}\n`);
    else io.stdout(`run folder ${out} for ${t.nnodes} node(s) × ${t.nprocPerNode} rank(s)\n  on the cluster:     cd <copy of the folder> && sbatch ${basename(sbatch)}\n  on one machine:     ${oneNode}\n`);
    return 0;
  }
  const bar = createProgressBar(io, resume ? 'resuming (torchrun)' : 'training lm (torchrun)');
  let closed = false;
  const closeBar = (outcome?: 'failed'): void => {
    if (!closed) bar.done(outcome);
    closed = true;
  };
  try {
    const topology = topologyOf(values, 1);
    const r = await trainTorchrun(config, {
      out, resume, python, topology, signal: io.signal, onProgress: bar.update,
      onLaunch: (cmd) => io.stderr(`launch: ${cmd}\n`),
    });
    closeBar();
    if (!r) {
      io.stdout(values.json ? `${JSON.stringify({ nodeRank: topology.nodeRank, done: true })}\n` : `node ${topology.nodeRank} finished; node 0 holds the metrics, checkpoints and run.json\n`);
      return 0;
    }
    if (values.json) {
      io.stdout(`${JSON.stringify({ config: r.config, backend: r.backend, runs: r.runs, engine: r.engine, worldSize: r.worldSize, launch: r.launch, torchVersion: r.torchVersion })}\n`);
      return 0;
    }
    io.stdout(`BitNet b1.58 vs full precision — lm on ${r.config.data}, ${r.backend}, ${r.worldSize} rank(s)\n`);
    io.stdout(summaryLine('bitnet', r.runs.bitnet));
    if (r.runs.fp) io.stdout(summaryLine('fp', r.runs.fp));
    io.stdout(`  metrics: ${out}/metrics.jsonl\n  launch:  ${r.launch}\n`);
    return 0;
  } finally {
    // Still open here only when the run threw: a cancel (the bar sees the signal) or a failure.
    closeBar(io.signal.aborted ? undefined : 'failed');
  }
}
