/** Options and summary of `quantizeCheckpoint`, shared by the CLI and the job process. */
import type { RunOptions } from '../progress.js';
import type { QuantMethod, TernaryTensor } from '../quant/types.js';

export type QuantizeFormat = 'hf-bitnet' | 'gguf-tq2_0' | 'gguf-tq1_0' | 'gguf-i2_s' | 'gguf-f16' | 'fake-quant';

export const QUANTIZE_FORMATS: readonly QuantizeFormat[] = ['hf-bitnet', 'gguf-tq2_0', 'gguf-tq1_0', 'gguf-i2_s', 'gguf-f16', 'fake-quant'];

/** How a GGUF weight whose rows do not split into the ternary type's blocks is stored instead. */
export type QuantizeFallback = 'q8_0' | 'f16';

export interface QuantizeOptions extends RunOptions {
  /** Output file (.gguf / .safetensors) or, for hf-bitnet, a folder or a .safetensors path. */
  out: string;
  format: QuantizeFormat;
  method?: QuantMethod;
  /** GGUF only: the type of weights the ternary type cannot hold (default q8_0). */
  fallback?: QuantizeFallback;
  include?: readonly string[];
  exclude?: readonly string[];
  /**
   * Sees each quantized tensor's float64 scale and codes before they are
   * encoded (e.g. to compare with `inspect`). `codes` is a reused buffer:
   * valid only during the call.
   */
  onQuantized?: (name: string, q: TernaryTensor) => void;
}

export interface QuantizeSummary {
  format: QuantizeFormat;
  method: QuantMethod;
  /** Files written (the model file first). */
  outputs: string[];
  tensorsWritten: number;
  quantizedTensors: number;
  /** Stored bytes of all input tensors. */
  bytesIn: number;
  /** Size of the written model file(s). */
  bytesOut: number;
  /** bytesIn / bytesOut. */
  memorySavedFactor: number;
  seconds: number;
  /** Tensors kept in high precision, with why. */
  kept: Array<{ name: string; reason: string }>;
  /** Input tensors not written at all (non-numeric, e.g. tfjs string constants; tensors the GGUF architecture does not load). */
  dropped: Array<{ name: string; reason: string }>;
  /** GGUF: quantized weights stored as Q8_0 / F16 because their rows do not fit the ternary type's blocks. */
  fallbacks: Array<{ name: string; type: string; reason: string }>;
  /** GGUF: general.architecture as written. */
  architecture?: string;
  /** Which runtimes load the output, in words. */
  runtimes?: string;
  /** GGUF: the tokenizer written into the file (llama.cpp entries; kind, token count, source), or why there is none. */
  tokenizer?: string;
}

export function isQuantizeFormat(s: string): s is QuantizeFormat {
  return (QUANTIZE_FORMATS as readonly string[]).includes(s);
}
