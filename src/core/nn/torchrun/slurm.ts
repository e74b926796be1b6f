/**
 * An sbatch script for a prepared run folder, so a run set up here trains on
 * a SLURM GPU cluster unchanged: copy the folder over, `cd` into it, `sbatch
 * train.sbatch`. One task per node starts torchrun, which starts one rank per
 * GPU; the ranks pick nccl on CUDA and gloo on CPU by themselves.
 *
 * Rendezvous is c10d keyed by the SLURM job id, hosted by the first node of
 * the allocation (torch/distributed/run.py "--rdzv_backend c10d"), so no node
 * needs to know its rank in advance. Overridable at submit time through the
 * environment: NPROC_PER_NODE, PYTHON, RDZV_PORT.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../formats/atomicWrite.js';
import type { TrainConfig } from '../config.js';
import { shellQuote } from './launch.js';
import { prepareTorchrunRun, TORCHRUN_FILES } from './runFolder.js';

export const SLURM_FILE = 'train.sbatch';

export interface SlurmOptions {
  jobName: string;
  nodes: number;
  /** Ranks (GPUs) per node. */
  gpusPerNode: number;
  /** Wall-clock limit, SLURM syntax (e.g. "24:00:00"). */
  time?: string;
}

export function slurmScript(o: SlurmOptions): string {
  const lines = [
    '#!/bin/bash',
    '# BitNet b1.58 training with PyTorch DDP, written by bitnet-lab.',
    `# Submit from inside this run folder:  sbatch ${SLURM_FILE}`,
    `# On a single machine instead:         torchrun --nproc_per_node ${o.gpusPerNode} ${TORCHRUN_FILES.script} ${TORCHRUN_FILES.job}`,
    `#SBATCH --job-name=${o.jobName.replace(/[^A-Za-z0-9_.-]/g, '_')}`,
    `#SBATCH --nodes=${o.nodes}`,
    '#SBATCH --ntasks-per-node=1',
    `#SBATCH --gpus-per-node=${o.gpusPerNode}`,
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    '#SBATCH --output=slurm-%x-%j.out',
    'set -euo pipefail',
    '',
    '# sbatch runs a copy of this file from its spool folder: the run folder is where it was submitted.',
    'cd "${SLURM_SUBMIT_DIR:-.}"',
    `NPROC_PER_NODE="\${NPROC_PER_NODE:-${o.gpusPerNode}}"`,
    'PYTHON="${PYTHON:-python3}"',
    'RDZV_PORT="${RDZV_PORT:-29500}"',
    'HEAD_NODE="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"',
    '',
    '# torchrun is `python -m torch.distributed.run`; the same interpreter that has torch runs the ranks.',
    '# --redirects/--tee keep a log per rank under logs/ (and torch 1.13 on Python 3.11 needs them).',
    'srun --kill-on-bad-exit=1 "$PYTHON" -m torch.distributed.run \\',
    '  --nnodes "$SLURM_JOB_NUM_NODES" --nproc_per_node "$NPROC_PER_NODE" \\',
    '  --rdzv_backend c10d --rdzv_id "$SLURM_JOB_ID" --rdzv_endpoint "$HEAD_NODE:$RDZV_PORT" \\',
    `  --redirects 1 --tee 1 --log_dir ${shellQuote(TORCHRUN_FILES.logs)} \\`,
    `  ${TORCHRUN_FILES.script} ${TORCHRUN_FILES.job}`,
    '',
  ];
  return lines.join('\n');
}

/** Writes the run folder for `nodes` × `gpusPerNode` ranks plus its sbatch script; returns the script's path. */
export async function emitSlurmRun(config: TrainConfig, dir: string, o: SlurmOptions, signal?: AbortSignal): Promise<string> {
  await prepareTorchrunRun(config, dir, { worldSize: o.nodes * o.gpusPerNode, signal });
  const path = join(dir, SLURM_FILE);
  await writeFileAtomic(path, slurmScript(o), { signal });
  return path;
}
