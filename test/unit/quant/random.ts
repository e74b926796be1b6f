// Seeded test data (reproducible, no Math.random); the uniform generator is the project's one (src/core/random.ts).
import { mulberry32 } from '../../../src/core/random.js';

export { mulberry32 };

/**
 * `n` draws of N(0, sigma²): Box–Muller using both the cos and the sin value
 * of each pair. Deliberately not src/core/random.ts' one-value-per-call
 * sampler: several quant/analysis tests assert effects seen on these exact
 * draws (e.g. a sum-order rounding difference in histogram16.test.ts).
 */
export function gaussian(n: number, seed: number, sigma = 1): Float32Array {
  const u = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const th = 2 * Math.PI * u();
    out[i] = sigma * r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = sigma * r * Math.sin(th);
  }
  return out;
}

/** Round float32 values to BF16 (round to nearest even on the dropped 16 bits), kept as float32. */
export function toBf16(x: Float32Array): Float32Array {
  const out = new Float32Array(x);
  const u = new Uint32Array(out.buffer);
  for (let i = 0; i < u.length; i++) {
    const b = u[i]!;
    u[i] = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) << 16;
  }
  return out;
}
