// Decode speed against real llama.cpp, on the same file and the same thread
// count (issue "Performance against the real peers", §1).
//
// The model: LlamaForCausalLM, hidden 2048, 8 layers, GQA 16:4, FFN 5632,
// vocab 8192 — random BF16 weights written here as a Hugging Face folder
// (config.json, model.safetensors, a tokenizer.json holding the first 8192
// pieces of the Llama-2 vocabulary), then exported with our own
// `bitnet-lab quantize --format gguf-tq2_0` (and gguf-tq1_0, gguf-i2_s,
// hf-bitnet). llama.cpp (node-llama-cpp, F16 KV cache, its defaults otherwise)
// and `bitnet-lab generate` then decode greedily from the same prompt;
// tokens/s counts decoded tokens only (prefill excluded), medians of
// alternating rounds. llama.cpp runs TQ2_0 and TQ1_0; I2_S is bitnet.cpp's
// type and HF packed is no GGUF, so those rows are ours only.
//   node bench/decode.mjs [--rounds N] [--threads N] [--tokens N]   (needs `npm run build`)
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleForNode, median, reportRatio, root } from './lib.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg('--rounds', 3);
const threads = arg('--threads', 2);
const decodeTokens = arg('--tokens', 48);
const PROMPT = 'The history of the city begins with a small settlement on the river';

const DIMS = { hidden: 2048, layers: 8, heads: 16, kvHeads: 4, ffn: 5632, vocab: 8192 };
const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) throw new Error('bench/decode.mjs runs dist/cli.js: run `npm run build` first');

const work = join(os.tmpdir(), 'bitnet-lab-bench-decode-v1');
const hf = join(work, 'llama-2048');
mkdirSync(work, { recursive: true });
if (!existsSync(join(hf, 'done'))) await writeModel(hf);
const files = {
  'TQ2_0': exportAs('gguf-tq2_0', join(work, 'model-tq2_0.gguf')),
  'TQ1_0': exportAs('gguf-tq1_0', join(work, 'model-tq1_0.gguf')),
  'I2_S': exportAs('gguf-i2_s', join(work, 'model-i2_s.gguf')),
  'HF packed': exportAs('hf-bitnet', join(work, 'hf-packed')),
};

await withTokenizer([files['TQ2_0'], files['TQ1_0'], files['I2_S']]);

const llamaCppEntry = join(process.env.BITNET_LAB_LLAMA_CPP_DIR ?? join(os.homedir(), '.cache', 'bitnet-lab', 'node-llama-cpp'), 'node_modules', 'node-llama-cpp', 'dist', 'index.js');
const llamaCpp = existsSync(llamaCppEntry) ? await loadLlamaCpp() : undefined;

const ours = new Map();
const theirs = new Map();
const push = (m, k, v) => (m.get(k) ?? m.set(k, []).get(k)).push(v);
let backend = '';
for (let r = 0; r < rounds; r++) {
  for (const [type, file] of Object.entries(files)) {
    if (llamaCpp && (type === 'TQ2_0' || type === 'TQ1_0')) push(theirs, type, await llamaCppDecode(file));
    const g = generate(file);
    push(ours, type, g.tokensPerSecond);
    backend = g.provenance.compute;
  }
}

const load = os.loadavg().map((v) => v.toFixed(2)).join(' ');
console.log(`decode vs llama.cpp — ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, Node ${process.version}, load ${load}`);
console.log(`Llama, hidden ${DIMS.hidden}, ${DIMS.layers} layers, GQA ${DIMS.heads}:${DIMS.kvHeads}, FFN ${DIMS.ffn}, vocab ${DIMS.vocab}; ${threads} threads both; ${decodeTokens} greedy tokens after a ${PROMPT.split(' ').length}-word prompt; ${rounds} rounds, medians`);
console.log(`ours: bitnet-lab generate --threads ${threads} (${backend})`);
console.log(`llama.cpp: ${llamaCpp ? `node-llama-cpp ${llamaCpp.version}, CPU, F16 KV cache` : 'not installed (scripts/install-llama-cpp.sh): ours only'}`);
console.log('weights        ours tok/s   llama.cpp tok/s   ours / llama.cpp');
for (const type of Object.keys(files)) {
  const o = median(ours.get(type));
  const t = theirs.has(type) ? median(theirs.get(type)) : undefined;
  console.log(`${type.padEnd(12)} ${o.toFixed(1).padStart(12)} ${(t !== undefined ? t.toFixed(1) : '—').padStart(17)} ${(t !== undefined ? `${(o / t).toFixed(2)}×` : '—').padStart(18)}`);
  if (t !== undefined) reportRatio({ name: `decode ${type} tokens/s`, ratio: o / t, target: 1, baseline: `llama.cpp ${llamaCpp.version}`, threads, backend: backend || 'ours' });
}
llamaCpp?.close();

