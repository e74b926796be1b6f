/**
 * Hugging Face Llama / BitNet tensor names → llama.cpp GGUF names
 * (gguf-py tensor_mapping.py for MODEL_ARCH.BITNET / LLAMA: token_embd,
 * blk.N.attn_q, …; the 2B-4T GGUF uses exactly these, bitnet-reference.md §5).
 * Names we do not recognise are kept as they are (GGUF allows any name up to
 * 63 bytes). Names only: which tensors an architecture loads, and the Q/K row
 * permutation of `llama`, are the exporter's (convert/ggufArch.ts).
 */
const GLOBAL: Record<string, string> = {
  'model.embed_tokens.weight': 'token_embd.weight',
  'model.norm.weight': 'output_norm.weight',
  'lm_head.weight': 'output.weight',
};

const PER_LAYER: Record<string, string> = {
  'self_attn.q_proj': 'attn_q',
  'self_attn.k_proj': 'attn_k',
  'self_attn.v_proj': 'attn_v',
  'self_attn.o_proj': 'attn_output',
  'self_attn.attn_sub_norm': 'attn_sub_norm',
  'self_attn.inner_attn_ln': 'attn_sub_norm',
  'mlp.gate_proj': 'ffn_gate',
  'mlp.up_proj': 'ffn_up',
  'mlp.down_proj': 'ffn_down',
  'mlp.ffn_sub_norm': 'ffn_sub_norm',
  'mlp.ffn_layernorm': 'ffn_sub_norm',
  input_layernorm: 'attn_norm',
  post_attention_layernorm: 'ffn_norm',
};

const LAYER_RE = /^model\.layers\.(\d+)\.(.+)\.(weight|bias)$/;

export function llamaCppName(hfName: string): string {
  const g = GLOBAL[hfName];
  if (g !== undefined) return g;
  const m = LAYER_RE.exec(hfName);
  if (m) {
    const mapped = PER_LAYER[m[2]!];
    if (mapped !== undefined) return `blk.${m[1]}.${mapped}.${m[3]}`;
  }
  return hfName;
}
