/**
 * The byte-level LM on the default (wasm) backend: causality, gradients
 * reaching the one-hot embedding (wasm has no gather gradient), and a few
 * steps lowering the loss on a repetitive text.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/core/backend.js';
import { AdamW, BITNET_ADAM } from '../../../src/core/nn/adamw.js';
import { lossOn, type Batch } from '../../../src/core/nn/model.js';
import { Params } from '../../../src/core/nn/params.js';
import { Prng } from '../../../src/core/random.js';
import type { Tf } from '../../../src/core/nn/tf.js';
import { DEFAULT_LM, lmModel, lmSpecs, type LmConfig } from '../../../src/core/nn/transformerLm.js';

let tf: Tf;
beforeAll(async () => {
  tf = (await initBackend('auto')).tf;
});

// GQA (4 query heads on 2 kv heads), so the grouping is exercised everywhere.
const cfg: LmConfig = { ...DEFAULT_LM, dModel: 16, layers: 1, heads: 4, kvHeads: 2, ffnDim: 32, context: 8 };
const quant = { quantize: true, weightMethod: 'absmean' as const, activationQuant: true };

function batchOf(text: string, rows: number, T: number, offset = 0): Batch {
  const b = new TextEncoder().encode(text);
  const inputs = new Int32Array(rows * T);
  const targets = new Int32Array(rows * T);
  for (let r = 0; r < rows; r++) for (let j = 0; j < T; j++) {
    inputs[r * T + j] = b[(offset + r * 3 + j) % b.length]!;
    targets[r * T + j] = b[(offset + r * 3 + j + 1) % b.length]!;
  }
  return { inputs, inputShape: [rows, T], targets };
}

describe('byte-level transformer LM', () => {
  for (const variant of [{}, { act: 'silu' as const, tieEmbeddings: true }]) {
    it(`is causal: logits at position t do not depend on later tokens (${JSON.stringify(variant)})`, () => {
      const model = lmModel({ ...cfg, ...variant });
    const P = Params.init(tf, model.specs, new Prng(1));
    const a = batchOf('abcdefghij', 1, 8);
    const b: Batch = { ...a, inputs: Int32Array.from(a.inputs) };
    b.inputs[6] = 120; // change token 6
    b.inputs[7] = 121;
    const la = tf.tidy(() => model.logits(tf, P, a, quant).dataSync());
    const lb = tf.tidy(() => model.logits(tf, P, b, quant).dataSync());
    // positions 0..5 identical, position 6 differs
    for (let i = 0; i < 6 * 256; i++) expect(lb[i]).toBe(la[i]);
    let diff = 0;
    for (let i = 6 * 256; i < 7 * 256; i++) diff += Math.abs(lb[i]! - la[i]!);
    expect(diff).toBeGreaterThan(0);
    P.dispose();
    });
  }

  it('has the BitNetForCausalLM tensors: GQA-sized k/v, no lm_head when tied, no position table', () => {
    const names = (c: LmConfig) => new Map(lmSpecs(c).map((s) => [s.name, s.shape]));
    const untied = names(cfg);
    expect(untied.get('model.layers.0.self_attn.k_proj.weight')).toEqual([16, 8]); // [in, out] in memory: 2 kv heads × dh 4
    expect(untied.get('model.layers.0.self_attn.q_proj.weight')).toEqual([16, 16]);
    expect(untied.has('lm_head.weight')).toBe(true);
    expect([...untied.keys()].some((n) => n.includes('position'))).toBe(false);
    expect(names({ ...cfg, tieEmbeddings: true }).has('lm_head.weight')).toBe(false);
  });

  it('gets gradients into the embeddings of the tokens present, and zero for absent ones', () => {
    const model = lmModel(cfg);
    const P = Params.init(tf, model.specs, new Prng(2));
    const batch = batchOf('hello world', 2, 8);
    const { value, grads } = tf.variableGrads(() => lossOn(tf, model, P, batch, quant), P.list());
    const emb = P.get('model.embed_tokens.weight');
    const g = grads[emb.name]!.dataSync();
    const rowNorm = (t: number) => { let s = 0; for (let j = 0; j < cfg.dModel; j++) s += Math.abs(g[t * cfg.dModel + j]!); return s; };
    expect(rowNorm('h'.charCodeAt(0))).toBeGreaterThan(0);
    expect(rowNorm('z'.charCodeAt(0))).toBe(0);
    for (const s of model.specs) expect(grads[P.get(s.name).name]).toBeDefined();
    value.dispose();
    tf.dispose(grads);
    P.dispose();
  });

  it('lowers the loss on a repetitive text within a few steps (BitNet)', () => {
    const model = lmModel(cfg);
    const P = Params.init(tf, model.specs, new Prng(3));
    const opt = new AdamW(tf, P, BITNET_ADAM);
    const text = 'abcabcabcabcabcabcabc';
    const losses: number[] = [];
    for (let s = 0; s < 40; s++) {
      const { value, grads } = tf.variableGrads(() => lossOn(tf, model, P, batchOf(text, 4, 8, s), quant), P.list());
      losses.push(value.dataSync()[0]!);
      opt.apply(grads, 1e-2, 0);
      value.dispose();
      tf.dispose(grads);
    }
    expect(losses[0]).toBeGreaterThan(Math.log(256) * 0.8); // starts near uniform over bytes
    expect(Math.min(...losses.slice(-5))).toBeLessThan(losses[0]! / 3);
    opt.dispose();
    P.dispose();
  });
});
