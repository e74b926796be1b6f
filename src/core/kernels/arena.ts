/**
 * Address-space bookkeeping for the kernel's one wasm memory: matrices stay
 * resident there for their whole life (a model's layers are used in turn on
 * every token, so copying a matrix in per call would cost as much as the
 * product). First fit over a sorted free list, 64-byte aligned (a cache
 * line); the memory grows on demand and never shrinks (wasm cannot).
 */
import { BitnetLabError } from '../errors.js';

const PAGE = 65536;
export const ALIGN = 64;
/** wasm32 addresses are 32-bit: 65536 pages of 64 KiB. */
export const MAX_MEMORY_PAGES = 65536;

interface Span {
  at: number;
  size: number;
}

export class Arena {
  /** Free spans, sorted by address, never adjacent (merged on free). */
  private free: Span[] = [];
  private top: number;

  constructor(private readonly memory: WebAssembly.Memory, base: number) {
    this.top = Math.ceil(base / ALIGN) * ALIGN;
  }

  alloc(bytes: number, what: string): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const s = this.free[i]!;
      if (s.size < size) continue;
      const at = s.at;
      if (s.size === size) this.free.splice(i, 1);
      else {
        s.at += size;
        s.size -= size;
      }
      return at;
    }
    const at = this.top;
    this.ensure(at + size, what);
    this.top = at + size;
    return at;
  }

  release(at: number, bytes: number): void {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let i = 0;
    while (i < this.free.length && this.free[i]!.at < at) i++;
    this.free.splice(i, 0, { at, size });
    // Merge with the right neighbour, then the left.
    const next = this.free[i + 1];
    if (next && at + size === next.at) {
      this.free[i]!.size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.at + prev.size === at) {
      prev.size += this.free[i]!.size;
      this.free.splice(i, 1);
      i--;
    }
    // A free span at the top goes back to the bump pointer.
    const last = this.free[this.free.length - 1];
    if (last && last.at + last.size === this.top) {
      this.top = last.at;
      this.free.pop();
    }
  }

  /** Bytes in use below the top (allocated or free-listed). */
  get extent(): number {
    return this.top;
  }

  private ensure(bytes: number, what: string): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil((bytes - have) / PAGE);
    if (have / PAGE + pages > MAX_MEMORY_PAGES) {
      throw new BitnetLabError('limit', `${what}: the kernel memory would pass 4 GiB (wasm32), ${bytes} bytes needed`);
    }
    try {
      this.memory.grow(pages);
    } catch (e) {
      throw new BitnetLabError('limit', `${what}: cannot grow the kernel memory to ${bytes} bytes (${(e as Error).message})`);
    }
  }
}
