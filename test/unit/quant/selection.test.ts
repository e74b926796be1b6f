import { describe, expect, it } from 'vitest';
import { compilePattern, matrixDims, selectTensor } from '../../../src/core/quant/selection.js';

const t = (name: string, shape = [64, 64], dtype = 'BF16') => ({ name, shape, dtype });

describe('which tensors are quantized', () => {
  it('Llama / BitNet linear weights are; embeddings, norms, head, biases, scales are not', () => {
    const cases: Array<[string, boolean, string?]> = [
      ['model.layers.0.self_attn.q_proj.weight', true],
      ['model.layers.3.mlp.down_proj.weight', true],
      ['model.layers.0.self_attn.o_proj.weight', true],
      ['model.embed_tokens.weight', false, 'embedding'],
      ['lm_head.weight', false, 'output head'],
      ['model.layers.0.input_layernorm.weight', false, 'norm'],
      ['model.layers.0.self_attn.attn_sub_norm.weight', false, 'norm'],
      ['model.layers.0.self_attn.inner_attn_ln.weight', false, 'norm'],
      ['model.layers.0.mlp.ffn_layernorm.weight', false, 'norm'],
      ['model.layers.0.self_attn.q_proj.weight_scale', false, 'quantization scale'],
      // GPT-2
      ['transformer.h.0.attn.c_attn.weight', true],
      ['transformer.h.0.mlp.c_proj.weight', true],
      ['transformer.wte.weight', false, 'embedding'],
      ['transformer.wpe.weight', false, 'embedding'],
      ['transformer.h.0.ln_1.weight', false, 'norm'],
      ['transformer.ln_f.weight', false, 'norm'],
      // GPT-NeoX
      ['gpt_neox.embed_in.weight', false, 'embedding'],
      ['embed_out.weight', false, 'output head'],
      // GGUF
      ['blk.0.attn_q.weight', true],
      ['blk.0.attn_output.weight', true],
      ['blk.0.ffn_down.weight', true],
      ['token_embd.weight', false, 'embedding'],
      ['output.weight', false, 'output head'],
      ['output_norm.weight', false, 'norm'],
      ['blk.0.attn_norm.weight', false, 'norm'],
      // BERT-style attention output projection is a linear layer, not the model head
      ['bert.encoder.layer.0.attention.output.dense.weight', true],
    ];
    for (const [name, quantized, reason] of cases) {
      const d = selectTensor(t(name));
      expect({ name, quantized: d.quantized }).toEqual({ name, quantized });
      if (reason) expect(d.reason).toBe(reason);
    }
  });

  it('1-D tensors, biases and integer tensors are never quantized', () => {
    expect(selectTensor(t('model.layers.0.mlp.up_proj.bias', [64]))).toEqual({ quantized: false, reason: '1-D' });
    expect(selectTensor(t('x.bias', [4, 4])).reason).toBe('bias');
    expect(selectTensor(t('position_ids', [1, 512], 'I64')).quantized).toBe(false);
    expect(selectTensor(t('scalar', []))).toEqual({ quantized: false, reason: 'scalar' });
  });

  it('stored ternary tensors are reported as quantized', () => {
    expect(selectTensor({ ...t('model.layers.0.mlp.up_proj.weight', [64, 64], 'U8'), ternary: { packing: 'hf-bitnet' } }).quantized).toBe(true);
  });

  it('--include and --exclude override the defaults; exclude wins', () => {
    expect(selectTensor(t('lm_head.weight'), { include: ['lm_head.*'] })).toEqual({ quantized: true, reason: 'included by --include' });
    expect(selectTensor(t('model.layers.0.self_attn.q_proj.weight'), { exclude: ['*q_proj*'] }).quantized).toBe(false);
    expect(selectTensor(t('lm_head.weight'), { include: ['*'], exclude: ['/^lm_/'] }).reason).toBe('excluded by --exclude');
    expect(selectTensor(t('model.norm.weight', [64]), { include: ['*'] }).quantized).toBe(false);
  });
});

describe('patterns', () => {
  it('globs match the whole name, * spans dots, ? one character, the rest is literal', () => {
    expect(compilePattern('model.layers.*.mlp.*')('model.layers.12.mlp.up_proj.weight')).toBe(true);
    expect(compilePattern('model.layers.?.mlp.*')('model.layers.12.mlp.up_proj.weight')).toBe(false);
    // Without * or ? a pattern is a module name (whole dot-separated parts), as in HF modules_to_not_convert.
    expect(compilePattern('q_proj')('model.q_proj.weight')).toBe(true);
    expect(compilePattern('proj')('model.q_proj.weight')).toBe(false);
    expect(compilePattern('a.b')('axb')).toBe(false);
    expect(compilePattern('*(1)*')('w(1).x')).toBe(true);
  });

  it('/regex/flags search anywhere; a broken regex is a usage error', () => {
    expect(compilePattern('/layers\\.(0|1)\\./')('model.layers.1.mlp.up_proj.weight')).toBe(true);
    expect(compilePattern('/Q_PROJ/i')('x.q_proj.weight')).toBe(true);
    expect(() => compilePattern('/(/')).toThrow(/bad pattern/);
  });
});

describe('matrixDims', () => {
  it('[out, in] with in = last dim', () => {
    expect(matrixDims([8, 3, 4])).toEqual({ rows: 24, cols: 4 });
    expect(matrixDims([5])).toEqual({ rows: 1, cols: 5 });
  });
});

describe('tensors a checkpoint declares full precision', () => {
  it('reads our training metadata and HF modules_to_not_convert, ignoring malformed entries', async () => {
    const { declaredFullPrecision, FULL_PRECISION_METADATA_KEY } = await import('../../../src/core/quant/selection.js');
    expect([...declaredFullPrecision({ [FULL_PRECISION_METADATA_KEY]: '["layers.2.weight", 7]' })]).toEqual(['layers.2.weight']);
    expect([...declaredFullPrecision({ 'config.quantization_config': '{"quant_method":"bitnet","modules_to_not_convert":["lm_head","model.layers.0.mlp.down_proj"]}' })]).toEqual([
      'lm_head.weight',
      'model.layers.0.mlp.down_proj.weight',
    ]);
    expect(declaredFullPrecision({ [FULL_PRECISION_METADATA_KEY]: 'not json', 'config.quantization_config': '[]' }).size).toBe(0);
  });

  it('keeps a declared tensor in full precision unless --include asks for it', async () => {
    const { TensorSelector } = await import('../../../src/core/quant/selection.js');
    const head = { name: 'layers.2.weight', dtype: 'F32', shape: [10, 256] };
    const hidden = { name: 'layers.1.weight', dtype: 'F32', shape: [256, 256] };
    const declared = new TensorSelector({ fullPrecision: ['layers.2.weight'] });
    expect(declared.decide(head)).toEqual({ quantized: false, reason: 'full precision in this model (declared by the checkpoint)' });
    expect(declared.decide(hidden).quantized).toBe(true);
    expect(new TensorSelector().decide(head).quantized).toBe(true);
    expect(new TensorSelector({ fullPrecision: ['layers.2.weight'], include: ['layers.2.*'] }).decide(head).quantized).toBe(true);
  });
});
