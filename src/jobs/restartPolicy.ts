/**
 * When to bring the job process back after it died. A single crash (an
 * out-of-memory on a huge tensor, a native fault in tfjs-node, a kill) gets
 * an immediate restart; repeated crashes back off so a file that crashes the
 * engine on open cannot turn into a fork loop. After too many crashes in the
 * window the host stops restarting on its own and waits for the user to retry.
 */
export interface RestartPolicy {
  windowMs: number;
  maxCrashesInWindow: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  windowMs: 60_000,
  maxCrashesInWindow: 5,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
};

/** Crash times still inside the window (the rest no longer count). */
export function recentCrashes(crashTimes: readonly number[], now: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): number[] {
  return crashTimes.filter((t) => now - t < policy.windowMs && t <= now);
}

/**
 * Delay before an automatic restart, or 'wait-for-user' once crashes pile up.
 * The first crash restarts at once; the n-th waits base · 4^(n−2), capped.
 */
export function automaticRestartDelay(crashTimes: readonly number[], now: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): number | 'wait-for-user' {
  const n = recentCrashes(crashTimes, now, policy).length;
  if (n === 0 || n === 1) return 0;
  if (n >= policy.maxCrashesInWindow) return 'wait-for-user';
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 4 ** (n - 2));
}
