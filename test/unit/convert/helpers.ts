/** Small deterministic checkpoints for the convert tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFromFloat32 } from '../../../src/core/formats/dtypes.js';
import { writeSafetensors } from '../../../src/core/formats/safetensors/writer.js';

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `bitnet-lab-${tag}-`));
}

/** Gaussian-ish values from a seeded LCG + Box–Muller (reproducible across runs). */
export function gaussian(n: number, seed: number, std = 0.02): Float32Array {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 1) / 4294967297;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = std * Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  return out;
}

export interface FixtureTensor {
  name: string;
  dtype: 'F32' | 'F16' | 'BF16';
  shape: number[];
  values: Float32Array;
}

/** A two-layer Llama-shaped model: rows of 256 and 512 so every TQ format accepts it. */
export function tinyLlama(dtype: 'F32' | 'F16' | 'BF16' = 'BF16'): FixtureTensor[] {
  const t = (name: string, shape: number[], seed: number, std = 0.02): FixtureTensor => ({
    name,
    dtype,
    shape,
    values: gaussian(shape.reduce((a, b) => a * b, 1), seed, std),
  });
  const hidden = 256;
  const inter = 512;
  const out: FixtureTensor[] = [t('model.embed_tokens.weight', [32, hidden], 1), t('model.norm.weight', [hidden], 2, 1)];
  for (let l = 0; l < 2; l++) {
    const p = `model.layers.${l}.`;
    out.push(
      t(`${p}input_layernorm.weight`, [hidden], 10 + l, 1),
      t(`${p}self_attn.q_proj.weight`, [hidden, hidden], 20 + l),
      t(`${p}self_attn.k_proj.weight`, [64, hidden], 30 + l),
      t(`${p}self_attn.v_proj.weight`, [64, hidden], 40 + l),
      t(`${p}self_attn.o_proj.weight`, [hidden, hidden], 50 + l),
      t(`${p}mlp.gate_proj.weight`, [inter, hidden], 60 + l),
      t(`${p}mlp.down_proj.weight`, [hidden, inter], 70 + l),
    );
  }
  out.push(t('lm_head.weight', [32, hidden], 3));
  return out;
}

export const TINY_LLAMA_CONFIG = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 256,
  intermediate_size: 512,
  num_attention_heads: 4,
  num_key_value_heads: 1,
  torch_dtype: 'bfloat16',
};

/** Writes the fixture; values are rounded to the dtype, so callers must compare against what was read back. */
export async function writeFixture(path: string, tensors: FixtureTensor[]): Promise<void> {
  await writeSafetensors(
    path,
    tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: encodeFromFloat32(t.dtype, t.values) })),
    { format: 'pt' },
  );
}

/** Index of the first differing element (−1 if equal, −2 if lengths differ) — far faster than toEqual on big typed arrays. */
export function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

export type DecoderKind = 'llama' | 'bitnet-silu' | 'bitnet-relu2';

/**
 * A complete small decoder in Hugging Face layout (every tensor the GGUF
 * architectures load), with its config.json: hidden 256, FFN 512, 2 layers,
 * 4 heads of 64 over 2 KV heads, vocab 64. BitNet kinds add the sub-norms
 * and tie the head; llama has its own lm_head.
 */
export function tinyDecoder(kind: DecoderKind, dtype: 'F32' | 'F16' | 'BF16' = 'F32'): { tensors: FixtureTensor[]; config: Record<string, unknown> } {
  const hidden = 256;
  const inter = 512;
  const heads = 4;
  const kvHeads = 2;
  const vocab = 64;
  const headDim = hidden / heads;
  let seed = 100;
  const t = (name: string, shape: number[], std = 0.02, mean = 0): FixtureTensor => {
    const values = gaussian(shape.reduce((a, b) => a * b, 1), seed++, std);
    if (mean !== 0) for (let i = 0; i < values.length; i++) values[i]! += mean;
    return { name, dtype, shape, values };
  };
  const bitnet = kind !== 'llama';
  const tensors: FixtureTensor[] = [t('model.embed_tokens.weight', [vocab, hidden], 0.5)];
  for (let l = 0; l < 2; l++) {
    const p = `model.layers.${l}.`;
    tensors.push(
      t(`${p}input_layernorm.weight`, [hidden], 0.1, 1),
      t(`${p}self_attn.q_proj.weight`, [heads * headDim, hidden]),
      t(`${p}self_attn.k_proj.weight`, [kvHeads * headDim, hidden]),
      t(`${p}self_attn.v_proj.weight`, [kvHeads * headDim, hidden]),
      t(`${p}self_attn.o_proj.weight`, [hidden, heads * headDim]),
      t(`${p}post_attention_layernorm.weight`, [hidden], 0.1, 1),
      t(`${p}mlp.gate_proj.weight`, [inter, hidden]),
      t(`${p}mlp.up_proj.weight`, [inter, hidden]),
      t(`${p}mlp.down_proj.weight`, [hidden, inter]),
    );
    if (bitnet) tensors.push(t(`${p}self_attn.attn_sub_norm.weight`, [hidden], 0.1, 1), t(`${p}mlp.ffn_sub_norm.weight`, [inter], 0.1, 1));
  }
  tensors.push(t('model.norm.weight', [hidden], 0.1, 1));
  if (!bitnet) tensors.push(t('lm_head.weight', [vocab, hidden]));
  const config: Record<string, unknown> = {
    architectures: [bitnet ? 'BitNetForCausalLM' : 'LlamaForCausalLM'],
    model_type: bitnet ? 'bitnet' : 'llama',
    hidden_size: hidden,
    intermediate_size: inter,
    num_hidden_layers: 2,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    vocab_size: vocab,
    max_position_embeddings: 128,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    hidden_act: kind === 'bitnet-relu2' ? 'relu2' : 'silu',
    tie_word_embeddings: bitnet,
  };
  return { tensors, config };
}
