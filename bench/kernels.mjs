// Kernel benchmark: the ternary wasm kernel against PyTorch float32 (its BLAS
// named), our float kernel and tfjs matMul, same process tree, medians,
// backend and CPU named (the same code as `bitnet-lab bench kernels`).
// Bundles the command with esbuild into dist/ and runs it in plain node.
//   node bench/kernels.mjs [--json] [--shapes 4096x4096x1,...] [--repeats N] [--threads N]
import { bundleForNode, reportRatio, root } from './lib.mjs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const outfile = join(root, 'dist/bench/benchCommand.cjs');
await bundleForNode({ entry: join(root, 'src/cli/commands/bench.ts'), outfile, format: 'cjs', logLevel: 'error' });
const { bench, renderKernelBench } = (await import(pathToFileURL(outfile).href)).default;
const args = process.argv.slice(2);
const wantJson = args.includes('--json');
let json = '';
const io = {
  stdout: (t) => (json += t),
  stderr: (t) => process.stderr.write(t),
  interactive: Boolean(process.stderr.isTTY),
  signal: new AbortController().signal,
};
process.exitCode = await bench.run(['kernels', ...args.filter((a) => a !== '--json'), '--json'], io);
if (process.exitCode === 0) {
  const r = JSON.parse(json);
  process.stdout.write(wantJson ? json : renderKernelBench(r));
  headlineRatios(r);
}

/** The targets: GEMV ≥ 3× PyTorch at batch 1, GEMM ≥ 2× at batch 8–32, ≥ 60 % of read bandwidth cold. */
function headlineRatios(r) {
  const blas = r.torch.openblas ? `OpenBLAS ${r.torch.openblas.core}` : (r.torch.blas ?? []).join(', ');
  const backend = `wasm ${r.simd} SIMD vs torch ${r.torch.torch ?? '—'} ${blas}`.trim();
  for (const s of r.shapes) {
    if (s.torchCpuSpeedup === null) continue;
    const target = s.batch === 1 ? 3 : s.batch >= 8 ? 2 : undefined;
    reportRatio({ name: `ternary ${s.out}×${s.in} batch ${s.batch} (CPU time)`, ratio: s.torchCpuSpeedup, target, baseline: 'PyTorch f32', threads: r.threads, backend });
  }
  if (r.cold) reportRatio({ name: 'cache-cold GEMV / read bandwidth', ratio: r.cold.fraction, target: 0.6, baseline: 'v128 read sweep', threads: r.threads, backend: `wasm ${r.simd} SIMD` });
}
