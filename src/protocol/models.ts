/**
 * Messages of the real-model views: the Quality section (perplexity FP vs
 * ternary and per-layer error on the user's own text — in the inspector and
 * in the comparison panel) and the Try it panel (prompt → FP and ternary
 * continuations side by side). Job requests, the streamed-text IPC message,
 * host → page events, and the page → host requests, which are declared as
 * valibot schemas and validated on receipt: a page can name no path, only a
 * choice the host then resolves itself.
 */
import * as v from 'valibot';
import type { EvalResult, GenerateResult, LinearMode } from '../core/model/api.js';

// ---------------------------------------------------------------- host → job process

/** The text to evaluate: a file the job process reads (bounded), or the text itself (an editor's buffer). */
export type EvalTextSource = { file: string } | { text: string; label: string };

export interface ModelRunSettings {
  /** Window length in tokens (engine default when absent). */
  context?: number;
  threads?: number;
}

export interface EvalJobRequest {
  kind: 'eval';
  path: string;
  text: EvalTextSource;
  /** FP and the quantized mode the checkpoint calls for (ternary, or stored when it already is ternary). */
  modes: LinearMode[];
  settings: ModelRunSettings;
}

export interface GenerateSettings {
  maxTokens: number;
  /** 0 is greedy. */
  temperature: number;
  topK: number;
  seed: number;
}

export interface GenerateJobRequest {
  kind: 'generate';
  path: string;
  prompt: string;
  mode: LinearMode;
  settings: GenerateSettings & ModelRunSettings;
}

/** What an eval job returns: the engine's result plus what it was measured on. */
export interface EvalJobValue {
  source: TextSourceInfo;
  result: EvalResult;
}

export type GenerateJobValue = GenerateResult;

// ---------------------------------------------------------------- job process → host

/**
 * Newly generated text of a generate job. The job process coalesces pieces
 * (at most one message per TEXT_INTERVAL_MS), so a fast small model does not
 * send one IPC message per token.
 */
export interface TextMessage {
  type: 'text';
  id: number;
  text: string;
  /** Tokens this text holds. */
  tokens: number;
}

// ---------------------------------------------------------------- Quality (inspector, comparison panel)

export interface TextSourceInfo {
  kind: 'file' | 'editor';
  /** File name, or the editor's document name. */
  label: string;
  chars: number;
}

export type QualityState =
  | { state: 'running'; source: TextSourceInfo; done: number; total: number; label: string }
  | { state: 'done'; source: TextSourceInfo; result: EvalResult }
  | { state: 'cancelled'; source: TextSourceInfo }
  | { state: 'failed'; source?: TextSourceInfo; message: string };

/** Host → page. `quality: undefined` means nothing was evaluated for this checkpoint yet. */
export interface QualityEvent {
  type: 'quality';
  /** Modes the evaluation compares (what the page labels its columns with before a result exists). */
  modes: LinearMode[];
  quality: QualityState | undefined;
}

export const QualityRequestSchema = v.variant('type', [
  /** Evaluate on the active editor's text, or on a text file the user picks (the host shows the dialog). */
  v.object({ type: v.literal('evaluateQuality'), source: v.picklist(['editor', 'file']) }),
  v.object({ type: v.literal('cancelQuality') }),
  /** Open the Try it panel for this checkpoint. */
  v.object({ type: v.literal('tryModel') }),
]);
export type QualityRequest = v.InferOutput<typeof QualityRequestSchema>;

export function parseQualityRequest(raw: unknown): QualityRequest | undefined {
  const r = v.safeParse(QualityRequestSchema, raw);
  return r.success ? r.output : undefined;
}

// ---------------------------------------------------------------- Try it panel

export type ColumnStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

export interface TryColumn {
  mode: LinearMode;
  status: ColumnStatus;
  /** Continuation so far (the whole of it once done). */
  text: string;
  tokens: number;
  /** Set when done. */
  result?: Omit<GenerateResult, 'text' | 'generatedTokens'> & { generatedTokens: number };
  message?: string;
}

export interface TryState {
  fileName: string;
  /** The run being shown (0: none yet). Text events of older runs are ignored. */
  runId: number;
  prompt: string;
  settings: GenerateSettings;
  columns: TryColumn[];
}

export type TryEvent =
  /** Everything, sent on `ready` and when a run starts. */
  | { type: 'state'; state: TryState }
  | { type: 'text'; runId: number; mode: LinearMode; text: string; tokens: number }
  /** A column finished (done, cancelled or failed): its final form. */
  | { type: 'column'; runId: number; column: TryColumn };

/** Bounds on what a page may ask for: a prompt is text, not a file. */
export const MAX_PROMPT_CHARS = 32_000;
export const MAX_NEW_TOKENS = 2048;

export const TryRequestSchema = v.variant('type', [
  v.object({ type: v.literal('ready') }),
  v.object({
    type: v.literal('generate'),
    prompt: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_PROMPT_CHARS)),
    settings: v.object({
      maxTokens: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_NEW_TOKENS)),
      temperature: v.pipe(v.number(), v.minValue(0), v.maxValue(5)),
      topK: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100_000)),
      seed: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 32 - 1)),
    }),
  }),
  v.object({ type: v.literal('cancel') }),
]);
export type TryRequest = v.InferOutput<typeof TryRequestSchema>;

export function parseTryRequest(raw: unknown): TryRequest | undefined {
  const r = v.safeParse(TryRequestSchema, raw);
  return r.success ? r.output : undefined;
}
