/** What the quantize engine needs from each output format. */
import type { TensorEntry } from '../formats/types.js';
import type { TernaryTensor } from '../quant/types.js';

export interface PlannedTensor {
  entry: TensorEntry;
  quantize: boolean;
  reason: string;
}

export interface OutputWriter {
  /** Tensors are written in plan order: index i is planned[i]. */
  writeQuantized(i: number, q: TernaryTensor): Promise<void>;
  /**
   * The histogram route's form of writeQuantized: the tensor's stored 16-bit
   * patterns, the stored code (trit + 1) of every pattern and γ; writes the
   * bytes writeQuantized would write for the codes those patterns map to.
   * Optional: the engine gives codes to writers without it.
   */
  writeQuantizedPatterns?(i: number, halves: Uint16Array, stored: Uint8Array, scale: number): Promise<void>;
  writeCopy(i: number): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}
