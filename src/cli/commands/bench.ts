import { parseBackendPreference } from '../../core/backend.js';
import { BitnetLabError } from '../../core/errors.js';
import { benchKernels, DEFAULT_KERNEL_SHAPES, type KernelBenchResult, type KernelShape } from '../../core/kernels/bench.js';
import { intOption, listOption, parseCommandArgs } from '../args.js';
import type { CliCommand } from '../command.js';
import { renderTable } from '../format/table.js';
import { withProgressBar } from '../commandSteps.js';

export const bench: CliCommand = {
  name: 'bench',
  summary: 'benchmarks on this machine: `bench kernels` = ternary wasm kernel vs float32 tfjs matmul',
  usage: `usage: bitnet-lab bench kernels [options]

  Times float32 matMul on the active tfjs backend against the ternary kernel
  (2-bit packed weights, int8 activations, WebAssembly SIMD, one thread) on the
  same shapes in the same process, medians over repeats after warm-up, and a
  memcpy/read bandwidth probe for the memory-bandwidth bound.

options:
  --shapes LIST         OUTxINxBATCH,... (default: 4096x4096 at batch 1, 8, 32 and the
                        BitNet b1.58 2B4T FFN shapes 6912x2560 / 2560x6912 at batch 1, 8)
  --repeats N           timed runs per shape (default 15)
  --backend B           auto | tensorflow | wasm | cpu (default auto)
  --json                print {backend, cpu, shapes: [...], bandwidth: {...}} as JSON
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('bench', argv, {
      shapes: { type: 'string', multiple: true },
      repeats: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length !== 1 || positionals[0] !== 'kernels') {
      throw new BitnetLabError('usage', 'bench: say what to benchmark: `bitnet-lab bench kernels` (see --help)');
    }
    const shapeArgs = listOption(values.shapes);
    const shapes = shapeArgs.length > 0 ? shapeArgs.map(parseShape) : DEFAULT_KERNEL_SHAPES;
    let backend;
    try {
      backend = parseBackendPreference(values.backend as string | undefined);
    } catch (e) {
      throw new BitnetLabError('usage', `bench: ${(e as Error).message}`);
    }
    const repeats = intOption('bench', 'repeats', values.repeats, 15, 1);
    const result = await withProgressBar(io, 'benchmarking', (onProgress) => benchKernels(shapes, { repeats, backend, signal: io.signal, onProgress }));
    io.stdout(values.json ? `${JSON.stringify(result, null, 2)}\n` : renderKernelBench(result));
    return 0;
  },
};

function parseShape(s: string): KernelShape {
  const m = /^(\d+)x(\d+)(?:x(\d+))?$/i.exec(s);
  const n = m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 1)] : [];
  if (!m || n.some((v) => !Number.isSafeInteger(v) || v < 1 || v > 65536)) {
    throw new BitnetLabError('usage', `bench: --shapes wants OUTxINxBATCH with each from 1 to 65536, got "${s}"`);
  }
  return { out: n[0]!, in: n[1]!, batch: n[2]! };
}

export function renderKernelBench(r: KernelBenchResult): string {
  const table = renderTable(r.shapes, [
    { title: 'out×in', value: (s) => `${s.out}×${s.in}` },
    { title: 'batch', align: 'right', value: (s) => String(s.batch) },
    { title: `float32 ${r.backend} ms`, align: 'right', value: (s) => s.floatMs.toFixed(3) },
    { title: 'ternary ms', align: 'right', value: (s) => s.ternaryMs.toFixed(3) },
    { title: 'speedup', align: 'right', value: (s) => `${s.speedup.toFixed(2)}×` },
    { title: 'ternary GB/s', align: 'right', value: (s) => s.ternaryGBs.toFixed(2) },
  ]);
  const b = r.bandwidth;
  const lines = [
    `ternary kernel: ${r.kernel}, 1 thread · float baseline: tfjs-${r.backend} float32 matMul(x, W[in, out])`,
    `cpu: ${r.cpu} · medians of ${r.repeats} runs after ${r.warmup} warm-up runs, float and ternary alternated`,
    '',
    table.trimEnd(),
    '',
    `bandwidth (${(b.memcpyBytes / 2 ** 20).toFixed(0)} MiB buffer, wasm v128): memcpy ${b.memcpyGBs.toFixed(1)} GB/s copied, read-only ${b.readGBs.toFixed(1)} GB/s`,
    b.shape
      ? `ternary GEMV ${b.shape.out}×${b.shape.in} reads its packed weights at ${b.ternaryGBs.toFixed(1)} GB/s = ${(100 * b.fraction).toFixed(0)} % of memcpy, ${(100 * b.readFraction).toFixed(0)} % of read bandwidth`
      : 'no batch-1 shape, so no bandwidth fraction',
    ...r.notes.map((n) => `note: ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}
