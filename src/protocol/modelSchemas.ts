/**
 * Schemas of the model runtime's results (src/core/model/api.ts) as they
 * cross the job-process and webview boundaries. Each is typed by `exactly`
 * with its core type, so the compiler rejects a schema that no longer
 * matches it, optional keys included.
 */
import * as v from 'valibot';
import type { EvalResult, GenerateResult, LayerOutputError, LinearMode, ModelProvenance, PerplexityResult } from '../core/model/api.js';
import { anyNumber, exactly } from './schema.js';

export { anyNumber };

export const LinearModeSchema: v.GenericSchema<LinearMode> = v.picklist(['fp', 'ternary', 'stored']);

export const ModelProvenanceSchema = exactly<ModelProvenance>()(v.strictObject({
  checkpoint: v.string(),
  architecture: v.string(),
  tokenizer: v.string(),
  compute: v.string(),
  threads: v.number(),
  machine: v.string(),
  settings: v.record(v.string(), v.union([v.string(), anyNumber, v.boolean()])),
}));

const PerplexityResultSchema = exactly<PerplexityResult>()(v.strictObject({
  perplexity: anyNumber,
  nll: anyNumber,
  bitsPerByte: anyNumber,
  tokensPerSecond: anyNumber,
}));

const LayerOutputErrorSchema = exactly<LayerOutputError>()(v.strictObject({
  name: v.string(),
  layer: v.number(),
  relativeRmse: anyNumber,
  cosine: anyNumber,
}));

export const EvalResultSchema = exactly<EvalResult>()(v.strictObject({
  tokens: v.number(),
  windows: v.number(),
  results: v.strictObject({ fp: v.optional(PerplexityResultSchema), ternary: v.optional(PerplexityResultSchema), stored: v.optional(PerplexityResultSchema) }),
  layers: v.array(LayerOutputErrorSchema),
  provenance: ModelProvenanceSchema,
}));

export const GenerateResultSchema = exactly<GenerateResult>()(v.strictObject({
  text: v.string(),
  promptTokens: v.number(),
  generatedTokens: v.array(v.number()),
  tokensPerSecond: anyNumber,
  provenance: ModelProvenanceSchema,
}));
