/**
 * Seed checkpoints per reader, built from our own fixtures and writers (the
 * torch fixtures, writeSafetensors, quantizeCheckpoint's GGUF and HF BitNet
 * outputs, the independent GGUF test builder, a hand-made tfjs model), each
 * with a map of its structure so mutations can aim at boundaries and fields.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSafetensors } from '../../src/core/formats/safetensors/writer.js';
import { openCheckpoint } from '../../src/core/formats/open.js';
import { quantizeCheckpoint } from '../../src/core/convert/quantize.js';
import { buildGguf, kvF32Array, kvString, kvStringArray, kvU32 } from '../unit/formats/ggufBuilder.js';
import { GgufWriter } from '../../src/core/formats/gguf/ggufWriter.js';
import type { GgufEntry } from '../../src/core/formats/gguf/ggufValue.js';
import { BYTE_TO_CHAR } from '../../src/core/model/tokenizer/byteLevel.js';
import { byteVocabEntries } from '../../src/core/model/tokenizer/toGguf.js';
import type { Field, FileStructure } from './harness.js';

export const FUZZ_FORMATS = ['safetensors', 'sharded', 'gguf', 'hf-bitnet', 'tfjs'] as const;
export type FuzzFormat = (typeof FUZZ_FORMATS)[number];

export interface SeedFile {
  name: string;
  bytes: Uint8Array;
  structure: FileStructure;
}

export interface Seed {
  label: string;
  /** File openCheckpoint is pointed at (relative to the case folder). */
  entry: string;
  files: SeedFile[];
}

export type SeedSet = Record<FuzzFormat, Seed[]>;


// ------------------------------------------------------------ structure maps

function jsonStructure(bytes: Uint8Array): FileStructure {
  const boundaries = [0, bytes.length];
  for (let i = 0; i < bytes.length && boundaries.length < 512; i++) {
    const c = bytes[i];
    if (c === 0x7b || c === 0x7d || c === 0x5b || c === 0x5d || c === 0x2c || c === 0x3a) boundaries.push(i, i + 1);
  }
  return { boundaries, fields: [], payloads: [], wholeJson: true };
}

export function safetensorsStructure(bytes: Uint8Array): FileStructure {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(v.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const boundaries = [0, 4, 8, 9, 8 + n - 1, 8 + n, bytes.length];
  const payloads: FileStructure['payloads'] = [];
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [b, e] = t.data_offsets;
    boundaries.push(8 + n + b, 8 + n + e, 8 + n + b + 1);
    payloads.push({ at: 8 + n + b, bytes: e - b, dtype: t.dtype });
  }
  return { boundaries, fields: [{ at: 0, size: 8, what: 'header length' }], payloads, json: { at: 8, bytes: n } };
}

