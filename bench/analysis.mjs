// Benchmark: streaming checkpoint analysis (bitnet-lab "js-stream" engine) vs
// the same computation in PyTorch, on generated safetensors files.
//
//   node bench/analysis.mjs [--size-mib 1024] [--repeats 3] [--method absmean|median|sign]
//                           [--dtype BF16|F32|both] [--no-torch]
//
// - The files (Llama-like shapes: hidden 2048, GQA k/v 256, MLP 5632, vocab
//   32000, N(0, 0.02²) weights, norms ≈ 1) are generated once and cached in
//   $TMPDIR/bitnet-lab-bench/ (header written here, following the safetensors
//   spec): BF16 (--size-mib of BF16 bytes) and, with --dtype F32 or both, the
//   same tensors in F32 (twice the bytes, full 24-bit mantissas, so the
//   one-pass 16-bit way cannot apply). `both` (the default) reports F32's
//   bytes/s against BF16's in the same run.
// - Our side: src/core is bundled with esbuild's API into a temp dir (no
//   `npm run build` needed), and each run is a fresh child process that opens
//   the file with the safetensors reader and runs analyzeCheckpoint(); the
//   child reports its wall time and peak RSS (process.resourceUsage().maxRSS).
// - Baseline: /usr/bin/python3 bench/analysis_torch.py on the same file, same run.
// One warm-up run of each is discarded (page cache); medians of --repeats runs are printed.
import { bundleForNode, median, reportRatio, root } from './lib.mjs';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const sizeMiB = Number(arg('size-mib', '1024'));
const repeats = Number(arg('repeats', '3'));
const method = arg('method', 'absmean');
const withTorch = !process.argv.includes('--no-torch');
const dtypeArg = arg('dtype', 'both').toUpperCase();
if (!['BF16', 'F32', 'BOTH'].includes(dtypeArg)) throw new Error(`--dtype wants BF16, F32 or both, got ${dtypeArg}`);
const dtypes = dtypeArg === 'BOTH' ? ['BF16', 'F32'] : [dtypeArg];

const workDir = join(process.env.TMPDIR || tmpdir(), 'bitnet-lab-bench');
mkdirSync(workDir, { recursive: true });

// ---------------------------------------------------------------- the file

function llamaTensors(targetBytes) {
  const hidden = 2048, kv = 256, mlp = 5632, vocab = 32000;
  const tensors = [['model.embed_tokens.weight', [vocab, hidden]]];
  const layer = (l) => [
    [`model.layers.${l}.input_layernorm.weight`, [hidden]],
    [`model.layers.${l}.self_attn.q_proj.weight`, [hidden, hidden]],
    [`model.layers.${l}.self_attn.k_proj.weight`, [kv, hidden]],
    [`model.layers.${l}.self_attn.v_proj.weight`, [kv, hidden]],
    [`model.layers.${l}.self_attn.o_proj.weight`, [hidden, hidden]],
    [`model.layers.${l}.post_attention_layernorm.weight`, [hidden]],
    [`model.layers.${l}.mlp.gate_proj.weight`, [mlp, hidden]],
    [`model.layers.${l}.mlp.up_proj.weight`, [mlp, hidden]],
    [`model.layers.${l}.mlp.down_proj.weight`, [hidden, mlp]],
  ];
  const bytesOf = (list) => list.reduce((s, [, shape]) => s + 2 * shape.reduce((a, b) => a * b, 1), 0);
  const tail = [['model.norm.weight', [hidden]], ['lm_head.weight', [vocab, hidden]]];
  const perLayer = bytesOf(layer(0));
  // Whole layers, at least the target size.
  const layers = Math.max(1, Math.ceil((targetBytes - bytesOf(tensors) - bytesOf(tail)) / perLayer));
  for (let l = 0; l < layers; l++) tensors.push(...layer(l));
  tensors.push(...tail);
  return tensors;
}

function bf16Bits(x) {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0];
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

