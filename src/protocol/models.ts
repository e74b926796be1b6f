/**
 * Messages of the real-model views, declared once as valibot schemas and
 * validated on receipt: the Quality section (perplexity FP vs ternary and
 * per-layer error on the user's own text — in the inspector and in the
 * comparison panel) and the Try it panel (prompt → FP and ternary
 * continuations side by side). Job requests and results, the streamed-text
 * IPC message, host → page events and page → host requests. A page can name
 * no path, only a choice the host then resolves itself.
 */
import * as v from 'valibot';
import { anyNumber, EvalResultSchema, GenerateResultSchema, LinearModeSchema, ModelProvenanceSchema } from './modelSchemas.js';
import { id } from './schema.js';

const path = v.pipe(v.string(), v.minLength(1));
const count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Bounds on what a page may ask for: a prompt is text, not a file. */
export const MAX_PROMPT_CHARS = 32_000;
export const MAX_NEW_TOKENS = 2048;

// ---------------------------------------------------------------- host → job process

/** The text to evaluate: a file the job process reads (bounded), or the text itself (an editor's buffer). */
export const EvalTextSourceSchema = v.union([v.strictObject({ file: path }), v.strictObject({ text: v.string(), label: v.string() })]);
export type EvalTextSource = v.InferOutput<typeof EvalTextSourceSchema>;

export const ModelRunSettingsSchema = v.strictObject({
  /** Window length in tokens (engine default when absent). */
  context: v.optional(v.pipe(v.number(), v.integer(), v.minValue(2))),
  threads: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});
export type ModelRunSettings = v.InferOutput<typeof ModelRunSettingsSchema>;

const generateEntries = {
  maxTokens: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_NEW_TOKENS)),
  /** 0 is greedy. */
  temperature: v.pipe(v.number(), v.minValue(0), v.maxValue(5)),
  topK: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000)),
  seed: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 32 - 1)),
};
export const GenerateSettingsSchema = v.strictObject(generateEntries);
export type GenerateSettings = v.InferOutput<typeof GenerateSettingsSchema>;

export const EvalJobRequestSchema = v.strictObject({
  kind: v.literal('eval'),
  path,
  text: EvalTextSourceSchema,
  /** FP and the quantized mode the checkpoint calls for (ternary, or stored when it already is ternary). */
  modes: v.array(LinearModeSchema),
  settings: ModelRunSettingsSchema,
});
export type EvalJobRequest = v.InferOutput<typeof EvalJobRequestSchema>;

export const GenerateJobRequestSchema = v.strictObject({
  kind: v.literal('generate'),
  path,
  prompt: v.pipe(v.string(), v.minLength(1)),
  mode: LinearModeSchema,
  settings: v.strictObject({ ...generateEntries, ...ModelRunSettingsSchema.entries }),
});
export type GenerateJobRequest = v.InferOutput<typeof GenerateJobRequestSchema>;

// ---------------------------------------------------------------- job process → host

export const TextSourceInfoSchema = v.strictObject({
  kind: v.picklist(['file', 'editor']),
  /** File name, or the editor's document name. */
  label: v.string(),
  /** NaN until the job process has read a file. */
  chars: anyNumber,
});
export type TextSourceInfo = v.InferOutput<typeof TextSourceInfoSchema>;

/** What an eval job returns: the engine's result plus what it was measured on. */
export const EvalJobValueSchema = v.strictObject({ source: TextSourceInfoSchema, result: EvalResultSchema });
export type EvalJobValue = v.InferOutput<typeof EvalJobValueSchema>;

export { GenerateResultSchema as GenerateJobValueSchema };
export type GenerateJobValue = v.InferOutput<typeof GenerateResultSchema>;

/**
 * Newly generated text of a generate job. The job process coalesces pieces
 * (at most one message per TEXT_INTERVAL_MS), so a fast small model does not
 * send one IPC message per token.
 */
export const TextMessageSchema = v.strictObject({
  type: v.literal('text'),
  id,
  text: v.string(),
  /** Pieces this text joins: one per token, except where a character spans several tokens. */
  tokens: count,
});
export type TextMessage = v.InferOutput<typeof TextMessageSchema>;

