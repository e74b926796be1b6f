/**
 * Worker threads that share the kernel's one wasm memory and split each call
 * by output rows. Synchronisation is a few words of that memory (ternary.wat,
 * "threads"): the caller opens the call (a new generation and ticket),
 * notifies only the workers that sleep, and claims parts of the call itself;
 * each worker, spinning or asleep in the futex, claims parts too and counts
 * them into the completed word. No message is posted per call, and a worker
 * that is slow to wake costs the call nothing: the threads that are awake
 * take its parts — decode issues ~7 matrix products per layer per token.
 *
 * The workers are unref'd (a CLI exits without close()) and stop on close()
 * or when the kernel that owns the pool is garbage-collected.
 */
import { BitnetLabError } from '../errors.js';

/** Word indices of the control block (ternary.wat "threads" lists the same). */
export const CTL = {
  generation: 0, completed: 1, op: 2, w: 3, groups: 4, blocks: 5, x: 6, xs: 7,
  bias: 8, out: 9, os: 10, tokens: 11, parts: 12, rowBytes: 13, groupBytes: 14,
  x4: 15, decode: 16, groupsPerPart: 17, sleepers: 18, waiter: 19, ticket: 20,
} as const;
/** The ticket is an i64 (words 20–21, 8-byte aligned). */
export const CTL_WORDS = 22;
export const OP_STOP = -1;

/**
 * The whole worker: instantiate the shared module on the shared memory and
 * enter its wait loop, which returns on op −1. Plain CommonJS, run with
 * { eval: true } so no separate file has to ship next to the bundles.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctl, id, spinUs } = workerData;
new WebAssembly.Instance(module, { env: { memory, now: () => performance.now() } }).exports.worker(ctl, id, spinUs);
`;

/**
 * Milliseconds the calling thread spins for the parts still running before it
 * sleeps on the completed word. A part takes microseconds, so a part not done
 * by then belongs to a worker without a core — often the caller's own core,
 * where spinning on would only keep that worker off it.
 */
const MAIN_SPIN_MS = 0.02;
/** Milliseconds per futex wait of the caller: a bound, in case a wake-up is lost. */
const MAIN_WAIT_MS = 5;

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

  /** helpers: worker threads besides the calling one; spinUs: microseconds a worker spins after its last part before sleeping. */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, ctlAddress: number, helpers: number, spinUs: number): Promise<WorkerPool> {
    let threads: typeof import('node:worker_threads');
    try {
      threads = await import('node:worker_threads');
    } catch {
      throw new BitnetLabError('unsupported', 'kernel threads need node:worker_threads, which this host lacks');
    }
    const ctl = new Int32Array(memory.buffer, ctlAddress, CTL_WORDS);
    Atomics.store(ctl, CTL.completed, 0);
    const workers: NodeWorker[] = [];
    let failure: unknown;
    for (let id = 1; id <= helpers; id++) {
      const w = new threads.Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, ctl: ctlAddress, id, spinUs } });
      w.on('error', (e) => {
        failure = e;
      });
      w.unref();
      workers.push(w);
    }
    const pool = new WorkerPool(ctl, workers);
    // Each worker counts itself into `completed` once it listens; wait for all of them without blocking the event loop.
    const started = Date.now();
    while (Atomics.load(ctl, CTL.completed) < helpers) {
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
   * Run the call described in the control block: `start` opens it and takes
   * parts on the calling thread (ternary.wat "start"); return once every part
   * is completed. Parts still missing then are being run by workers that
   * claimed them, so the wait is short: spin briefly, then sleep on the word.
   */
  dispatch(start: () => void): void {
    if (this.stopped) throw new BitnetLabError('usage', 'kernel: used after close()');
    const c = this.ctl;
    start();
    const parts = c[CTL.parts]!;
    let until = 0;
    for (let k = 0; Atomics.load(c, CTL.completed) !== parts; k++) {
      if ((k & 63) !== 0) continue;
      if (until === 0) until = performance.now() + MAIN_SPIN_MS;
      if (performance.now() < until) continue;
      Atomics.store(c, CTL.waiter, 1);
      const d = Atomics.load(c, CTL.completed);
      if (d !== parts) Atomics.wait(c, CTL.completed, d, MAIN_WAIT_MS);
      Atomics.store(c, CTL.waiter, 0);
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
