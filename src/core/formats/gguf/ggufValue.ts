/**
 * A GGUF metadata value as typed in the file (ggml docs/gguf.md, "Standardized
 * key-value pairs"): the one shape the header reader produces and the writer
 * consumes, so GGUF → GGUF keeps every entry with its exact type.
 *
 * 64-bit integers stay bigint: token counts and offsets beyond 2^53 exist in
 * the wild only as corruption, but a round trip must not round them.
 */
export type GgufNumberType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';
export type GgufBigIntType = 'u64' | 'i64';
export type GgufItemType = GgufNumberType | GgufBigIntType | 'bool' | 'string';

export type GgufValue =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigIntType; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: GgufNumberType; value: readonly number[] }
  | { type: 'array'; itemType: GgufBigIntType; value: readonly bigint[] }
  | { type: 'array'; itemType: 'bool'; value: readonly boolean[] }
  | { type: 'array'; itemType: 'string'; value: readonly string[] };

/** One metadata entry, in file order. */
export type GgufEntry = { key: string } & GgufValue;
