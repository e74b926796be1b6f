/**
 * llama.cpp's CPU arithmetic around our runtime, for the export tests: a
 * ggml-cpu matmul does not multiply a weight by float32 activations, it first
 * converts the activations to the weight type's `vec_dot_type`
 * (ggml/src/ggml-cpu/ggml-cpu.c, type_traits_cpu):
 *   - F16 weights: activations rounded to F16 (ggml_cpu_fp32_to_fp16,
 *     round to nearest even), then an F16·F16 dot accumulated in float32;
 *   - TQ1_0 / TQ2_0: activations to Q8_K — per 256 values, iscale = −127/x_m
 *     where x_m is the value of largest magnitude, q = min(127,
 *     nearest_int(iscale·x)), d = 1/iscale (ggml-quants.c
 *     quantize_row_q8_K_ref, which the x86 build calls) — then an integer
 *     dot scaled by d·d_w.
 * Our runtime computes in float32 activations (fp) or per-token absmax int8
 * (stored). Wrapping each linear of a model loaded in `fp` mode from the
 * same GGUF with the input rounding ggml applies gives what llama.cpp
 * computes, up to summation order — so llama.cpp's logits can be held to a
 * tight bound, and what is left over is the file, not two roundings.
 */
import { f16ToF32, f32ToF16Bits } from '../../src/core/formats/dtypes.js';
import { openCheckpoint } from '../../src/core/formats/open.js';
import { llamaCppName } from '../../src/core/formats/gguf/llamaNames.js';
import type { CausalLm } from '../../src/core/model/load.js';
import type { Linear } from '../../src/core/model/linear.js';
import { LAYER_LINEARS, LINEAR_MODULE } from '../../src/core/model/transformer.js';

type Rounding = (x: Float32Array, width: number) => Float32Array;

/** ggml_cpu_fp32_to_fp16 and back. */
export const toF16: Rounding = (x) => Float32Array.from(x, (v) => f16ToF32(f32ToF16Bits(v)));

/** nearest_int of ggml-quants.c: adding 1.5·2^23 in float32 rounds half to even. */
const nearestInt = (v: number): number => Math.fround(v + 12582912) - 12582912;

/** quantize_row_q8_K_ref then dequantize, over each row of `width` values. */
export const toQ8K: Rounding = (x, width) => {
  if (width % 256 !== 0) throw new Error(`Q8_K needs rows of a multiple of 256 values, not ${width}`);
  const y = new Float32Array(x.length);
  for (let b = 0; b < x.length; b += 256) {
    let max = 0;
    let amax = 0;
    for (let j = b; j < b + 256; j++) {
      const ax = Math.abs(x[j]!);
      if (ax > amax) {
        amax = ax;
        max = x[j]!;
      }
    }
    if (amax === 0) continue;
    const iscale = Math.fround(-127 / max);
    const d = Math.fround(1 / iscale);
    for (let j = b; j < b + 256; j++) y[j] = Math.min(127, nearestInt(Math.fround(iscale * x[j]!))) * d;
  }
  return y;
};

class RoundedInputs implements Linear {
  /** It wraps fp weights only (emulateGgmlInputs), which take float inputs: the rounding must see them. */
  readonly quantizesInput = false;
  constructor(private readonly inner: Linear, private readonly round: Rounding) {}
  get in(): number {
    return this.inner.in;
  }
  get out(): number {
    return this.inner.out;
  }
  get bytes(): number {
    return this.inner.bytes;
  }
  forward(x: Float32Array, n: number): Float32Array {
    return this.inner.forward(this.round(x, this.inner.in), n);
  }
}

function roundingFor(dtype: string): Rounding | undefined {
  if (dtype === 'F16') return toF16;
  if (dtype === 'TQ1_0' || dtype === 'TQ2_0') return toQ8K;
  if (dtype === 'F32') return undefined;
  throw new Error(`no ggml input rounding written here for ${dtype} weights`);
}

/**
 * Makes `lm` (loaded with mode 'fp' from the GGUF at `path`) compute as
 * llama.cpp's CPU backend does. Returns the ggml type of each weight touched.
 */
export async function emulateGgmlInputs(lm: CausalLm, path: string): Promise<Map<string, string>> {
  if (lm.mode !== 'fp') throw new Error('emulateGgmlInputs wraps float weights: load the GGUF with mode fp');
  const file = await openCheckpoint(path);
  const dtypes = new Map(file.tensors.map((t) => [t.name, t.dtype]));
  await file.close();
  const seen = new Map<string, string>();
  const wrap = (inner: Linear, ggufName: string): Linear => {
    const dtype = dtypes.get(ggufName);
    if (dtype === undefined) throw new Error(`${path} has no tensor ${ggufName}`);
    seen.set(ggufName, dtype);
    const round = roundingFor(dtype);
    return round ? new RoundedInputs(inner, round) : inner;
  };
  const w = lm.transformer.weights;
  w.layers.forEach((layer, l) => {
    for (const name of LAYER_LINEARS) layer.linears[name] = wrap(layer.linears[name], llamaCppName(`model.layers.${l}.${LINEAR_MODULE[name]}.weight`));
  });
  // The head is output.weight, or token_embd when tied.
  w.head = wrap(w.head, dtypes.has('output.weight') && !lm.config.tiedHead ? 'output.weight' : 'token_embd.weight');
  return seen;
}
