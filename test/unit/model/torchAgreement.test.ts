/**
 * The runtime against PyTorch: logits and eval perplexity of the tiny HF
 * models (scripts/fixtures/make_hf_models.py), recomputed by the independent
 * float64 forward of scripts/fixtures/torch_reference.py on the same token ids.
 *
 * Tolerances:
 * - fp logits: max |Δ| ≤ 1e-4 with logits of RMS ≈ 3. Our float32 forward
 *   (float64 dot sums) differs from float64 by ~2e-6 here; a modelling slip is
 *   orders larger (a wrong ε moves these logits by ~1e-2, a wrong RoPE pairing
 *   or scaling by ~1; see the sensitivity test below).
 * - ternary/stored logits: per-token int8 activations are a rounding of
 *   x·127/max|x|; float32 and float64 activations round differently when x·sx
 *   falls within ~1e-5 of a half-integer, and one such flip moves the later
 *   positions (most in Llama, whose o/down inputs are not normalized). So: the
 *   first positions must agree to 1e-4, and 90 % of all positions must.
 * - perplexity over the same windows: FP within 0.1 %, ternary within 0.5 %
 *   (the bounds).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateText } from '../../../src/core/model/eval.js';
import { loadCausalLm } from '../../../src/core/model/load.js';
import type { Tokenizer } from '../../../src/core/model/tokenizer/types.js';
import { mulberry32 } from '../../../src/core/random.js';
import { hfModel, torchAvailable, torchReference, type HfModelName, type ReferenceMode } from '../../peers/torchModels.js';
import { hfTestTokenizer } from './hfTestTokenizer.js';
import { patchedFolder } from './patchedFolder.js';

const VOCAB = 32000;
const random = mulberry32(7);
const TOKENS = [1, ...Array.from({ length: 19 }, () => 3 + Math.floor(random() * (VOCAB - 3)))];

/** Max |Δ| of each position's logits. */
function positionErrors(ours: Float32Array, ref: Float32Array): number[] {
  const n = ours.length / VOCAB;
  return Array.from({ length: n }, (_, t) => {
    let m = 0;
    for (let i = t * VOCAB; i < (t + 1) * VOCAB; i++) m = Math.max(m, Math.abs(ours[i]! - ref[i]!));
    return m;
  });
}

const CASES: Array<[HfModelName, ReferenceMode]> = [
  ['llama', 'fp'],
  ['llama', 'ternary'],
  ['llama3-rope', 'fp'],
  ['llama3-rope', 'ternary'],
  ['bitnet-2b4t', 'fp'],
  ['bitnet-2b4t', 'ternary'],
  ['bitnet-silu', 'fp'],
  ['bitnet-silu', 'ternary'],
  ['bitnet-2b4t-packed-autobitlinear', 'stored'],
  ['bitnet-2b4t-packed-bitlinear', 'stored'],
  ['bitnet-2b4t-packed-bitlinear', 'fp'],
];

describe.runIf(torchAvailable())('runtime vs PyTorch', () => {
  it.each(CASES)('%s in %s mode: logits', async (name, mode) => {
    const dir = await hfModel(name);
    const lm = await loadCausalLm(dir, { mode });
    expect(lm.mode).toBe(mode);
    const ours = lm.logits(TOKENS);
    const ref = await torchReference(dir, mode, { logits: TOKENS });
    expect(ref.logitsShape).toEqual([TOKENS.length, VOCAB]);
    const errors = positionErrors(ours, ref.logits!);
    if (mode === 'fp') {
      expect(Math.max(...errors)).toBeLessThan(1e-4);
    } else {
      expect(Math.max(...errors.slice(0, 4))).toBeLessThan(1e-4);
      expect(errors.filter((e) => e < 1e-4).length).toBeGreaterThanOrEqual(0.9 * errors.length);
    }
  });

  it('fails when llama3 rope scaling is ignored (the comparison is sensitive to RoPE)', async () => {
    const dir = await hfModel('llama3-rope');
    const ref = await torchReference(dir, 'fp', { logits: TOKENS });
    const unscaled = await loadCausalLm(await patchedFolder(dir, { rope_scaling: null }), { mode: 'fp' });
    const errors = positionErrors(unscaled.logits(TOKENS), ref.logits!);
    // Position 0 has angle 0 either way; llama3 rescales only the low frequencies,
    // whose angles p·f grow with the position: by position 19 the error must be
    // well beyond the 1e-4 the fp comparison allows.
    expect(errors[0]).toBeLessThan(1e-4);
    expect(Math.max(...errors.slice(-4))).toBeGreaterThan(1e-3);
  });

  describe('eval perplexity over the same windows', () => {
    let text: string;
    let tokenizer: Tokenizer;
    beforeAll(async () => {
      text = (await readFile(join(__dirname, '../../fixtures/text/eval-sample.txt'), 'utf8')).slice(0, 700);
      tokenizer = await hfTestTokenizer(await hfModel('llama'));
    });

    it.each<HfModelName>(['llama', 'llama3-rope', 'bitnet-2b4t', 'bitnet-silu'])('%s', async (name) => {
      const dir = await hfModel(name);
      const context = 48;
      const result = await evaluateText(dir, text, { context, modes: ['fp', 'ternary'], tokenizer });
      const ids = tokenizer.encode(text);
      const windows = Array.from({ length: Math.floor(ids.length / context) }, (_, w) => ids.slice(w * context, (w + 1) * context));
      expect(result.tokens).toBe(ids.length);
      expect(result.windows).toBe(windows.length);
      for (const mode of ['fp', 'ternary'] as const) {
        const ref = await torchReference(dir, mode, { windows });
        const ours = result.results[mode]!;
        const refPpl = Math.exp(ref.nll!);
        const bound = mode === 'fp' ? 1e-3 : 5e-3;
        expect(Math.abs(ours.perplexity / refPpl - 1)).toBeLessThan(bound);
        expect(ours.nll).toBeCloseTo(Math.log(ours.perplexity), 12);
      }
      // 2 layers × 7 linears, each with a real (nonzero, sub-unit) error.
      expect(result.layers).toHaveLength(14);
      for (const l of result.layers) {
        expect(l.relativeRmse).toBeGreaterThan(0);
        expect(l.relativeRmse).toBeLessThan(1);
        expect(l.cosine).toBeGreaterThan(0.5);
      }
    });
  });
});
