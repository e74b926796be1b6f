/**
 * Running `bitnet-lab` in-process as a user would (main() with captured
 * stdout/stderr, stderr not a terminal), and hand-built safetensors files
 * (header JSON + little-endian data, written here, not by our writer).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.js';
import type { CliIo } from '../../../src/cli/command.js';

export const TORCH_FIXTURES = join(__dirname, '../../fixtures/torch');
export const TINY_LLAMA = join(TORCH_FIXTURES, 'tiny_llama.safetensors');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(argv: string[], signal: AbortSignal = new AbortController().signal): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), interactive: false, signal };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

export function tempDir(prefix = 'bitnet-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** F32 tensors, written as the format specifies: u64 header length, JSON header, packed data. */
export function writeF32Safetensors(path: string, tensors: Array<{ name: string; shape: number[]; values: ArrayLike<number> }>): string {
  const header: Record<string, unknown> = {};
  let at = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [at, at + 4 * t.values.length] };
    at += 4 * t.values.length;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const data = Buffer.alloc(at);
  let o = 0;
  for (const t of tensors) for (let i = 0; i < t.values.length; i++, o += 4) data.writeFloatLE(t.values[i]!, o);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([len, json, data]));
  return path;
}

/** Deterministic values in (−1, 1) (a small LCG; enough to make weights look like weights). */
export function pseudoRandom(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
