/**
 * Next-token choice from logits: greedy at temperature 0, otherwise a draw
 * from softmax(logits / T) restricted to the top-k logits (k = 0: all), with
 * the project's seeded PRNG so one seed gives one continuation.
 */
import type { Prng } from '../random.js';

export interface SamplingOptions {
  temperature: number;
  topK: number;
}

export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

export function sampleToken(logits: Float32Array, options: SamplingOptions, prng: Prng): number {
  if (options.temperature <= 0) return argmax(logits);
  const k = options.topK > 0 ? Math.min(options.topK, logits.length) : logits.length;
  let ids: number[];
  if (k < logits.length) {
    ids = Array.from({ length: logits.length }, (_, i) => i);
    ids.sort((a, b) => logits[b]! - logits[a]! || a - b);
    ids.length = k;
  } else ids = Array.from({ length: logits.length }, (_, i) => i);
  let max = -Infinity;
  for (const i of ids) if (logits[i]! > max) max = logits[i]!;
  const weights = new Float64Array(ids.length);
  let sum = 0;
  for (let j = 0; j < ids.length; j++) {
    const w = Math.exp((logits[ids[j]!]! - max) / options.temperature);
    weights[j] = w;
    sum += w;
  }
  let u = prng.next() * sum;
  for (let j = 0; j < ids.length; j++) {
    u -= weights[j]!;
    if (u < 0) return ids[j]!;
  }
  return ids[ids.length - 1]!;
}
