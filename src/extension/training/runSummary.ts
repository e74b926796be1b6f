/**
 * What a run folder says about itself before its curves: run.json (written
 * when a run finishes, by either engine) or, for a torchrun run still
 * training, job.json. Small JSON files only. No 'vscode' import.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunName } from '../../protocol/training.js';

const MAX_JSON = 1 << 20;

export interface RunSummary {
  /** "PyTorch torchrun · 2 ranks (gloo)", "tfjs (wasm)", "PyTorch torchrun (training)". */
  engine: string;
  finished: boolean;
  steps?: number;
  launch?: string;
  checkpoints: Partial<Record<RunName, string>>;
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    if ((await stat(path)).size > MAX_JSON) return undefined;
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function engineLabel(engine: unknown, worldSize?: unknown, backend?: unknown, distBackend?: unknown): string {
  if (engine === 'torchrun') {
    const n = typeof worldSize === 'number' ? worldSize : undefined;
    const ranks = n === undefined ? '' : ` · ${n} rank${n === 1 ? '' : 's'}`;
    return `PyTorch torchrun${ranks}${typeof distBackend === 'string' ? ` (${distBackend})` : ''}`;
  }
  return `tfjs${typeof backend === 'string' ? ` (${backend})` : ''}`;
}

/** undefined: neither run.json nor job.json (an external trainer's folder, or nothing yet). */
export async function readRunSummary(dir: string): Promise<RunSummary | undefined> {
  const run = await readJson(join(dir, 'run.json'));
  if (run) {
    const runs = run.runs as { bitnet?: { checkpoint?: string | null }; fp?: { checkpoint?: string | null } } | undefined;
    const after = run.after as { checkpoint?: string | null } | undefined;
    const checkpoints: RunSummary['checkpoints'] = {};
    const bit = runs?.bitnet?.checkpoint ?? after?.checkpoint;
    if (bit) checkpoints.bitnet = bit;
    if (runs?.fp?.checkpoint) checkpoints.fp = runs.fp.checkpoint;
    const config = run.config as { steps?: number } | undefined;
    return {
      engine: engineLabel(run.engine ?? 'tfjs', run.worldSize, run.backend, run.distBackend),
      finished: true,
      steps: config?.steps,
      launch: typeof run.launch === 'string' ? run.launch : undefined,
      checkpoints,
    };
  }
  if (existsSync(join(dir, 'job.json')) && existsSync(join(dir, 'train_bitnet.py'))) {
    const job = await readJson(join(dir, 'job.json'));
    return { engine: 'PyTorch torchrun (training)', finished: false, steps: typeof job?.steps === 'number' ? job.steps : undefined, checkpoints: {} };
  }
  return undefined;
}