/** Walks a valid GGUF (our seeds) recording every length/count/offset field and structure edge. */
export function ggufStructure(bytes: Uint8Array): FileStructure {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: Field[] = [];
  const boundaries = [0, 4, 8, 16, 24];
  let p = 0;
  const u32f = (what: string): number => { fields.push({ at: p, size: 4, what }); const x = v.getUint32(p, true); p += 4; return x; };
  const u64f = (what: string): number => { fields.push({ at: p, size: 8, what }); const x = Number(v.getBigUint64(p, true)); p += 8; return x; };
  const str = (what: string): string => { const len = u64f(`${what} length`); const s = new TextDecoder().decode(bytes.subarray(p, p + len)); p += len; boundaries.push(p); return s; };
  const scalar: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  const value = (type: number, what: string): string => {
    if (type === 8) return str(what);
    if (type === 9) {
      const et = u32f(`${what} array type`);
      const count = u64f(`${what} array count`);
      for (let i = 0; i < count; i++) value(et, what);
      boundaries.push(p);
      return '';
    }
    const s = scalar[type]!;
    const out = s === 4 ? String(v.getUint32(p, true)) : '';
    p += s;
    return out;
  };
  p = 8;
  const tensorCount = u64f('tensor count');
  const kvCount = u64f('kv count');
  let alignment = 32;
  for (let i = 0; i < kvCount; i++) {
    const key = str('key');
    const type = u32f('kv type');
    const val = value(type, key);
    if (key === 'general.alignment') alignment = Number(val);
    boundaries.push(p);
  }
  const infos: Array<{ dims: number[]; type: number; rel: number }> = [];
  const names: Array<{ at: number; bytes: number }> = [];
  for (let i = 0; i < tensorCount; i++) {
    const nameLen = Number(v.getBigUint64(p, true));
    names.push({ at: p + 8, bytes: nameLen });
    str('tensor name');
    const nd = u32f('n_dims');
    const dims: number[] = [];
    for (let d = 0; d < nd; d++) dims.push(u64f('dim'));
    const type = u32f('tensor type');
    const rel = u64f('tensor offset');
    infos.push({ dims, type, rel });
    boundaries.push(p);
  }
  const dataStart = Math.ceil(p / alignment) * alignment;
  boundaries.push(dataStart, bytes.length);
  const payloads: FileStructure['payloads'] = [];
  for (const t of infos) {
    const n = t.dims.reduce((a, b) => a * b, 1);
    const at = dataStart + t.rel;
    boundaries.push(at, at + 1);
    const plain: Record<number, [string, number]> = { 0: ['F32', 4], 1: ['F16', 2], 30: ['BF16', 2] };
    if (plain[t.type]) {
      payloads.push({ at, bytes: n * plain[t.type]![1], dtype: plain[t.type]![0] });
    } else if (t.type === 35 || t.type === 34 || t.type === 8) {
      // Block scales (fp16 d): TQ2_0 d at +64 of 66, TQ1_0 at +52 of 54, Q8_0 at +0 of 34.
      const [blockBytes, dAt, blockElems] = t.type === 35 ? [66, 64, 256] : t.type === 34 ? [54, 52, 256] : [34, 0, 32];
      const blocks = n / blockElems;
      for (let b = 0; b < Math.min(blocks, 8); b++) payloads.push({ at: at + b * blockBytes + dAt, bytes: 2, dtype: 'F16' });
      payloads.push({ at, bytes: blocks * blockBytes, dtype: 'PACKED' });
    } else if (t.type === 36) {
      payloads.push({ at: at + n / 4, bytes: 4, dtype: 'F32' }, { at, bytes: n / 4, dtype: 'PACKED' });
    }
  }
  return { boundaries, fields, payloads, names };
}

function tfjsShardStructure(bytes: Uint8Array, weights: Array<{ bytes: number; dtype: string }>): FileStructure {
  const boundaries = [0, bytes.length];
  const payloads: FileStructure['payloads'] = [];
  let at = 0;
  for (const w of weights) {
    boundaries.push(at, at + 1);
    payloads.push({ at, bytes: w.bytes, dtype: w.dtype });
    at += w.bytes;
  }
  return { boundaries, fields: [], payloads };
}

// ------------------------------------------------------------ seed builders

/** Deterministic "weights": a smooth mix so stats are ordinary and every value is distinct-ish. */
function values(n: number, k: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(i * 0.37 + k) * 0.05 + Math.cos(i * 0.011 * (k + 1)) * 0.02;
  return out;
}

function bf16(f: Float32Array): Uint8Array {
  const u = new Uint32Array(f.buffer, f.byteOffset, f.length);
  const out = new Uint16Array(f.length);
  for (let i = 0; i < f.length; i++) out[i] = u[i]! >>> 16;
  return new Uint8Array(out.buffer);
}

/**
 * A small Llama-like model: every linear in-dim is 256 (so TQ1_0/TQ2_0/I2_S
 * accept it) while out-dims follow `hidden`/`inter`, matching LLAMA_CONFIG's
 * row expectations (q/o/down: hidden, k/v: hidden/4, gate/up: inter). Small
 * on purpose: the fuzz run's cost is dominated by decoding seed tensors.
 */
