/**
 * Our LM is Hugging Face's BitNetForCausalLM: RoPE and its gradient against
 * PyTorch running transformers' rotary code, and a trained checkpoint — names,
 * [out, in] layout, config.json beside it and in __metadata__ — run by an
 * independent PyTorch forward (scripts/fixtures/hf_bitnet_lm.py) to the logits we compute,
 * in full precision and as W1.58A8 (transformers' AutoBitLinear, online).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/core/backend.js';
import { loadTensors, META, valuesForSpecs } from '../../../src/core/nn/checkpoint.js';
import { defaultTrainConfig } from '../../../src/core/nn/config.js';
import { openSafetensors } from '../../../src/core/formats/safetensors/index.js';
import { Params } from '../../../src/core/nn/params.js';
import { causalSelfAttention } from '../../../src/core/nn/attention.js';
import { ropeInto, ropeTables } from '../../../src/core/nn/rope.js';
import type { Tf } from '../../../src/core/nn/tf.js';
import { trainRun } from '../../../src/core/nn/trainer.js';
import { lmModel, type LmConfig } from '../../../src/core/nn/transformerLm.js';
import { Prng } from '../../../src/core/random.js';

const PY = '/usr/bin/python3';
const SCRIPT = join(__dirname, '../../../scripts/fixtures/hf_bitnet_lm.py');
const torchOk = spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

function torch(args: string[], input: unknown): Float32Array {
  const r = spawnSync(PY, [SCRIPT, ...args], { input: JSON.stringify(input), maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`hf_bitnet_lm.py failed: ${r.stderr.toString()}`);
  const b = r.stdout as Buffer;
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

function nest(a: Float32Array, shape: number[]): unknown {
  if (shape.length === 1) return Array.from(a);
  const step = a.length / shape[0]!;
  return Array.from({ length: shape[0]! }, (_, i) => nest(a.subarray(i * step, (i + 1) * step), shape.slice(1)));
}

function randn(n: number, seed: number): Float32Array {
  const p = new Prng(seed);
  return Float32Array.from({ length: n }, () => p.normal());
}

let tf: Tf;
const tmp = mkdtempSync(join(tmpdir(), 'bitnet-hf-lm-'));
beforeAll(async () => {
  tf = (await initBackend('auto')).tf;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!torchOk)('RoPE against transformers\' rotary code in PyTorch', () => {
  for (const [theta, dh, t] of [[10000, 32, 64], [500000, 8, 17]] as const) {
    it(`θ ${theta}, head size ${dh}, ${t} positions: values, and the gradient as the inverse rotation`, () => {
      const shape = [2, t, 3, dh];
      const n = shape.reduce((a, b) => a * b, 1);
      const x = randn(n, 1);
      const dy = randn(n, 2);
      const ref = torch(['rope'], { x: nest(x, shape), dy: nest(dy, shape), theta });
      const tables = ropeTables(t, dh, theta);
      const y = new Float32Array(n);
      const dx = new Float32Array(n);
      for (let r = 0; r < n / dh; r++) {
        const p = Math.floor(r / 3) % t; // rows are (batch, position, head)
        ropeInto(tables, p, x, r * dh, y, r * dh);
        ropeInto(tables, p, dy, r * dh, dx, r * dh, true);
      }
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(y[i]! - ref[i]!), Math.abs(dx[i]! - ref[n + i]!));
      expect(worst).toBeLessThan(2e-6);
      // Not trivially the identity: position 5 really is rotated.
      expect(Math.abs(y[5 * 3 * dh]! - x[5 * 3 * dh]!)).toBeGreaterThan(1e-3);
    });
  }
});

describe.skipIf(!torchOk)('causal GQA attention op against BitNetAttention with PyTorch autograd', () => {
  // dh 6: the kernel's scalar tail after its 4-wide lanes.
  for (const [H, KV, t, dh] of [[4, 2, 16, 8], [4, 4, 9, 8], [6, 1, 5, 8], [2, 1, 7, 6]] as const) {
    it(`${H} heads on ${KV} kv heads, ${t} positions, head size ${dh}: output and ∂/∂q, ∂/∂k, ∂/∂v`, () => {
      const b = 2;
      const nq = b * t * H * dh;
      const nk = b * t * KV * dh;
      const [q, k, v, dy] = [randn(nq, 3), randn(nk, 4), randn(nk, 5), randn(nq, 6)];
      const ref = torch(['attention'], { q: nest(q, [b, t, H, dh]), k: nest(k, [b, t, KV, dh]), v: nest(v, [b, t, KV, dh]), dy: nest(dy, [b, t, H, dh]), theta: 10000 });
      const ours = tf.tidy(() => {
        const qt = tf.tensor2d(q, [b * t, H * dh]);
        const kt = tf.tensor2d(k, [b * t, KV * dh]);
        const vt = tf.tensor2d(v, [b * t, KV * dh]);
        // The op takes q, k and v packed side by side, as the fused projection writes them.
        const attend = (a: typeof qt, c: typeof kt, d: typeof vt) => causalSelfAttention(tf, tf.concat([a, c, d], 1), { batch: b, t, heads: H, kvHeads: KV, dh }, ropeTables(t, dh, 10000));
        const f = (a: typeof qt, c: typeof kt, d: typeof vt) => tf.sum(tf.mul(attend(a, c, d), tf.tensor2d(dy, [b * t, H * dh])));
        const grads = tf.grads(f as never)([qt, kt, vt]) as Array<typeof qt>;
        return [attend(qt, kt, vt), ...grads].map((g) => g.dataSync() as Float32Array);
      });
      const parts = [nq, nq, nk, nk];
      let o = 0;
      parts.forEach((len, i) => {
        let worst = 0;
        for (let j = 0; j < len; j++) worst = Math.max(worst, Math.abs(ours[i]![j]! - ref[o + j]!));
        expect(worst, ['out', 'dq', 'dk', 'dv'][i]).toBeLessThan(2e-5);
        o += len;
      });
    });
  }
});

describe('a trained LM checkpoint is an HF BitNetForCausalLM', () => {
  const variants: Array<{ name: string; lm: Partial<LmConfig> }> = [
    { name: 'GQA, relu2, separate head', lm: { heads: 4, kvHeads: 2, act: 'relu2', tieEmbeddings: false } },
    { name: 'MHA, silu, tied embeddings', lm: { heads: 2, kvHeads: 2, act: 'silu', tieEmbeddings: true } },
  ];
  for (const v of variants) {
    it(`${v.name}: layout, config.json, and PyTorch's logits`, async () => {
      const dir = join(tmp, v.name.replace(/\W+/g, '-'));
      const text = join(tmp, 'corpus.txt');
      writeFileSync(text, 'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife. '.repeat(60));
      const c = defaultTrainConfig('lm', text);
      c.lm = { ...c.lm, dModel: 32, layers: 2, ffnDim: 48, context: 16, ropeTheta: 10000, ...v.lm };
      c.steps = 3;
      c.batchSize = 4;
      c.evalEvery = 3;
      c.text = { ...c.text, valTokens: 64 };
      const r = await trainRun(c, { out: dir });
      expect(r.runs.bitnet.msPerStep).toBeGreaterThan(0);
      const ckpt = r.runs.bitnet.checkpoint!;

      // Names and shapes exactly as transformers stores them.
      const f = await openSafetensors(ckpt);
      const shapes = new Map(f.tensors.map((t) => [t.name, t.shape]));
      const meta = f.metadata;
      await f.close();
      const dh = 32 / c.lm.heads;
      expect(shapes.get('model.embed_tokens.weight')).toEqual([256, 32]);
      expect(shapes.get('model.layers.1.self_attn.q_proj.weight')).toEqual([32, 32]);
      expect(shapes.get('model.layers.1.self_attn.k_proj.weight')).toEqual([c.lm.kvHeads * dh, 32]);
      expect(shapes.get('model.layers.1.mlp.gate_proj.weight')).toEqual([48, 32]);
      expect(shapes.get('model.layers.1.mlp.down_proj.weight')).toEqual([32, 48]);
      expect(shapes.get('model.layers.1.self_attn.attn_sub_norm.weight')).toEqual([32]);
      expect(shapes.get('model.layers.1.mlp.ffn_sub_norm.weight')).toEqual([48]);
      expect(shapes.has('lm_head.weight')).toBe(!c.lm.tieEmbeddings);
      expect([...shapes.keys()].some((n) => n.includes('position'))).toBe(false);
      expect(shapes.size).toBe(1 + 2 * 11 + 1 + (c.lm.tieEmbeddings ? 0 : 1));

      // config.json beside the checkpoints and in __metadata__.
      const beside = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      const inMeta = JSON.parse(meta[META.hfConfig]!);
      for (const cfg of [beside, inMeta]) {
        expect(cfg).toMatchObject({
          architectures: ['BitNetForCausalLM'], model_type: 'bitnet', hidden_act: c.lm.act, hidden_size: 32, intermediate_size: 48,
          num_hidden_layers: 2, num_attention_heads: c.lm.heads, num_key_value_heads: c.lm.kvHeads, vocab_size: 256,
          max_position_embeddings: 16, rope_theta: 10000, rms_norm_eps: 1e-5, tie_word_embeddings: c.lm.tieEmbeddings,
          torch_dtype: 'float32', bitnet_lab: { tokenizer: 'bytes' },
        });
      }
      expect(beside.quantization_config).toBeUndefined(); // shared by the FP twin
      expect(inMeta.quantization_config).toMatchObject({ quant_method: 'bitnet', linear_class: 'autobitlinear', quantization_mode: 'online' });
      const fpMeta = (await openSafetensors(r.runs.fp!.checkpoint!));
      expect(JSON.parse(fpMeta.metadata[META.hfConfig]!).quantization_config).toBeUndefined();
      await fpMeta.close();
      expect(existsSync(join(dir, 'bitnet-ternary', 'config.json'))).toBe(true);

      if (!torchOk) return;
      // PyTorch runs the file as HF would; we run the same file through our model.
      const b = 2;
      const t = 16;
      const p = new Prng(7);
      const ids = Array.from({ length: b }, () => Array.from({ length: t }, () => p.int(256)));
      const model = lmModel(c.lm);
      const params = Params.fromValues(tf, model.specs, valuesForSpecs(await loadTensors(ckpt), model.specs, ckpt));
      try {
        for (const mode of ['fp', 'w158a8'] as const) {
          const ref = torch([ckpt, join(dir, 'config.json'), mode], { ids });
          const ours = tf.tidy(() => model.logits(tf, params, { inputs: Int32Array.from(ids.flat()), inputShape: [b, t], targets: new Int32Array(b * t) },
            { quantize: mode === 'w158a8', weightMethod: 'absmean', activationQuant: true }).dataSync() as Float32Array);
          expect(ours.length).toBe(ref.length);
          let worst = 0;
          let scale = 0;
          for (let i = 0; i < ref.length; i++) {
            worst = Math.max(worst, Math.abs(ours[i]! - ref[i]!));
            scale = Math.max(scale, Math.abs(ref[i]!));
          }
          expect(scale).toBeGreaterThan(0.1);
          expect(worst / scale).toBeLessThan(mode === 'fp' ? 1e-5 : 1e-3);
        }
      } finally {
        params.dispose();
      }
    });
  }
});