function generate(path, targetBytes, dtype) {
  // 1 Mi N(0, 0.02²) samples from a seeded generator, read at a random rotation per chunk.
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const f32 = dtype === 'F32';
  const Table = f32 ? Float32Array : Uint16Array;
  const enc = f32 ? (x) => x : bf16Bits;
  const table = new Table(1 << 20);
  for (let i = 0; i < table.length; i++) table[i] = enc(0.02 * Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand()));
  const ones = new Table(1 << 20);
  for (let i = 0; i < ones.length; i++) ones[i] = enc(1 + 0.05 * (rand() - 0.5));
  const width = f32 ? 4 : 2;

  const tensors = llamaTensors(targetBytes);
  const header = {};
  let offset = 0;
  for (const [name, shape] of tensors) {
    const bytes = width * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  header.__metadata__ = { format: 'pt', generator: 'bitnet-lab bench/analysis.mjs' };
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeSync(fd, len);
  writeSync(fd, Buffer.from(json, 'utf8'));
  const chunk = new Table(1 << 21);
  for (const [name, shape] of tensors) {
    const src = name.includes('norm') ? ones : table;
    let left = shape.reduce((a, b) => a * b, 1);
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      let start = Math.floor(rand() * src.length);
      for (let i = 0; i < n; ) {
        const m = Math.min(n - i, src.length - start);
        chunk.set(src.subarray(start, start + m), i);
        i += m;
        start = 0;
      }
      writeSync(fd, new Uint8Array(chunk.buffer, 0, width * n));
      left -= n;
    }
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** The cached file of this dtype (generated on first use); the shapes depend on --size-mib only. */
function benchFile(dtype) {
  const file = join(workDir, `llama-${sizeMiB}mib-${dtype.toLowerCase()}-v2.safetensors`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file} …\n`);
    generate(file, sizeMiB * 1024 * 1024, dtype);
  }
  return file;
}

// ---------------------------------------------------------------- our engine

const bundle = join(workDir, 'analysis-bench-entry.mjs');
await bundleForNode({
  contents: `
      import { openSafetensors } from './src/core/formats/safetensors/index.ts';
      import { analyzeCheckpoint } from './src/core/analysis/analyze.ts';
      const [file, method] = process.argv.slice(2);
      const t0 = performance.now();
      const source = await openSafetensors(file);
      const report = await analyzeCheckpoint(source, { method });
      await source.close();
      const seconds = (performance.now() - t0) / 1000;
      const errors = report.tensors.filter((t) => t.error).map((t) => t.name + ': ' + t.error);
      console.log(JSON.stringify({
        seconds, cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6, bytes: report.totals.bytes, maxRssBytes: process.resourceUsage().maxRSS * 1024, errors,
        zeros: report.tensors.reduce((s, t) => s + (t.stats ? t.stats.zeros : 0), 0),
      }));`,
  outfile: bundle,
});

const runOurs = (file) => JSON.parse(execFileSync(process.execPath, [bundle, file, method], { encoding: 'utf8', maxBuffer: 1 << 24 }));
const runTorch = (file) =>
  JSON.parse(execFileSync('/usr/bin/python3', [join(root, 'bench/analysis_torch.py'), file], { encoding: 'utf8', maxBuffer: 1 << 24 }));

function measure(label, run, file) {
  const fileBytes = statSync(file).size;
  run(file); // warm-up: page cache, JIT of nothing shared across processes but the file
  const runs = [];
  for (let i = 0; i < repeats; i++) runs.push(run(file));
  const secs = median(runs.map((r) => r.seconds));
  const cpuSecs = median(runs.map((r) => r.cpuSeconds));
  const rss = Math.max(...runs.map((r) => r.maxRssBytes));
  if (runs[0].errors?.length) throw new Error(`${label}: ${runs[0].errors.join('; ')}`);
  return { label, secs, cpuSecs, fileBytes, gbps: fileBytes / secs / 1e9, cpuGbps: fileBytes / cpuSecs / 1e9, rssMB: rss / 1e6, runs };
}

const cpu = `${cpus()[0]?.model.trim()} × ${cpus().length}`;
console.log(`analysis bench — ${cpu}, node ${process.version}, method ${method}; medians of ${repeats} runs after one warm-up; GB/s = file bytes / wall time incl. open`);
const oursByDtype = {};
for (const dtype of dtypes) {
  const file = benchFile(dtype);
  const fileBytes = statSync(file).size;
  console.log(`${dtype}: file ${(fileBytes / 2 ** 30).toFixed(3)} GiB (${file})`);
  const ours = measure('bitnet-lab js-stream (1 thread)', runOurs, file);
  oursByDtype[dtype] = ours;
  const rows = [ours];
  if (withTorch) {
    const t = measure('PyTorch', runTorch, file);
    t.label = `PyTorch ${t.runs[0].torch} (${t.runs[0].threads} thread${t.runs[0].threads === 1 ? '' : 's'})`;
    rows.push(t);
  }
  console.log(`  (CPU time = user + system of the process: steadier than wall time on a shared machine; load avg ${loadavg()[0].toFixed(2)})`);
  for (const r of rows) {
    console.log(`  ${r.label.padEnd(36)} wall ${r.secs.toFixed(3)} s = ${r.gbps.toFixed(2)} GB/s   CPU ${r.cpuSecs.toFixed(3)} s = ${r.cpuGbps.toFixed(2)} GB/s   peak RSS ${r.rssMB.toFixed(0)} MB`);
  }
  if (rows.length === 2) {
    console.log(`  ratio: bitnet-lab is ${(rows[1].secs / ours.secs).toFixed(2)}× PyTorch's throughput (wall), ${(rows[1].cpuSecs / ours.cpuSecs).toFixed(2)}× (CPU time)`);
    const z0 = ours.runs[0].zeros, z1 = rows[1].runs[0].zeros;
    console.log(`  check: zero codes over all tensors — ours ${z0}, PyTorch ${z1}`);
  }
  console.log(`  targets: ≥ 1 GB/s ${ours.gbps >= 1 ? 'met' : 'NOT met'}; peak RSS < 300 MB ${ours.rssMB < 300 ? 'met' : 'NOT met'}` +
    (rows.length === 2 ? `; ≥ 2× PyTorch ${rows[1].secs / ours.secs >= 2 ? 'met' : 'NOT met'}` : ''));
}
if (oursByDtype.BF16 && oursByDtype.F32) {
  const [b, f] = [oursByDtype.BF16, oursByDtype.F32];
  console.log(`F32 vs BF16 (ours, bytes/s): ${(f.gbps / b.gbps).toFixed(2)}× wall, ${(f.cpuGbps / b.cpuGbps).toFixed(2)}× CPU time ` +
    `(target ≥ 0.8× ${f.gbps / b.gbps >= 0.8 ? 'met' : 'NOT met'}); peak RSS F32 ${f.rssMB.toFixed(0)} MB vs BF16 ${b.rssMB.toFixed(0)} MB`);
  reportRatio({ name: 'F32 analysis bytes/s ÷ BF16 (wall)', ratio: f.gbps / b.gbps, target: 0.8, baseline: 'our BF16', threads: 1, backend: 'wasm SIMD statistics' });
}
