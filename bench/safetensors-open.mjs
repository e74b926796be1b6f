// Header-only open of a safetensors checkpoint with 10,000 tensors (issue 2
// target: < 200 ms), plus the cost of the floor it cannot beat: reading the
// header bytes and JSON.parse on them, measured in the same run.
//
// How it runs: this file compiles src/core/formats/safetensors/index.ts with
// esbuild's build API into a temp dir and imports that bundle, so it needs no
// `npm run build` and always measures the current sources.
//   node bench/safetensors-open.mjs            (or: npm run bench safetensors-open)
import { bundleForNode, median, root } from './lib.mjs';
import { mkdtemp, rm, open } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const work = await mkdtemp(join(tmpdir(), 'bitnet-bench-st-'));
const RUNS = 15;
const TENSORS = 10_000;

try {
  const bundle = join(work, 'safetensors.mjs');
  await bundleForNode({ entry: join(root, 'src/core/formats/safetensors/index.ts'), outfile: bundle });
  const st = await import(pathToFileURL(bundle).href);

  // A Llama-like name set, 10,000 small BF16 tensors (the header is what matters here).
  const decls = [];
  const kinds = ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj', 'input_layernorm', 'post_attention_layernorm', 'self_attn.rotary'];
  for (let i = 0; decls.length < TENSORS; i++) {
    for (const k of kinds) if (decls.length < TENSORS) decls.push({ name: `model.layers.${i}.${k}.weight`, dtype: 'BF16', shape: [8, 16] });
  }
  const path = join(work, 'many.safetensors');
  const w = await st.SafetensorsStreamWriter.create(path, decls, { format: 'pt' });
  const zeros = new Uint8Array(8 * 16 * 2);
  for (const d of decls) await w.write(d.name, zeros);
  await w.commit();
  const headerBytes = w.layout.header.length;

  const openTimes = [];
  const floorTimes = [];
  for (let r = 0; r < RUNS; r++) {
    globalThis.gc?.();
    let t0 = performance.now();
    const src = await st.openSafetensors(path);
    openTimes.push(performance.now() - t0);
    if (src.tensors.length !== TENSORS) throw new Error(`expected ${TENSORS} tensors, got ${src.tensors.length}`);
    await src.close();

    globalThis.gc?.();
    t0 = performance.now();
    const h = await open(path, 'r');
    const buf = new Uint8Array(headerBytes);
    await h.read(buf, 0, headerBytes, 8);
    JSON.parse(new TextDecoder().decode(buf));
    await h.close();
    floorTimes.push(performance.now() - t0);
  }
  const mOpen = median(openTimes);
  const mFloor = median(floorTimes);
  console.log(`CPU: ${cpus()[0]?.model ?? 'unknown'}; backend: none (pure file I/O + JSON, no tfjs)`);
  console.log(`checkpoint: ${TENSORS} tensors, header ${(headerBytes / 1e6).toFixed(2)} MB, median of ${RUNS} runs`);
  console.log(`openSafetensors (read + full validation): ${mOpen.toFixed(1)} ms   target < 200 ms: ${mOpen < 200 ? 'met' : 'NOT met'}`);
  console.log(`baseline read + JSON.parse only:           ${mFloor.toFixed(1)} ms   ratio open/baseline: ${(mOpen / mFloor).toFixed(2)}×`);
} finally {
  await rm(work, { recursive: true, force: true });
}
