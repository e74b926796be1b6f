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

/** gguf_type ids as stored in the file (ggml docs/gguf.md, `enum gguf_metadata_value_type`). */
export const GGUF_TYPE_ID: Readonly<Record<GgufItemType | 'array', number>> = {
  u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12,
};

/** Stored size of each fixed-width item type (strings are u64 length + bytes). */
export const GGUF_ITEM_BYTES: Readonly<Record<Exclude<GgufItemType, 'string'>, number>> = {
  u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, u64: 8, i64: 8, f64: 8,
};

const ITEM_BY_ID = new Map<number, GgufItemType>();
for (const [type, id] of Object.entries(GGUF_TYPE_ID)) if (type !== 'array') ITEM_BY_ID.set(id, type as GgufItemType);

/** The item type stored under a gguf_type id, or undefined for ARRAY and unknown ids. */
export function ggufItemType(id: number): GgufItemType | undefined {
  return ITEM_BY_ID.get(id);
}
