/**
 * Learning-rate and weight-decay schedules (bitnet-reference.md §2.1, FAQ Table 2):
 * linear warm-up to the peak, then linear decay; BitNet drops at the midpoint
 * to a lower second-stage peak ("1.5e-3 → 1e-3") and switches weight decay
 * 0.1 → 0. The FP baseline uses one stage (second peak = first peak, constant WD).
 *
 *   lr(t) = stagePeak(t) · decay(t),  decay(t) = 1 − (1 − finalFraction) · (t − warmup) / (steps − warmup)
 *
 * so the midpoint drop is a jump of the whole line from peak to secondPeak.
 */
export interface ScheduleConfig {
  steps: number;
  warmupSteps: number;
  peakLr: number;
  /** Peak of the second stage (from the midpoint on). Equal to peakLr for a one-stage schedule. */
  secondPeakLr: number;
  /** lr at the last step as a fraction of the stage peak. */
  finalLrFraction: number;
  weightDecay: number;
  /** Weight decay from the midpoint on (BitNet: 0). */
  secondStageWeightDecay: number;
}

export function midpoint(c: ScheduleConfig): number {
  return Math.floor(c.steps / 2);
}

/** lr used for update number `step` (0-based). */
export function lrAt(c: ScheduleConfig, step: number): number {
  const peak = step >= midpoint(c) ? c.secondPeakLr : c.peakLr;
  if (step < c.warmupSteps) return (c.peakLr * (step + 1)) / c.warmupSteps;
  const span = Math.max(1, c.steps - 1 - c.warmupSteps);
  const progress = Math.min(1, (step - c.warmupSteps) / span);
  return peak * (1 - (1 - c.finalLrFraction) * progress);
}

export function weightDecayAt(c: ScheduleConfig, step: number): number {
  return step >= midpoint(c) ? c.secondStageWeightDecay : c.weightDecay;
}
