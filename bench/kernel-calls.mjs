// Per-call cost of the threaded ternary kernel at decode-like shapes: the same
// GEMV (batch 1) on a 1-thread and a 2-thread kernel, timed call by call in
// alternating rounds, with a busy gap before each call — 0 and 20 µs keep the
// workers spinning, 1000 µs lets them fall asleep (they spin ~200 µs).
//   node bench/kernel-calls.mjs [--shapes 2048x2048,5632x2048] [--gaps 0,20,100,1000]
import { bundleForNode, median, root } from './lib.mjs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const shapes = arg('shapes', '2048x2048,5632x2048').split(',').map((s) => s.split('x').map(Number));
const gaps = arg('gaps', '0,20,100,1000').split(',').map(Number);
const outfile = join(root, 'dist/bench/kernelCalls.mjs');
await bundleForNode({ contents: `export { createWasmTernaryKernel } from './src/core/kernels/wasmKernel.ts';`, outfile });
const { createWasmTernaryKernel } = await import(pathToFileURL(outfile).href);

function busy(us) {
  const until = performance.now() + us / 1000;
  while (performance.now() < until);
}

const one = await createWasmTernaryKernel({ threads: 1 });
const two = await createWasmTernaryKernel({ threads: 2 });
one.warmUp();
two.warmUp();
console.log(`kernel calls — batch 1, medians of 600 calls per cell, load avg ${loadavg()[0].toFixed(2)} (2 threads cannot beat 1 on a machine without a free core)`);
for (const [rows, cols] of shapes) {
  const codes = new Int8Array(rows * cols);
  for (let i = 0; i < codes.length; i++) codes[i] = (Math.imul(i, 2654435761) >>> 0) % 3 - 1;
  const xq = new Int8Array(cols);
  for (let i = 0; i < cols; i++) xq[i] = (i % 255) - 127;
  const sides = [one, two].map((k) => ({ k, m: k.prepareTernaryMatrix(codes, rows, cols, 1) }));
  for (const gap of gaps) {
    const ms = sides.map(() => []);
    for (let round = 0; round < 30; round++) {
      sides.forEach(({ k, m }, s) => {
        for (let c = 0; c < 20; c++) {
          if (gap) busy(gap);
          const t0 = performance.now();
          k.accumulate(m, xq, 1);
          ms[s].push(performance.now() - t0);
        }
      });
    }
    const [t1, t2] = ms.map((x) => median(x) * 1e3);
    console.log(`  ${rows}×${cols}, gap ${String(gap).padStart(4)} µs: 1 thread ${t1.toFixed(1)} µs, 2 threads ${t2.toFixed(1)} µs per call = ${(t1 / t2).toFixed(2)}× (ideal 2×)`);
  }
  for (const { k, m } of sides) k.release(m);
}
one.close();
two.close();
