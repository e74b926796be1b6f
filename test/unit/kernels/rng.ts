/** A small seeded generator (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomCodes(n: number, next: () => number, zeroShare = 1 / 3): Int8Array {
  const c = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const u = next();
    c[i] = u < zeroShare ? 0 : u < (1 + zeroShare) / 2 ? 1 : -1;
  }
  return c;
}

export function randomInt8(n: number, next: () => number, lo = -127, hi = 127): Int8Array {
  const x = new Int8Array(n);
  for (let i = 0; i < n; i++) x[i] = lo + Math.floor(next() * (hi - lo + 1));
  return x;
}
