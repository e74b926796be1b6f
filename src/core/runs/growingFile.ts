/**
 * Reads what a file gained since the last look, for following runs that are
 * still being written (metrics.jsonl, TensorBoard event files). A file that
 * shrank was rewritten (a resumed run truncates its metrics): the reader
 * starts over and says so, so callers can drop what they had.
 */
import { open, stat } from 'node:fs/promises';
import { BitnetLabError } from '../errors.js';

/** One read returns at most this much; the next read continues. */
const MAX_READ_BYTES = 16 << 20;

export interface Growth {
  bytes: Uint8Array;
  /** True when the file was shorter than what we had read: `bytes` start at offset 0 again. */
  restarted: boolean;
}

export class GrowingFile {
  private offset = 0;

  constructor(readonly path: string) {}

  /** New bytes (possibly none); null while the file does not exist. */
  async readNew(): Promise<Growth | null> {
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new BitnetLabError('io', `cannot read: ${(e as Error).message}`, { file: this.path });
    }
    const restarted = size < this.offset;
    if (restarted) this.offset = 0;
    const want = Math.min(size - this.offset, MAX_READ_BYTES);
    if (want <= 0) return { bytes: new Uint8Array(0), restarted };
    const fh = await open(this.path, 'r');
    try {
      const buf = new Uint8Array(want);
      const { bytesRead } = await fh.read(buf, 0, want, this.offset);
      this.offset += bytesRead;
      return { bytes: buf.subarray(0, bytesRead), restarted };
    } finally {
      await fh.close();
    }
  }
}
