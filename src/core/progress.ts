/**
 * Progress reporting shared by every long-running engine function.
 * The engine only calls the callback; the CLI draws a bar, the job process
 * forwards it over IPC, the extension feeds window.withProgress.
 */
export interface ProgressEvent {
  /** What is being worked on, e.g. a tensor name or "step 120". */
  label: string;
  /** Units done and total, in the unit named (bytes for analysis, steps for training). */
  done: number;
  total: number;
  unit: 'bytes' | 'steps' | 'tensors' | 'runs';
}

export type ProgressFn = (event: ProgressEvent) => void;

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}
