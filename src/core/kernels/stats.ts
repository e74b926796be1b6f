/** Timing helpers shared by the kernel benchmark and the compare engine. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Median milliseconds of fn over `repeats` runs after `warmup` runs (JIT,
 * caches, tfjs kernel selection). A run shorter than the timer's useful
 * resolution is batched: fn is called `inner` times per sample.
 */
export function timeMedian(fn: () => unknown, repeats: number, warmup: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const probe = performance.now();
  fn();
  const once = performance.now() - probe;
  const inner = once < 0.2 ? Math.min(1000, Math.ceil(0.2 / Math.max(once, 0.001))) : 1;
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    for (let k = 0; k < inner; k++) fn();
    samples.push((performance.now() - t0) / inner);
  }
  return median(samples);
}

/**
 * Medians of two functions timed in alternation (a, b, a, b …), so load from
 * other processes on a shared machine hits both sides alike and their ratio
 * stays meaningful.
 */
export function timePairMedian(a: () => unknown, b: () => unknown, repeats: number, warmup: number): [number, number] {
  for (let i = 0; i < warmup; i++) {
    a();
    b();
  }
  const sa: number[] = [];
  const sb: number[] = [];
  const once = (fn: () => unknown): number => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  const ia = Math.max(1, Math.ceil(0.2 / Math.max(once(a), 0.001)));
  const ib = Math.max(1, Math.ceil(0.2 / Math.max(once(b), 0.001)));
  for (let i = 0; i < repeats; i++) {
    let t0 = performance.now();
    for (let k = 0; k < ia; k++) a();
    sa.push((performance.now() - t0) / ia);
    t0 = performance.now();
    for (let k = 0; k < ib; k++) b();
    sb.push((performance.now() - t0) / ib);
  }
  return [median(sa), median(sb)];
}
