/**
 * PyTorch float32 as a baseline in the kernel benchmark: bench/kernels_torch.py
 * as a child process of the same run (line protocol in that file), timing
 * F.linear with the thread count we use, and naming the BLAS it really loaded.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { KernelShape } from './bench.js';

/** PyTorch's two float32 Linear paths on CPU (bench/kernels_torch.py). */
export type TorchPath = 'blas' | 'onednn';

export interface TorchInfo {
  torch: string;
  threads: number;
  /** Shared objects mapped after a matmul whose names say BLAS / MKL / BLIS / LAPACK / DNNL, symlinks resolved. */
  blas: string[];
  /** BLAS_INFO from torch.__config__.show(). */
  blasInfo: string;
  /** Whether the oneDNN (MKLDNN) path is built in. */
  onednn: boolean;
  /**
   * OpenBLAS's own report (openblas_get_config, the core kernel it picked, its
   * threads — set to the benchmark's, since Debian's torch does not pass its
   * thread count on), or null when the BLAS is not OpenBLAS.
   */
  openblas: { library: string; config: string; core: string; threads: number } | null;
  command: string;
  /** Environment variables removed from the child's environment (OpenBLAS tuning knobs set on this machine). */
  unset: string[];
}

/** OpenBLAS knobs a machine may set globally; the baseline runs without them, in its own command only. */
const OPENBLAS_KNOBS = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];

export class TorchBaseline {
  private readonly pending: Array<{ resolve: (line: string) => void; reject: (e: Error) => void }> = [];

  private constructor(private readonly child: ChildProcessWithoutNullStreams, readonly info: TorchInfo) {}

  /** The baseline, or the reason it is unavailable (no python, no torch, no script). */
  static async start(python: string, script: string, threads: number): Promise<TorchBaseline | { reason: string }> {
    if (!existsSync(python)) return { reason: `${python} not found` };
    if (!existsSync(script)) return { reason: `${script} not found` };
    const env = { ...process.env };
    const unset = OPENBLAS_KNOBS.filter((k) => k in env);
    for (const k of unset) delete env[k];
    const child = spawn(python, [script, String(threads)], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    const lines = createInterface({ input: child.stdout });
    const waiting: Array<(line: string) => void> = [];
    lines.on('line', (l) => waiting.shift()?.(l));
    const first = await new Promise<string | undefined>((resolve) => {
      waiting.push(resolve);
      child.on('error', () => resolve(undefined));
      child.on('exit', () => resolve(undefined));
    });
    if (first === undefined) return { reason: `${python} ${script} failed: ${stderr.trim().split('\n').pop() ?? 'no output'}` };
    const head = JSON.parse(first) as { torch: string; threads: number; blas: string[]; blas_info: string; onednn: boolean; openblas?: TorchInfo['openblas'] };
    const baseline = new TorchBaseline(child, {
      torch: head.torch, threads: head.threads, blas: head.blas, blasInfo: head.blas_info, onednn: head.onednn, openblas: head.openblas ?? null,
      command: `${unset.map((k) => `env -u ${k} `).join('')}${python} ${script} ${threads}`, unset,
    });
    // Later lines answer requests in order.
    lines.removeAllListeners('line');
    lines.on('line', (l) => baseline.pending.shift()?.resolve(l));
    child.on('exit', () => {
      for (const p of baseline.pending.splice(0)) p.reject(new Error(`the PyTorch baseline exited: ${stderr.trim().split('\n').pop() ?? ''}`));
    });
    child.unref();
    return baseline;
  }

  /** Make W[out, in] and x[batch, in] (random float32) for the following time() calls. */
  async prepare(s: KernelShape): Promise<void> {
    await this.request({ op: 'prepare', out: s.out, in: s.in, batch: s.batch });
  }

  /**
   * Median milliseconds of one float32 path (kernels_torch.py: 'blas' or
   * 'onednn') over `repeats` runs after `warmup`: wall time, and the CPU time
   * of the child's threads per call.
   */
  async time(path: TorchPath, repeats: number, warmup: number): Promise<{ ms: number; cpuMs: number }> {
    const r = JSON.parse(await this.request({ op: 'time', path, repeats, warmup })) as { ms: number; cpu_ms: number };
    return { ms: r.ms, cpuMs: r.cpu_ms };
  }

  private request(body: object): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify(body)}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}
