/** Options and summary of `quantizeCheckpoint`, shared by the CLI and the job process. */
import type { RunOptions } from '../progress.js';
import type { QuantMethod, TernaryTensor } from '../quant/types.js';

export type QuantizeFormat = 'hf-bitnet' | 'gguf-tq2_0' | 'gguf-tq1_0' | 'gguf-i2_s' | 'fake-quant';

export const QUANTIZE_FORMATS: readonly QuantizeFormat[] = ['hf-bitnet', 'gguf-tq2_0', 'gguf-tq1_0', 'gguf-i2_s', 'fake-quant'];

export interface QuantizeOptions extends RunOptions {
  /** Output file (.gguf / .safetensors) or, for hf-bitnet, a folder or a .safetensors path. */
  out: string;
  format: QuantizeFormat;
  method?: QuantMethod;
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
  /** Input tensors not written at all (non-numeric, e.g. tfjs string constants). */
  dropped: Array<{ name: string; reason: string }>;
}

export function isQuantizeFormat(s: string): s is QuantizeFormat {
  return (QUANTIZE_FORMATS as readonly string[]).includes(s);
}
