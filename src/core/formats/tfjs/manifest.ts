/**
 * tfjs model.json weightsManifest (tfjs-core src/io/types.ts
 * `WeightsManifestConfig`; decoding rules of io_utils.ts `decodeWeights`):
 * each group lists shard paths and weights; a group's weights are stored back
 * to back across its shards in manifest order. Stored element types:
 *   float32 / int32: 4 bytes; bool: 1 byte; complex64: 8 bytes;
 *   string: per element a u32 little-endian byte length, then the bytes;
 *   quantization {dtype: uint8 | uint16, min, scale}: stored q, value = q·scale + min;
 *   quantization {dtype: float16}: IEEE half.
 */
import { BitnetLabError } from '../../errors.js';

export interface TfjsQuantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  min?: number;
  scale?: number;
}

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: TfjsQuantization;
}

export interface TfjsGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const DTYPES = new Set(['float32', 'int32', 'bool', 'string', 'complex64']);

/** Validates the manifest's shape without trusting any of it. */
export function parseManifest(json: unknown, file: string): { groups: TfjsGroup[]; format: string | undefined; generatedBy: string | undefined } {
  if (!isObject(json)) throw new BitnetLabError('header', 'model.json is not a JSON object', { file });
  const wm = json['weightsManifest'];
  if (!Array.isArray(wm)) throw new BitnetLabError('header', 'model.json has no weightsManifest array', { file });
  const groups: TfjsGroup[] = wm.map((g, gi) => {
    if (!isObject(g) || !Array.isArray(g['paths']) || !Array.isArray(g['weights'])) {
      throw new BitnetLabError('header', `weightsManifest[${gi}] needs "paths" and "weights" arrays`, { file });
    }
    const paths = g['paths'].map((p, pi) => {
      if (typeof p !== 'string' || p.length === 0) throw new BitnetLabError('header', `weightsManifest[${gi}].paths[${pi}] is not a file name`, { file });
      return p;
    });
    const weights = g['weights'].map((w, wi): TfjsWeightSpec => {
      const where = `weightsManifest[${gi}].weights[${wi}]`;
      if (!isObject(w) || typeof w['name'] !== 'string' || !Array.isArray(w['shape']) || typeof w['dtype'] !== 'string') {
        throw new BitnetLabError('header', `${where} needs name, shape and dtype`, { file });
      }
      const name = w['name'];
      const shape = w['shape'].map((d) => {
        if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) throw new BitnetLabError('header', `shape entry ${String(d)} is not a size`, { file, tensor: name });
        return d;
      });
      if (!DTYPES.has(w['dtype'])) throw new BitnetLabError('dtype', `unknown tfjs dtype "${w['dtype']}"`, { file, tensor: name });
      const spec: TfjsWeightSpec = { name, shape, dtype: w['dtype'] };
      const q = w['quantization'];
      if (q !== undefined) {
        if (!isObject(q) || (q['dtype'] !== 'uint8' && q['dtype'] !== 'uint16' && q['dtype'] !== 'float16')) {
          throw new BitnetLabError('dtype', 'quantization dtype must be uint8, uint16 or float16', { file, tensor: name });
        }
        const quant: TfjsQuantization = { dtype: q['dtype'] };
        if (q['dtype'] !== 'float16') {
          if (typeof q['min'] !== 'number' || typeof q['scale'] !== 'number') {
            throw new BitnetLabError('header', `${q['dtype']} quantization needs numeric min and scale`, { file, tensor: name });
          }
          quant.min = q['min'];
          quant.scale = q['scale'];
        }
        spec.quantization = quant;
      }
      return spec;
    });
    return { paths, weights };
  });
  return {
    groups,
    format: typeof json['format'] === 'string' ? json['format'] : undefined,
    generatedBy: typeof json['generatedBy'] === 'string' ? json['generatedBy'] : undefined,
  };
}
