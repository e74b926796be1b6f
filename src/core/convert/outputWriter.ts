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
  writeCopy(i: number): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}
