/**
 * The KV cache: appending tokens one at a time (decode) or in chunks gives the
 * logits a full recompute gives, in every mode — the cache may change how
 * much is computed, never what.
 */
import { describe, expect, it } from 'vitest';
import { loadCausalLm } from '../../../src/core/model/load.js';
import { hfModel, torchAvailable, type HfModelName } from '../../peers/torchModels.js';

const VOCAB = 32000;
const TOKENS = [1, 450, 4996, 17354, 1701, 432, 17204, 975, 278, 17366, 11203, 29889];

describe.runIf(torchAvailable())('KV-cache sessions', () => {
  it.each<[HfModelName, 'fp' | 'ternary' | 'stored']>([
    ['llama', 'fp'],
    ['bitnet-2b4t', 'ternary'],
    ['bitnet-2b4t-packed-bitlinear', 'stored'],
  ])('%s %s: decode token by token = full recompute', async (name, mode) => {
    const lm = await loadCausalLm(await hfModel(name), { mode });
    const full = lm.logits(TOKENS);
    const session = lm.session();
    // A 5-token prefill, then one token at a time.
    const steps = [TOKENS.slice(0, 5), ...TOKENS.slice(5).map((t) => [t])];
    for (const chunk of steps) {
      const last = session.append(chunk);
      const pos = session.length - 1;
      const expected = full.subarray(pos * VOCAB, (pos + 1) * VOCAB);
      let max = 0;
      for (let i = 0; i < VOCAB; i++) max = Math.max(max, Math.abs(last[i]! - expected[i]!));
      // Same arithmetic in the same order (the ternary kernel is integer-exact): equal up to float32 ulps.
      expect(max).toBeLessThan(1e-5);
    }
    expect(session.length).toBe(TOKENS.length);
  });
});
