// `npm run bench:scale` — issue 7 scope 2: multi-GB checkpoints under a memory budget.
//
// Generates (once, cached in $TMPDIR/bitnet-lab-scale) real-data BF16 checkpoints:
//   llama-8g/   Llama-2-7B shapes with 20 layers (hidden 4096, MLP 11008, vocab 32000):
//               4.31 G params = 8.03 GiB in 4 shards + model.safetensors.index.json + config.json
//   big-tensor/ one BF16 tensor [32769, 32768] = 2 GiB + one 64 KiB row (> 2^31 bytes), plus a small linear
//   big-metadata/ a 50 MB header made of one long __metadata__ string over a small model
//   big-header/ ~400,000 tiny tensors with long names: a ~59 MB safetensors header
// then runs the built CLI (dist/cli.js; run `npm run build` first) under /usr/bin/time -v:
//   inspect --json, quantize --format gguf-tq2_0, quantize --format hf-bitnet
// printing wall time, throughput (input bytes / s) and peak RSS against the 500 MB target.
//
// Flags: --only llama|big-tensor|big-header (repeatable)  --clean (delete the cached data afterwards)
//        --dir DIR (default $TMPDIR/bitnet-lab-scale)
// Needs ~13 GB free disk. Not part of CI. Values are real (non-zero, every byte written):
// a 32 MiB pool of N(0, 0.02²) BF16 values read at a per-tensor offset.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
const argv = process.argv.slice(2);
const only = argv.flatMap((a, i) => (argv[i - 1] === '--only' ? [a] : []));
const clean = argv.includes('--clean');
const dirFlag = argv.indexOf('--dir');
const base = dirFlag >= 0 ? argv[dirFlag + 1] : join(process.env.TMPDIR ?? tmpdir(), 'bitnet-lab-scale');
const want = (name) => only.length === 0 || only.includes(name);
const TIME = '/usr/bin/time';
const RSS_TARGET_MB = 500;

if (!existsSync(cli)) {
  console.error('dist/cli.js is missing: run `npm run build` first');
  process.exit(2);
}
if (!existsSync(TIME)) {
  console.error('/usr/bin/time is missing: install it (Debian: apt-get install time)');
  process.exit(2);
}

// ------------------------------------------------------------------ data

/** Deterministic N(0, 0.02²) BF16 pool (Box–Muller over a xorshift stream). */
function bf16Pool(count) {
  const out = new Uint16Array(count);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  let s = 0x9e3779b9;
  const rnd = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(rnd())) * 0.02;
    const t = 2 * Math.PI * rnd();
    f[0] = r * Math.cos(t); out[i] = u[0] >>> 16;
    if (i + 1 < count) { f[0] = r * Math.sin(t); out[i + 1] = u[0] >>> 16; }
  }
  return new Uint8Array(out.buffer);
}
const POOL = bf16Pool(16 << 20); // 32 MiB
const CHUNK = 8 << 20;

/** Writes `bytes` of pool data starting at pool offset `seed`, in 8 MiB writes. */
function writePoolBytes(fd, bytes, seed) {
  let at = (seed * 2 * 7919) % POOL.length;
  let left = bytes;
  while (left > 0) {
    const n = Math.min(left, CHUNK, POOL.length - at);
    writeSync(fd, POOL, at, n);
    left -= n;
    at = (at + n) % POOL.length;
  }
}

function headerBytes(tensors, metadata) {
  const obj = { __metadata__: metadata };
  let pos = 0;
  for (const t of tensors) {
    obj[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [pos, pos + t.bytes] };
    pos += t.bytes;
  }
  let json = Buffer.from(JSON.stringify(obj), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json]);
}

function writeSafetensors(path, tensors, metadata = { format: 'pt' }) {
  const tmp = `${path}.partial`;
  const fd = openSync(tmp, 'w');
  try {
    const h = headerBytes(tensors, metadata);
    writeSync(fd, h);
    tensors.forEach((t, i) => (t.write ? t.write(fd) : writePoolBytes(fd, t.bytes, i + 1)));
  } finally {
    closeSync(fd);
  }
  // Rename last so an interrupted generation is never mistaken for a cached one.
  renameSync(tmp, path);
}

