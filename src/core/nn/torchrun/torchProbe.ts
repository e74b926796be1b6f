/**
 * Asks a Python interpreter whether it can run the training script: torch
 * importable, recent enough, with a distributed backend. Every failure is one
 * line naming the interpreter, because "which python?" is the first question
 * anyone debugging a missing torch asks.
 */
import { execFile } from 'node:child_process';
import { BitnetLabError, cancelled } from '../../errors.js';

/** Oldest torch the script is written for (Debian 12's python3-torch); train_bitnet.py checks the same. */
export const MIN_TORCH: readonly [number, number] = [1, 13];

export const DEFAULT_PYTHON = 'python3';

export interface TorchInfo {
  python: string;
  /** The interpreter's own path (sys.executable): what run.json records. */
  executable: string;
  version: string;
  cuda: boolean;
  cudaDevices: number;
  gloo: boolean;
  nccl: boolean;
}

const PROBE = [
  'import json, sys',
  'try:',
  '    import torch, torch.distributed as d',
  'except Exception as e:',
  '    print(json.dumps({"error": type(e).__name__ + ": " + str(e)})); sys.exit(0)',
  'print(json.dumps({"executable": sys.executable, "version": torch.__version__, "cuda": torch.cuda.is_available(),',
  '  "cudaDevices": torch.cuda.device_count(), "gloo": d.is_available() and d.is_gloo_available(),',
  '  "nccl": d.is_available() and d.is_nccl_available()}))',
].join('\n');

/** "1.13.0a0+gitunknown" → [1, 13]; null when it does not start with two numbers. */
export function torchMajorMinor(version: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export function torchVersionSupported(version: string): boolean {
  const v = torchMajorMinor(version);
  return v !== null && (v[0] > MIN_TORCH[0] || (v[0] === MIN_TORCH[0] && v[1] >= MIN_TORCH[1]));
}

export async function probeTorch(python: string = DEFAULT_PYTHON, signal?: AbortSignal): Promise<TorchInfo> {
  const out = await new Promise<string>((resolve, reject) => {
    execFile(python, ['-c', PROBE], { timeout: 120_000, maxBuffer: 1 << 20, signal }, (err, stdout, stderr) => {
      if (signal?.aborted) return reject(cancelled());
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'not executable' : (stderr.trim().split('\n').pop() ?? err.message);
        return reject(new BitnetLabError('usage', `Python interpreter ${python}: ${why} (choose one with --python PATH)`));
      }
      resolve(stdout);
    });
  });
  let info: Partial<TorchInfo> & { error?: string };
  try {
    info = JSON.parse(out.trim().split('\n').pop() ?? '') as typeof info;
  } catch {
    throw new BitnetLabError('usage', `Python interpreter ${python}: did not answer the torch probe (${out.trim().slice(0, 120)})`);
  }
  const need = `PyTorch >= ${MIN_TORCH.join('.')}`;
  if (info.error !== undefined) throw new BitnetLabError('usage', `Python interpreter ${python} cannot import torch (${info.error}); the torchrun engine needs ${need}`);
  const version = String(info.version);
  if (!torchVersionSupported(version)) throw new BitnetLabError('unsupported', `Python interpreter ${python} has torch ${version}; the torchrun engine needs ${need}`);
  if (!info.gloo && !info.nccl) throw new BitnetLabError('unsupported', `Python interpreter ${python}: torch ${version} has neither the gloo nor the nccl distributed backend`);
  return {
    python,
    executable: String(info.executable),
    version,
    cuda: Boolean(info.cuda),
    cudaDevices: Number(info.cudaDevices ?? 0),
    gloo: Boolean(info.gloo),
    nccl: Boolean(info.nccl),
  };
}
