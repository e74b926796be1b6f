/**
 * The project's one seeded pseudo-random generator (mulberry32) and Gaussian
 * sampler. Everything that needs reproducible randomness — training init and
 * data order, kernel benchmarks, comparison inputs, test data, generated
 * fixtures — draws from here, so one seed means one stream everywhere.
 * Math.random and tfjs' own initialisers are never used where results must
 * reproduce. Not for anything cryptographic.
 */

/** mulberry32's per-draw increment (Weyl sequence step). */
const MULBERRY32_STEP = 0x6d2b79f5;

/** mulberry32's output for an already advanced uint32 state: uniform in [0, 1). */
function mulberry32Output(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * A uniform [0, 1) stream whose state starts at `seed` itself (no mixing), so
 * streams recorded with plain mulberry32 seeds keep producing the same numbers.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + MULBERRY32_STEP) >>> 0;
    return mulberry32Output(state);
  };
}

/**
 * One standard normal draw by Box–Muller, consuming two uniforms (one value
 * per call keeps a stream's position simple to reason about).
 */
export function standardNormal(next: () => number): number {
  const u = 1 - next(); // (0, 1]: log(u) is finite
  const v = next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** `n` draws of N(0, sigma²) from `next`, as float32. */
export function gaussianArray(n: number, next: () => number, sigma = 1): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = sigma * standardNormal(next);
  return x;
}

/**
 * Ternary codes: 0 with probability `zeroShare`, otherwise ±1 with equal
 * odds. One uniform per code.
 */
export function randomTernaryCodes(n: number, next: () => number, zeroShare: number): Int8Array {
  const c = new Int8Array(n);
  const plusBelow = (1 + zeroShare) / 2;
  for (let i = 0; i < n; i++) {
    const u = next();
    c[i] = u < zeroShare ? 0 : u < plusBelow ? 1 : -1;
  }
  return c;
}

/**
 * mulberry32 with its whole state in one uint32 that can be read back, so a
 * checkpoint can record it and a resumed run draws exactly the same numbers.
 * The seed goes through mixSeed first (unlike `mulberry32(seed)`).
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = mixSeed(seed);
  }

  /** The full internal state (uint32); `Prng.fromState(p.getState())` continues the same stream. */
  getState(): number {
    return this.state >>> 0;
  }

  static fromState(state: number): Prng {
    const p = new Prng(0);
    p.state = state >>> 0;
    return p;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + MULBERRY32_STEP) >>> 0;
    return mulberry32Output(this.state);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal. */
  normal(): number {
    return standardNormal(() => this.next());
  }

  /** Fisher–Yates permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}

/** splitmix32-style finaliser so nearby seeds (1, 2, 3 …) start far apart. */
export function mixSeed(seed: number): number {
  let z = (seed >>> 0) + 0x9e3779b9;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** An independent stream for a named purpose (init, data order, …) derived from one run seed. */
export function derivedPrng(seed: number, purpose: string): Prng {
  let h = mixSeed(seed);
  for (let i = 0; i < purpose.length; i++) h = mixSeed(h ^ purpose.charCodeAt(i));
  return Prng.fromState(h);
}
