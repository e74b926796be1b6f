/**
 * A small seeded PRNG (mulberry32) whose whole state is one uint32, so a
 * checkpoint can record it and a resumed run draws exactly the same numbers.
 * Math.random and tfjs' own initialisers are never used in training code:
 * runs must be reproducible from the seed alone.
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
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller; one value per call keeps the state simple). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(u) finite
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
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