function llamaTensors(hidden: number, inter: number, vocab: number, inDim = 256): Array<{ name: string; dtype: string; shape: number[]; data: Uint8Array }> {
  const shapes: Array<[string, number[]]> = [
    ['model.embed_tokens.weight', [vocab, inDim]],
    ['model.layers.0.input_layernorm.weight', [inDim]],
    ['model.layers.0.self_attn.q_proj.weight', [hidden, inDim]],
    ['model.layers.0.self_attn.k_proj.weight', [hidden / 4, inDim]],
    ['model.layers.0.self_attn.v_proj.weight', [hidden / 4, inDim]],
    ['model.layers.0.self_attn.o_proj.weight', [hidden, inDim]],
    ['model.layers.0.post_attention_layernorm.weight', [inDim]],
    ['model.layers.0.mlp.gate_proj.weight', [inter, inDim]],
    ['model.layers.0.mlp.up_proj.weight', [inter, inDim]],
    ['model.layers.0.mlp.down_proj.weight', [hidden, inDim]],
    ['model.norm.weight', [inDim]],
    ['lm_head.weight', [vocab, inDim]],
  ];
  return shapes.map(([name, shape], k) => ({ name, dtype: 'BF16', shape, data: bf16(values(shape.reduce((a, b) => a * b, 1), k)) }));
}

const LLAMA_CONFIG = (hidden: number, inter: number, vocab: number): Record<string, unknown> => ({
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: hidden,
  intermediate_size: inter,
  num_attention_heads: 4,
  num_key_value_heads: 1,
  num_hidden_layers: 1,
  vocab_size: vocab,
  max_position_embeddings: 64,
  torch_dtype: 'bfloat16',
});

async function readSeedFile(path: string, name: string, structure: (b: Uint8Array) => FileStructure): Promise<SeedFile> {
  const bytes = new Uint8Array(await readFile(path));
  return { name, bytes, structure: structure(bytes) };
}

function fileStructure(name: string, bytes: Uint8Array): FileStructure {
  if (name.endsWith('.safetensors')) return safetensorsStructure(bytes);
  if (name.endsWith('.gguf')) return ggufStructure(bytes);
  return jsonStructure(bytes);
}

async function folderSeed(dir: string, label: string, entry: string): Promise<Seed> {
  const names = (await readdir(dir)).sort();
  const files: SeedFile[] = [];
  for (const name of names) files.push(await readSeedFile(join(dir, name), name, (b) => fileStructure(name, b)));
  return { label, entry, files };
}

/** A hand-made GGUF with every type we decode and KV arrays, from the independent test builder. */
function builderGguf(): Uint8Array {
  const f32 = new Float32Array(64).map((_, i) => Math.sin(i) * 0.1);
  const f16 = new Uint16Array(64).map((_, i) => 0x2c00 + i);
  const tq2 = new Uint8Array(66 * 2);
  for (let i = 0; i < tq2.length; i++) tq2[i] = (i * 37) & 0xaa;
  tq2[64] = 0x00; tq2[65] = 0x2c; tq2[130] = 0x00; tq2[131] = 0x30;
  const tq1 = new Uint8Array(54);
  for (let i = 0; i < 52; i++) tq1[i] = (i * 29) % 243;
  tq1[52] = 0x00; tq1[53] = 0x2c;
  const q8 = new Uint8Array(34 * 2);
  for (let i = 0; i < q8.length; i++) q8[i] = (i * 13) & 0xff;
  q8[0] = 0x00; q8[1] = 0x20; q8[34] = 0x00; q8[35] = 0x20;
  const i2s = new Uint8Array(128 / 4 + 32);
  for (let i = 0; i < 32; i++) i2s[i] = (i * 7) & 0xaa;
  new DataView(i2s.buffer).setFloat32(32, 0.125, true);
  return new Uint8Array(
    buildGguf({
      kvs: [
        kvString('general.architecture', 'bitnet-b1.58'),
        kvU32('general.alignment', 32),
        kvStringArray('tokenizer.ggml.tokens', Array.from({ length: 20 }, (_, i) => `tok${i}`)),
        kvF32Array('tokenizer.ggml.scores', [0.5, 0.25, -1]),
      ],
      tensors: [
        { name: 'token_embd.weight', dims: [16, 4], type: 0, data: new Uint8Array(f32.buffer) },
        { name: 'blk.0.attn_norm.weight', dims: [64], type: 1, data: new Uint8Array(f16.buffer) },
        { name: 'blk.0.attn_q.weight', dims: [256, 2], type: 35, data: tq2 },
        { name: 'blk.0.attn_k.weight', dims: [256, 1], type: 34, data: tq1 },
        { name: 'blk.0.ffn_up.weight', dims: [32, 2], type: 8, data: q8 },
        { name: 'blk.0.ffn_down.weight', dims: [128, 1], type: 36, data: i2s },
      ],
    }),
  );
}

