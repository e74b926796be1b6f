/**
 * GGUF exports of Hugging Face Llama / BitNet checkpoints are models: the
 * architecture, hyper-parameters and tensor layout llama.cpp's loaders read
 * (peers.md §2). Loading them in real llama.cpp is test/peers; here the file
 * itself is checked against the rules those loaders apply.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quantizeCheckpoint, type QuantizeFormat } from '../../../src/core/convert/quantize.js';
import { readTensorValues } from '../../../src/core/convert/readTensor.js';
import { llamaRowOrder, reorderRows } from '../../../src/core/convert/headPermutation.js';
import { openGguf } from '../../../src/core/formats/gguf/openGguf.js';
import { openSafetensors } from '../../../src/core/formats/safetensors/reader.js';
import { maybeHfBitnet } from '../../../src/core/formats/hfBitnet/openHfBitnet.js';
import { f16ToF32, f32ToF16Bits } from '../../../src/core/formats/dtypes.js';
import { firstMismatch, tempDir, tinyDecoder, writeFixture, type DecoderKind } from './helpers.js';

async function exportModel(kind: DecoderKind, format: QuantizeFormat, edit?: (c: Record<string, unknown>) => void) {
  const dir = tempDir(`gguf-${kind}`);
  const { tensors, config } = tinyDecoder(kind);
  edit?.(config);
  await writeFixture(join(dir, 'model.safetensors'), tensors);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const src = await openSafetensors(join(dir, 'model.safetensors'));
  const out = join(dir, 'out', 'model.gguf');
  const summary = await quantizeCheckpoint(src, { out, format });
  return { dir, src, out, summary, config };
}

describe('llama Q/K permutation (convert_hf_to_gguf.py LlamaModel.permute)', () => {
  it('matches torch reshape(n_head, 2, d/2, cols).swapaxes(1, 2) on a known vector', () => {
    // torch.arange(16).reshape(2, 2, 4, 1).swapaxes(1, 2).reshape(16), computed with torch 1.13.
    expect(Array.from(llamaRowOrder(16, 2))).toEqual([0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15]);
    const m = Float32Array.from({ length: 8 * 3 }, (_, i) => i);
    const r = reorderRows(m, 3, llamaRowOrder(8, 2), new Float32Array(24));
    expect(Array.from(r.subarray(0, 6))).toEqual([0, 1, 2, 6, 7, 8]); // rows 0, 2
  });

  it('refuses heads of odd size', () => {
    expect(() => llamaRowOrder(6, 2)).toThrow(/even/);
  });
});

describe('GGUF model export', () => {
  it('llama: architecture, every hyper-parameter, F32 norms, F16 embedding and head, permuted Q/K, TQ2_0 linears', async () => {
    const { src, out, summary, config } = await exportModel('llama', 'gguf-tq2_0');
    expect(summary.architecture).toBe('llama');
    expect(summary.runtimes).toMatch(/llama\.cpp/);
    expect(summary.fallbacks).toEqual([]);
    const g = await openGguf(out);
    const m = g.metadata;
    expect(m['general.architecture']).toBe('llama');
    expect(m['llama.context_length']).toBe('128');
    expect(m['llama.embedding_length']).toBe('256');
    expect(m['llama.block_count']).toBe('2');
    expect(m['llama.feed_forward_length']).toBe('512');
    expect(m['llama.attention.head_count']).toBe('4');
    expect(m['llama.attention.head_count_kv']).toBe('2');
    expect(Number(m['llama.attention.layer_norm_rms_epsilon'])).toBeCloseTo(1e-5, 10);
    expect(m['llama.rope.freq_base']).toBe('10000');
    expect(m['llama.rope.dimension_count']).toBe('64');
    expect(m['llama.vocab_size']).toBe(String(config['vocab_size']));
    expect(m['general.file_type']).toBe('37');
    expect(m['general.quantization_version']).toBe('2');
    const byName = new Map(g.tensors.map((t) => [t.name, t]));
    expect(byName.get('token_embd.weight')!.dtype).toBe('F16');
    expect(byName.get('output.weight')!.dtype).toBe('F16');
    for (const n of ['output_norm.weight', 'blk.0.attn_norm.weight', 'blk.1.ffn_norm.weight']) expect(byName.get(n)!.dtype).toBe('F32');
    for (const n of ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down']) expect(byName.get(`blk.1.${n}.weight`)!.dtype).toBe('TQ2_0');
    expect(g.tensors).toHaveLength(src.tensors.length);
    // Q rows come out in llama.cpp's order: decoded GGUF row k = sign of HF row order[k] (γ per tensor).
    for (const [hf, gg, heads] of [['model.layers.0.self_attn.q_proj.weight', 'blk.0.attn_q.weight', 4], ['model.layers.0.self_attn.k_proj.weight', 'blk.0.attn_k.weight', 2]] as const) {
      const w = await readTensorValues(src, src.tensors.find((t) => t.name === hf)!);
      const q = await readTensorValues(g, byName.get(gg)!);
      const perm = reorderRows(w, 256, llamaRowOrder(w.length / 256, heads), new Float32Array(w.length));
      let agree = 0;
      let nonzero = 0;
      for (let i = 0; i < q.length; i++) {
        if (q[i] === 0) continue;
        nonzero++;
        if (Math.sign(q[i]!) === Math.sign(perm[i]!)) agree++;
      }
      expect(nonzero).toBeGreaterThan(q.length / 2);
      expect(agree).toBe(nonzero);
    }
    // V is not permuted, and F16 embeddings hold the source values rounded to fp16.
    const emb = await readTensorValues(g, byName.get('token_embd.weight')!);
    const embSrc = await readTensorValues(src, src.tensors.find((t) => t.name === 'model.embed_tokens.weight')!);
    expect(firstMismatch(emb, Float32Array.from(embSrc, (v) => f16ToF32(f32ToF16Bits(v))))).toBe(-1);
    await g.close();
    await src.close();
  });

  it('bitnet (SiLU, tied): NEOX RoPE so Q/K stay in HF order, sub-norms F32, no output.weight', async () => {
    const { src, out, summary } = await exportModel('bitnet-silu', 'gguf-f16');
    expect(summary.architecture).toBe('bitnet');
    expect(summary.quantizedTensors).toBe(0);
    const g = await openGguf(out);
    expect(g.metadata['bitnet.attention.head_count']).toBe('4');
    expect(g.metadata['general.file_type']).toBe('1');
    expect(g.metadata['general.quantization_version']).toBeUndefined();
    const byName = new Map(g.tensors.map((t) => [t.name, t]));
    expect(byName.has('output.weight')).toBe(false);
    expect(byName.get('blk.0.attn_sub_norm.weight')!.dtype).toBe('F32');
    expect(byName.get('blk.0.ffn_sub_norm.weight')!.shape).toEqual([512]);
    const q = await readTensorValues(g, byName.get('blk.1.attn_q.weight')!);
    const w = await readTensorValues(src, src.tensors.find((t) => t.name === 'model.layers.1.self_attn.q_proj.weight')!);
    expect(byName.get('blk.1.attn_q.weight')!.dtype).toBe('F16');
    expect(firstMismatch(q, Float32Array.from(w, (v) => f16ToF32(f32ToF16Bits(v))))).toBe(-1);
    await g.close();
    await src.close();
  });

  it('bitnet-b1.58 (relu², 2B4T-style): written for bitnet.cpp and says upstream llama.cpp cannot run it', async () => {
    const { src, out, summary } = await exportModel('bitnet-relu2', 'gguf-i2_s');
    expect(summary.architecture).toBe('bitnet-b1.58');
    expect(summary.runtimes).toMatch(/bitnet\.cpp only/);
    const g = await openGguf(out);
    expect(g.metadata['bitnet-b1.58.block_count']).toBe('2');
    expect(g.metadata['general.file_type']).toBe('40');
    expect(g.tensors.find((t) => t.name === 'blk.0.ffn_down.weight')!.dtype).toBe('I2_S');
    await g.close();
    await src.close();
    const tq = await exportModel('bitnet-relu2', 'gguf-tq2_0');
    expect(tq.summary.runtimes).toMatch(/upstream llama\.cpp has no relu²/);
    await tq.src.close();
  });

  it('llama3 RoPE scaling becomes rope_freqs.weight, the factors llama.cpp\'s converter computes', async () => {
    const { src, out } = await exportModel('llama', 'gguf-f16', (c) => {
      c['rope_theta'] = 500000;
      c['rope_scaling'] = { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 };
    });
    // convert_hf_to_gguf.py LlamaModel.generate_extra_tensors run in torch 1.13 for head_dim 64, theta 5e5 (Llama 3.2's values).
    const torch = [...Array<number>(15).fill(1), 1.6513292789459229, 3.2922627925872803, 9.666730880737305, ...Array<number>(14).fill(32)];
    const g = await openGguf(out);
    const t = g.tensors.find((x) => x.name === 'rope_freqs.weight')!;
    expect(t.dtype).toBe('F32');
    const v = await readTensorValues(g, t);
    expect(v).toHaveLength(32);
    for (let i = 0; i < 32; i++) expect(Math.abs(v[i]! - torch[i]!) / torch[i]!).toBeLessThan(1e-6);
    expect(g.metadata['llama.rope.freq_base']).toBe('500000');
    await g.close();
    await src.close();
  });

  it('an HF BitNet packed folder exports to GGUF with its codes and γ, and to gguf-f16 as Q·γ', async () => {
    const dir = tempDir('hf-to-gguf');
    const { tensors, config } = tinyDecoder('bitnet-relu2');
    await writeFixture(join(dir, 'model.safetensors'), tensors);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const plain = await openSafetensors(join(dir, 'model.safetensors'));
    await quantizeCheckpoint(plain, { out: join(dir, 'hf'), format: 'hf-bitnet' });
    await plain.close();
    const packed = await maybeHfBitnet(await openSafetensors(join(dir, 'hf', 'model.safetensors')));
    const name = 'model.layers.1.mlp.down_proj.weight';
    const want = await readTensorValues(packed, packed.tensors.find((t) => t.name === name)!);
    for (const format of ['gguf-tq2_0', 'gguf-f16'] as const) {
      const out = join(dir, `${format}.gguf`);
      const s = await quantizeCheckpoint(packed, { out, format });
      expect(s.architecture).toBe('bitnet-b1.58');
      const g = await openGguf(out);
      expect(g.tensors.some((t) => t.name.includes('scale'))).toBe(false);
      const e = g.tensors.find((t) => t.name === 'blk.1.ffn_down.weight')!;
      expect(e.dtype).toBe(format === 'gguf-f16' ? 'F16' : 'TQ2_0');
      const got = await readTensorValues(g, e);
      // Same trits; γ through bf16 (weight_scale) then fp16 (d or the F16 value).
      for (let i = 0; i < got.length; i++) {
        if (Math.sign(got[i]!) !== Math.sign(want[i]!) || Math.abs(got[i]! - want[i]!) > 2 ** -10 * Math.abs(want[i]!)) expect.fail(`${format} value ${i}: ${got[i]} vs ${want[i]}`);
      }
      await g.close();
    }
    await packed.close();
  });

  it('a tied llama drops lm_head and says why', async () => {
    const { src, out, summary } = await exportModel('llama', 'gguf-f16', (c) => {
      c['tie_word_embeddings'] = true;
    });
    expect(summary.dropped).toEqual([{ name: 'lm_head.weight', reason: expect.stringMatching(/tied to token_embd/) }]);
    const g = await openGguf(out);
    expect(g.tensors.some((t) => t.name === 'output.weight')).toBe(false);
    await g.close();
    await src.close();
  });

  it('refuses what the runtime would run wrongly: an untied SiLU BitNet, unknown RoPE scaling, a missing hyper-parameter', async () => {
    for (const [kind, edit, msg] of [
      ['bitnet-silu', (c: Record<string, unknown>) => { c['tie_word_embeddings'] = false; }, /always ties the head/],
      ['llama', (c: Record<string, unknown>) => { c['rope_scaling'] = { rope_type: 'yarn', factor: 4 }; }, /rope_scaling of type "yarn"/],
      ['llama', (c: Record<string, unknown>) => { delete c['max_position_embeddings']; }, /max_position_embeddings/],
    ] as const) {
      const dir = tempDir('gguf-refuse');
      const { tensors, config } = tinyDecoder(kind);
      edit(config);
      if (kind === 'bitnet-silu') tensors.push({ ...tensors[0]!, name: 'lm_head.weight' });
      await writeFixture(join(dir, 'model.safetensors'), tensors);
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
      const src = await openSafetensors(join(dir, 'model.safetensors'));
      await expect(quantizeCheckpoint(src, { out: join(dir, 'new', 'o.gguf'), format: 'gguf-tq2_0' })).rejects.toMatchObject({ message: expect.stringMatching(msg) });
      // Refused before anything was created.
      expect(readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors']);
      await src.close();
    }
  });

  it('creates a missing output folder, and refuses an output name whose extension contradicts the format', async () => {
    const { dir, out, src } = await exportModel('llama', 'gguf-tq1_0');
    expect(existsSync(out)).toBe(true);
    for (const [format, name] of [['gguf-tq2_0', 'x.safetensors'], ['fake-quant', 'x.gguf'], ['hf-bitnet', 'x.gguf']] as const) {
      await expect(quantizeCheckpoint(src, { out: join(dir, 'other', name), format })).rejects.toMatchObject({ code: 'usage', message: expect.stringMatching(/--format/) });
    }
    expect(existsSync(join(dir, 'other'))).toBe(false);
    await src.close();
  });

  it('HF export is a complete folder: config with quantization_config, tokenizer and generation files copied', async () => {
    const dir = tempDir('hf-folder');
    const { tensors, config } = tinyDecoder('bitnet-relu2');
    await writeFixture(join(dir, 'model.safetensors'), tensors);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'generation_config.json']) writeFileSync(join(dir, f), `{"file": "${f}"}`);
    mkdirSync(join(dir, 'unrelated'));
    const src = await openSafetensors(join(dir, 'model.safetensors'));
    const out = join(dir, 'exports', 'hf');
    const s = await quantizeCheckpoint(src, { out, format: 'hf-bitnet' });
    expect(readdirSync(out).sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
    expect(s.outputs[0]).toBe(join(out, 'model.safetensors'));
    expect(s.outputs).toHaveLength(6);
    await src.close();
  });
});
