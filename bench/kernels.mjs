// Kernel benchmark: float32 tfjs matMul vs the ternary wasm kernel, same
// process, medians, backend and CPU named (the same code as
// `bitnet-lab bench kernels`). Bundles the command with esbuild into dist/
// and runs it in plain node.
//   node bench/kernels.mjs [--json] [--shapes 4096x4096x1,...] [--repeats N]
import { bundleForNode, root } from './lib.mjs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const outfile = join(root, 'dist/bench/benchCommand.cjs');
await bundleForNode({ entry: join(root, 'src/cli/commands/bench.ts'), outfile, format: 'cjs', logLevel: 'error' });
const { bench } = (await import(pathToFileURL(outfile).href)).default;
const io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  interactive: Boolean(process.stderr.isTTY),
  signal: new AbortController().signal,
};
process.exitCode = await bench.run(['kernels', ...process.argv.slice(2)], io);