function llamaTensors(layers, hidden, inter, vocab) {
  const t = (name, shape) => ({ name, dtype: 'BF16', shape, bytes: shape.reduce((a, b) => a * b, 1) * 2 });
  const out = [t('model.embed_tokens.weight', [vocab, hidden])];
  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}`;
    out.push(
      t(`${p}.input_layernorm.weight`, [hidden]),
      t(`${p}.self_attn.q_proj.weight`, [hidden, hidden]),
      t(`${p}.self_attn.k_proj.weight`, [hidden, hidden]),
      t(`${p}.self_attn.v_proj.weight`, [hidden, hidden]),
      t(`${p}.self_attn.o_proj.weight`, [hidden, hidden]),
      t(`${p}.post_attention_layernorm.weight`, [hidden]),
      t(`${p}.mlp.gate_proj.weight`, [inter, hidden]),
      t(`${p}.mlp.up_proj.weight`, [inter, hidden]),
      t(`${p}.mlp.down_proj.weight`, [hidden, inter]),
    );
  }
  out.push(t('model.norm.weight', [hidden]), t('lm_head.weight', [vocab, hidden]));
  return out;
}

function generateLlama(dir) {
  const index = join(dir, 'model.safetensors.index.json');
  if (existsSync(index)) return index;
  mkdirSync(dir, { recursive: true });
  const [layers, hidden, inter, vocab] = [20, 4096, 11008, 32000];
  const all = llamaTensors(layers, hidden, inter, vocab);
  const total = all.reduce((s, t) => s + t.bytes, 0);
  const shards = 4;
  const per = Math.ceil(total / shards);
  const groups = [[]];
  let size = 0;
  for (const t of all) {
    if (size + t.bytes > per && groups[groups.length - 1].length > 0 && groups.length < shards) {
      groups.push([]);
      size = 0;
    }
    groups[groups.length - 1].push(t);
    size += t.bytes;
  }
  const weightMap = {};
  groups.forEach((g, i) => {
    const name = `model-${String(i + 1).padStart(5, '0')}-of-${String(groups.length).padStart(5, '0')}.safetensors`;
    console.log(`  writing ${name} (${(g.reduce((s, t) => s + t.bytes, 0) / 2 ** 30).toFixed(2)} GiB)`);
    writeSafetensors(join(dir, name), g);
    for (const t of g) weightMap[t.name] = name;
  });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: hidden, intermediate_size: inter,
    num_attention_heads: 32, num_key_value_heads: 32, num_hidden_layers: layers, vocab_size: vocab,
    rms_norm_eps: 1e-5, torch_dtype: 'bfloat16',
  }, null, 2));
  writeFileSync(index, JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
  return index;
}

function generateBigTensor(dir) {
  const path = join(dir, 'model.safetensors');
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const rows = 32769, cols = 32768;
  writeSafetensors(path, [
    { name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [rows, cols], bytes: rows * cols * 2 },
    { name: 'model.layers.0.mlp.down_proj.weight', dtype: 'BF16', shape: [256, 1024], bytes: 256 * 1024 * 2 },
  ]);
  return path;
}

function generateBigHeader(dir) {
  const path = join(dir, 'model.safetensors');
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const tensors = [];
  // ~150 header bytes per tensor: 400,000 tensors ≈ 59 MB of JSON.
  for (let i = 0; tensors.length < 400_000; i++) {
    const name = `model.layers.${i}.experts.expert_with_a_rather_long_descriptive_name_${String(i).padStart(6, '0')}.weight`;
    tensors.push({ name, dtype: 'BF16', shape: [4], bytes: 8 });
  }
  writeSafetensors(path, tensors);
  return path;
}

/** A 50 MB header made of metadata (a long string value) over a handful of tensors. */
function generateBigMetadata(dir) {
  const path = join(dir, 'model.safetensors');
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const blob = 'tokenizer-or-notes '.repeat(Math.ceil(50e6 / 19)).slice(0, 50e6);
  writeSafetensors(path, llamaTensors(1, 256, 512, 64), { format: 'pt', long_notes: blob });
  return path;
}

function headerMb(path) {
  const head = Buffer.alloc(8);
  const fd = openSync(path, 'r');
  readSync(fd, head, 0, 8, 0);
  closeSync(fd);
  return Number(head.readBigUInt64LE(0)) / 1e6;
}

// ------------------------------------------------------------------ measuring

function parseTimeV(text) {
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(text);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/.exec(text);
  let seconds = NaN;
  if (wall) seconds = wall[1].split(':').reduce((s, p) => s * 60 + Number(p), 0);
  return { rssMb: rss ? Number(rss[1]) / 1024 : NaN, seconds };
}

function du(path) {
  const r = spawnSync('du', ['-sb', path], { encoding: 'utf8' });
  return Number(r.stdout.split('\t')[0]);
}

const rows = [];
function measure(label, args, inputBytes) {
  const shown = `node dist/cli.js ${args.join(' ')}`;
  console.log(`\n$ /usr/bin/time -v ${shown}`);
  const r = spawnSync(TIME, ['-v', process.execPath, cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, cwd: root });
  const { rssMb, seconds } = parseTimeV(r.stderr);
  const ok = r.status === 0;
  const errLine = ok ? '' : (r.stderr.split('\n').find((l) => /^(error|internal error)/.test(l)) ?? r.stderr.split('\n')[0]);
  const mbps = inputBytes / 2 ** 20 / seconds;
  console.log(`  exit ${r.status}${errLine ? ` (${errLine.trim()})` : ''}; ${seconds.toFixed(1)} s; ${mbps.toFixed(0)} MiB/s of input; peak RSS ${rssMb.toFixed(0)} MB ${rssMb < RSS_TARGET_MB ? '(under' : '(OVER'} the ${RSS_TARGET_MB} MB target)`);
  rows.push({ label, ok, seconds, mbps, rssMb });
  return r;
}

// ------------------------------------------------------------------ run

mkdirSync(base, { recursive: true });
const free = statfsSync(base);
console.log(`bench:scale in ${base}: ${(free.bavail * free.bsize / 2 ** 30).toFixed(0)} GiB free; node ${process.version}; ${cpus()[0].model} × ${cpus().length}`);
const out = join(base, 'out');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

try {
  if (want('llama')) {
    console.log('\n# 8 GiB sharded BF16 Llama-like checkpoint');
    const t0 = performance.now();
    const index = generateLlama(join(base, 'llama-8g'));
    const bytes = du(join(base, 'llama-8g'));
    console.log(`  ${(bytes / 2 ** 30).toFixed(2)} GiB on disk (generated or cached in ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    const r = measure('inspect --json (8 GiB)', ['inspect', index, '--json'], bytes);
    if (r.status === 0) {
      const rep = JSON.parse(r.stdout);
      console.log(`  report: ${rep.tensors.length} tensors, ${(rep.totals.params / 1e9).toFixed(2)} G params, ${rep.tensors.filter((t) => t.stats).length} with stats`);
    }
    measure('quantize gguf-tq2_0 (8 GiB)', ['quantize', index, '-o', join(out, 'llama-tq2_0.gguf'), '--format', 'gguf-tq2_0'], bytes);
    if (existsSync(join(out, 'llama-tq2_0.gguf'))) console.log(`  output ${(statSync(join(out, 'llama-tq2_0.gguf')).size / 2 ** 30).toFixed(2)} GiB`);
    rmSync(join(out, 'llama-tq2_0.gguf'), { force: true });
    measure('quantize hf-bitnet (8 GiB)', ['quantize', index, '-o', join(out, 'llama-hf'), '--format', 'hf-bitnet'], bytes);
    if (existsSync(join(out, 'llama-hf'))) console.log(`  output ${(du(join(out, 'llama-hf')) / 2 ** 30).toFixed(2)} GiB`);
    rmSync(join(out, 'llama-hf'), { recursive: true, force: true });
  }
  if (want('big-tensor')) {
    console.log('\n# one BF16 tensor of 2 GiB + 64 KiB');
    const path = generateBigTensor(join(base, 'big-tensor'));
    const bytes = statSync(path).size;
    const r = measure('inspect --json (2 GiB tensor)', ['inspect', path, '--json'], bytes);
    if (r.status === 0) {
      const t = JSON.parse(r.stdout).tensors[0];
      console.log(`  ${t.name} [${t.shape}] ${t.bytes} bytes; stats ${t.stats ? 'present' : `null (${t.error ?? 'not computed'})`}`);
    }
    measure('quantize gguf-tq2_0 (2 GiB tensor)', ['quantize', path, '-o', join(out, 'big.gguf'), '--format', 'gguf-tq2_0'], bytes);
    rmSync(join(out, 'big.gguf'), { force: true });
  }
  if (want('big-header')) {
    console.log('\n# 50 MB safetensors header: long __metadata__ over a small model');
    const meta = generateBigMetadata(join(base, 'big-metadata'));
    console.log(`  header ${headerMb(meta).toFixed(1)} MB`);
    const r1 = measure('inspect --json (50 MB metadata header)', ['inspect', meta, '--json'], statSync(meta).size);
    if (r1.status === 0) console.log(`  report: ${JSON.parse(r1.stdout).tensors.length} tensors, metadata.long_notes ${JSON.parse(r1.stdout).metadata.long_notes.length} chars`);

    console.log('\n# ~59 MB safetensors header: 400,000 tensors');
    const path = generateBigHeader(join(base, 'big-header'));
    console.log(`  header ${headerMb(path).toFixed(1)} MB`);
    const r2 = measure('inspect (400k tensors, text)', ['inspect', path], statSync(path).size);
    if (r2.status === 0) console.log(`  ${r2.stdout.length} chars of text report`);
    measure('inspect --json (400k tensors)', ['inspect', path, '--json'], statSync(path).size);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
  if (clean) {
    console.log(`\n(removing generated data in ${base})`);
    rmSync(base, { recursive: true, force: true });
  } else {
    console.log(`\n(generated data cached in ${base}; --clean removes it)`);
  }
}

console.log('\nsummary (peak RSS target < 500 MB):');
for (const r of rows) console.log(`  ${r.label.padEnd(36)} ${r.ok ? 'ok  ' : 'FAIL'} ${r.seconds.toFixed(1).padStart(7)} s ${r.mbps.toFixed(0).padStart(6)} MiB/s ${r.rssMb.toFixed(0).padStart(6)} MB`);
process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
