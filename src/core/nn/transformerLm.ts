/**
 * A small decoder-only byte/char-level language model in the BitNet b1.58
 * 2B4T layout (bitnet-reference.md §1.3), tensor names as in transformers'
 * BitNet models:
 *
 *   h   = x + o_proj( attn_sub_norm( Attn( q/k/v_proj( input_layernorm(x) ) ) ) )
 *   out = h + down_proj( ffn_sub_norm( relu(gate_proj(n))² ⊙ up_proj(n) ) ),  n = post_attention_layernorm(h)
 *
 * The sub-norms are the input RMSNorms of the o/down BitLinears; q/k/v and
 * gate/up share the block pre-norm (so BitLinear's norm is not applied twice).
 * Gated squared ReLU, as in 2B4T (not SwiGLU): it is what the released BitNet
 * model uses, and needs only relu/mul whose gradients exist on every backend.
 *
 * Embeddings, positions, norms and the output head stay full precision, as in
 * the paper. Token embedding is a one-hot matmul, not a gather: the wasm
 * backend has no UnsortedSegmentSum, so a gather has no gradient there.
 * Positions are learned absolute embeddings (RoPE is not needed at this size).
 */
import type { LinearOptions } from './bitLinear.js';
import { linear, rmsNorm } from './bitLinear.js';
import { fastMatMul, transposeLast } from './fastMatMul.js';
import type { Batch, ModelDef } from './model.js';
import type { ParamSpec, Params } from './params.js';
import type { Tensor, Tf } from './tf.js';

export interface LmConfig {
  vocab: number;
  dModel: number;
  layers: number;
  heads: number;
  ffnDim: number;
  context: number;
}

export const DEFAULT_LM: LmConfig = { vocab: 256, dModel: 128, layers: 2, heads: 4, ffnDim: 384, context: 64 };

const NEG_INF = -1e9;

export function lmSpecs(c: LmConfig): ParamSpec[] {
  const d = c.dModel;
  const f = c.ffnDim;
  const specs: ParamSpec[] = [
    { name: 'model.embed_tokens.weight', shape: [c.vocab, d], kind: 'embedding' },
    { name: 'model.embed_positions.weight', shape: [c.context, d], kind: 'embedding' },
  ];
  for (let l = 0; l < c.layers; l++) {
    const p = `model.layers.${l}`;
    specs.push(
      { name: `${p}.input_layernorm.weight`, shape: [d], kind: 'norm' },
      { name: `${p}.self_attn.q_proj.weight`, shape: [d, d], kind: 'bitlinear' },
      { name: `${p}.self_attn.k_proj.weight`, shape: [d, d], kind: 'bitlinear' },
      { name: `${p}.self_attn.v_proj.weight`, shape: [d, d], kind: 'bitlinear' },
      { name: `${p}.self_attn.attn_sub_norm.weight`, shape: [d], kind: 'norm' },
      { name: `${p}.self_attn.o_proj.weight`, shape: [d, d], kind: 'bitlinear' },
      { name: `${p}.post_attention_layernorm.weight`, shape: [d], kind: 'norm' },
      { name: `${p}.mlp.gate_proj.weight`, shape: [d, f], kind: 'bitlinear' },
      { name: `${p}.mlp.up_proj.weight`, shape: [d, f], kind: 'bitlinear' },
      { name: `${p}.mlp.ffn_sub_norm.weight`, shape: [f], kind: 'norm' },
      { name: `${p}.mlp.down_proj.weight`, shape: [f, d], kind: 'bitlinear' },
    );
  }
  specs.push({ name: 'model.norm.weight', shape: [d], kind: 'norm' }, { name: 'lm_head.weight', shape: [d, c.vocab], kind: 'linear' });
  return specs;
}

export function lmModel(c: LmConfig): ModelDef {
  if (c.dModel % c.heads !== 0) throw new Error(`dModel ${c.dModel} is not a multiple of heads ${c.heads}`);
  const dh = c.dModel / c.heads;
  let mask: { tf: Tf; t: number; m: Tensor } | undefined;
  const causalMask = (tf: Tf, t: number): Tensor => {
    if (!mask || mask.tf !== tf || mask.t !== t || mask.m.isDisposed) {
      const data = new Float32Array(t * t);
      for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) data[i * t + j] = NEG_INF;
      mask = { tf, t, m: tf.keep(tf.tensor2d(data, [t, t])) };
    }
    return mask.m;
  };

  return {
    family: 'lm',
    specs: lmSpecs(c),
    logits(tf: Tf, P: Params, batch: Batch, quant: LinearOptions): Tensor {
      return tf.tidy(() => {
        const [b, t] = batch.inputShape as [number, number];
        if (t > c.context) throw new Error(`sequence ${t} longer than context ${c.context}`);
        const ids = tf.tensor1d(batch.inputs as Int32Array, 'int32');
        const tok = fastMatMul(tf, tf.oneHot(ids, c.vocab).toFloat(), P.get('model.embed_tokens.weight'));
        const pos = tf.slice(P.get('model.embed_positions.weight'), [0, 0], [t, c.dModel]);
        let x: Tensor = tf.add(tf.reshape(tok, [b, t, c.dModel]), pos);
        const m = causalMask(tf, t);
        const heads = (y: Tensor): Tensor => tf.transpose(tf.reshape(y, [b, t, c.heads, dh]), [0, 2, 1, 3]);
        for (let l = 0; l < c.layers; l++) {
          const p = `model.layers.${l}`;
          const n1 = rmsNorm(tf, x, P.get(`${p}.input_layernorm.weight`));
          const q = heads(linear(tf, n1, P.get(`${p}.self_attn.q_proj.weight`), null, quant));
          const k = heads(linear(tf, n1, P.get(`${p}.self_attn.k_proj.weight`), null, quant));
          const v = heads(linear(tf, n1, P.get(`${p}.self_attn.v_proj.weight`), null, quant));
          const scores = tf.add(tf.mul(fastMatMul(tf, q, transposeLast(tf, k)), 1 / Math.sqrt(dh)), m);
          const att = fastMatMul(tf, tf.softmax(scores), v);
          const merged = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [b, t, c.dModel]);
          x = tf.add(x, linear(tf, merged, P.get(`${p}.self_attn.o_proj.weight`), P.get(`${p}.self_attn.attn_sub_norm.weight`), quant));
          const n2 = rmsNorm(tf, x, P.get(`${p}.post_attention_layernorm.weight`));
          const gate = tf.square(tf.relu(linear(tf, n2, P.get(`${p}.mlp.gate_proj.weight`), null, quant)));
          const up = linear(tf, n2, P.get(`${p}.mlp.up_proj.weight`), null, quant);
          x = tf.add(x, linear(tf, tf.mul(gate, up), P.get(`${p}.mlp.down_proj.weight`), P.get(`${p}.mlp.ffn_sub_norm.weight`), quant));
        }
        const h = rmsNorm(tf, tf.reshape(x, [b * t, c.dModel]), P.get('model.norm.weight'));
        return fastMatMul(tf, h, P.get('lm_head.weight'));
      });
    },
  };
}
