// Model runtime speed: prefill (tokens batched through the GEMM path, chunks
// of 64) vs decode (one token at a time through the KV cache), in fp, ternary
// PTQ and stored-ternary modes, on the bench-size BitNet of
// scripts/fixtures/make_hf_models.py --bench (hidden 1024, 8 layers, GQA 16:4,
// FFN 2816, vocab 32000; built with /usr/bin/python3 + torch into a temp
// folder). Medians of alternating rounds; read the ratios.
//   node bench/runtime.mjs [--rounds N]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleForNode, median, root } from './lib.mjs';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3;
const work = mkdtempSync(join(os.tmpdir(), 'bench-runtime-'));
const models = join(os.tmpdir(), 'bitnet-lab-bench-hf-models');
if (!existsSync(join(models, 'bitnet-bench-packed-autobitlinear', 'model.safetensors'))) {
  execFileSync('/usr/bin/python3', [join(root, 'scripts/fixtures/make_hf_models.py'), '--bench', models], { stdio: 'inherit' });
}
const outfile = join(work, 'runtime-entry.mjs');
await bundleForNode({ contents: "export { loadCausalLm } from './src/core/model/load.ts';", outfile, logLevel: 'error' });
const { loadCausalLm } = await import(pathToFileURL(outfile).href);

const PREFILL = 64;
const DECODE = 8;
const UNBATCHED = 8;
const tokens = Array.from({ length: PREFILL + DECODE }, (_, i) => 3 + ((i * 7919) % 31990));
const cases = [
  ['bitnet-bench', 'fp'],
  ['bitnet-bench', 'ternary'],
  ['bitnet-bench-packed-autobitlinear', 'stored'],
];
const lms = [];
// Every core, as `generate` and `eval` default to.
for (const [name, mode] of cases) lms.push({ name, mode, lm: await loadCausalLm(join(models, name), { mode }) });

const prefill = new Map();
const decode = new Map();
const oneByOne = new Map();
for (let r = 0; r < rounds; r++) {
  for (const { name, mode, lm } of lms) {
    const key = `${name} ${mode}`;
    const s = lm.session();
    let t0 = performance.now();
    s.append(tokens.slice(0, PREFILL));
    (prefill.get(key) ?? prefill.set(key, []).get(key)).push(PREFILL / ((performance.now() - t0) / 1000));
    t0 = performance.now();
    for (let i = PREFILL; i < PREFILL + DECODE; i++) s.append([tokens[i]]);
    (decode.get(key) ?? decode.set(key, []).get(key)).push(DECODE / ((performance.now() - t0) / 1000));
    // Prompt tokens one at a time: what prefill would cost without the GEMM path.
    const u = lm.session();
    t0 = performance.now();
    for (let i = 0; i < UNBATCHED; i++) u.append([tokens[i]]);
    (oneByOne.get(key) ?? oneByOne.set(key, []).get(key)).push(UNBATCHED / ((performance.now() - t0) / 1000));
  }
}
console.log(`model runtime — ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${lms[0].lm.threads} threads, load ${os.loadavg()[0].toFixed(2)}, ${rounds} rounds, medians`);
console.log(`BitNet 2B4T layout, hidden 1024, 8 layers, GQA 16:4, FFN 2816, vocab 32000; prefill ${PREFILL} tokens, decode ${DECODE}`);
console.log('model / mode                                 prefill tok/s   unbatched tok/s   decode tok/s   weights');
for (const { name, mode, lm } of lms) {
  const key = `${name} ${mode}`;
  console.log(`${key.padEnd(44)} ${median(prefill.get(key)).toFixed(1).padStart(13)} ${median(oneByOne.get(key)).toFixed(1).padStart(17)} ${median(decode.get(key)).toFixed(1).padStart(14)}   ${(lm.residentBytes / 1e6).toFixed(0).padStart(4)} MB   (${lm.compute})`);
}
for (const { lm } of lms) lm.close();
