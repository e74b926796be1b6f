/**
 * config.json for an HF BitNet output: the input's config with a
 * quantization_config transformers' BitNet quantizer accepts
 * (BitNetQuantConfig; bitnet-reference.md §4a). Every writer of ours stores
 * weight_scale = γ with linear_class "autobitlinear", offline mode
 * (W = Q·weight_scale) — the convention microsoft/bitnet-b1.58-2B-4T ships,
 * so one rule describes every file we write. Readers take both conventions
 * (formats/hfBitnet/hfConfig.ts); a packed file without this config would be
 * read with the BitLinear default (divide), which is why the model file
 * also records the convention in its metadata. Linear layers we kept in high
 * precision are listed in modules_to_not_convert, otherwise transformers
 * would expect packed weights there.
 */

export const HF_LINEAR_CLASS = 'autobitlinear' as const;
/** Recorded in the safetensors metadata so the file documents itself. */
export const HF_SCALE_NOTE = 'weight_scale = gamma (AutoBitLinear offline: W = Q * weight_scale)';

/**
 * The quantization_config transformers' BitNet quantizer reads. `linearClass`
 * fixes the weight_scale convention: "autobitlinear" multiplies
 * (W = Q·weight_scale), "bitlinear" divides (W = Q / weight_scale).
 */
export function bitnetQuantizationConfig(linearClass: 'bitlinear' | 'autobitlinear', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { quant_method: 'bitnet', linear_class: linearClass, quantization_mode: 'offline', ...extra };
}

export function bitnetConfig(input: Record<string, unknown>, keptLinearModules: string[]): Record<string, unknown> {
  const notConvert = [...new Set(['lm_head', ...keptLinearModules])].sort();
  return { ...input, quantization_config: bitnetQuantizationConfig(HF_LINEAR_CLASS, { modules_to_not_convert: notConvert }) };
}

/** The config's torch_dtype as a safetensors dtype, if it names a float type. */
export function configDtype(config: Record<string, unknown> | undefined): 'F32' | 'F16' | 'BF16' | undefined {
  const d = config?.['torch_dtype'] ?? config?.['dtype'];
  if (d === 'bfloat16') return 'BF16';
  if (d === 'float16') return 'F16';
  if (d === 'float32') return 'F32';
  return undefined;
}
