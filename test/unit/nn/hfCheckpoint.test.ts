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
import { applyRope, ropeTables } from '../../../src/core/nn/rope.js';
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
    it(`θ ${theta}, head size ${dh}, ${t} positions: values and gradient`, () => {
      const shape = [2, t, 3, dh];
      const n = shape.reduce((a, b) => a * b, 1);
      const x = randn(n, 1);
      const dy = randn(n, 2);
      const ref = torch(['rope'], { x: nest(x, shape), dy: nest(dy, shape), theta });
      const { cos, sin } = ropeTables(t, dh, theta);
      const [y, dx] = tf.tidy(() => {
        const c = tf.tensor3d(cos, [t, 1, dh]);
        const s = tf.tensor3d(sin, [t, 1, dh]);
        const f = (v: ReturnType<typeof tf.tensor>) => tf.sum(tf.mul(applyRope(tf, v, c, s), tf.tensor(dy, shape)));
        const xt = tf.tensor(x, shape);
        return [applyRope(tf, xt, c, s).dataSync() as Float32Array, (tf.grad(f as never)(xt) as ReturnType<typeof tf.tensor>).dataSync() as Float32Array];
      });
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(y[i]! - ref[i]!), Math.abs(dx[i]! - ref[n + i]!));
      expect(worst).toBeLessThan(2e-6);
      // Not trivially the identity: position 5 really is rotated.
      expect(Math.abs(y[5 * 3 * dh]! - x[5 * 3 * dh]!)).toBeGreaterThan(1e-3);
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
