// Quantize throughput (issue 4 target: ≥ 500 MB/s of input on one core, peak
// RSS < 500 MB): a generated ~330 MB BF16 Llama-shaped safetensors is
// quantized to GGUF TQ2_0 and to HF BitNet packed, each run in a fresh child
// process so its peak RSS (process.resourceUsage().maxRSS) is that job's
// alone. Baseline, same run, same child setup: decoding every tensor of the
// input to float32 without writing anything — the floor quantize cannot beat.
//
// How it runs: esbuild bundles the current sources into a temp dir (no
// `npm run build` needed).   node bench/quantize.mjs   (or: npm run bench quantize)
import { bundleForNode, median, root } from './lib.mjs';
import { mkdtemp, rm, writeFile, stat } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const work = await mkdtemp(join(tmpdir(), 'bitnet-bench-q-'));
const RUNS = 3;
const LAYERS = 4;
const HIDDEN = 2048;
const INTER = 5632;

const CHILD = `
import { performance } from 'node:perf_hooks';
const lib = await import(process.argv[2]);
const [, , , job, input, out] = process.argv;
const src = await lib.openSafetensors(input);
const t0 = performance.now();
let bytesIn = 0;
if (job === 'read') {
  for (const t of src.tensors) { for await (const c of src.values(t.name)) { if (c.length === 0) throw new Error('empty'); } bytesIn += t.bytes; }
} else {
  const s = await lib.quantizeCheckpoint(src, { out, format: job });
  bytesIn = s.bytesIn;
}
const seconds = (performance.now() - t0) / 1000;
await src.close();
console.log(JSON.stringify({ seconds, bytesIn, maxRssKb: process.resourceUsage().maxRSS }));
`;

try {
  const bundle = join(work, 'quantize.mjs');
  await bundleForNode({
    contents: `export { quantizeCheckpoint } from './src/core/convert/quantize.ts';
               export { openSafetensors, SafetensorsStreamWriter } from './src/core/formats/safetensors/index.ts';`,
    outfile: bundle,
  });
  const lib = await import(pathToFileURL(bundle).href);
  const child = join(work, 'child.mjs');
  await writeFile(child, CHILD);

  // Llama-shaped BF16 checkpoint, values from an LCG written straight as bf16 bits.
  const decls = [];
  for (let l = 0; l < LAYERS; l++) {
    const p = `model.layers.${l}.`;
    decls.push({ name: `${p}input_layernorm.weight`, dtype: 'BF16', shape: [HIDDEN] });
    for (const k of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) decls.push({ name: `${p}self_attn.${k}.weight`, dtype: 'BF16', shape: [HIDDEN, HIDDEN] });
    decls.push({ name: `${p}mlp.gate_proj.weight`, dtype: 'BF16', shape: [INTER, HIDDEN] });
    decls.push({ name: `${p}mlp.down_proj.weight`, dtype: 'BF16', shape: [HIDDEN, INTER] });
  }
  const input = join(work, 'model.safetensors');
  const w = await lib.SafetensorsStreamWriter.create(input, decls, { format: 'pt' });
  let s = 12345;
  for (const d of decls) {
    const n = d.shape.reduce((a, b) => a * b, 1);
    const bits = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      // sign | exponent 117..122 (≈ 2^-10 … 2^-5) | random mantissa: a weight-like spread
      bits[i] = (s >>> 31 << 15) | ((117 + ((s >>> 20) % 6)) << 7) | (s & 0x7f);
    }
    await w.write(d.name, new Uint8Array(bits.buffer));
  }
  await w.commit();
  const inputBytes = (await stat(input)).size;

  const run = (job, out) => {
    const r = spawnSync(process.execPath, [child, pathToFileURL(bundle).href, job, input, out ?? ''], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${job} failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  };
  const results = {};
  for (const job of ['read', 'gguf-tq2_0', 'hf-bitnet']) results[job] = [];
  for (let i = 0; i < RUNS; i++) {
    results.read.push(run('read'));
    results['gguf-tq2_0'].push(run('gguf-tq2_0', join(work, 'out.gguf')));
    results['hf-bitnet'].push(run('hf-bitnet', join(work, 'out-hf')));
  }
  const mbps = (r) => r.bytesIn / 1e6 / r.seconds;
  console.log(`CPU: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}; backend: none (js typed-array loops, no tfjs), 1 thread; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (MB/s scale with free CPU — compare the ratios)`);
  console.log(`input: ${(inputBytes / 1e6).toFixed(0)} MB BF16 safetensors, ${decls.length} tensors (${LAYERS} Llama-shaped layers, hidden ${HIDDEN}, ffn ${INTER}); median of ${RUNS} child runs`);
  const base = median(results.read.map(mbps));
  for (const job of ['read', 'gguf-tq2_0', 'hf-bitnet']) {
    const m = median(results[job].map(mbps));
    const rss = Math.max(...results[job].map((r) => r.maxRssKb)) / 1024;
    const label = job === 'read' ? 'baseline: decode all to f32' : `quantize → ${job}`;
    const verdict = job === 'read' ? '' : `  target ≥ 500 MB/s: ${m >= 500 ? 'met' : 'NOT met'}; RSS < 500 MB: ${rss < 500 ? 'met' : 'NOT met'}`;
    console.log(`${label.padEnd(30)} ${m.toFixed(0).padStart(5)} MB/s of input  (${(m / base).toFixed(2)}× baseline)  peak RSS ${rss.toFixed(0)} MB${verdict}`);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
