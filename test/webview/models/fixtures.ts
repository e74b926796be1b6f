/**
 * Messages of the real shapes (src/core/model/api.ts, src/protocol/models.ts)
 * for the webview tests: an evaluation of a 4-layer Llama-shaped model (7
 * linear layers per block, so the per-layer table spans two pages) and the
 * pieces of two streamed continuations. The values are arbitrary but
 * deterministic (mulberry32); the tests recompute what the page must show
 * from these objects, never from constants.
 */
import { mulberry32 } from '../../../src/core/random.js';
import type { EvalResult, GenerateResult, ModelProvenance } from '../../../src/core/model/api.js';

const PROJECTIONS = ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj'];

export function provenance(settings: ModelProvenance['settings']): ModelProvenance {
  return {
    checkpoint: '/models/tiny-llama/model.safetensors',
    architecture: 'LlamaForCausalLM',
    tokenizer: 'tokenizer.json (BPE, 32000 tokens, BOS added)',
    compute: 'wasm-simd ternary kernel',
    threads: 2,
    machine: 'linux x64, 2 cores',
    settings,
  };
}

export function evalResult(layers = 4, seed = 7): EvalResult {
  const next = mulberry32(seed);
  const out: EvalResult['layers'] = [];
  for (let l = 0; l < layers; l++) {
    for (const p of PROJECTIONS) out.push({ name: `model.layers.${l}.${p}`, layer: l, relativeRmse: 0.15 + 0.3 * next() + 0.02 * l, cosine: 0.9 + 0.09 * next() });
  }
  return {
    tokens: 4093,
    windows: 8,
    results: {
      fp: { perplexity: 12.3456, nll: Math.log(12.3456), bitsPerByte: 1.0234, tokensPerSecond: 812.5 },
      ternary: { perplexity: 41.9871, nll: Math.log(41.9871), bitsPerByte: 1.5678, tokensPerSecond: 1210.25 },
    },
    layers: out,
    provenance: provenance({ context: 512, method: 'absmean', activations: 'int8 per token' }),
  };
}

export function generateResult(text: string, ids: number[], tokensPerSecond: number): GenerateResult {
  return { text, promptTokens: 5, generatedTokens: ids, tokensPerSecond, provenance: provenance({ maxTokens: 8, temperature: 0, topK: 40, seed: 1 }) };
}
