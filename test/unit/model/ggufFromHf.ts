/**
 * Test GGUFs made from the HF fixture folders, written with our GgufWriter:
 * llama.cpp's keys and tensor names, F32 norms, and either F16 tensors
 * (arch `llama`, Q/K rows permuted exactly as convert_hf_to_gguf.py
 * LlamaModel.permute does) or, from an HF packed folder, TQ2_0/TQ1_0/I2_S linears (arch
 * `bitnet-b1.58`) holding the stored codes with d = the stored γ in every
 * block (I2_S: its one float32 scale) — exact in fp16, since the packed folder's γ is BF16 — so the GGUF is
 * the same model as the folder. Tokenizer keys are left out: the runtime
 * tests drive token ids directly. The export engineer's exporters make the
 * real ones; this is the smallest file that exercises the GGUF model path.
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { encodeFromFloat32, f32ToF16Bits } from '../../../src/core/formats/dtypes.js';
import { GGML_TYPE_ID } from '../../../src/core/formats/gguf/ggmlTypes.js';
import { llamaCppName } from '../../../src/core/formats/gguf/llamaNames.js';
import { GgufWriter, type GgufKv } from '../../../src/core/formats/gguf/ggufWriter.js';
import { openCheckpoint } from '../../../src/core/formats/open.js';
import { encodeI2s } from '../../../src/core/formats/ternary/i2s.js';
import { encodeTq1_0 } from '../../../src/core/formats/ternary/tq1_0.js';
import { encodeTq2_0 } from '../../../src/core/formats/ternary/tq2_0.js';
import { loadTernaryCodes } from '../../../src/core/model/weights.js';

async function values(source: Awaited<ReturnType<typeof openCheckpoint>>, name: string, n: number): Promise<Float32Array> {
  const out = new Float32Array(n);
  let at = 0;
  for await (const c of source.values(name)) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** llama.cpp's permutation of Q/K rows for normal (interleaved) RoPE. */
function permuteRows(w: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  const hd = rows / heads;
  const out = new Float32Array(w.length);
  for (let h = 0; h < heads; h++) {
    for (let s = 0; s < 2; s++) {
      for (let j = 0; j < hd / 2; j++) {
        const from = h * hd + s * (hd / 2) + j;
        const to = h * hd + 2 * j + s;
        out.set(w.subarray(from * cols, (from + 1) * cols), to * cols);
      }
    }
  }
  return out;
}

export type GgufFixtureKind = 'f16-llama' | 'tq2_0-bitnet' | 'tq1_0-bitnet' | 'i2_s-bitnet';

/** Stored bytes and ggml type of ternary codes with one γ, per packing. */
function packTernary(kind: GgufFixtureKind, codes: Int8Array, gamma: number): { typeId: number; data: Uint8Array } {
  const n = codes.length;
  if (kind === 'i2_s-bitnet') return { typeId: GGML_TYPE_ID.I2_S, data: encodeI2s(codes, n, gamma) };
  const tq1 = kind === 'tq1_0-bitnet';
  const data = new Uint8Array((n / 256) * (tq1 ? 54 : 66));
  (tq1 ? encodeTq1_0 : encodeTq2_0)(codes, 0, n / 256, f32ToF16Bits(gamma), data, 0);
  return { typeId: tq1 ? GGML_TYPE_ID.TQ1_0 : GGML_TYPE_ID.TQ2_0, data };
}

export async function ggufFromHf(folder: string, out: string, kind: GgufFixtureKind): Promise<string> {
  const config = JSON.parse(await readFile(join(folder, 'config.json'), 'utf8'));
  const arch = kind === 'f16-llama' ? 'llama' : 'bitnet-b1.58';
  const source = await openCheckpoint(join(folder, 'model.safetensors'));
  try {
    const kvs: GgufKv[] = [
      { key: 'general.architecture', type: 'string', value: arch },
      { key: `${arch}.context_length`, type: 'u32', value: config.max_position_embeddings },
      { key: `${arch}.embedding_length`, type: 'u32', value: config.hidden_size },
      { key: `${arch}.block_count`, type: 'u32', value: config.num_hidden_layers },
      { key: `${arch}.feed_forward_length`, type: 'u32', value: config.intermediate_size },
      { key: `${arch}.attention.head_count`, type: 'u32', value: config.num_attention_heads },
      { key: `${arch}.attention.head_count_kv`, type: 'u32', value: config.num_key_value_heads },
      { key: `${arch}.attention.layer_norm_rms_epsilon`, type: 'f32', value: config.rms_norm_eps },
      { key: `${arch}.rope.freq_base`, type: 'f32', value: config.rope_theta },
    ];
    const tensors: Array<{ name: string; dims: number[]; typeId: number; data: Uint8Array }> = [];
    for (const t of source.tensors) {
      const name = llamaCppName(t.name);
      const dims = [...t.shape].reverse();
      const isLinear = /_proj\.weight$/.test(t.name);
      if (kind !== 'f16-llama' && isLinear) {
        const { codes, gamma } = await loadTernaryCodes(source, t);
        tensors.push({ name, dims, ...packTernary(kind, codes, gamma) });
        continue;
      }
      const v = await values(source, t.name, t.params);
      if (t.shape.length === 1) {
        tensors.push({ name, dims, typeId: GGML_TYPE_ID.F32, data: encodeFromFloat32('F32', v) });
      } else {
        const [rows, cols] = t.shape as [number, number];
        let w = v;
        if (kind === 'f16-llama' && /q_proj\.weight$/.test(t.name)) w = permuteRows(v, rows, cols, config.num_attention_heads);
        if (kind === 'f16-llama' && /k_proj\.weight$/.test(t.name)) w = permuteRows(v, rows, cols, config.num_key_value_heads);
        tensors.push({ name, dims, typeId: GGML_TYPE_ID.F16, data: encodeFromFloat32('F16', w) });
      }
    }
    const writer = await GgufWriter.create(out, kvs, tensors.map((t) => ({ name: t.name, dims: t.dims, typeId: t.typeId, bytes: t.data.byteLength })));
    for (const t of tensors) {
      await writer.write(t.data);
      await writer.endTensor();
    }
    await writer.commit();
    return out;
  } finally {
    await source.close();
  }
}
