/** Helpers for safetensors tests: temp dirs and hand-built files (independent of our writer). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BitnetLabError } from '../../../src/core/errors.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/torch/', import.meta.url));

export async function makeTempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'bitnet-st-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** u64 LE length + header text + data, with the length overridable to lie. */
export function rawSafetensors(header: string | Uint8Array, data: Uint8Array = new Uint8Array(0), declaredLength?: bigint): Uint8Array {
  const h = typeof header === 'string' ? Buffer.from(header, 'utf8') : header;
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

export async function writeRaw(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, bytes);
  return p;
}

/** Catches the promise's rejection and returns it (typed for the code / place assertions that follow), failing if it resolves. */
export async function rejection(p: Promise<unknown>): Promise<BitnetLabError> {
  try {
    await p;
  } catch (e) {
    return e as BitnetLabError;
  }
  throw new Error('expected a rejection, got success');
}
