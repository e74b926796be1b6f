/**
 * The byte-level language model: Hugging Face `BitNetForCausalLM`
 * (transformers modeling_bitnet.py, the BitNet b1.58 2B4T layout,
 * bitnet-reference.md §1.3), with our BitLinear for every projection.
 * This header is the definition another engine (PyTorch, branch torchrun)
 * reproduces; change it only together with that script.
 *
 * Shapes: b sequences of t ≤ context byte ids; d = dModel; H heads, KV
 * key/value heads (H % KV = 0), dh = d / H (even); f = ffnDim.
 *
 *   x = embed_tokens[ids]                                   [b, t, d]   (one-hot matmul, see below)
 *   for each layer l:
 *     n  = RMSNorm(x) · input_layernorm
 *     q  = BitLinear(n, q_proj) → [b, t, H, dh];  k, v = BitLinear(n, k_proj / v_proj) → [b, t, KV, dh]
 *     q, k = RoPE(q), RoPE(k)                               rope.ts: HF rotate_half, rope_theta, positions 0…t−1
 *     s  = q·kᵀ / √dh + causal mask (−1e9 above the diagonal); query head h reads kv head ⌊h / (H/KV)⌋ (HF repeat_kv)
 *     a  = softmax(s) · v → [b, t, H·dh]
 *     x  = x + BitLinear(RMSNorm(a) · attn_sub_norm, o_proj)
 *     n2 = RMSNorm(x) · post_attention_layernorm
 *     m  = act(BitLinear(n2, gate_proj)) ⊙ BitLinear(n2, up_proj)      act = relu(·)² ("relu2") or silu
 *     x  = x + BitLinear(RMSNorm(m) · ffn_sub_norm, down_proj)
 *   logits = (RMSNorm(x) · model.norm) · Wᵀ,   W = lm_head, or embed_tokens when tied   [b·t, vocab]
 *
 * RMSNorm(x) = x / √(mean(x²) + ε), ε = rmsNormEps (1e-5), over the last axis.
 * BitLinear(x, W) = actQuant(x) · weightQuant(W)ᵀ: per-token absmax int8 and
 * per-tensor absmean ternary fake quantization with straight-through
 * gradients (bitLinear.ts, fakeQuant.ts); in the full-precision twin a plain
 * x · Wᵀ. Every BitLinear input is RMS-normalised by the pre-norm or a
 * sub-norm. No biases. Embeddings, norms and the head stay full precision.
 * Loss: mean cross-entropy over all b·t positions (model.ts).
 *
 * Init (params.ts Params.init, one stream derivedPrng(seed, 'init') of
 * src/core/random.ts, tensors in spec order below, values row-major over the
 * in-memory shape — linear weights [in, out], the transpose of the file):
 * linear weights N(0, 1/in), embeddings N(0, 0.02²), norm gains 1.
 *
 * Token embedding is a one-hot matmul, not a gather: the wasm backend has no
 * UnsortedSegmentSum, so a gather has no gradient there.
 */
import type { LinearOptions } from './bitLinear.js';
import { linear, rmsNorm } from './bitLinear.js';
import { fastMatMul, transposeLast } from './fastMatMul.js';
import type { Batch, ModelDef } from './model.js';
import type { ParamSpec, Params } from './params.js';
import { applyRope, ropeTables } from './rope.js';
import type { Tensor, Tf } from './tf.js';

export type LmActivation = 'relu2' | 'silu';
export const LM_ACTIVATIONS: readonly LmActivation[] = ['relu2', 'silu'];

export interface LmConfig {
  vocab: number;
  dModel: number;
  layers: number;
  heads: number;
  /** Key/value heads (GQA); equal to `heads` for plain multi-head attention. */
  kvHeads: number;
  ffnDim: number;
  context: number;
  act: LmActivation;
  /** The output head is embed_tokens (no lm_head.weight). */
  tieEmbeddings: boolean;
  ropeTheta: number;
  rmsNormEps: number;
}

export const DEFAULT_LM: LmConfig = {
  vocab: 256, dModel: 128, layers: 2, heads: 4, kvHeads: 4, ffnDim: 384, context: 64,
  act: 'relu2', tieEmbeddings: false, ropeTheta: 10000, rmsNormEps: 1e-5,
};

export function headDim(c: LmConfig): number {
  return c.dModel / c.heads;
}

export function lmSpecs(c: LmConfig): ParamSpec[] {
  const d = c.dModel;
  const f = c.ffnDim;
  const kv = c.kvHeads * headDim(c);
  const specs: ParamSpec[] = [{ name: 'model.embed_tokens.weight', shape: [c.vocab, d], kind: 'embedding' }];
  for (let l = 0; l < c.layers; l++) {
    const p = `model.layers.${l}`;
    specs.push(
      { name: `${p}.input_layernorm.weight`, shape: [d], kind: 'norm' },
      { name: `${p}.self_attn.q_proj.weight`, shape: [d, d], kind: 'bitlinear' },
      { name: `${p}.self_attn.k_proj.weight`, shape: [d, kv], kind: 'bitlinear' },
      { name: `${p}.self_attn.v_proj.weight`, shape: [d, kv], kind: 'bitlinear' },
      { name: `${p}.self_attn.attn_sub_norm.weight`, shape: [d], kind: 'norm' },
      { name: `${p}.self_attn.o_proj.weight`, shape: [d, d], kind: 'bitlinear' },
      { name: `${p}.post_attention_layernorm.weight`, shape: [d], kind: 'norm' },
      { name: `${p}.mlp.gate_proj.weight`, shape: [d, f], kind: 'bitlinear' },
      { name: `${p}.mlp.up_proj.weight`, shape: [d, f], kind: 'bitlinear' },
      { name: `${p}.mlp.ffn_sub_norm.weight`, shape: [f], kind: 'norm' },
      { name: `${p}.mlp.down_proj.weight`, shape: [f, d], kind: 'bitlinear' },
    );
  }
  specs.push({ name: 'model.norm.weight', shape: [d], kind: 'norm' });
  if (!c.tieEmbeddings) specs.push({ name: 'lm_head.weight', shape: [d, c.vocab], kind: 'linear' });
  return specs;
}

