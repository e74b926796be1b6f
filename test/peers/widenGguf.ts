/**
 * The F32 twin of a GGUF: the same metadata entries and tensors, with every
 * F16 tensor stored as F32 (exact: every fp16 value is a float32 value).
 * For the export tests: llama.cpp computes an F16 matmul on activations
 * rounded to F16 (test/peers/ggmlArithmetic.ts), which no float32 runtime
 * reproduces to 1e-3, so the twin lets the comparison check everything the
 * exported file says — architecture, hyper-parameters, Q/K layout, RoPE,
 * norms, tokenizer, tensor names — with llama.cpp's float32 arithmetic.
 */
import { encodeFromFloat32 } from '../../src/core/formats/dtypes.js';
import { GGML_TYPE } from '../../src/core/formats/gguf/ggmlTypes.js';
import { GgufWriter, type GgufTensorPlan } from '../../src/core/formats/gguf/ggufWriter.js';
import { openGguf } from '../../src/core/formats/gguf/openGguf.js';
import { readTensorValues } from '../../src/core/convert/readTensor.js';

export async function widenF16ToF32(input: string, out: string): Promise<void> {
  const g = await openGguf(input);
  try {
    const plans: GgufTensorPlan[] = [];
    const data: Uint8Array[] = [];
    for (const t of g.tensors) {
      if (t.dtype !== 'F16' && t.dtype !== 'F32') throw new Error(`${input}: ${t.name} is ${t.dtype}; widen only F16/F32 files`);
      const bytes = encodeFromFloat32('F32', await readTensorValues(g, t));
      plans.push({ name: t.name, dims: [...t.shape].reverse(), typeId: GGML_TYPE.F32.id, bytes: bytes.byteLength });
      data.push(bytes);
    }
    // general.file_type 0 = LLAMA_FTYPE_ALL_F32; every other entry as it was.
    const entries = g.ggufEntries!.map((e) => (e.key === 'general.file_type' ? { key: e.key, type: 'u32' as const, value: 0 } : e));
    const w = await GgufWriter.create(out, entries, plans);
    for (const d of data) {
      await w.write(d);
      await w.endTensor();
    }
    await w.commit();
  } finally {
    await g.close();
  }
}
