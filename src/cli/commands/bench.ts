import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseBackendPreference } from '../../core/backend.js';
import { BitnetLabError } from '../../core/errors.js';
import { benchKernels, DEFAULT_COLD_BYTES, DEFAULT_KERNEL_SHAPES, type KernelBenchResult, type KernelShape } from '../../core/kernels/bench.js';
import { intOption, listOption, parseCommandArgs } from '../args.js';
import type { CliCommand } from '../command.js';
import { renderTable } from '../format/table.js';
import { withProgressBar } from '../commandSteps.js';

const DEFAULT_PYTHON = '/usr/bin/python3';

export const bench: CliCommand = {
  name: 'bench',
  summary: 'benchmarks on this machine: `bench kernels` = ternary wasm kernel vs float32 PyTorch and tfjs',
  usage: `usage: bitnet-lab bench kernels [options]

  Times the ternary kernel (2-bit packed weights, int8 activations,
  WebAssembly SIMD) and our float32 wasm GEMV against float32 matMul on the
  active tfjs backend and PyTorch float32 F.linear (a child process, same
  thread count, when ${DEFAULT_PYTHON} has torch), on the same shapes,
  samples round-robin, medians after warm-up; then a cache-cold pass over
  512 MiB of packed weights against a read-only sweep of the same bytes.

options:
  --shapes LIST         OUTxINxBATCH,... (default: 4096x4096, 6912x2560, 2560x6912
                        at batch 1, 8, 32)
  --threads N           threads for our kernels and PyTorch (default 1)
  --repeats N           timed samples per shape and side (default 15)
  --cold-mib N          packed MiB for the cache-cold pass (default 512; 0 skips it)
  --backend B           auto | tensorflow | wasm | cpu (default auto)
  --python PATH         interpreter for the PyTorch baseline (default ${DEFAULT_PYTHON})
  --json                print {backend, cpu, threads, shapes: [...], bandwidth, cold, torch} as JSON
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('bench', argv, {
      shapes: { type: 'string', multiple: true },
      repeats: { type: 'string' },
      threads: { type: 'string' },
      'cold-mib': { type: 'string' },
      backend: { type: 'string' },
      python: { type: 'string' },
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
    const threads = intOption('bench', 'threads', values.threads, 1, 1);
    const coldMib = intOption('bench', 'cold-mib', values['cold-mib'], DEFAULT_COLD_BYTES / 2 ** 20, 0);
    if (coldMib > 3000) throw new BitnetLabError('usage', 'bench: --cold-mib must fit the 4 GiB kernel memory (at most 3000)');
    const script = torchScript();
    const torch = script ? { python: (values.python as string | undefined) ?? DEFAULT_PYTHON, script } : undefined;
    const result = await withProgressBar(io, 'benchmarking', (onProgress) =>
      benchKernels(shapes, { repeats, backend, threads, coldBytes: coldMib * 2 ** 20, torch, signal: io.signal, onProgress }));
    io.stdout(values.json ? `${JSON.stringify(result, null, 2)}\n` : renderKernelBench(result));
    return 0;
  },
};

declare const __dirname: string | undefined;

/**
 * bench/kernels_torch.py of the checkout this CLI runs from (dist/cli.js,
 * dist/bench/*.cjs) or of the working directory, if any: the baseline is a
 * development tool and does not ship in the extension.
 */
function torchScript(): string | undefined {
  for (const start of [typeof __dirname === 'string' ? __dirname : undefined, process.cwd()]) {
    let dir = start;
    for (let i = 0; dir !== undefined && i < 4; i++) {
      const candidate = join(dir, 'bench', 'kernels_torch.py');
      if (existsSync(candidate)) return candidate;
      dir = dirname(dir);
    }
  }
  return undefined;
}

function parseShape(s: string): KernelShape {
  const m = /^(\d+)x(\d+)(?:x(\d+))?$/i.exec(s);
  const n = m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 1)] : [];
  if (!m || n.some((v) => !Number.isSafeInteger(v) || v < 1 || v > 65536)) {
    throw new BitnetLabError('usage', `bench: --shapes wants OUTxINxBATCH with each from 1 to 65536, got "${s}"`);
  }
  return { out: n[0]!, in: n[1]!, batch: n[2]! };
}

const ratio = (v: number | null): string => (v === null ? '—' : `${v.toFixed(2)}×`);
const ms = (v: number | null): string => (v === null ? '—' : v.toFixed(3));

export function renderKernelBench(r: KernelBenchResult): string {
  const torch = 'torch' in r.torch ? r.torch : undefined;
  const table = renderTable(r.shapes, [
    { title: 'out×in', value: (s) => `${s.out}×${s.in}` },
    { title: 'batch', align: 'right', value: (s) => String(s.batch) },
    { title: 'ternary ms', align: 'right', value: (s) => s.ternaryMs.toFixed(3) },
    { title: 'torch BLAS ms', align: 'right', value: (s) => ms(s.torchBlasMs) },
    { title: 'torch oneDNN ms', align: 'right', value: (s) => ms(s.torchOneDnnMs) },
    { title: 'vs best torch', align: 'right', value: (s) => ratio(s.torchSpeedup) },
    { title: `tfjs-${r.backend} ms`, align: 'right', value: (s) => s.floatMs.toFixed(3) },
    { title: 'vs tfjs', align: 'right', value: (s) => ratio(s.speedup) },
    { title: 'our f32 ms', align: 'right', value: (s) => s.wasmF32Ms.toFixed(3) },
    { title: 'ternary GB/s', align: 'right', value: (s) => s.ternaryGBs.toFixed(2) },
    { title: 'CPU ms: ternary', align: 'right', value: (s) => s.ternaryCpuMs.toFixed(3) },
    { title: 'torch', align: 'right', value: (s) => ms(s.torchCpuMs) },
    { title: 'vs torch (CPU)', align: 'right', value: (s) => ratio(s.torchCpuSpeedup) },
  ]);
  const b = r.bandwidth;
  const c = r.cold;
  const lines = [
    `ternary kernel: ${r.kernel} (${r.simd} SIMD), ${r.threads} thread${r.threads > 1 ? 's' : ''} · baselines: ` +
      (torch ? `PyTorch ${torch.torch} float32 nn.Linear via its BLAS and via oneDNN${torch.onednn ? '' : ' (not built in)'}, ${torch.threads} thread${torch.threads > 1 ? 's' : ''}; libraries mapped: ${torch.blas.join(', ') || 'none'} (${torch.blasInfo})` : `no PyTorch (${(r.torch as { reason: string }).reason})`) +
      `; tfjs-${r.backend} float32 matMul(x, W[in, out])`,
    ...(torch ? [`PyTorch command: ${torch.command}`] : []),
    `cpu: ${r.cpu} · medians of ${r.repeats} samples per side after ${r.warmup} warm-up rounds, sides sampled round-robin`,
    '',
    table.trimEnd(),
    '',
    `bandwidth (${(b.memcpyBytes / 2 ** 20).toFixed(0)} MiB buffer, wasm v128): memcpy ${b.memcpyGBs.toFixed(1)} GB/s copied (1 thread), read-only ${b.readGBs.toFixed(1)} GB/s (${r.threads} thread${r.threads > 1 ? 's' : ''})`,
    b.shape
      ? `ternary GEMV ${b.shape.out}×${b.shape.in} (repeated, cache-warm) reads its packed weights at ${b.ternaryGBs.toFixed(1)} GB/s = ${(100 * b.readFraction).toFixed(0)} % of read bandwidth`
      : 'no batch-1 shape, so no warm bandwidth fraction',
    c
      ? `cache-cold: ${c.matrices} GEMVs ${c.shape.out}×${c.shape.in} over ${(c.bytes / 2 ** 20).toFixed(0)} MiB packed: ${c.ternaryGBs.toFixed(1)} GB/s vs a read-only sweep of the same bytes ${c.readGBs.toFixed(1)} GB/s = ${(100 * c.fraction).toFixed(0)} %` +
        ` (per CPU-second: ${c.cpuTernaryGBs.toFixed(1)} vs ${c.cpuReadGBs.toFixed(1)} GB/s = ${(100 * c.cpuFraction).toFixed(0)} %)`
      : 'cache-cold pass skipped',
    ...(r.dispatchUs !== null ? [`thread dispatch: ${r.dispatchUs.toFixed(1)} µs extra per call (a tiny GEMV in parts: open the call, wake ${r.threads - 1} worker${r.threads > 2 ? 's' : ''} if asleep, wait for every part)`] : []),
    ...r.notes.map((n) => `note: ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}
