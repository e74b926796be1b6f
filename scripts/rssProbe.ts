/**
 * Child-process probe, a program of its own (bundled as dist/rssProbe.js by
 * scripts/build.mjs; src/core/analysis/residentMemory.ts runs it and defines
 * what it reads and prints): peak resident memory of one batch-1 forward pass
 * through a list of linear layers, FP32 (tfjs tensors on the active backend)
 * or packed ternary (this project's wasm kernel). Run as its own process so
 * the measurement sees nothing else: node dist/rssProbe.js '<json>'; prints
 * one JSON line (RssProbeResult). Run with --expose-gc so transient garbage is collected before measuring.
 * Weight values do not matter for memory, so weights are constants written
 * straight into their final storage (no transient JS copies inflating the peak).
 */
import type { RssProbeInput, RssProbeResult } from '../src/core/analysis/residentMemory.js';
import { initBackend } from '../src/core/backend.js';
import { blocksPerRow, packedBytes } from '../src/core/kernels/packing.js';
import type { TernaryMatrix } from '../src/core/kernels/types.js';
import { WasmTernaryKernel } from '../src/core/kernels/wasmKernel.js';

declare const gc: (() => void) | undefined;

function settle(baselineBytes: number): { deltaBytes: number; peakDeltaBytes: number } {
  if (typeof gc === 'function') gc();
  return {
    deltaBytes: process.memoryUsage().rss - baselineBytes,
    peakDeltaBytes: process.resourceUsage().maxRSS * 1024 - baselineBytes,
  };
}

function baseline(): number {
  if (typeof gc === 'function') gc();
  return process.memoryUsage().rss;
}

async function runRssProbe(input: RssProbeInput): Promise<RssProbeResult> {
  if (input.mode === 'fp32') {
    const { tf, name } = await initBackend('auto');
    tf.tidy(() => tf.matMul(tf.ones([1, 8]), tf.ones([8, 8])).dataSync());
    const baselineBytes = baseline();
    const weights = input.layers.map((l) => tf.fill([l.in, l.out], 0.01));
    for (let i = 0; i < weights.length; i++) {
      tf.tidy(() => tf.matMul(tf.fill([1, input.layers[i]!.in], 0.5), weights[i]!).dataSync());
    }
    return { mode: 'fp32', backend: name, baselineBytes, ...settle(baselineBytes) };
  }
  const kernel = await WasmTernaryKernel.create();
  kernel.warmUp();
  const baselineBytes = baseline();
  const mats: TernaryMatrix[] = input.layers.map((l) => ({
    out: l.out, in: l.in, gamma: 0.01, blocks: blocksPerRow(l.in),
    packed: new Uint8Array(packedBytes(l.out, l.in)).fill(0x5a),
  }));
  for (const m of mats) kernel.gemv(m, new Float32Array(m.in).fill(0.5));
  const result = { mode: 'ternary' as const, backend: kernel.name, baselineBytes, ...settle(baselineBytes) };
  // Keep the weights reachable until measured, as a real model would.
  if (mats.length < 0) process.stdout.write('');
  return result;
}

runRssProbe(JSON.parse(process.argv[2] ?? '{}') as RssProbeInput).then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (e) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
