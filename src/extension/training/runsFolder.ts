/**
 * Where training runs live and which of them finished. A run is a folder
 * with metrics.jsonl (written as it trains) and run.json (written last, only
 * when the run completed) next to its checkpoints. No 'vscode' import.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface PastRun {
  dir: string;
  name: string;
  /** run.json's mtime: when it finished. */
  finishedAt: number;
  model?: string;
  data?: string;
  steps?: number;
  checkpoints: { bitnet?: string; fp?: string };
}

/** The runs folder: `.bitnet-lab/runs` in the first workspace folder, else the extension's global storage. */
export function runsRoot(workspaceFolder: string | undefined, globalStorage: string): string {
  return workspaceFolder !== undefined ? join(workspaceFolder, '.bitnet-lab', 'runs') : join(globalStorage, 'runs');
}

/** A fresh folder name: <what>-<YYYYMMDD-HHMMSS>, with a suffix if that exists already. */
export function newRunDir(root: string, what: string, now = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  let dir = join(root, `${what}-${stamp}`);
  for (let i = 2; existsSync(dir); i++) dir = join(root, `${what}-${stamp}-${i}`);
  return dir;
}

/** Small JSON files only: run.json is a few KB. */
const MAX_RUN_JSON = 1 << 20;

/** Finished runs under `root`, newest first. Unreadable folders are skipped, never fatal. */
export async function listRuns(root: string, limit = 50): Promise<PastRun[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const runs: PastRun[] = [];
  for (const name of names) {
    const dir = join(root, name);
    const runJson = join(dir, 'run.json');
    try {
      const st = await stat(runJson);
      if (!st.isFile() || st.size > MAX_RUN_JSON || !existsSync(join(dir, 'metrics.jsonl'))) continue;
      const r = JSON.parse(await readFile(runJson, 'utf8')) as {
        config?: { model?: string; data?: string; steps?: number };
        runs?: { bitnet?: { checkpoint?: string | null }; fp?: { checkpoint?: string | null } };
        after?: { checkpoint?: string | null };
      };
      runs.push({
        dir,
        name,
        finishedAt: st.mtimeMs,
        model: r.config?.model,
        data: r.config?.data,
        steps: r.config?.steps,
        checkpoints: {
          bitnet: r.runs?.bitnet?.checkpoint ?? r.after?.checkpoint ?? undefined,
          fp: r.runs?.fp?.checkpoint ?? undefined,
        },
      });
    } catch {
      continue;
    }
  }
  return runs.sort((a, b) => b.finishedAt - a.finishedAt).slice(0, limit);
}
