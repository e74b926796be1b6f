/**
 * Runs a prepared run folder under torchrun and stops it cleanly.
 *
 * torchrun is started as `<python> -m torch.distributed.run` (the module the
 * torchrun entry point calls), so the interpreter that passed the torch probe
 * is the one that trains. It gets a process group of its own: a cancel sends
 * SIGINT to torchrun alone, which forwards it to every local rank once
 * (torch/distributed/elastic/agent/server/api.py, SignalException → _shutdown);
 * if that has not ended everything after STOP_GRACE_MS the whole group is
 * killed. Either way the temporary files of interrupted writes are swept.
 */
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BitnetLabError, cancelled } from '../../errors.js';
import { TORCHRUN_FILES } from './runFolder.js';

/** Where the ranks run: nproc per node × nnodes; node_rank and the rendezvous endpoint for several machines. */
export interface Topology {
  nprocPerNode: number;
  nnodes: number;
  nodeRank: number;
  /** HOST:PORT of node 0's rendezvous; required with more than one node. */
  rdzvEndpoint?: string;
}

export function worldSize(t: Topology): number {
  return t.nprocPerNode * t.nnodes;
}

const STOP_GRACE_MS = 20_000;

/**
 * The argv that launches the run folder (cwd = the folder). Static rendezvous
 * (torchrun's default backend): with an explicit node rank every machine
 * knows its place, and node 0 hosts the store at the endpoint.
 *
 * `--redirects 1 --tee 1 --log_dir logs`: each rank's stdout also goes to
 * logs/…/<rank>/stdout.log. Not only useful: torch 1.13 on Python 3.11 cannot
 * launch without it — its Std.from_str("0") finds no member, because 3.11's
 * IntFlag iteration skips the zero and multi-bit members (NONE, ALL), so the
 * default redirects "0" becomes None and start_processes fails.
 */
export function torchrunArgv(python: string, t: Topology, endpoint: string): string[] {
  return [
    python, '-m', 'torch.distributed.run',
    '--nnodes', String(t.nnodes),
    '--node_rank', String(t.nodeRank),
    '--nproc_per_node', String(t.nprocPerNode),
    '--rdzv_endpoint', endpoint,
    '--redirects', '1', '--tee', '1', '--log_dir', TORCHRUN_FILES.logs,
    TORCHRUN_FILES.script, TORCHRUN_FILES.job,
  ];
}

/** POSIX-shell quoting: safe to paste into a terminal. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The copyable one-liner: cd into the run folder, then torchrun. */
export function launchCommand(dir: string, argv: readonly string[]): string {
  return `cd ${shellQuote(dir)} && ${argv.map(shellQuote).join(' ')}`;
}

/** A port free on this machine now (the single-node rendezvous store binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface LaunchOptions {
  signal?: AbortSignal;
  /** Every line torchrun and the ranks print (stdout and stderr). */
  onOutput?: (line: string) => void;
}

/** Temporary files of the script's atomic writes (".<name>.<pid>-<hex>.tmp"), left only by a SIGKILL. */
function sweepTempFiles(dir: string): void {
  for (const f of readdirSync(dir)) if (/^\..+\.tmp$/.test(f)) rmSync(join(dir, f), { force: true });
}

/** Runs argv in `dir` to the end; resolves on exit 0, throws the run's own error line otherwise. */
export async function runTorchrun(dir: string, argv: readonly string[], launch: string, opts: LaunchOptions = {}): Promise<void> {
  const { signal } = opts;
  if (signal?.aborted) throw cancelled({ file: dir });
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BITNET_LAB_LAUNCH: launch, PYTHONUNBUFFERED: '1' },
  });
  const tail: string[] = [];
  const take = (line: string): void => {
    tail.push(line);
    if (tail.length > 200) tail.shift();
    opts.onOutput?.(line);
  };
  createInterface({ input: child.stdout! }).on('line', take);
  createInterface({ input: child.stderr! }).on('line', take);

  let killTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (child.exitCode !== null || child.pid === undefined) return;
    child.kill('SIGINT');
    killTimer = setTimeout(() => killGroup(child.pid!), STOP_GRACE_MS);
  };
  signal?.addEventListener('abort', stop, { once: true });
  const exit = await new Promise<{ code: number | null; sig: NodeJS.Signals | null; err?: Error }>((resolve) => {
    child.on('error', (err) => resolve({ code: null, sig: null, err }));
    child.on('close', (code, sig) => resolve({ code, sig }));
  });
  signal?.removeEventListener('abort', stop);
  if (killTimer) clearTimeout(killTimer);
  // Ranks that outlived torchrun (killed, or a crash of the agent) must not keep training.
  if (child.pid !== undefined) killGroup(child.pid);
  sweepTempFiles(dir);
  if (signal?.aborted) throw cancelled({ file: dir });
  if (exit.err) throw new BitnetLabError('io', `cannot start ${argv[0]}: ${exit.err.message}`, { file: dir });
  if (exit.code !== 0) throw new BitnetLabError('usage', `torchrun failed (${exit.sig ?? `exit code ${exit.code}`}): ${reasonOf(tail)}`, { file: dir });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** The line that says why: the script's own "error: …", else the last exception line a rank printed. */
export function reasonOf(lines: readonly string[]): string {
  const clean = lines.map((l) => l.replace(/^\[default\d+\]:/, '').trim()).filter((l) => l !== '');
  const own = [...clean].reverse().find((l) => l.startsWith('error: '));
  if (own) return own.slice('error: '.length);
  const exc = [...clean].reverse().find((l) => /^[A-Za-z_.]*(Error|Exception)\b.*:/.test(l));
  return exc ?? clean[clean.length - 1] ?? 'no output';
}
