/**
 * The engine choice of the train and fine-tune commands, the rank count of a
 * torchrun run, and what a torchrun run hands the user for running it
 * elsewhere: the launch command (copied) and a SLURM sbatch script (saved,
 * then opened), both from core/nn/torchrun (launch.ts, slurm.ts).
 */
import * as vscode from 'vscode';
import { rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { launchCommand, torchrunArgv } from '../../core/nn/torchrun/launch.js';
import { SLURM_FILE, slurmScript } from '../../core/nn/torchrun/slurm.js';
import { parseShape, shapeProblem } from './slurmShape.js';

export type EngineChoice = 'tfjs' | 'torchrun';

/** torchrun's own default rendezvous port: a command for later must not carry the free port picked for this run. */
export const DEFAULT_RDZV_ENDPOINT = '127.0.0.1:29500';

export async function pickTrainEngine(): Promise<EngineChoice | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'tfjs', description: 'here, in the job process', detail: 'MNIST MLP or character LM, trained by TensorFlow.js on this machine', engine: 'tfjs' as const },
      {
        label: 'PyTorch (torchrun)',
        description: 'DDP on 1…N processes: CPU (gloo) or CUDA (nccl)',
        detail: 'character LM; the same model, data order, seed and recipe; copyable launch command and SLURM script for a cluster',
        engine: 'torchrun' as const,
      },
    ],
    { title: 'Train BitNet b1.58: which engine?' },
  );
  return pick?.engine;
}

export const FINETUNE_TORCHRUN_UNSUPPORTED =
  'The PyTorch (torchrun) engine trains from scratch only; quantization-aware fine-tuning runs on tfjs. To train on PyTorch, use "BitNet: Train a BitNet Model" → PyTorch (torchrun).';

/** Fine-tune's engine pick: torchrun is listed, and says it cannot fine-tune. */
export async function pickFinetuneEngine(): Promise<EngineChoice | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'tfjs', description: 'here, in the job process', engine: 'tfjs' as const },
      { label: 'PyTorch (torchrun)', description: 'not available for fine-tuning', detail: 'the torchrun engine trains from scratch only (Train a BitNet Model → PyTorch)', engine: 'torchrun' as const },
    ],
    { title: 'Fine-tune: which engine?' },
  );
  return pick?.engine;
}

export async function pickRanks(): Promise<number | undefined> {
  const pick = await vscode.window.showQuickPick(
    [1, 2, 4, 8].map((n) => ({ label: `${n} rank${n === 1 ? '' : 's'}`, description: n === 1 ? 'one process' : `${n} processes on this machine (one per GPU with CUDA)`, n })),
    { title: 'PyTorch (torchrun): how many processes on this machine (--nproc)?' },
  );
  return pick?.n;
}

/** The one-liner that runs `dir` again by hand on one machine. */
export function localLaunchCommand(dir: string, python: string, nproc: number): string {
  return launchCommand(dir, torchrunArgv(python, { nprocPerNode: nproc, nnodes: 1, nodeRank: 0 }, DEFAULT_RDZV_ENDPOINT));
}

export interface SlurmArgs {
  nodes?: number;
  gpusPerNode?: number;
  /** Where to save the script (no dialog). */
  output?: string;
}

/** Asks nodes × GPUs, saves the sbatch script for the run folder `dir` and opens it; resolves to its path. */
export async function saveSlurmScript(dir: string, batchSize: number, args: SlurmArgs = {}): Promise<string | undefined> {
  let shape: [number, number] | undefined = args.nodes !== undefined && args.gpusPerNode !== undefined ? [args.nodes, args.gpusPerNode] : undefined;
  if (!shape) {
    const text = await vscode.window.showInputBox({
      title: 'SLURM script: nodes × GPUs per node',
      value: '1x8',
      prompt: `The run's batch of ${batchSize} is split evenly over all ranks, so nodes × GPUs must divide it.`,
      validateInput: (t) => {
        const s = parseShape(t);
        return s ? shapeProblem(batchSize, s[0], s[1]) : 'write NODESxGPUS, e.g. 2x8';
      },
    });
    if (text === undefined) return undefined;
    shape = parseShape(text);
    if (!shape) return undefined;
  }
  const [nodes, gpusPerNode] = shape;
  const problem = shapeProblem(batchSize, nodes, gpusPerNode);
  if (problem) {
    void vscode.window.showErrorMessage(`BitNet: ${dir}: ${problem}`);
    return undefined;
  }
  const output =
    args.output ??
    (await vscode.window.showSaveDialog({ title: 'Save the sbatch script (keep it in the run folder)', defaultUri: vscode.Uri.file(join(dir, SLURM_FILE)), filters: { 'sbatch script': ['sbatch', 'sh'] } }))?.fsPath;
  if (!output) return undefined;
  const text = slurmScript({ jobName: `bitnet-${basename(dir)}`, nodes, gpusPerNode });
  // Temp file beside the target, then rename: never a half-written script.
  const tmp = join(dirname(output), `.${basename(output)}.${process.pid}.tmp`);
  await writeFile(tmp, text, { mode: 0o755 });
  await rename(tmp, output);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(output));
  await vscode.window.showTextDocument(doc, { preview: false });
  if (dirname(output) !== dir) void vscode.window.showWarningMessage(`BitNet: ${basename(output)} must run from inside the run folder ${dir}: copy the folder to the cluster with the script in it.`);
  else void vscode.window.showInformationMessage(`BitNet: copy ${basename(dir)} to the cluster, cd into it and run "sbatch ${basename(output)}".`);
  return output;
}
