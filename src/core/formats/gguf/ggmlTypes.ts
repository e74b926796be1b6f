/**
 * ggml tensor types as they appear in GGUF tensor infos (ggml.h `enum
 * ggml_type`; gguf-py constants.py GGML_QUANT_SIZES). We size every upstream
 * type we know so bounds checks work even for tensors we cannot decode, and
 * decode the ones BitNet users meet: F32, F16, BF16, Q8_0, TQ1_0, TQ2_0, I2_S.
 *
 * Ids 36..39 collide: upstream reserves 36–38 (removed IQ4_NL_x_x repacks) and
 * uses 39 for MXFP4, while the microsoft/BitNet llama.cpp fork uses 36 = I2_S,
 * 37 = I8_S, 38 = TL1, 39 = TL2 (bitnet-reference.md §4c). See `resolveTypeId`.
 */
export interface GgmlTypeInfo {
  name: string;
  blockElems: number;
  blockBytes: number;
  /** True when we can turn it into floats. */
  decodable: boolean;
}

const T = (name: string, blockElems: number, blockBytes: number, decodable = false): GgmlTypeInfo => ({ name, blockElems, blockBytes, decodable });

export const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map([
  [0, T('F32', 1, 4, true)],
  [1, T('F16', 1, 2, true)],
  [2, T('Q4_0', 32, 18)],
  [3, T('Q4_1', 32, 20)],
  [6, T('Q5_0', 32, 22)],
  [7, T('Q5_1', 32, 24)],
  [8, T('Q8_0', 32, 34, true)],
  [9, T('Q8_1', 32, 36)],
  [10, T('Q2_K', 256, 84)],
  [11, T('Q3_K', 256, 110)],
  [12, T('Q4_K', 256, 144)],
  [13, T('Q5_K', 256, 176)],
  [14, T('Q6_K', 256, 210)],
  [15, T('Q8_K', 256, 292)],
  [16, T('IQ2_XXS', 256, 66)],
  [17, T('IQ2_XS', 256, 74)],
  [18, T('IQ3_XXS', 256, 98)],
  [19, T('IQ1_S', 256, 50)],
  [20, T('IQ4_NL', 32, 18)],
  [21, T('IQ3_S', 256, 110)],
  [22, T('IQ2_S', 256, 82)],
  [23, T('IQ4_XS', 256, 136)],
  [24, T('I8', 1, 1, true)],
  [25, T('I16', 1, 2, true)],
  [26, T('I32', 1, 4, true)],
  [27, T('I64', 1, 8, true)],
  [28, T('F64', 1, 8, true)],
  [29, T('IQ1_M', 256, 56)],
  [30, T('BF16', 1, 2, true)],
  [34, T('TQ1_0', 256, 54, true)],
  [35, T('TQ2_0', 256, 66, true)],
]);

export const GGML_TYPE_ID = { F32: 0, F16: 1, Q8_0: 8, BF16: 30, TQ1_0: 34, TQ2_0: 35, I2_S: 36 } as const;

/** What we make of one tensor's type id. `bytes` is undefined when the size rule is unknown. */
export interface ResolvedType {
  name: string;
  decodable: boolean;
  bytes: number | undefined;
  note?: string;
  info?: GgmlTypeInfo;
}

export interface TypeContext {
  /** general.architecture, if present. */
  architecture: string | undefined;
  /** Bytes from this tensor's start to the next tensor's start (or the end of the file). */
  span: number;
  /** Element count. */
  n: number;
  /** ne0 (row length). */
  rowLength: number;
}

function isBitnetArch(arch: string | undefined): boolean {
  return arch !== undefined && arch.toLowerCase().startsWith('bitnet');
}

export function i2sBytes(n: number): number {
  return Math.ceil(n / 4) + 32;
}

export function resolveTypeId(id: number, ctx: TypeContext): ResolvedType {
  const known = GGML_TYPES.get(id);
  if (known) {
    const rowBlocks = ctx.rowLength / known.blockElems;
    if (!Number.isInteger(rowBlocks)) {
      return { name: known.name, decodable: false, bytes: undefined, note: `row length ${ctx.rowLength} is not a multiple of the ${known.name} block size ${known.blockElems}` };
    }
    return { name: known.name, decodable: known.decodable, bytes: (ctx.n / known.blockElems) * known.blockBytes, info: known };
  }
  if (id === 36) {
    // Upstream never writes 36 (reserved), so the question is only whether the
    // file really is the fork's I2_S; architecture or the n/4 + 32 size decide.
    const size = i2sBytes(ctx.n);
    const bySize = ctx.span >= size && ctx.span < size + 32;
    if (isBitnetArch(ctx.architecture) || bySize) {
      const why = isBitnetArch(ctx.architecture)
        ? `general.architecture is "${ctx.architecture}"`
        : `its data span (${ctx.span} B) matches I2_S's n/4 + 32 = ${size} B`;
      return {
        name: 'I2_S',
        decodable: ctx.n % 128 === 0,
        bytes: size,
        note: `type 36 read as BitNet-fork I2_S (x86 layout, 128-element blocks, trailing float32 scale) because ${why}; upstream ggml reserves id 36`,
      };
    }
    return { name: 'type36', decodable: false, bytes: undefined, note: 'type 36 is reserved upstream and this file does not look like a BitNet-fork I2_S file (architecture not bitnet*, size not n/4 + 32)' };
  }
  if (id === 37 || id === 38 || id === 39) {
    if (isBitnetArch(ctx.architecture)) {
      const name = id === 37 ? 'I8_S' : id === 38 ? 'TL1' : 'TL2';
      return { name, decodable: false, bytes: undefined, note: `type ${id} read as BitNet-fork ${name} because general.architecture is "${ctx.architecture}"; its tiled LUT layout depends on kernel_config.ini and is not decoded here` };
    }
    if (id === 39) {
      return { name: 'MXFP4', decodable: false, bytes: (ctx.n / 32) * 17, note: 'type 39 read as upstream MXFP4 (architecture is not bitnet*); MXFP4 decoding is not implemented' };
    }
    return { name: `type${id}`, decodable: false, bytes: undefined, note: `type ${id} is reserved upstream` };
  }
  return { name: `type${id}`, decodable: false, bytes: undefined, note: `unknown ggml type id ${id}` };
}