const NEG_INF = -1e9;

/** Tensors that depend only on the sequence length, built once per length. */
interface Constants {
  tf: Tf;
  t: number;
  /** Causal mask [rep·t, t]: the GQA query rows of one kv head are rep copies of t positions. */
  mask: Tensor;
  /** RoPE tables [t, 1, dh]. */
  cos: Tensor;
  sin: Tensor;
}

export function lmModel(c: LmConfig): ModelDef {
  if (c.dModel % c.heads !== 0) throw new Error(`dModel ${c.dModel} is not a multiple of heads ${c.heads}`);
  if (c.heads % c.kvHeads !== 0) throw new Error(`heads ${c.heads} is not a multiple of kvHeads ${c.kvHeads}`);
  const dh = headDim(c);
  const rep = c.heads / c.kvHeads;
  let constants: Constants | undefined;
  const constantsFor = (tf: Tf, t: number): Constants => {
    if (!constants || constants.tf !== tf || constants.t !== t || constants.mask.isDisposed) {
      if (constants && !constants.mask.isDisposed) tf.dispose([constants.mask, constants.cos, constants.sin]);
      const m = new Float32Array(rep * t * t);
      for (let r = 0; r < rep * t; r++) for (let j = (r % t) + 1; j < t; j++) m[r * t + j] = NEG_INF;
      const { cos, sin } = ropeTables(t, dh, c.ropeTheta);
      constants = {
        tf, t,
        mask: tf.keep(tf.tensor2d(m, [rep * t, t])),
        cos: tf.keep(tf.tensor3d(cos, [t, 1, dh])),
        sin: tf.keep(tf.tensor3d(sin, [t, 1, dh])),
      };
    }
    return constants;
  };

  return {
    family: 'lm',
    specs: lmSpecs(c),
    logits(tf: Tf, P: Params, batch: Batch, quant: LinearOptions): Tensor {
      return tf.tidy(() => {
        const [b, t] = batch.inputShape as [number, number];
        if (t > c.context) throw new Error(`sequence ${t} longer than context ${c.context}`);
        const k0 = constantsFor(tf, t);
        const eps = c.rmsNormEps;
        const ids = tf.tensor1d(batch.inputs as Int32Array, 'int32');
        const embed = P.get('model.embed_tokens.weight');
        let x: Tensor = tf.reshape(fastMatMul(tf, tf.oneHot(ids, c.vocab).toFloat(), embed), [b, t, c.dModel]);
        // [b, t, n·dh] → RoPE'd (optional) → [b, n, t, dh]
        const heads = (y: Tensor, n: number, rope: boolean): Tensor => {
          let h = tf.reshape(y, [b, t, n, dh]);
          if (rope) h = applyRope(tf, h, k0.cos, k0.sin);
          return tf.transpose(h, [0, 2, 1, 3]);
        };
        for (let l = 0; l < c.layers; l++) {
          const p = `model.layers.${l}`;
          const n1 = rmsNorm(tf, x, P.get(`${p}.input_layernorm.weight`), eps);
          // GQA without copying k/v: the rep query heads of one kv head are stacked along the row axis.
          const q = tf.reshape(heads(linear(tf, n1, P.get(`${p}.self_attn.q_proj.weight`), null, quant), c.heads, true), [b, c.kvHeads, rep * t, dh]);
          const k = heads(linear(tf, n1, P.get(`${p}.self_attn.k_proj.weight`), null, quant), c.kvHeads, true);
          const v = heads(linear(tf, n1, P.get(`${p}.self_attn.v_proj.weight`), null, quant), c.kvHeads, false);
          const scores = tf.add(tf.mul(fastMatMul(tf, q, transposeLast(tf, k)), 1 / Math.sqrt(dh)), k0.mask);
          const att = tf.reshape(fastMatMul(tf, tf.softmax(scores), v), [b, c.heads, t, dh]);
          const merged = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [b, t, c.dModel]);
          x = tf.add(x, linear(tf, merged, P.get(`${p}.self_attn.o_proj.weight`), P.get(`${p}.self_attn.attn_sub_norm.weight`), quant, eps));
          const n2 = rmsNorm(tf, x, P.get(`${p}.post_attention_layernorm.weight`), eps);
          const g = linear(tf, n2, P.get(`${p}.mlp.gate_proj.weight`), null, quant);
          const act = c.act === 'relu2' ? tf.square(tf.relu(g)) : tf.mul(g, tf.sigmoid(g));
          const up = linear(tf, n2, P.get(`${p}.mlp.up_proj.weight`), null, quant);
          x = tf.add(x, linear(tf, tf.mul(act, up), P.get(`${p}.mlp.down_proj.weight`), P.get(`${p}.mlp.ffn_sub_norm.weight`), quant, eps));
        }
        const h = rmsNorm(tf, tf.reshape(x, [b * t, c.dModel]), P.get('model.norm.weight'), eps);
        return c.tieEmbeddings ? fastMatMul(tf, h, transposeLast(tf, embed)) : fastMatMul(tf, h, P.get('lm_head.weight'));
      });
    },
  };
}