/** A tfjs layers model: one group over two shards, every stored dtype tfjs writes. */
function tfjsSeed(): Seed {
  const w = (k: number, n: number): Uint8Array => new Uint8Array(values(n, k).buffer.slice(0));
  const i32 = new Uint8Array(new Int32Array([1, -2, 3, 400, -5, 6]).buffer);
  const bools = new Uint8Array([1, 0, 1, 1]);
  const q8 = new Uint8Array(32).map((_, i) => i * 7);
  const f16 = new Uint8Array(new Uint16Array(16).map((_, i) => 0x3c00 - i * 64).buffer);
  const str = (s: string): Uint8Array => { const b = new TextEncoder().encode(s); const out = new Uint8Array(4 + b.length); new DataView(out.buffer).setUint32(0, b.length, true); out.set(b, 4); return out; };
  const strings = new Uint8Array([...str('hello'), ...str('wörld')]);
  const parts: Array<{ spec: Record<string, unknown>; data: Uint8Array; dtype: string }> = [
    { spec: { name: 'dense/kernel', shape: [16, 8], dtype: 'float32' }, data: w(1, 128), dtype: 'F32' },
    { spec: { name: 'dense/bias', shape: [8], dtype: 'float32' }, data: w(2, 8), dtype: 'F32' },
    { spec: { name: 'ids', shape: [6], dtype: 'int32' }, data: i32, dtype: 'I32' },
    { spec: { name: 'mask', shape: [4], dtype: 'bool' }, data: bools, dtype: 'BOOL' },
    { spec: { name: 'q/kernel', shape: [4, 8], dtype: 'float32', quantization: { dtype: 'uint8', min: -0.5, scale: 0.01 } }, data: q8, dtype: 'PACKED' },
    { spec: { name: 'h/kernel', shape: [16], dtype: 'float32', quantization: { dtype: 'float16' } }, data: f16, dtype: 'F16' },
    { spec: { name: 'vocab', shape: [2], dtype: 'string' }, data: strings, dtype: 'PACKED' },
  ];
  const all = new Uint8Array(parts.reduce((s, p) => s + p.data.length, 0));
  let at = 0;
  for (const p of parts) { all.set(p.data, at); at += p.data.length; }
  const cut = 300;
  const shard1 = all.slice(0, cut);
  const shard2 = all.slice(cut);
  const model = {
    format: 'layers-model',
    generatedBy: 'bitnet-lab fuzz seed',
    convertedBy: null,
    modelTopology: { class_name: 'Sequential', config: { layers: [] } },
    weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: parts.map((p) => p.spec) }],
  };
  const modelBytes = new TextEncoder().encode(JSON.stringify(model));
  const weights = parts.map((p) => ({ bytes: p.data.length, dtype: p.dtype }));
  const whole = tfjsShardStructure(all, weights);
  const clip = (s: FileStructure, from: number, to: number): FileStructure => ({
    boundaries: s.boundaries.filter((b) => b >= from && b <= to).map((b) => b - from),
    fields: [],
    payloads: s.payloads.filter((p) => p.at >= from && p.at + p.bytes <= to).map((p) => ({ ...p, at: p.at - from })),
  });
  return {
    label: 'tfjs-layers',
    entry: 'model.json',
    files: [
      { name: 'model.json', bytes: modelBytes, structure: jsonStructure(modelBytes) },
      { name: 'group1-shard1of2.bin', bytes: shard1, structure: clip(whole, 0, cut) },
      { name: 'group1-shard2of2.bin', bytes: shard2, structure: clip(whole, cut, all.length) },
    ],
  };
}

