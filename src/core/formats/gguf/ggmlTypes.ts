/**
 * The one registry of ggml tensor types: ids as they appear in GGUF tensor
 * infos (ggml.h `enum ggml_type`), block sizes (gguf-py constants.py
 * GGML_QUANT_SIZES), names, and the llama_ftype a file of that type declares.
 * The GGUF reader, the GGUF writer, the memory model and the ternary codecs
 * all size tensors from here.
 *
 * Ids 36..39 collide: upstream reserves 36–38 (removed IQ4_NL_x_x repacks) and
 * uses 39 for MXFP4, while the microsoft/BitNet llama.cpp fork uses 36 = I2_S,
 * 37 = I8_S, 38 = TL1, 39 = TL2 (bitnet-reference.md §4c). So I2_S is not in
 * the id map; `resolveTypeId` decides what a 36 means in a given file.
 */
export interface GgmlTypeInfo {
  id: number;
  name: string;
  blockElems: number;
  blockBytes: number;
  /** True when we can turn it into floats. */
  decodable: boolean;
}

const T = (id: number, name: string, blockElems: number, blockBytes: number, decodable = false): GgmlTypeInfo => ({ id, name, blockElems, blockBytes, decodable });

const UPSTREAM: readonly GgmlTypeInfo[] = [
  T(0, 'F32', 1, 4, true),
  T(1, 'F16', 1, 2, true),
  T(2, 'Q4_0', 32, 18),
  T(3, 'Q4_1', 32, 20),
  T(6, 'Q5_0', 32, 22),
  T(7, 'Q5_1', 32, 24),
  T(8, 'Q8_0', 32, 34, true),
  T(9, 'Q8_1', 32, 36),
  T(10, 'Q2_K', 256, 84),
  T(11, 'Q3_K', 256, 110),
  T(12, 'Q4_K', 256, 144),
  T(13, 'Q5_K', 256, 176),
  T(14, 'Q6_K', 256, 210),
  T(15, 'Q8_K', 256, 292),
  T(16, 'IQ2_XXS', 256, 66),
  T(17, 'IQ2_XS', 256, 74),
  T(18, 'IQ3_XXS', 256, 98),
  T(19, 'IQ1_S', 256, 50),
  T(20, 'IQ4_NL', 32, 18),
  T(21, 'IQ3_S', 256, 110),
  T(22, 'IQ2_S', 256, 82),
  T(23, 'IQ4_XS', 256, 136),
  T(24, 'I8', 1, 1, true),
  T(25, 'I16', 1, 2, true),
  T(26, 'I32', 1, 4, true),
  T(27, 'I64', 1, 8, true),
  T(28, 'F64', 1, 8, true),
  T(29, 'IQ1_M', 256, 56),
  T(30, 'BF16', 1, 2, true),
  T(34, 'TQ1_0', 256, 54, true),
  T(35, 'TQ2_0', 256, 66, true),
];

/** Upstream ggml types by id. */
export const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map(UPSTREAM.map((t) => [t.id, t]));

/**
 * bitnet.cpp's I2_S (fork id 36): 2 bits per weight in 128-element blocks of
 * 32 bytes, plus one float32 γ for the whole tensor after the packed bytes,
 * padded to 32 bytes — so a tensor is n/4 + I2S_TRAILER_BYTES, not whole blocks.
 */
export const I2S_TYPE: GgmlTypeInfo = T(36, 'I2_S', 128, 32, true);
export const I2S_TRAILER_BYTES = 32;

const BY_NAME = new Map<string, GgmlTypeInfo>([...UPSTREAM, I2S_TYPE].map((t) => [t.name, t]));

/** The types we write or decode by name; a missing name here is a typo caught at compile time. */
export const GGML_TYPE = {
  F32: BY_NAME.get('F32')!,
  F16: BY_NAME.get('F16')!,
  BF16: BY_NAME.get('BF16')!,
  Q8_0: BY_NAME.get('Q8_0')!,
  TQ1_0: BY_NAME.get('TQ1_0')!,
  TQ2_0: BY_NAME.get('TQ2_0')!,
  I2_S: I2S_TYPE,
} as const;

/** ggml types whose blocks hold ternary codes and a scale (llama.cpp TQ1_0/TQ2_0, microsoft/BitNet I2_S). */
export const TERNARY_GGML_TYPES: ReadonlySet<string> = new Set([GGML_TYPE.TQ1_0.name, GGML_TYPE.TQ2_0.name, GGML_TYPE.I2_S.name]);

/** A ggml type by name (safetensors' F32/F16/BF16/I8…/F64 share ggml's names), I2_S included. */
export function ggmlTypeByName(name: string): GgmlTypeInfo | undefined {
  return BY_NAME.get(name);
}

export function i2sBytes(n: number): number {
  return Math.ceil(n / 4) + I2S_TRAILER_BYTES;
}

/** Bytes of a tensor of n elements whose rows are `rowLength` long, or undefined when its rows do not split into whole blocks. */
export function ggmlTensorBytes(t: GgmlTypeInfo, n: number, rowLength: number): number | undefined {
  if (t === I2S_TYPE) return n % t.blockElems === 0 ? i2sBytes(n) : undefined;
  if (rowLength % t.blockElems !== 0) return undefined;
  return (n / t.blockElems) * t.blockBytes;
}

/**
 * The type a weight with rows of `rowLength` values is stored as when
 * `preferred` is asked for: ggml blocks never straddle rows and we never pad,
 * so a type whose block does not divide the row gives way to `fallback`
 * (Q8_0 unless asked otherwise), and that to F16, whose "block" is one value.
 * The exporter writes this and the memory model counts it.
 */
export function rowFitType(preferred: GgmlTypeInfo, rowLength: number, fallback: GgmlTypeInfo = GGML_TYPE.Q8_0): GgmlTypeInfo {
  if (rowLength % preferred.blockElems === 0) return preferred;
  return rowLength % fallback.blockElems === 0 ? fallback : GGML_TYPE.F16;
}

/**
 * llama_ftype (llama.h; 40 = MOSTLY_I2_S in the BitNet fork): what
 * `general.file_type` says the bulk of a file is. Informational to llama.cpp.
 */
export const LLAMA_FILE_TYPE: Readonly<Record<string, number>> = { F32: 0, F16: 1, Q8_0: 7, BF16: 32, TQ1_0: 36, TQ2_0: 37, I2_S: 40 };

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

export function resolveTypeId(id: number, ctx: TypeContext): ResolvedType {
  const known = GGML_TYPES.get(id);
  if (known) {
    const bytes = ggmlTensorBytes(known, ctx.n, ctx.rowLength);
    if (bytes === undefined) {
      return { name: known.name, decodable: false, bytes: undefined, note: `row length ${ctx.rowLength} is not a multiple of the ${known.name} block size ${known.blockElems}` };
    }
    return { name: known.name, decodable: known.decodable, bytes, info: known };
  }
  if (id === I2S_TYPE.id) {
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
        decodable: ctx.n % I2S_TYPE.blockElems === 0,
        bytes: size,
        info: I2S_TYPE,
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
