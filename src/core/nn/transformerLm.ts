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
 *   x = embed_tokens[ids]                                   [b·t, d]   (embedding.ts: gather, scatter-add gradient)
 *   for each layer l:
 *     n  = RMSNorm(x) · input_layernorm
 *     q  = BitLinear(n, q_proj) → [b, t, H, dh];  k, v = BitLinear(n, k_proj / v_proj) → [b, t, KV, dh]
 *                                                           (one op: n quantized once, [q | k | v] side by side)
 *     q, k = RoPE(q), RoPE(k)                               rope.ts: HF rotate_half, rope_theta, positions 0…t−1
 *     s  = q·kᵀ / √dh, causal (key j ≤ query position p); query head h reads kv head ⌊h / (H/KV)⌋ (HF repeat_kv)
 *     a  = softmax(s) · v → [b, t, H·dh]                    (attention.ts, one op with its own backward)
 *     x  = x + BitLinear(RMSNorm(a) · attn_sub_norm, o_proj)
 *     n2 = RMSNorm(x) · post_attention_layernorm
 *     m  = act(BitLinear(n2, gate_proj)) ⊙ BitLinear(n2, up_proj)      act = relu(·)² ("relu2") or silu
 *                                                           (gate and up likewise one op, as [gate | up])
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
 */
import { causalSelfAttention } from './attention.js';
import type { LinearOptions } from './bitLinear.js';
import { linear } from './bitLinear.js';
import { embedRows } from './embedding.js';
import type { Batch, ModelDef } from './model.js';
import type { ParamSpec, Params } from './params.js';
import { ropeTables, type RopeTables } from './rope.js';
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

export function lmModel(c: LmConfig): ModelDef {
  if (c.dModel % c.heads !== 0) throw new Error(`dModel ${c.dModel} is not a multiple of heads ${c.heads}`);
  if (c.heads % c.kvHeads !== 0) throw new Error(`heads ${c.heads} is not a multiple of kvHeads ${c.kvHeads}`);
  const dh = headDim(c);
  let rope: RopeTables | undefined;
  const ropeFor = (t: number): RopeTables => {
    if (!rope || rope.cos.length < t * dh) rope = ropeTables(c.context, dh, c.ropeTheta);
    return rope;
  };

  return {
    family: 'lm',
    specs: lmSpecs(c),
    logits(tf: Tf, P: Params, batch: Batch, quant: LinearOptions): Tensor {
      return tf.tidy(() => {
        const [b, t] = batch.inputShape as [number, number];
        if (t > c.context) throw new Error(`sequence ${t} longer than context ${c.context}`);
        const shape = { batch: b, t, heads: c.heads, kvHeads: c.kvHeads, dh };
        const tables = ropeFor(t);
        const eps = c.rmsNormEps;
        const embed = P.get('model.embed_tokens.weight');
        const fp = { ...quant, quantize: false };
        let x: Tensor = embedRows(tf, embed, batch.inputs as Int32Array);
        for (let l = 0; l < c.layers; l++) {
          const p = `model.layers.${l}`;
          const w = (n: string): Tensor => P.get(`${p}.${n}.weight`);
          const qkv = linear(tf, x, [w('self_attn.q_proj'), w('self_attn.k_proj'), w('self_attn.v_proj')], w('input_layernorm'), quant, eps);
          const att = causalSelfAttention(tf, qkv, shape, tables);
          x = tf.add(x, linear(tf, att, w('self_attn.o_proj'), w('self_attn.attn_sub_norm'), quant, eps));
          const gu = linear(tf, x, [w('mlp.gate_proj'), w('mlp.up_proj')], w('post_attention_layernorm'), quant, eps);
          const [g, up] = tf.split(gu, 2, 1) as [Tensor, Tensor];
          const act = c.act === 'relu2' ? tf.square(tf.relu(g)) : tf.mul(g, tf.sigmoid(g));
          x = tf.add(x, linear(tf, tf.mul(act, up), w('mlp.down_proj'), w('mlp.ffn_sub_norm'), quant, eps));
        }
        const head = c.tieEmbeddings ? tf.transpose(embed) : P.get('lm_head.weight');
        return linear(tf, x, head, P.get('model.norm.weight'), fp, eps);
      });
    },
  };
}
