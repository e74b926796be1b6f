/**
 * Layer index and projection kind from a tensor name, across the naming
 * schemes of HF transformers (model.layers.12.self_attn.q_proj.weight),
 * GGUF (blk.12.attn_q.weight), GPT-2 (h.12.mlp.c_fc.weight) and Meta's
 * original Llama (layers.12.attention.wq.weight).
 */
export interface LayerName {
  layer: number;
  kind: string;
}

const BLOCK = /(?:^|\.)(?:layers|layer|h|blk|blocks|block|decoder\.layers|encoder\.layers)\.(\d+)\.(.+)$/;

/** Known aliases → the canonical short kind, so charts line up across schemes. */
const ALIASES: Record<string, string> = {
  q_proj: 'q', k_proj: 'k', v_proj: 'v', o_proj: 'o', out_proj: 'o', dense: 'o',
  attn_q: 'q', attn_k: 'k', attn_v: 'v', attn_output: 'o', attn_qkv: 'qkv', query_key_value: 'qkv',
  wq: 'q', wk: 'k', wv: 'v', wo: 'o',
  gate_proj: 'gate', up_proj: 'up', down_proj: 'down',
  ffn_gate: 'gate', ffn_up: 'up', ffn_down: 'down',
  w1: 'gate', w3: 'up', w2: 'down',
  fc1: 'up', fc2: 'down', dense_h_to_4h: 'up', dense_4h_to_h: 'down',
};

/** Kinds in the order a reader expects them in legends. */
export const KIND_ORDER = ['q', 'k', 'v', 'qkv', 'o', 'gate', 'up', 'down'];

export function parseLayerName(name: string): LayerName | undefined {
  const m = BLOCK.exec(name);
  if (m === null) return undefined;
  const layer = Number(m[1]);
  const rest = m[2]!.replace(/\.(weight|bias|qweight|weight_packed)$/, '');
  const last = rest.split('.').pop()!;
  const alias = ALIASES[last];
  if (alias !== undefined) return { layer, kind: alias };
  // GPT-2's c_proj appears in both attn and mlp: keep the parent to tell them apart.
  const parts = rest.split('.');
  const kind = parts.length >= 2 ? parts.slice(-2).join('.') : last;
  return { layer, kind };
}

export function compareKinds(a: string, b: string): number {
  const ia = KIND_ORDER.indexOf(a);
  const ib = KIND_ORDER.indexOf(b);
  if (ia >= 0 && ib >= 0) return ia - ib;
  if (ia >= 0) return -1;
  if (ib >= 0) return 1;
  return a.localeCompare(b);
}
