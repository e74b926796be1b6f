// Inspector time-to-first-rows (issue 3: the tensor list within 300 ms of
// opening, header only) and the cost of doing the header in the job process
// rather than on the extension host thread, measured in the same run:
//   - fork → 'ready' of a fresh job process (paid once per window, at activation)
//   - 'open' round trip in a warm job process (header report over IPC)
//   - the same header report in-process (what parsing on the host would cost)
//   - analysis through the job process: time to the first streamed tensors and to the full report
//
// It bundles the current sources (src/jobs/worker.ts and the host-side client)
// with esbuild into a temp dir, so it needs no `npm run build`.
//   node bench/inspector-open.mjs            (or: npm run bench inspector-open)
import { bundleForNode, root } from './lib.mjs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const work = await mkdtemp(join(tmpdir(), 'bitnet-bench-inspector-'));
const RUNS = 9;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => `${x.toFixed(1)} ms`;

/** F32/BF16 safetensors writer: [name, dtype, shape, fill(i) → bytes] — values are not what is measured here. */
async function writeSafetensors(path, tensors) {
  const header = {};
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * (t.dtype === 'F32' ? 4 : 2);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const data = Buffer.alloc(offset);
  // Gaussian-ish F32 weights so the analysis does real work (BF16 tensors stay zero: header-only use).
  let s = 12345;
  let pos = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.dtype === 'F32') {
      const f = new Float32Array(data.buffer, data.byteOffset + pos, n);
      for (let i = 0; i < n; i++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        f[i] = (s / 2 ** 32 - 0.5) * 0.04;
      }
    }
    pos += n * (t.dtype === 'F32' ? 4 : 2);
  }
  await writeFile(path, Buffer.concat([head, Buffer.from(json), data]));
}

try {
  const worker = join(work, 'jobWorker.cjs');
  await bundleForNode({ entry: join(root, 'src/jobs/worker.ts'), outfile: worker, format: 'cjs', logLevel: 'error' });
  const hostBundle = join(work, 'host.mjs');
  await bundleForNode({
    contents: `export { JobClient } from './src/jobs/client.ts';
               export { openCheckpoint } from './src/core/formats/open.ts';
               export { headerReport } from './src/core/analysis/analyze.ts';`,
    outfile: hostBundle,
    logLevel: 'error',
  });
  const { JobClient, openCheckpoint, headerReport } = await import(pathToFileURL(hostBundle).href);

  // 10,000 small BF16 tensors: the header is what costs. And a Llama-like ~45 MB F32 file for the analysis.
  const many = join(work, 'many.safetensors');
  const decls = [];
  for (let l = 0; decls.length < 10_000; l++) {
    for (const p of ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj', 'input_layernorm', 'post_attention_layernorm', 'mlp.extra']) {
      decls.push({ name: `model.layers.${l}.${p}.weight`, dtype: 'BF16', shape: [8, 8] });
    }
  }
  await writeSafetensors(many, decls);
  const llama = join(work, 'llama45mb.safetensors');
  const big = [];
  for (let l = 0; l < 3; l++) {
    for (const p of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) big.push({ name: `model.layers.${l}.self_attn.${p}.weight`, dtype: 'F32', shape: [512, 512] });
    for (const p of ['gate_proj', 'up_proj']) big.push({ name: `model.layers.${l}.mlp.${p}.weight`, dtype: 'F32', shape: [1536, 512] });
    big.push({ name: `model.layers.${l}.mlp.down_proj.weight`, dtype: 'F32', shape: [512, 1536] });
  }
  await writeSafetensors(llama, big);

  console.log(`inspector open — engine js-stream (no tfjs needed for the header or the analysis); CPU ${cpus()[0]?.model} × ${cpus().length}`);

  // 1. Cold job process.
  const forks = [];
  for (let i = 0; i < 5; i++) {
    const c = new JobClient({ workerPath: worker });
    const t0 = performance.now();
    await c.whenReady();
    forks.push(performance.now() - t0);
    c.dispose();
  }

  const client = new JobClient({ workerPath: worker });
  await client.whenReady();
  const rows = [];
  for (const [label, file] of [['10,000 tensors', many], ['Llama-like 45 MB', llama]]) {
    await client.start({ kind: 'open', path: file }).result; // warm the file cache for both paths
    const viaJob = [];
    const inProc = [];
    for (let i = 0; i < RUNS; i++) {
      let t0 = performance.now();
      await client.start({ kind: 'open', path: file }).result;
      viaJob.push(performance.now() - t0);
      t0 = performance.now();
      const src = await openCheckpoint(file);
      headerReport(src);
      await src.close();
      inProc.push(performance.now() - t0);
    }
    rows.push([label, median(viaJob), median(inProc)]);
  }

  const first = [];
  const full = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    let tFirst;
    await client.start(
      { kind: 'analyze', path: llama, settings: { method: 'absmean', include: [], exclude: [], backend: 'auto' } },
      { onTensors: () => (tFirst ??= performance.now() - t0) },
    ).result;
    full.push(performance.now() - t0);
    first.push(tFirst ?? NaN);
  }
  client.dispose();

  console.log(`fresh job process, fork → ready (median of 5):             ${ms(median(forks))}`);
  for (const [label, job, local] of rows) {
    console.log(`header report ${label.padEnd(17)} job process ${ms(job).padStart(9)} | in-process ${ms(local).padStart(9)} | ratio ${(job / local).toFixed(2)}×  (median of ${RUNS})`);
  }
  console.log(`analysis Llama-like 45 MB via job process: first rows ${ms(median(first))}, full report ${ms(median(full))} (median of 5)`);
  console.log(`time to first rows after activation ≈ fork + header round trip = ${ms(median(forks) + rows[0][1])} for 10,000 tensors`);
} finally {
  await rm(work, { recursive: true, force: true });
}
