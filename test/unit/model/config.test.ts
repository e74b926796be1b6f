/**
 * What the runtime refuses, and how: one line naming what the file says it is.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../../src/core/formats/safetensors/index.js';
import { configFromGguf, configFromHf } from '../../../src/core/model/config.js';
import { loadCausalLm } from '../../../src/core/model/load.js';
import { ropeInvFreq } from '../../../src/core/model/rope.js';
import { hfModel, torchAvailable } from '../../peers/torchModels.js';
import { patchedFolder } from './patchedFolder.js';

const BASE = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  vocab_size: 100,
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 1,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-5,
};

describe('model config', () => {
  it('names the architecture and model_type it cannot run, on one line', () => {
    const run = () => configFromHf({ ...BASE, architectures: ['MistralForCausalLM'], model_type: 'mistral' }, '/m/config.json');
    expect(run).toThrow(/unsupported architecture: architectures \["MistralForCausalLM"\], model_type "mistral"/);
    try {
      run();
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('\n');
    }
    expect(() => configFromGguf({ 'general.architecture': 'qwen2' }, '/m.gguf', new Set(), 10)).toThrow(/general.architecture "qwen2"/);
  });

  it('reads GQA, ε, head size and BitNet options from config.json', () => {
    const c = configFromHf({ ...BASE, architectures: ['BitNetForCausalLM'], model_type: 'bitnet', hidden_act: 'relu2', rms_norm_eps: 1e-6, tie_word_embeddings: true }, 'x');
    expect(c).toMatchObject({ family: 'bitnet', heads: 4, kvHeads: 2, headDim: 16, rmsEps: 1e-6, activation: 'relu2', tiedHead: true, ropeStyle: 'half' });
    expect(() => configFromHf({ ...BASE, num_key_value_heads: 3 }, 'x')).toThrow(/not a multiple/);
    expect(() => configFromHf({ ...BASE, hidden_act: 'gelu' }, 'x')).toThrow(/hidden_act "gelu"/);
  });

  it('applies llama3 rope scaling as transformers does (known values)', () => {
    const c = configFromHf({ ...BASE, hidden_size: 512, num_attention_heads: 4, rope_theta: 500000, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } }, 'x');
    const f = ropeInvFreq(c);
    const plain = ropeInvFreq({ ...c, ropeScaling: undefined });
    // High frequencies (wavelength < 8192/4) untouched; low ones (> 8192) divided by 8; the band between blended.
    for (let i = 0; i < f.length; i++) {
      const wavelen = (2 * Math.PI) / plain[i]!;
      if (wavelen < 2048) expect(f[i]).toBe(plain[i]);
      else if (wavelen > 8192) expect(f[i]).toBeCloseTo(plain[i]! / 8, 15);
      else {
        const smooth = (8192 / wavelen - 1) / 3;
        expect(f[i]).toBeCloseTo((1 - smooth) * (plain[i]! / 8) + smooth * plain[i]!, 15);
      }
    }
  });

  it('tells the owner of an old learned-position LM to retrain it', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'old-lm-')), 'bitnet.safetensors');
    await writeSafetensors(path, [
      { name: 'model.embed_tokens.weight', dtype: 'F32', shape: [4, 2], data: new Float32Array(8) },
      { name: 'model.embed_positions.weight', dtype: 'F32', shape: [4, 2], data: new Float32Array(8) },
    ]);
    await expect(loadCausalLm(path)).rejects.toThrow(/learned absolute positions.*retrain/);
  });

  describe.runIf(torchAvailable())('on real folders', () => {
    it('an unsupported architecture fails the load with that one line', async () => {
      const dir = await patchedFolder(await hfModel('llama'), { architectures: ['GPT2LMHeadModel'], model_type: 'gpt2' });
      await expect(loadCausalLm(dir)).rejects.toThrow(/unsupported architecture: architectures \["GPT2LMHeadModel"\], model_type "gpt2"/);
    });

    it('stored mode on float weights says to use ternary', async () => {
      await expect(loadCausalLm(await hfModel('llama'), { mode: 'stored' })).rejects.toThrow(/use mode ternary/);
    });
  });
});
