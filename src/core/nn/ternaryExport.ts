/**
 * Packed ternary export of a trained BitNet run, in the Hugging Face
 * transformers BitNet layout (bitnet-reference.md §4a), so the inspector and
 * other tools read real 2-bit weights:
 *   <dir>/model.safetensors  BitLinear weights as U8 [out/4, in] (4 trits per
 *                            byte, row slabs) + "<name>_scale" F32 [1] = γ;
 *                            everything else F32 as trained
 *   <dir>/config.json        quantization_config {quant_method "bitnet",
 *                            linear_class "autobitlinear"} → W ≈ Q · weight_scale
 * Weights whose row count is not a multiple of 4 stay F32 (packing would pad).
 */
import { bitnetQuantizationConfig } from '../convert/hfConfig.js';
import { weightScaleName } from '../convert/safetensorsOutput.js';
import { writeFileAtomic } from '../formats/atomicWrite.js';
import { writeSafetensors, type TensorData } from '../formats/safetensors/index.js';
import { packHfBitnet } from '../formats/ternary/hfBitnetPack.js';
import { quantizeWeights } from '../quant/quantize.js';
import type { QuantMethod } from '../quant/types.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileShape, transpose2d } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { hfLmConfig } from './hfLmConfig.js';
import type { ParamSpec } from './params.js';

export async function exportTernary(
  dir: string,
  specs: readonly ParamSpec[],
  values: ReadonlyMap<string, Float32Array>,
  config: TrainConfig,
  method: QuantMethod,
  signal?: AbortSignal,
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const tensors: TensorData[] = [];
  // Linear weights left unpacked (the architecture's FP layers, or rows not divisible by 4):
  // transformers must be told, or it expects packed weights there.
  const notConverted: string[] = [];
  for (const s of specs) {
    const v = values.get(s.name)!;
    const shape = fileShape(s);
    const data = s.kind === 'bitlinear' || s.kind === 'linear' ? transpose2d(v, s.shape[0]!, s.shape[1]!) : v;
    if (s.kind === 'bitlinear' && shape[0]! % 4 === 0) {
      const [rows, cols] = shape as [number, number];
      const t = quantizeWeights(data, method);
      tensors.push({ name: s.name, dtype: 'U8', shape: [rows / 4, cols], data: packHfBitnet(t.codes, rows, cols) });
      // γ itself: the config below says autobitlinear (W = Q·weight_scale), unlike the quantize engine's 1/γ.
      tensors.push({ name: weightScaleName(s.name), dtype: 'F32', shape: [1], data: Float32Array.of(t.scale) });
    } else {
      if (s.kind === 'bitlinear' || s.kind === 'linear') notConverted.push(s.name.replace(/\.weight$/, ''));
      tensors.push({ name: s.name, dtype: 'F32', shape, data });
    }
  }
  const quantizationConfig = bitnetQuantizationConfig('autobitlinear', { weight_method: method, modules_to_not_convert: notConverted });
  const note = 'linear weights [out, in]; exported from the latent weights of a bitnet-lab training run';
  const hfConfig = config.model === 'lm'
    ? hfLmConfig(config.lm, { quantizationConfig, bitnetLab: { note, config } })
    : { architectures: ['BitLabMLP'], layer_sizes: config.mlp.sizes, quantization_config: quantizationConfig, bitnet_lab: { note, config } };
  const file = join(dir, 'model.safetensors');
  await writeSafetensors(file, tensors, { format: 'pt', 'bitnet_lab.format': 'bitnet-lab-ternary/1' }, { signal });
  await writeFileAtomic(join(dir, 'config.json'), JSON.stringify(hfConfig, null, 2) + '\n', { signal });
  return file;
}
