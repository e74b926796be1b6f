/**
 * The one interface every checkpoint reader implements (safetensors, sharded
 * safetensors, GGUF, HF BitNet packed, tfjs model.json). Analysis, quantize,
 * diff and the inspector only ever see this.
 *
 * Opening reads headers only; tensor bytes are read on demand, by range,
 * in bounded chunks.
 */
import type { RunOptions } from '../progress.js';
import type { GgufEntry } from './gguf/ggufValue.js';

export type CheckpointFormat =
  | 'safetensors'
  | 'safetensors-sharded'
  | 'hf-bitnet'          // safetensors holding HF BitNet packed U8 weights + weight_scale
  | 'gguf'
  | 'tfjs';

/** Storage dtypes as they appear in files; GGUF block types use their ggml names in upper case. */
export type StoredDtype = string;

export interface TensorEntry {
  name: string;
  /** Dtype as stored in the file ('BF16', 'U8', 'TQ2_0', 'I2_S', 'Q8_0', …). */
  dtype: StoredDtype;
  /**
   * Logical shape, row-major, outermost first — for linear weights [out, in].
   * For GGUF this is the reverse of the file's ggml dims; for HF packed U8 weights
   * it is the unpacked [out, in], not the stored [out/4, in].
   */
  shape: number[];
  /** Shape exactly as written in the file (ggml order for GGUF; packed shape for HF). */
  storedShape: number[];
  /** Logical parameter count (product of `shape`). */
  params: number;
  /** Bytes this tensor occupies in the file. */
  bytes: number;
  /** File holding it (absolute or as given), for sharded checkpoints. */
  file: string;
  /** Absolute byte offset of its data in `file`. */
  offset: number;
  /**
   * Present when the stored values already are ternary codes (HF packed, TQ1_0,
   * TQ2_0, I2_S): the decoder yields dequantized floats, and the stats pass can
   * report the stored codes rather than re-quantizing.
   */
  ternary?: {
    packing: 'hf-bitnet' | 'tq1_0' | 'tq2_0' | 'i2_s';
    /** How the stored scale was interpreted, for provenance in the UI. */
    scaleConvention?: string;
  };
  /** Free-form notes about interpretation (e.g. "type 36 read as BitNet I2_S because …"). */
  notes?: string[];
}

export interface ValueReadOptions extends RunOptions {
  /** Upper bound on elements per yielded chunk (default 1 Mi). */
  chunkElements?: number;
}

export interface CheckpointSource {
  /** The path the user opened. */
  readonly path: string;
  readonly format: CheckpointFormat;
  readonly tensors: readonly TensorEntry[];
  /** Free-form string metadata (safetensors __metadata__, GGUF KV rendered as strings, config.json …). */
  readonly metadata: Readonly<Record<string, string>>;
  /** GGUF only: every KV with its stored type, in file order (tokenizers, GGUF → GGUF copies). */
  readonly ggufEntries?: readonly GgufEntry[];
  /**
   * Decoded values of one tensor as float32, row-major over `shape`, in chunks
   * of at most `chunkElements`. Chunks may be reused buffers: copy to keep.
   */
  values(name: string, options?: ValueReadOptions): AsyncIterable<Float32Array>;
  /** Raw stored bytes of one tensor, in chunks (for copying tensors unchanged). */
  rawBytes(name: string, options?: ValueReadOptions & { chunkBytes?: number }): AsyncIterable<Uint8Array>;
  close(): Promise<void>;
}
