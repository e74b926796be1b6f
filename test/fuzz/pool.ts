/**
 * The fuzz driver: builds seeds, bundles the worker with esbuild (so the same
 * TypeScript runs under vitest and under `npm run fuzz`), fans cases out to a
 * pool of worker threads with a per-case deadline and a heap limit, counts
 * outcomes per format and saves every finding's input for replay.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { makeCase } from './mutate.js';
import { buildSeeds, FUZZ_FORMATS, type FuzzFormat } from './seeds.js';
import type { WorkerInit, WorkerReply, WorkerTask } from './worker.js';

export interface FuzzOptions {
  repoRoot: string;
  formats: readonly FuzzFormat[];
  cases: number;
  runSeed: string;
  workers?: number;
  /** Per-case deadline; a case over it is a hang (default 20 s: generous for loaded machines). */
  timeoutMs?: number;
  /** Worker heap cap (old generation), MB. */
  heapMb?: number;
  /** Largest single typed-array/ArrayBuffer allocation allowed (default 64 MiB). */
  allocLimitBytes?: number;
  /** Where findings' inputs are saved (none when undefined). */
  saveDir?: string;
  onProgress?: (done: number, total: number) => void;
  /** Stops handing out cases (in-flight ones finish); the counts cover what ran. */
  signal?: AbortSignal;
}

export interface FormatCounts {
  cases: number;
  reports: number;
  typed: number;
  findings: number;
}

export interface Finding {
  format: FuzzFormat;
  index: number;
  detail: string;
  mutations: string[];
  saved?: string;
}

export interface FuzzResult {
  counts: Record<string, FormatCounts>;
  findings: Finding[];
  /** Typed error codes seen, per format (evidence the mutations reach deep). */
  codes: Record<string, Record<string, number>>;
  seconds: number;
}