/** Builds every seed (writes scratch files under `work`). */
/** Every GGUF value type once, so mutations reach each typed read. */
const EVERY_TYPE: GgufEntry[] = [
  { key: 'x.u8', type: 'u8', value: 7 }, { key: 'x.i16', type: 'i16', value: -3 }, { key: 'x.bool', type: 'bool', value: true },
  { key: 'x.u64', type: 'u64', value: 2n ** 40n }, { key: 'x.i64', type: 'i64', value: -5n }, { key: 'x.f64', type: 'f64', value: 0.25 },
  { key: 'x.a.i8', type: 'array', itemType: 'i8', value: [-1, 2] }, { key: 'x.a.bool', type: 'array', itemType: 'bool', value: [true, false] },
  { key: 'x.a.u64', type: 'array', itemType: 'u64', value: [1n, 2n] }, { key: 'x.a.f64', type: 'array', itemType: 'f64', value: [1.5] },
];

/** GGUFs with a tokenizer our GgufTokenizer builds (SPM bytes + a few merges; byte-level BPE with merges), written by GgufWriter. */
async function tokenizerSeeds(out: string): Promise<Seed[]> {
  const spm = byteVocabEntries().map((e) => {
    if (e.key === 'tokenizer.ggml.tokens' && e.type === 'array') return { ...e, value: [...(e.value as string[]), '<s>', '\u2581a', 'ab', '\u2581ab'] };
    if (e.key === 'tokenizer.ggml.scores' && e.type === 'array') return { ...e, value: [...(e.value as number[]), 0, -1, -2, -3] };
    if (e.key === 'tokenizer.ggml.token_type' && e.type === 'array') return { ...e, value: [...(e.value as number[]), 3, 1, 1, 1] };
    return e;
  }) as GgufEntry[];
  const gpt2: GgufEntry[] = [
    { key: 'tokenizer.ggml.model', type: 'string', value: 'gpt2' },
    { key: 'tokenizer.ggml.pre', type: 'string', value: 'llama-bpe' },
    { key: 'tokenizer.ggml.tokens', type: 'array', itemType: 'string', value: [...BYTE_TO_CHAR, 'Ġa', 'ab', '<|eot|>'] },
    { key: 'tokenizer.ggml.token_type', type: 'array', itemType: 'i32', value: [...new Array<number>(258).fill(1), 3] },
    { key: 'tokenizer.ggml.merges', type: 'array', itemType: 'string', value: ['Ġ a', 'a b'] },
    { key: 'tokenizer.ggml.bos_token_id', type: 'u32', value: 258 },
  ];
  const seeds: Seed[] = [];
  for (const [label, tok] of [['gguf-tokenizer-spm', spm], ['gguf-tokenizer-gpt2', gpt2]] as const) {
    const path = join(out, `${label}.gguf`);
    const w = await GgufWriter.create(path, [{ key: 'general.architecture', type: 'string', value: 'llama' }, ...EVERY_TYPE, ...tok], [{ name: 'token_embd.weight', dims: [4, 4], typeId: 0, bytes: 64 }]);
    await w.write(new Uint8Array(new Float32Array(16).map((_, i) => i / 16).buffer));
    await w.endTensor();
    await w.commit();
    const bytes = new Uint8Array(await readFile(path));
    seeds.push({ label, entry: 'model.gguf', files: [{ name: 'model.gguf', bytes, structure: ggufStructure(bytes) }] });
  }
  return seeds;
}

