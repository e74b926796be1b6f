/**
 * The PyTorch fixtures themselves: the folders hold what their configs say,
 * and the reference's three modes are distinct computations (so a runtime
 * that agreed with one of them could not agree with another by accident).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hfModel, torchAvailable, torchReference } from '../../peers/torchModels.js';

const WINDOW = [1, 450, 4996, 17354, 1701, 432, 17204, 975, 278, 17366, 11203];

describe.runIf(torchAvailable())('PyTorch HF model fixtures', () => {
  it('writes config.json, tokenizer and generation config with a matching vocab', async () => {
    const dir = await hfModel('bitnet-2b4t');
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    const tokenizer = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'));
    expect(config.architectures).toEqual(['BitNetForCausalLM']);
    expect(config.hidden_act).toBe('relu2');
    expect(Object.keys(tokenizer.model.vocab).length).toBe(config.vocab_size);
    expect(JSON.parse(await readFile(join(dir, 'generation_config.json'), 'utf8')).eos_token_id).toBe(2);
  });

  it('gives different NLLs in fp, ternary and stored modes', async () => {
    const dir = await hfModel('llama');
    const [fp, ternary, stored] = await Promise.all(
      (['fp', 'ternary', 'stored'] as const).map((m) => torchReference(dir, m, { windows: [WINDOW] })),
    );
    expect(fp.predicted).toBe(WINDOW.length - 1);
    expect(new Set([fp.nll, ternary.nll, stored.nll]).size).toBe(3);
  });
});
