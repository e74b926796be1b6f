/**
 * Safetensors-based outputs of the quantize engine.
 *
 * hf-bitnet: every quantized weight becomes U8 packed codes (transformers
 * `pack_weights`: 4 trits per byte along dim 0, bitnet-reference.md §4a) plus
 * a `<module>.weight_scale` of shape [1] in the weight's own dtype holding γ —
 * transformers' AutoBitLinear offline convention (W = Q·weight_scale), the one
 * the released 2B4T ships and our config.json declares (see hfConfig.ts).
 * Everything else is copied.
 *
 * fake-quant: quantized weights are replaced by Q·γ in their own dtype (the
 * values BitNet training sees), so any framework can evaluate them.
 */
import { BitnetLabError } from '../errors.js';
import type { CheckpointSource, TensorEntry } from '../formats/types.js';
import { encodeFromFloat32, isKnownDtype } from '../formats/dtypes.js';
import { SafetensorsStreamWriter } from '../formats/safetensors/writer.js';
import type { TensorDecl } from '../formats/safetensors/layout.js';
import { packHfBitnet, packHfBitnetFromPatterns } from '../formats/ternary/hfBitnetPack.js';
import type { TernaryTensor } from '../quant/types.js';
import { copyAs, copyRaw } from './tensorCopy.js';
import type { OutputWriter, PlannedTensor } from './outputWriter.js';

type FloatDtype = 'F32' | 'F16' | 'BF16';

function floatDtypeOf(t: TensorEntry, fallback: FloatDtype): FloatDtype {
  return t.dtype === 'F32' || t.dtype === 'F16' || t.dtype === 'BF16' ? t.dtype : fallback;
}

/** transformers names the scale buffer of module `m` as `m.weight_scale`. */
export function weightScaleName(weightName: string): string {
  return weightName.endsWith('.weight') ? `${weightName}_scale` : `${weightName}.weight_scale`;
}

interface Slot {
  name: string;
  mode: 'quantize' | 'raw' | 'f32';
  dtype: FloatDtype;
}

function copySlot(t: TensorEntry): Slot {
  // Safetensors dtypes copy byte for byte; GGUF block types are decoded to F32.
  return isKnownDtype(t.dtype) ? { name: t.name, mode: 'raw', dtype: 'F32' } : { name: t.name, mode: 'f32', dtype: 'F32' };
}

export async function openSafetensorsOutput(
  source: CheckpointSource,
  planned: readonly PlannedTensor[],
  kind: 'hf-bitnet' | 'fake-quant',
  out: string,
  metadata: Record<string, string>,
  scaleFallback: FloatDtype,
  signal?: AbortSignal,
): Promise<OutputWriter> {
  const decls: TensorDecl[] = [];
  const slots: Slot[] = [];
  const names = new Set(planned.map((p) => p.entry.name));
  for (const { entry: t, quantize } of planned) {
    if (!quantize) {
      const s = copySlot(t);
      slots.push(s);
      // Raw copies keep the stored shape (an HF packed U8 weight stays [out/4, in]);
      // GGUF stores ggml order, whose row-major reading is the logical shape.
      const rawShape = source.format === 'gguf' ? t.shape : t.storedShape;
      decls.push({ name: t.name, dtype: s.mode === 'raw' ? t.dtype : 'F32', shape: s.mode === 'raw' ? rawShape : t.shape });
      continue;
    }
    const dtype = floatDtypeOf(t, scaleFallback);
    slots.push({ name: t.name, mode: 'quantize', dtype });
    if (kind === 'fake-quant') {
      decls.push({ name: t.name, dtype, shape: t.shape });
      continue;
    }
    const rows = t.shape[0]!;
    if (rows % 4 !== 0) {
      // transformers allocates the packed buffer as [out // 4, in]; other row counts cannot load.
      throw new BitnetLabError('usage', `${rows} output rows are not divisible by 4, which HF BitNet packing needs; exclude this tensor`, { file: source.path, tensor: t.name });
    }
    const scaleName = weightScaleName(t.name);
    if (names.has(scaleName)) throw new BitnetLabError('usage', `input already has a tensor named ${scaleName}`, { file: source.path, tensor: t.name });
    decls.push({ name: t.name, dtype: 'U8', shape: [rows / 4, ...t.shape.slice(1)] });
    decls.push({ name: scaleName, dtype, shape: [1] });
  }
  const writer = await SafetensorsStreamWriter.create(out, decls, metadata, signal ? { signal } : {});
  // Packed bytes go through one reused buffer (each write completes before the next tensor).
  let packScratch = new Uint8Array(0);
  const packScratchOf = (n: number): Uint8Array => {
    if (packScratch.length < n) packScratch = new Uint8Array(n);
    return packScratch.subarray(0, n);
  };
  return {
    async writeQuantized(i, q: TernaryTensor) {
      const t = planned[i]!.entry;
      const s = slots[i]!;
      if (kind === 'fake-quant') {
        const chunk = 1 << 18;
        const buf = new Float32Array(Math.min(chunk, q.codes.length));
        for (let at = 0; at < q.codes.length; at += chunk) {
          const n = Math.min(chunk, q.codes.length - at);
          for (let k = 0; k < n; k++) buf[k] = q.codes[at + k]! * q.scale;
          await writer.write(t.name, encodeFromFloat32(s.dtype, buf.subarray(0, n)));
        }
        return;
      }
      const rows = t.shape[0]!;
      await writer.write(t.name, packHfBitnet(q.codes, rows, t.params / rows, packScratchOf(t.params / 4)));
      await writer.write(weightScaleName(t.name), encodeFromFloat32(s.dtype, [q.scale]));
    },
    // Fake-quant writes values, not packed codes: it takes the codes route.
    ...(kind === 'hf-bitnet'
      ? {
          async writeQuantizedPatterns(i: number, halves: Uint16Array, stored: Uint8Array, scale: number) {
            const t = planned[i]!.entry;
            const rows = t.shape[0]!;
            await writer.write(t.name, packHfBitnetFromPatterns(halves, rows, t.params / rows, stored, packScratchOf(t.params / 4)));
            await writer.write(weightScaleName(t.name), encodeFromFloat32(slots[i]!.dtype, [scale]));
          },
        }
      : {}),
    async writeCopy(i) {
      const t = planned[i]!.entry;
      const sink = (b: Uint8Array): Promise<void> => writer.write(t.name, b);
      if (slots[i]!.mode === 'raw') await copyRaw(source, t, sink, signal);
      else await copyAs('F32', source, t, sink, signal);
    },
    commit: () => writer.commit(),
    abort: () => writer.abort(),
  };
}