export async function buildSeeds(work: string, repoRoot: string): Promise<SeedSet> {
  const FIXTURES = join(repoRoot, 'test', 'fixtures', 'torch');
  await mkdir(work, { recursive: true });
  const hidden = 32, inter = 32, vocab = 16;

  // Small Llama-like safetensors written by our writer, with and without config.json.
  const llamaDir = join(work, 'llama');
  await mkdir(llamaDir, { recursive: true });
  await writeSafetensors(join(llamaDir, 'model.safetensors'), llamaTensors(hidden, inter, vocab), { format: 'pt' });
  await writeFile(join(llamaDir, 'config.json'), JSON.stringify(LLAMA_CONFIG(hidden, inter, vocab)));
  const tinyDir = join(work, 'tiny');
  await mkdir(tinyDir, { recursive: true });
  await writeSafetensors(join(tinyDir, 'model.safetensors'), llamaTensors(8, 8, 4, 8), { format: 'pt', note: 'tiny' });

  // Sharded: the torch fixture and a tiny one from our writer.
  const shardDir = join(work, 'sharded-tiny');
  await mkdir(shardDir, { recursive: true });
  const tiny = llamaTensors(8, 8, 4, 8);
  const a = tiny.slice(0, 6), b = tiny.slice(6);
  await writeSafetensors(join(shardDir, 'model-00001-of-00002.safetensors'), a, { format: 'pt' });
  await writeSafetensors(join(shardDir, 'model-00002-of-00002.safetensors'), b, { format: 'pt' });
  const weightMap: Record<string, string> = {};
  for (const t of a) weightMap[t.name] = 'model-00001-of-00002.safetensors';
  for (const t of b) weightMap[t.name] = 'model-00002-of-00002.safetensors';
  await writeFile(join(shardDir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: tiny.reduce((s, t) => s + t.data.length, 0) }, weight_map: weightMap }));

  // GGUF and HF BitNet packed from our quantize engine.
  const out = join(work, 'out');
  await mkdir(out, { recursive: true });
  const ggufs: Seed[] = [];
  for (const format of ['gguf-tq2_0', 'gguf-tq1_0', 'gguf-i2_s'] as const) {
    const src = await openCheckpoint(join(llamaDir, 'model.safetensors'));
    const path = join(out, `llama-${format}.gguf`);
    try {
      await quantizeCheckpoint(src, { out: path, format });
    } finally {
      await src.close();
    }
    const bytes = new Uint8Array(await readFile(path));
    ggufs.push({ label: format, entry: 'model.gguf', files: [{ name: 'model.gguf', bytes, structure: ggufStructure(bytes) }] });
  }
  const built = builderGguf();
  ggufs.push({ label: 'gguf-builder', entry: 'model.gguf', files: [{ name: 'model.gguf', bytes: built, structure: ggufStructure(built) }] });
  ggufs.push(...(await tokenizerSeeds(out)));

  const hfDir = join(work, 'hf');
  {
    const src = await openCheckpoint(join(llamaDir, 'model.safetensors'));
    try {
      await quantizeCheckpoint(src, { out: hfDir, format: 'hf-bitnet' });
    } finally {
      await src.close();
    }
  }

  const st = async (path: string, label: string): Promise<Seed> => ({
    label,
    entry: 'model.safetensors',
    files: [await readSeedFile(path, 'model.safetensors', safetensorsStructure)],
  });
  return {
    safetensors: [
      await st(join(FIXTURES, 'dtypes.safetensors'), 'torch-dtypes'),
      await st(join(tinyDir, 'model.safetensors'), 'writer-tiny'),
      await st(join(FIXTURES, 'tiny_llama.safetensors'), 'torch-tiny-llama'),
    ],
    sharded: [
      await folderSeed(shardDir, 'writer-sharded', 'model.safetensors.index.json'),
      await folderSeed(join(FIXTURES, 'tiny_llama_sharded'), 'torch-sharded', 'model.safetensors.index.json'),
    ],
    gguf: ggufs,
    'hf-bitnet': [await folderSeed(hfDir, 'quantize-hf-bitnet', 'model.safetensors')],
    tfjs: [tfjsSeed()],
  };
}