// ---------------------------------------------------------------- ours

function generate(file) {
  const r = spawnSync(process.execPath, [cli, 'generate', file, '--prompt', PROMPT, '--max-tokens', String(decodeTokens + 1),
    '--temperature', '0', '--threads', String(threads), '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`bitnet-lab generate ${file} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const json = JSON.parse(r.stdout);
  if (json.generatedTokens.length < decodeTokens / 2) throw new Error(`bitnet-lab generate stopped after ${json.generatedTokens.length} tokens (EOS)`);
  return json;
}

function exportAs(format, out) {
  if (!existsSync(out)) {
    execFileSync(process.execPath, [cli, 'quantize', hf, '-o', out, '--format', format], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return out;
}

/**
 * llama.cpp needs tokenizer.ggml.* to load a model. Where `quantize` does not
 * write them yet, add them here — the entries our own exporter makes
 * (tokenizerGgufEntries), tensor bytes copied unchanged — so both runtimes read
 * the same weights.
 */
async function withTokenizer(files) {
  const entry = join(work, 'gguf-tokenizer-entry.mjs');
  await bundleForNode({
    contents: `export { openCheckpoint } from './src/core/formats/open.ts';
      export { GgufWriter } from './src/core/formats/gguf/ggufWriter.ts';
      export { ggmlTypeByName } from './src/core/formats/gguf/ggmlTypes.ts';
      export { tokenizerGgufEntries } from './src/core/model/tokenizer/toGguf.ts';`,
    outfile: entry, logLevel: 'error',
  });
  const { openCheckpoint, GgufWriter, ggmlTypeByName, tokenizerGgufEntries } = await import(pathToFileURL(entry).href);
  const tokenizer = await tokenizerGgufEntries(hf);
  for (const file of files) {
    const src = await openCheckpoint(file);
    try {
      if (src.ggufEntries.some((e) => e.key === 'tokenizer.ggml.model')) continue;
      const tensors = src.tensors.map((t) => ({ name: t.name, dims: t.storedShape, typeId: ggmlTypeByName(t.dtype).id, bytes: t.bytes }));
      const w = await GgufWriter.create(file, [...src.ggufEntries.filter((e) => e.key !== 'general.alignment'), ...tokenizer], tensors);
      for (const t of src.tensors) {
        for await (const chunk of src.rawBytes(t.name)) await w.write(chunk);
        await w.endTensor();
      }
      await w.commit();
    } finally {
      await src.close();
    }
  }
}

// ---------------------------------------------------------------- llama.cpp

async function loadLlamaCpp() {
  const module = await import(pathToFileURL(llamaCppEntry).href);
  const llama = await module.getLlama({ gpu: false, build: 'never', skipDownload: true, logLevel: 'error' });
  const pkg = JSON.parse(readFileSync(join(llamaCppEntry, '..', '..', 'package.json'), 'utf8'));
  return { llama, version: pkg.version, close: () => llama.dispose?.() };
}

/** Decoded tokens per second, greedy, from the first generated token to the last (prefill excluded). */
async function llamaCppDecode(file) {
  const model = await llamaCpp.llama.loadModel({ modelPath: file });
  try {
    const context = await model.createContext({ contextSize: 256, threads });
    try {
      const prompt = model.tokenize(PROMPT);
      let count = 0;
      let started = 0;
      for await (const token of context.getSequence().evaluate(prompt, { temperature: 0 })) {
        void token;
        if (count === 0) started = performance.now();
        if (count === decodeTokens) break;
        count++;
      }
      return decodeTokens / ((performance.now() - started) / 1000);
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}

// ---------------------------------------------------------------- the model

/** Seeded uniform(−a, a) weights (std a/√3), as BF16 bit patterns. */
function bf16Random(n, std, seed) {
  const out = new Uint16Array(n);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  let s = seed >>> 0 || 1;
  const a = std * Math.sqrt(3);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    f[0] = (s / 4294967296 * 2 - 1) * a;
    out[i] = (u[0] + 0x7fff + ((u[0] >> 16) & 1)) >>> 16;
  }
  return out;
}

function bf16Const(n, v) {
  const f = new Float32Array([v]);
  return new Uint16Array(n).fill(new Uint32Array(f.buffer)[0] >>> 16);
}

async function writeModel(dir) {
  mkdirSync(dir, { recursive: true });
  const d = DIMS;
  const hd = d.hidden / d.heads;
  const tensors = [];
  let seed = 1;
  const add = (name, shape, data) => tensors.push({ name, shape, data });
  add('model.embed_tokens.weight', [d.vocab, d.hidden], bf16Random(d.vocab * d.hidden, 0.02, seed++));
  for (let l = 0; l < d.layers; l++) {
    const p = `model.layers.${l}`;
    add(`${p}.input_layernorm.weight`, [d.hidden], bf16Const(d.hidden, 1));
    add(`${p}.self_attn.q_proj.weight`, [d.heads * hd, d.hidden], bf16Random(d.heads * hd * d.hidden, 0.02, seed++));
    add(`${p}.self_attn.k_proj.weight`, [d.kvHeads * hd, d.hidden], bf16Random(d.kvHeads * hd * d.hidden, 0.02, seed++));
    add(`${p}.self_attn.v_proj.weight`, [d.kvHeads * hd, d.hidden], bf16Random(d.kvHeads * hd * d.hidden, 0.02, seed++));
    add(`${p}.self_attn.o_proj.weight`, [d.hidden, d.heads * hd], bf16Random(d.hidden * d.heads * hd, 0.02, seed++));
    add(`${p}.post_attention_layernorm.weight`, [d.hidden], bf16Const(d.hidden, 1));
    add(`${p}.mlp.gate_proj.weight`, [d.ffn, d.hidden], bf16Random(d.ffn * d.hidden, 0.02, seed++));
    add(`${p}.mlp.up_proj.weight`, [d.ffn, d.hidden], bf16Random(d.ffn * d.hidden, 0.02, seed++));
    add(`${p}.mlp.down_proj.weight`, [d.hidden, d.ffn], bf16Random(d.hidden * d.ffn, 0.02, seed++));
  }
  add('model.norm.weight', [d.hidden], bf16Const(d.hidden, 1));
  add('lm_head.weight', [d.vocab, d.hidden], bf16Random(d.vocab * d.hidden, 0.2, seed++));

  const header = {};
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: 'BF16', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  header.__metadata__ = { format: 'pt' };
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const tmp = join(dir, 'model.safetensors.tmp');
  const out = createWriteStream(tmp);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  out.write(len);
  out.write(json);
  for (const t of tensors) if (!out.write(Buffer.from(t.data.buffer))) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  renameSync(tmp, join(dir, 'model.safetensors'));

  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: d.vocab, hidden_size: d.hidden,
    intermediate_size: d.ffn, num_hidden_layers: d.layers, num_attention_heads: d.heads, num_key_value_heads: d.kvHeads,
    head_dim: hd, hidden_act: 'silu', max_position_embeddings: 2048, rms_norm_eps: 1e-5, rope_theta: 10000.0,
    rope_scaling: null, tie_word_embeddings: false, torch_dtype: 'bfloat16', bos_token_id: 1, eos_token_id: 2,
  }, null, 2));
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: 1, eos_token_id: 2, do_sample: false }));
  writeTokenizer(dir, d.vocab);
  writeFileSync(join(dir, 'done'), '');
}

/** Llama-2's tokenizer cut to its first `vocab` ids (specials, the 256 byte pieces, then the most frequent pieces) and the merges among them. */
function writeTokenizer(dir, vocab) {
  const src = join(root, 'node_modules', '@lenml', 'tokenizer-llama2', 'models');
  const tok = JSON.parse(readFileSync(join(src, 'tokenizer.json'), 'utf8'));
  const kept = Object.fromEntries(Object.entries(tok.model.vocab).filter(([, id]) => id < vocab));
  tok.model.vocab = kept;
  tok.model.merges = tok.model.merges.filter((m) => {
    const [a, b] = typeof m === 'string' ? m.split(' ') : m;
    return a in kept && b in kept && a + b in kept;
  });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok));
  writeFileSync(join(dir, 'tokenizer_config.json'), readFileSync(join(src, 'tokenizer_config.json')));
}