function scratchRoot(): string {
  // tmpfs keeps hundreds of thousands of tiny writes off the disk.
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/** Bundles test/fuzz/worker.ts under node_modules/.cache so its externals (tfjs, if ever reached) resolve from the repo. */
async function bundleWorker(repoRoot: string): Promise<{ file: string; dispose: () => Promise<void> }> {
  const cache = join(repoRoot, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(join(cache, 'bitnet-lab-fuzz-worker-'));
  const out = join(dir, 'fuzz-worker.mjs');
  await build({
    entryPoints: [join(repoRoot, 'test', 'fuzz', 'worker.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'error',
    external: ['vscode', '@tensorflow/*'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return { file: out, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Signature of a finding with numbers blanked, so one bug found 500 times is saved a few times only. */
function signature(f: { format: string; detail: string }): string {
  return `${f.format}:${f.detail.replace(/\d+/g, '#').slice(0, 200)}`;
}

async function saveFinding(dir: string, seedsCase: ReturnType<typeof makeCase>): Promise<string> {
  const h = createHash('sha256');
  for (const f of seedsCase.files) h.update(f.name).update(f.bytes);
  const short = h.digest('hex').slice(0, 10);
  await mkdir(dir, { recursive: true });
  if (seedsCase.files.length === 1 && seedsCase.files[0]!.name === seedsCase.entry) {
    const ext = seedsCase.entry.slice(seedsCase.entry.lastIndexOf('.') + 1);
    const p = join(dir, `${seedsCase.format}-${short}.${ext}`);
    await writeFile(p, seedsCase.files[0]!.bytes);
    return p;
  }
  // Multi-file cases (shards, config.json, tfjs shards) are saved as a folder; openCheckpoint(folder) finds the entry.
  const folder = join(dir, `${seedsCase.format}-${short}`);
  await mkdir(folder, { recursive: true });
  for (const f of seedsCase.files) await writeFile(join(folder, f.name), f.bytes);
  return folder;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const started = performance.now();
  const work = await mkdtemp(join(scratchRoot(), 'bitnet-lab-fuzz-'));
  try {
    const seeds = await buildSeeds(join(work, 'seeds'), options.repoRoot);
    const bundle = await bundleWorker(options.repoRoot);
    const workerFile = bundle.file;
    const tasks: WorkerTask[] = [];
    // Interleave formats so a partial run still covers all of them evenly.
    for (let i = 0; i < options.cases; i++) for (const format of options.formats) tasks.push({ format, index: i });
    const counts: Record<string, FormatCounts> = {};
    const codes: Record<string, Record<string, number>> = {};
    for (const f of options.formats) {
      counts[f] = { cases: 0, reports: 0, typed: 0, findings: 0 };
      codes[f] = {};
    }
    const findings: Finding[] = [];
    const savedPerSignature = new Map<string, number>();
    let done = 0;

    const record = async (task: WorkerTask, outcome: 'report' | 'typed' | 'finding', detail: string): Promise<void> => {
      const c = counts[task.format]!;
      c.cases++;
      done++;
      if (outcome === 'report') c.reports++;
      else if (outcome === 'typed') {
        c.typed++;
        codes[task.format]![detail] = (codes[task.format]![detail] ?? 0) + 1;
      } else {
        c.findings++;
        const again = makeCase(seeds, options.runSeed, task.format, task.index);
        const finding: Finding = { format: task.format, index: task.index, detail, mutations: again.mutations };
        const sig = signature(finding);
        const n = savedPerSignature.get(sig) ?? 0;
        savedPerSignature.set(sig, n + 1);
        if (options.saveDir && n < 3) finding.saved = await saveFinding(options.saveDir, again);
        findings.push(finding);
      }
      options.onProgress?.(done, tasks.length);
    };

    try {
      await runTasks(workerFile, { seeds, runSeed: options.runSeed, allocLimitBytes: options.allocLimitBytes ?? 64 << 20 }, work, tasks, options, record);
    } finally {
      await bundle.dispose();
    }
    return { counts, findings, codes, seconds: (performance.now() - started) / 1000 };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

type PoolLimits = Pick<FuzzOptions, 'workers' | 'timeoutMs' | 'heapMb' | 'signal'>;

/** Runs tasks on a pool of workers; a worker that hangs, dies or runs out of heap is replaced and its task reported as a finding. */
async function runTasks(
  workerFile: string,
  base: Omit<WorkerInit, 'dir'>,
  work: string,
  tasks: readonly WorkerTask[],
  limits: PoolLimits,
  record: (task: WorkerTask, outcome: 'report' | 'typed' | 'finding', detail: string) => Promise<void>,
): Promise<void> {
  const timeoutMs = limits.timeoutMs ?? 20_000;
  let next = 0;
  let workerSerial = 0;
  const spawn = (): Worker =>
    new Worker(workerFile, {
      workerData: { ...base, dir: join(work, `w${workerSerial++}`) } satisfies WorkerInit,
      resourceLimits: { maxOldGenerationSizeMb: limits.heapMb ?? 512, maxYoungGenerationSizeMb: 64 },
    });
  const runLane = async (): Promise<void> => {
    let worker: Worker | undefined;
    try {
      while (next < tasks.length && !limits.signal?.aborted) {
        const task = tasks[next++]!;
        worker ??= spawn();
        const w = worker;
        const reply = await new Promise<WorkerReply | { dead: string }>((resolve) => {
          const timer = setTimeout(() => settle({ dead: `hang: no outcome within ${timeoutMs} ms` }), timeoutMs);
          function settle(v: WorkerReply | { dead: string }): void {
            clearTimeout(timer);
            w.off('message', onMessage);
            w.off('error', onError);
            w.off('exit', onExit);
            resolve(v);
          }
          const onMessage = (m: WorkerReply): void => settle(m);
          const onError = (e: Error): void => settle({ dead: `worker died: ${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}` });
          const onExit = (code: number): void => settle({ dead: `worker exited with code ${code}` });
          w.on('message', onMessage);
          w.on('error', onError);
          w.on('exit', onExit);
          w.postMessage(task);
        });
        if ('dead' in reply) {
          await w.terminate().catch(() => undefined);
          worker = undefined;
          await record(task, 'finding', reply.dead);
        } else {
          await record(task, reply.outcome, reply.detail);
        }
      }
    } finally {
      await worker?.terminate();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limits.workers ?? 2) }, () => runLane()));
}

export interface ReplayResult {
  path: string;
  outcome: 'report' | 'typed' | 'finding';
  detail: string;
}

/**
 * Replays every saved input in `folder` (files, or folders holding a
 * multi-file checkpoint) under the same guards as the fuzz run.
 */
export async function replayCorpus(repoRoot: string, folder: string, limits: PoolLimits = {}): Promise<ReplayResult[]> {
  const names = (await readdir(folder)).filter((n) => !n.startsWith('.') && n !== 'README.md').sort();
  const work = await mkdtemp(join(scratchRoot(), 'bitnet-lab-replay-'));
  try {
    const bundle = await bundleWorker(repoRoot);
    const workerFile = bundle.file;
    const tasks: WorkerTask[] = names.map((n, i) => ({ format: [...FUZZ_FORMATS].sort((a, b) => b.length - a.length).find((f) => n.startsWith(`${f}-`)) ?? 'safetensors', index: i, path: join(folder, n) }));
    const results: ReplayResult[] = [];
    const emptySeeds = { safetensors: [], sharded: [], gguf: [], 'hf-bitnet': [], tfjs: [] };
    await runTasks(workerFile, { seeds: emptySeeds, runSeed: '', allocLimitBytes: 64 << 20 }, work, tasks, limits, async (task, outcome, detail) => {
      results.push({ path: task.path!, outcome, detail });
    }).finally(() => bundle.dispose());
    return results.sort((a, b) => a.path.localeCompare(b.path));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
