/**
 * Worker threads that share the kernel's one wasm memory and split each call
 * by output rows. Synchronisation is two words of that memory (ternary.wat,
 * "threads"): the caller bumps the generation word and notifies; each worker,
 * spinning or asleep in the futex, runs its share and counts itself into the
 * done word. No message is posted per call, so a call costs microseconds —
 * decode issues ~7 matrix products per layer per token.
 *
 * The workers are unref'd (a CLI exits without close()) and stop on close()
 * or when the kernel that owns the pool is garbage-collected.
 */
import { BitnetLabError } from '../errors.js';

/** Word indices of the control block (ternary.wat "threads" lists the same). */
export const CTL = {
  generation: 0, done: 1, op: 2, w: 3, groups: 4, blocks: 5, x: 6, xs: 7,
  bias: 8, out: 9, os: 10, tokens: 11, threads: 12, rowBytes: 13, groupBytes: 14,
  x4: 15, decode: 16,
} as const;
export const CTL_WORDS = 17;
export const OP_STOP = -1;

/**
 * The whole worker: instantiate the shared module on the shared memory and
 * enter its wait loop, which returns on op −1. Plain CommonJS, run with
 * { eval: true } so no separate file has to ship next to the bundles.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctl, id, spin } = workerData;
new WebAssembly.Instance(module, { env: { memory } }).exports.worker(ctl, id, spin);
`;

/** Atomic loads the calling thread spins through before sleeping on the done word. */
const MAIN_SPIN = 1 << 20;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error' | 'exit', fn: (e: unknown) => void): void;
}

export class WorkerPool {
  private stopped = false;

  private constructor(
    private readonly ctl: Int32Array,
    private readonly workers: NodeWorker[],
  ) {}

  /** helpers: worker threads besides the calling one; spin: atomic loads a worker spins through before sleeping. */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, ctlAddress: number, helpers: number, spin: number): Promise<WorkerPool> {
    let threads: typeof import('node:worker_threads');
    try {
      threads = await import('node:worker_threads');
    } catch {
      throw new BitnetLabError('unsupported', 'kernel threads need node:worker_threads, which this host lacks');
    }
    const ctl = new Int32Array(memory.buffer, ctlAddress, CTL_WORDS);
    Atomics.store(ctl, CTL.done, 0);
    const workers: NodeWorker[] = [];
    let failure: unknown;
    for (let id = 1; id <= helpers; id++) {
      const w = new threads.Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, ctl: ctlAddress, id, spin } });
      w.on('error', (e) => {
        failure = e;
      });
      w.unref();
      workers.push(w);
    }
    const pool = new WorkerPool(ctl, workers);
    // Each worker counts itself into `done` once it listens; wait for all of them without blocking the event loop.
    const started = Date.now();
    while (Atomics.load(ctl, CTL.done) < helpers) {
      if (failure !== undefined || Date.now() - started > 30_000) {
        pool.close();
        throw new BitnetLabError('unsupported', `kernel worker threads did not start: ${failure instanceof Error ? failure.message : 'timed out'}`);
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    return pool;
  }

  get size(): number {
    return this.workers.length + 1;
  }

  /**
   * Wake the workers for the call described in the control block, run the
   * calling thread's share (`own`), and return when every worker is done.
   */
  dispatch(own: () => void): void {
    if (this.stopped) throw new BitnetLabError('usage', 'kernel: used after close()');
    const c = this.ctl;
    const helpers = this.workers.length;
    Atomics.store(c, CTL.done, 0);
    Atomics.add(c, CTL.generation, 1);
    Atomics.notify(c, CTL.generation);
    own();
    for (let k = 0; ; k++) {
      const d = Atomics.load(c, CTL.done);
      if (d === helpers) return;
      if (k > MAIN_SPIN) Atomics.wait(c, CTL.done, d, 10);
    }
  }

  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    Atomics.store(this.ctl, CTL.op, OP_STOP);
    Atomics.add(this.ctl, CTL.generation, 1);
    Atomics.notify(this.ctl, CTL.generation);
    for (const w of this.workers) void w.terminate();
  }
}