// ---------------------------------------------------------------- Quality (inspector, comparison panel)

export const QualityStateSchema = v.variant('state', [
  v.strictObject({ state: v.literal('running'), source: TextSourceInfoSchema, done: v.number(), total: v.number(), label: v.string() }),
  v.strictObject({ state: v.literal('done'), source: TextSourceInfoSchema, result: EvalResultSchema }),
  v.strictObject({ state: v.literal('cancelled'), source: TextSourceInfoSchema }),
  v.strictObject({ state: v.literal('failed'), source: v.optional(TextSourceInfoSchema), message: v.string() }),
]);
export type QualityState = v.InferOutput<typeof QualityStateSchema>;

/** Host → page. `quality: undefined` means nothing was evaluated for this checkpoint yet. */
export const QualityEventSchema = v.strictObject({
  type: v.literal('quality'),
  /** Modes the evaluation compares (what the page labels its columns with before a result exists). */
  modes: v.array(LinearModeSchema),
  quality: v.optional(QualityStateSchema),
});
export type QualityEvent = v.InferOutput<typeof QualityEventSchema>;

export const QualityRequestSchema = v.variant('type', [
  /** Evaluate on the active editor's text, or on a text file the user picks (the host shows the dialog). */
  v.strictObject({ type: v.literal('evaluateQuality'), source: v.picklist(['editor', 'file']) }),
  v.strictObject({ type: v.literal('cancelQuality') }),
  /** Open the Try it panel for this checkpoint. */
  v.strictObject({ type: v.literal('tryModel') }),
]);
export type QualityRequest = v.InferOutput<typeof QualityRequestSchema>;

// ---------------------------------------------------------------- Try it panel

export const TryColumnSchema = v.strictObject({
  mode: LinearModeSchema,
  status: v.picklist(['idle', 'running', 'done', 'cancelled', 'failed']),
  /** Continuation so far (the whole of it once done). */
  text: v.string(),
  tokens: count,
  /** Set when done: the engine's figures, with the count of generated tokens for their ids. */
  result: v.optional(v.strictObject({ promptTokens: v.number(), generatedTokens: count, tokensPerSecond: anyNumber, provenance: ModelProvenanceSchema })),
  message: v.optional(v.string()),
});
export type TryColumn = v.InferOutput<typeof TryColumnSchema>;

export const TryStateSchema = v.strictObject({
  fileName: v.string(),
  /** The run being shown (0: none yet). Text events of older runs are ignored. */
  runId: count,
  prompt: v.string(),
  settings: GenerateSettingsSchema,
  columns: v.array(TryColumnSchema),
});
export type TryState = v.InferOutput<typeof TryStateSchema>;

export const TryEventSchema = v.variant('type', [
  /** Everything, sent on `ready` and when a run starts. */
  v.strictObject({ type: v.literal('state'), state: TryStateSchema }),
  v.strictObject({ type: v.literal('text'), runId: count, mode: LinearModeSchema, text: v.string(), tokens: count }),
  /** A column finished (done, cancelled or failed): its final form. */
  v.strictObject({ type: v.literal('column'), runId: count, column: TryColumnSchema }),
]);
export type TryEvent = v.InferOutput<typeof TryEventSchema>;

export const TryRequestSchema = v.variant('type', [
  v.strictObject({ type: v.literal('ready') }),
  v.strictObject({ type: v.literal('generate'), prompt: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_PROMPT_CHARS)), settings: GenerateSettingsSchema }),
  v.strictObject({ type: v.literal('cancel') }),
]);
export type TryRequest = v.InferOutput<typeof TryRequestSchema>;

// Receipt checks for the pages' requests: malformed ones are ignored by the host.
export function parseQualityRequest(raw: unknown): QualityRequest | undefined {
  const r = v.safeParse(QualityRequestSchema, raw);
  return r.success ? r.output : undefined;
}

export function parseTryRequest(raw: unknown): TryRequest | undefined {
  const r = v.safeParse(TryRequestSchema, raw);
  return r.success ? r.output : undefined;
}
