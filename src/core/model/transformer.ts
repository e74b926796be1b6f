/**
 * The decoder-only forward pass, in float32 typed arrays (not tfjs: per-op
 * overhead would dominate decoding one token at a time). One code path for
 * Llama and BitNet, following transformers modeling_llama.py and
 * modular_bitnet.py:
 *
 *   h = x + o_proj( [attn_sub_norm] ( Attn( RoPE(q_proj n), RoPE(k_proj n), v_proj n ) ) ),  n = input_layernorm(x)
 *   x = h + down_proj( [ffn_sub_norm] ( act(gate_proj m) ⊙ up_proj m ) ),                   m = post_attention_layernorm(h)
 *   logits = head( norm(x) )
 *
 * with act = SiLU or relu², GQA (query head i reads key/value head
 * ⌊i / (heads / kvHeads)⌋, as repeat_kv), causal softmax(q·k/√d) and an
 * RMSNorm x·w/√(mean x² + ε). Keys and values go into a KvCache, so a session
 * can append tokens and compute only the new positions.
 */
import type { QuantizedActivations } from '../kernels/activations.js';
import type { ModelConfig } from './config.js';
import type { EmbeddingTable, Linear } from './linear.js';
import { quantizeNormed } from './normQuant.js';
import type { RopeTable } from './rope.js';

export const LAYER_LINEARS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LinearName = (typeof LAYER_LINEARS)[number];

/** The Hugging Face module path of each linear inside a decoder layer. */
export const LINEAR_MODULE: Record<LinearName, string> = {
  q_proj: 'self_attn.q_proj',
  k_proj: 'self_attn.k_proj',
  v_proj: 'self_attn.v_proj',
  o_proj: 'self_attn.o_proj',
  gate_proj: 'mlp.gate_proj',
  up_proj: 'mlp.up_proj',
  down_proj: 'mlp.down_proj',
};

export interface LayerWeights {
  inputNorm: Float32Array;
  postNorm: Float32Array;
  attnSubNorm?: Float32Array;
  ffnSubNorm?: Float32Array;
  linears: Record<LinearName, Linear>;
}

export interface ModelWeights {
  embed: EmbeddingTable;
  layers: LayerWeights[];
  finalNorm: Float32Array;
  head: Linear;
}

/** Sees every linear layer's input and output (eval uses it for per-layer errors). */
export type LinearObserver = (layer: number, name: LinearName, x: Float32Array, n: number, y: Float32Array) => void;

/** Keys and values of every layer for the positions computed so far. */
export class KvCache {
  length = 0;
  private capacity = 0;
  readonly k: Float32Array[] = [];
  readonly v: Float32Array[] = [];

  constructor(private readonly layers: number, private readonly width: number) {
    for (let l = 0; l < layers; l++) {
      this.k.push(new Float32Array(0));
      this.v.push(new Float32Array(0));
    }
  }

  /** Room for `positions` in total (doubling, so appending one token at a time stays linear). */
  reserve(positions: number): void {
    if (positions <= this.capacity) return;
    const cap = Math.max(positions, 2 * this.capacity, 16);
    for (let l = 0; l < this.layers; l++) {
      const k = new Float32Array(cap * this.width);
      const v = new Float32Array(cap * this.width);
      k.set(this.k[l]!.subarray(0, this.length * this.width));
      v.set(this.v[l]!.subarray(0, this.length * this.width));
      this.k[l] = k;
      this.v[l] = v;
    }
    this.capacity = cap;
  }

  get bytes(): number {
    return 2 * this.layers * this.capacity * this.width * 4;
  }
}

export function rmsNorm(x: Float32Array, n: number, w: Float32Array, eps: number): Float32Array {
  const d = w.length;
  const y = new Float32Array(n * d);
  for (let t = 0; t < n; t++) {
    const at = t * d;
    let ss = 0;
    for (let j = 0; j < d; j++) ss += x[at + j]! * x[at + j]!;
    const inv = 1 / Math.sqrt(ss / d + eps);
    for (let j = 0; j < d; j++) y[at + j] = x[at + j]! * inv * w[j]!;
  }
  return y;
}

export class Transformer {
  private readonly scratch: Float32Array;

  constructor(readonly config: ModelConfig, readonly weights: ModelWeights, private readonly rope: RopeTable) {
    this.scratch = new Float32Array(config.hidden);
  }

  newCache(): KvCache {
    return new KvCache(this.config.layers, this.config.kvHeads * this.config.headDim);
  }

  /**
   * Runs `tokens` at positions cache.length … and appends them to the cache.
   * Returns the final-normed hidden states [n, hidden] (the head's input).
   */
  forward(tokens: readonly number[], cache: KvCache, observe?: LinearObserver): Float32Array {
    const c = this.config;
    const n = tokens.length;
    const d = c.hidden;
    const start = cache.length;
    cache.reserve(start + n);
    let x: Float32Array = new Float32Array(n * d);
    for (let t = 0; t < n; t++) {
      const id = tokens[t]!;
      if (!Number.isInteger(id) || id < 0 || id >= this.weights.embed.rows) throw new RangeError(`token id ${id} is outside the vocabulary (${this.weights.embed.rows})`);
      this.weights.embed.readRow(id, this.scratch);
      x.set(this.scratch, t * d);
    }
    for (let l = 0; l < c.layers; l++) x = this.layer(l, x, n, start, cache, observe);
    cache.length = start + n;
    return rmsNorm(x, n, this.weights.finalNorm, c.rmsEps);
  }

