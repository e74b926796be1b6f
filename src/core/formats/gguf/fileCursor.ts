/**
 * Sequential little-endian reads over a FileHandle through a bounded window,
 * for parsing GGUF headers (which can hold hundreds of thousands of tokenizer
 * strings) without reading the file whole. Every declared length is checked
 * against what is left in the file before anything is allocated.
 */
import type { FileHandle } from 'node:fs/promises';
import { BitnetLabError } from '../../errors.js';
import { readExactly } from '../safetensors/header.js';

const WINDOW = 1 << 20;

export class FileCursor {
  private buf = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  /** File position of buf[0]. */
  private bufStart = 0;
  pos = 0;

  constructor(private readonly handle: FileHandle, readonly file: string, readonly fileSize: number) {}

  get remaining(): number {
    return this.fileSize - this.pos;
  }

  private async ensure(n: number, what: string): Promise<number> {
    if (this.pos + n > this.fileSize) {
      throw new BitnetLabError('truncated', `file ends while reading ${what} (${n} bytes needed, ${this.remaining} left)`, { file: this.file, offset: this.pos });
    }
    const rel = this.pos - this.bufStart;
    if (rel >= 0 && rel + n <= this.buf.byteLength) return rel;
    const len = Math.min(Math.max(WINDOW, n), this.fileSize - this.pos);
    const next = new Uint8Array(len);
    await readExactly(this.handle, this.file, next, this.pos, what);
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.bufStart = this.pos;
    return 0;
  }

  async u32(what: string): Promise<number> {
    const r = await this.ensure(4, what);
    this.pos += 4;
    return this.view.getUint32(r, true);
  }

  /** u64 as a number; values past 2^53 are absurd for any count or size here and are refused. */
  async u64(what: string): Promise<number> {
    const at = this.pos;
    const r = await this.ensure(8, what);
    this.pos += 8;
    const lo = this.view.getUint32(r, true);
    const hi = this.view.getUint32(r + 4, true);
    if (hi >= 0x200000) throw new BitnetLabError('limit', `${what} ${hi * 2 ** 32 + lo} is beyond any file size`, { file: this.file, offset: at });
    return hi * 2 ** 32 + lo;
  }

  /** A copy of the next `n` bytes. */
  async bytes(n: number, what: string): Promise<Uint8Array> {
    const r = await this.ensure(n, what);
    this.pos += n;
    return this.buf.slice(r, r + n);
  }

  /** gguf_string: u64 length + UTF-8 bytes; lengths past `maxLength` are refused. */
  async string(what: string, maxLength: number): Promise<string> {
    const at = this.pos;
    const len = await this.u64(`${what} length`);
    if (len > this.remaining) {
      // Longer than the whole file: a corrupt length. Otherwise the file was cut short.
      const code = len > this.fileSize ? 'limit' : 'truncated';
      throw new BitnetLabError(code, `${what} declares ${len} bytes but only ${this.remaining} remain in the file`, { file: this.file, offset: at });
    }
    if (len > maxLength) {
      throw new BitnetLabError('limit', `${what} is ${len} bytes long (limit ${maxLength})`, { file: this.file, offset: at });
    }
    const r = await this.ensure(len, what);
    const text = Buffer.from(this.buf.buffer, this.buf.byteOffset + r, len).toString('utf8');
    this.pos += len;
    return text;
  }
}
