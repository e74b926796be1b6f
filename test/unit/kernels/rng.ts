// Seeded test data for the kernel tests; the generator is the project's one (src/core/random.ts).
import { mulberry32, randomTernaryCodes } from '../../../src/core/random.js';

/** A seeded uniform stream so failures reproduce. */
export const rng = mulberry32;

export function randomCodes(n: number, next: () => number, zeroShare = 1 / 3): Int8Array {
  return randomTernaryCodes(n, next, zeroShare);
}

export function randomInt8(n: number, next: () => number, lo = -127, hi = 127): Int8Array {
  const x = new Int8Array(n);
  for (let i = 0; i < n; i++) x[i] = lo + Math.floor(next() * (hi - lo + 1));
  return x;
}
