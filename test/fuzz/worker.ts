/**
 * Fuzz worker (worker_threads): builds each case it is sent from the shared
 * seeds, writes it to its own scratch folder and runs it. The pool kills the
 * worker if a case overruns its time or the heap limit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { installAllocGuard, takeViolations } from './allocGuard.js';
import { installHandleGuard, takeLeaks } from './handleGuard.js';
import { makeCase } from './mutate.js';
import { materialise, runCheckpoint, type CaseResult } from './runCase.js';
import type { FuzzFormat, SeedSet } from './seeds.js';

export interface WorkerInit {
  seeds: SeedSet;
  runSeed: string;
  dir: string;
  allocLimitBytes: number;
}

/** A generated case, or a saved input replayed from disk (regression corpus). */
export interface WorkerTask {
  format: FuzzFormat;
  index: number;
  path?: string;
}

export interface WorkerReply extends WorkerTask, CaseResult {}

const init = workerData as WorkerInit;
installAllocGuard(init.allocLimitBytes);
installHandleGuard();

parentPort!.on('message', (task: WorkerTask) => {
  void (async () => {
    let result: CaseResult;
    try {
      let entry: string;
      if (task.path !== undefined) {
        entry = task.path;
      } else {
        const c = makeCase(init.seeds, init.runSeed, task.format, task.index);
        entry = await materialise(init.dir, c.files, c.entry);
      }
      takeViolations();
      await takeLeaks();
      result = await runCheckpoint(entry);
      const v = takeViolations();
      if (v.length > 0) result = { outcome: 'finding', detail: `allocation: ${v[0]}` };
      const leaks = await takeLeaks();
      if (leaks > 0 && result.outcome !== 'finding') result = { outcome: 'finding', detail: `${leaks} file handle(s) left open after ${result.outcome === 'typed' ? `a ${result.detail} error` : 'close()'}` };
    } catch (e) {
      result = { outcome: 'finding', detail: `harness: ${e instanceof Error ? e.stack : String(e)}` };
    }
    parentPort!.postMessage({ ...task, ...result } satisfies WorkerReply);
  })();
});
