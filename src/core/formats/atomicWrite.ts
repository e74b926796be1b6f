/**
 * Atomic output files: everything we write goes to a temp file in the target's
 * own folder (same file system, so rename is atomic on POSIX and replaces on
 * Windows) and is renamed over the target only after an fsync. A crash, an
 * error or a cancel therefore never leaves a half-written model behind.
 */
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BitnetLabError, cancelled } from '../errors.js';

export interface AtomicWriteOptions {
  /** If it fires before commit(), the temp file is removed and writes throw 'cancelled'. */
  signal?: AbortSignal;
}

/** Temp name next to the target: hidden, unique, recognisable if ever left behind. */
function tempPathFor(target: string): string {
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  return join(dirname(target), `.${basename(target)}.${tag}.tmp`);
}

function ioError(file: string, action: string, e: unknown): BitnetLabError {
  const msg = e instanceof Error ? e.message : String(e);
  return new BitnetLabError('io', `cannot ${action}: ${msg}`, { file });
}

export class AtomicFileWriter {
  readonly tempPath: string;
  /** Bytes appended so far through write(); writeAt() does not move it. */
  position = 0;
  private handle: FileHandle | undefined;
  private state: 'open' | 'committed' | 'aborted' = 'open';
  /** Settles once the temp file is gone; awaited before reporting a cancel, so callers never see it linger. */
  private aborting: Promise<void> | undefined;
  private readonly onAbort = (): void => {
    void this.abort();
  };

  private constructor(readonly targetPath: string, handle: FileHandle, tempPath: string, private readonly signal?: AbortSignal) {
    this.handle = handle;
    this.tempPath = tempPath;
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  static async open(targetPath: string, options: AtomicWriteOptions = {}): Promise<AtomicFileWriter> {
    if (options.signal?.aborted) throw cancelled({ file: targetPath });
    const tempPath = tempPathFor(targetPath);
    let handle: FileHandle;
    try {
      // 'wx': never clobber an existing file that happens to share the temp name.
      handle = await open(tempPath, 'wx');
    } catch (e) {
      throw ioError(targetPath, 'create a temporary file next to it', e);
    }
    return new AtomicFileWriter(targetPath, handle, tempPath, options.signal);
  }

  private async live(): Promise<FileHandle> {
    if (this.signal?.aborted && this.state === 'open') void this.abort();
    if (this.state === 'aborted') {
      await this.aborting;
      throw cancelledOrClosed(this.targetPath, this.signal);
    }
    if (this.state === 'committed' || this.handle === undefined) {
      throw new BitnetLabError('io', 'write after commit', { file: this.targetPath });
    }
    return this.handle;
  }

  /** Appends bytes at the current position. */
  async write(data: Uint8Array | ArrayBufferView): Promise<void> {
    const bytes = asBytes(data);
    await this.writeAt(bytes, this.position);
    this.position += bytes.byteLength;
  }

  /** Writes bytes at an absolute position (pwrite), for writers that know their layout up front. */
  async writeAt(data: Uint8Array | ArrayBufferView, position: number): Promise<void> {
    const handle = await this.live();
    const bytes = asBytes(data);
    let done = 0;
    try {
      while (done < bytes.byteLength) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position + done);
        if (bytesWritten <= 0) throw new Error('no bytes written');
        done += bytesWritten;
      }
    } catch (e) {
      await this.abort();
      // A cancel closes the handle under an in-flight write: report the cancel, not the EBADF.
      if (this.signal?.aborted) throw cancelled({ file: this.targetPath });
      throw ioError(this.targetPath, 'write', e);
    }
  }

  /** fsync, close, rename over the target. After this the target holds exactly what was written. */
  async commit(): Promise<void> {
    const handle = await this.live();
    try {
      await handle.sync();
      await handle.close();
      this.handle = undefined;
      await rename(this.tempPath, this.targetPath);
      this.state = 'committed';
    } catch (e) {
      await this.abort();
      if (this.signal?.aborted) throw cancelled({ file: this.targetPath });
      throw ioError(this.targetPath, 'finish writing', e);
    } finally {
      this.signal?.removeEventListener('abort', this.onAbort);
    }
  }

  /** Closes and deletes the temp file; the target is untouched. Safe to call more than once. */
  abort(): Promise<void> {
    if (this.state === 'committed') return Promise.resolve();
    if (this.aborting === undefined) {
      this.state = 'aborted';
      this.aborting = this.removeTemp();
    }
    return this.aborting;
  }

  private async removeTemp(): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    const handle = this.handle;
    this.handle = undefined;
    try {
      await handle?.close();
    } catch {
      /* already closed or broken; the unlink below is what matters */
    }
    try {
      await unlink(this.tempPath);
    } catch {
      /* never created or already gone */
    }
  }

  get committed(): boolean {
    return this.state === 'committed';
  }
}

function cancelledOrClosed(file: string, signal: AbortSignal | undefined): BitnetLabError {
  return signal?.aborted ? cancelled({ file }) : new BitnetLabError('io', 'write after abort', { file });
}

function asBytes(data: Uint8Array | ArrayBufferView): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Writes a whole buffer (or a sequence of chunks) atomically. */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | ArrayBufferView | string | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const w = await AtomicFileWriter.open(path, options);
  try {
    if (typeof data === 'string') {
      await w.write(Buffer.from(data, 'utf8'));
    } else if (ArrayBuffer.isView(data)) {
      await w.write(data);
    } else {
      for await (const chunk of data as AsyncIterable<Uint8Array>) await w.write(chunk);
    }
    await w.commit();
  } catch (e) {
    await w.abort();
    throw e;
  }
}