  private layer(l: number, x: Float32Array, n: number, start: number, cache: KvCache, observe?: LinearObserver): Float32Array {
    const c = this.config;
    const w = this.weights.layers[l]!;
    const quantized = w.linears.q_proj.quantizesInput;
    const run = (name: LinearName, input: Float32Array, xq?: QuantizedActivations): Float32Array => {
      const y = w.linears[name].forward(input, n, xq);
      observe?.(l, name, input, n, y);
      return y;
    };
    // A norm's output is quantized from its input (normQuant.ts: exact ties stay exact).
    const normed = (input: Float32Array, weight: Float32Array): [Float32Array, QuantizedActivations | undefined] => {
      const out = rmsNorm(input, n, weight, c.rmsEps);
      return [out, quantized ? quantizeNormed(input, n, weight, c.rmsEps, out) : undefined];
    };
    const [h, hq] = normed(x, w.inputNorm);
    const q = run('q_proj', h, hq);
    const k = run('k_proj', h, hq);
    const v = run('v_proj', h, hq);
    const qw = c.heads * c.headDim;
    const kw = c.kvHeads * c.headDim;
    for (let t = 0; t < n; t++) {
      this.rope.apply(q, t * qw, c.heads, start + t);
      this.rope.apply(k, t * kw, c.kvHeads, start + t);
    }
    cache.k[l]!.set(k, start * kw);
    cache.v[l]!.set(v, start * kw);
    const o = this.attention(q, n, start, cache.k[l]!, cache.v[l]!);
    const attnOut = w.attnSubNorm ? run('o_proj', ...normed(o, w.attnSubNorm)) : run('o_proj', o);
    for (let i = 0; i < x.length; i++) x[i] = x[i]! + attnOut[i]!;

    const [m, mq] = normed(x, w.postNorm);
    const gate = run('gate_proj', m, mq);
    const up = run('up_proj', m, mq);
    for (let i = 0; i < gate.length; i++) {
      const g = gate[i]!;
      const a = c.activation === 'relu2' ? (g > 0 ? g * g : 0) : g / (1 + Math.exp(-g));
      gate[i] = a * up[i]!;
    }
    const ffnOut = w.ffnSubNorm ? run('down_proj', ...normed(gate, w.ffnSubNorm)) : run('down_proj', gate);
    for (let i = 0; i < x.length; i++) x[i] = x[i]! + ffnOut[i]!;
    return x;
  }

  /**
   * Causal attention of n new queries over cached positions 0 … start + t.
   * The query heads of one GQA group read the same keys and values, so each
   * cached row is loaded once per group; dot products and the weighted sum
   * run in float64, four lanes at a time (V8 does not vectorize for us).
   */
  private attention(q: Float32Array, n: number, start: number, keys: Float32Array, values: Float32Array): Float32Array {
    const c = this.config;
    const hd = c.headDim;
    const qw = c.heads * hd;
    const kw = c.kvHeads * hd;
    const group = c.heads / c.kvHeads;
    const scale = 1 / Math.sqrt(hd);
    const out = new Float32Array(n * qw);
    const scores = new Float64Array(group * (start + n));
    const acc = new Float64Array(group * hd);
    for (let t = 0; t < n; t++) {
      const len = start + t + 1;
      for (let kv = 0; kv < c.kvHeads; kv++) {
        const kvOff = kv * hd;
        for (let g = 0; g < group; g++) {
          const qa = t * qw + (kv * group + g) * hd;
          const row = g * len;
          let max = -Infinity;
          for (let j = 0; j < len; j++) {
            const s = dot4(q, qa, keys, j * kw + kvOff, hd) * scale;
            scores[row + j] = s;
            if (s > max) max = s;
          }
          let sum = 0;
          for (let j = 0; j < len; j++) {
            const e = Math.exp(scores[row + j]! - max);
            scores[row + j] = e;
            sum += e;
          }
          const inv = 1 / sum;
          for (let j = 0; j < len; j++) scores[row + j] = scores[row + j]! * inv;
        }
        acc.fill(0);
        for (let j = 0; j < len; j++) {
          const va = j * kw + kvOff;
          for (let g = 0; g < group; g++) {
            const p = scores[g * len + j]!;
            const a = g * hd;
            let i = 0;
            for (; i + 4 <= hd; i += 4) {
              acc[a + i] = acc[a + i]! + p * values[va + i]!;
              acc[a + i + 1] = acc[a + i + 1]! + p * values[va + i + 1]!;
              acc[a + i + 2] = acc[a + i + 2]! + p * values[va + i + 2]!;
              acc[a + i + 3] = acc[a + i + 3]! + p * values[va + i + 3]!;
            }
            for (; i < hd; i++) acc[a + i] = acc[a + i]! + p * values[va + i]!;
          }
        }
        for (let g = 0; g < group; g++) {
          const qa = t * qw + (kv * group + g) * hd;
          for (let i = 0; i < hd; i++) out[qa + i] = acc[g * hd + i]!;
        }
      }
    }
    return out;
  }
}

/** Σ a[ia + i]·b[ib + i] over i < len, four partial sums (float64). */
function dot4(a: Float32Array, ia: number, b: Float32Array, ib: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    s0 += a[ia + i]! * b[ib + i]!;
    s1 += a[ia + i + 1]! * b[ib + i + 1]!;
    s2 += a[ia + i + 2]! * b[ib + i + 2]!;
    s3 += a[ia + i + 3]! * b[ib + i + 3]!;
  }
  for (; i < len; i++) s0 += a[ia + i]! * b[ib + i]!;
  return s0 + s1 + s2 + s3;
}
