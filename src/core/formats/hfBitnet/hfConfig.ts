/**
 * What an HF BitNet checkpoint's config.json tells a reader
 * (transformers BitNetQuantConfig; bitnet-reference.md §0.4, §4a, §7).
 * The weight_scale convention comes from `linear_class` and nothing else:
 * "autobitlinear" multiplies (W = Q·weight_scale), anything else — including
 * an absent key, the BitLinear default — divides (W = Q / weight_scale),
 * the rule mlx-lm uses. Never inferred from magnitudes.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { BitnetLabError } from '../../errors.js';

export type ScaleConvention = 'multiply' | 'divide';

/** A JSON object file (config.json, tokenizer.json, …), undefined when the file does not exist; anything else unreadable is a typed error. */
export async function readConfigJson(path: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new BitnetLabError('header', `${basename(path)} is not valid: ${e instanceof Error ? e.message : String(e)}`, { file: path });
  }
}

export interface HfBitnetConfig {
  quantMethod: string | undefined;
  linearClass: string | undefined;
  convention: ScaleConvention;
  /** Expected logical output rows per projection name, from the model dims. */
  expectedRows: Map<string, number>;
  raw: Record<string, unknown> | undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

export function parseHfBitnetConfig(config: Record<string, unknown> | undefined): HfBitnetConfig {
  const qc = config?.['quantization_config'];
  const q = qc !== null && typeof qc === 'object' ? (qc as Record<string, unknown>) : undefined;
  const linearClass = typeof q?.['linear_class'] === 'string' ? (q['linear_class'] as string) : undefined;
  const expectedRows = new Map<string, number>();
  const hidden = num(config?.['hidden_size']);
  const heads = num(config?.['num_attention_heads']);
  const kvHeads = num(config?.['num_key_value_heads']) ?? heads;
  const inter = num(config?.['intermediate_size']);
  const headDim = num(config?.['head_dim']) ?? (hidden && heads ? hidden / heads : undefined);
  if (heads && headDim) expectedRows.set('q_proj', heads * headDim);
  if (kvHeads && headDim) {
    expectedRows.set('k_proj', kvHeads * headDim);
    expectedRows.set('v_proj', kvHeads * headDim);
  }
  if (hidden) {
    expectedRows.set('o_proj', hidden);
    expectedRows.set('down_proj', hidden);
  }
  if (inter) {
    expectedRows.set('gate_proj', inter);
    expectedRows.set('up_proj', inter);
  }
  return {
    quantMethod: typeof q?.['quant_method'] === 'string' ? (q['quant_method'] as string) : undefined,
    linearClass,
    convention: linearClass === 'autobitlinear' ? 'multiply' : 'divide',
    expectedRows,
    raw: config,
  };
}

/** The projection kind of a weight name ("model.layers.3.mlp.down_proj.weight" → "down_proj"). */
export function projectionOf(name: string): string | undefined {
  const parts = name.split('.');
  return parts.length >= 2 ? parts[parts.length - 2] : undefined;
}
