/**
 * Running `bitnet-lab` in-process as a user would (main() with captured
 * stdout/stderr, stderr not a terminal), and hand-built safetensors files
 * (header JSON + little-endian data, written here, not by our writer).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

/** F32 (or BF16: the high half of each float32) tensors, written as the format specifies: u64 header length, JSON header, packed data. */
export function writeF32Safetensors(path: string, tensors: Array<{ name: string; shape: number[]; values: ArrayLike<number>; dtype?: 'F32' | 'BF16' }>): string {
  const header: Record<string, unknown> = {};
  let at = 0;
  for (const t of tensors) {
    const size = t.dtype === 'BF16' ? 2 : 4;
    header[t.name] = { dtype: t.dtype ?? 'F32', shape: t.shape, data_offsets: [at, at + size * t.values.length] };
    at += size * t.values.length;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const data = Buffer.alloc(at);
  const f = Buffer.alloc(4);
  let o = 0;
  for (const t of tensors) {
    for (let i = 0; i < t.values.length; i++) {
      if (t.dtype === 'BF16') {
        f.writeFloatLE(t.values[i]!, 0);
        data.writeUInt16LE(f.readUInt16LE(2), o);
        o += 2;
      } else {
        data.writeFloatLE(t.values[i]!, o);
        o += 4;
      }
    }
  }
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([len, json, data]));
  return path;
}

/** The tensors of a safetensors file decoded by hand (F32 / BF16 / F16 only), independent of our reader. */
export function readSafetensorsByHand(path: string): Map<string, { dtype: string; shape: number[]; values: Float64Array }> {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out = new Map<string, { dtype: string; shape: number[]; values: Float64Array }>();
  const f = Buffer.alloc(4);
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const bytes = buf.subarray(8 + n + t.data_offsets[0], 8 + n + t.data_offsets[1]);
    let values: Float64Array;
    if (t.dtype === 'F32') values = Float64Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(4 * i));
    else if (t.dtype === 'BF16') {
      values = Float64Array.from({ length: bytes.length / 2 }, (_, i) => {
        f.writeUInt16LE(0, 0);
        f.writeUInt16LE(bytes.readUInt16LE(2 * i), 2);
        return f.readFloatLE(0);
      });
    } else continue;
    out.set(name, { dtype: t.dtype, shape: t.shape, values });
  }
  return out;
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
