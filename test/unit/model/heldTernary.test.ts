/**
 * Ternary PTQ of weights that already are ternary keeps them: a float tensor
 * whose non-zero values all have one magnitude γ (a GGUF export's Q8_0 / F16
 * fallback for rows TQ cannot hold, a fake-quant checkpoint) runs with its
 * own codes and γ. Absmean would keep the codes but shrink γ to
 * γ·(share of non-zeros) — about 0.7γ here — which is not the model in the file.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quantizeCheckpoint } from '../../../src/core/convert/quantize.js';
import { openSafetensors } from '../../../src/core/formats/safetensors/reader.js';
import { loadCausalLm } from '../../../src/core/model/load.js';
import { tempDir, tinyDecoder, writeFixture } from '../convert/helpers.js';

describe('ternary mode on weights stored as ternary values', () => {
  it('a fake-quant checkpoint (Q·γ as F32) runs as the checkpoint it was made from', async () => {
    const dir = tempDir('held-ternary');
    const { tensors, config } = tinyDecoder('bitnet-silu');
    await writeFixture(join(dir, 'model.safetensors'), tensors);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const src = await openSafetensors(join(dir, 'model.safetensors'));
    mkdirSync(join(dir, 'fq'));
    await quantizeCheckpoint(src, { out: join(dir, 'fq', 'model.safetensors'), format: 'fake-quant' });
    await src.close();
    copyFileSync(join(dir, 'config.json'), join(dir, 'fq', 'config.json'));

    const tokens = [1, 7, 30, 42, 5, 63, 3, 0];
    const original = (await loadCausalLm(join(dir, 'model.safetensors'), { mode: 'ternary' })).logits(tokens);
    const faked = await loadCausalLm(join(dir, 'fq', 'model.safetensors'), { mode: 'ternary' });
    expect(faked.mode).toBe('ternary');
    const got = faked.logits(tokens);
    let max = 0;
    let spread = 0;
    for (let i = 0; i < got.length; i++) {
      max = Math.max(max, Math.abs(got[i]! - original[i]!));
      spread = Math.max(spread, Math.abs(original[i]!));
    }
    // Same codes; γ differs only by its float32 rounding in the fake-quant file (2^-24 relative).
    expect(max).toBeLessThan(1e-5 * spread);
  });
});
