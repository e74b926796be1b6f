/**
 * Real-model jobs in the job process: perplexity and per-layer error of a
 * checkpoint on a text (`eval`), and a continuation of a prompt (`generate`,
 * streamed piece by piece). The runtime functions are passed in, so this file
 * names no engine module (engine.ts binds src/core/model's).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { EvalOptions, EvalResult, GenerateOptions, GenerateResult } from '../core/model/api.js';
import { BitnetLabError } from '../core/errors.js';
import type { EvalJobValue, EvalTextSource, TextSourceInfo } from '../protocol/models.js';
import type { ExtraJobs } from './engineTypes.js';

export interface ModelRuntime {
  evaluateText(checkpointPath: string, text: string, options: EvalOptions): Promise<EvalResult>;
  generateText(checkpointPath: string, prompt: string, options: GenerateOptions): Promise<GenerateResult>;
}

/**
 * Largest text file an evaluation reads. Far above what a CPU evaluates in
 * reasonable time (64 MiB is ~16M tokens), and it bounds the allocation.
 */
export const MAX_TEXT_BYTES = 64 * 1024 * 1024;

/** The text of an evaluation and what to call it, read in the job process (the host never loads the file). */
export async function readEvalText(source: EvalTextSource): Promise<{ text: string; info: TextSourceInfo }> {
  if ('text' in source) {
    if (source.text.trim() === '') throw new BitnetLabError('usage', `${source.label} is empty: there is no text to evaluate`);
    return { text: source.text, info: { kind: 'editor', label: source.label, chars: source.text.length } };
  }
  const file = source.file;
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    throw new BitnetLabError('io', `cannot read the text file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file });
  }
  if (size > MAX_TEXT_BYTES) throw new BitnetLabError('limit', `the text file is ${size.toLocaleString('en-US')} bytes; evaluations read at most ${MAX_TEXT_BYTES / 1024 / 1024} MiB`, { file });
  const bytes = await readFile(file);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new BitnetLabError('usage', `not UTF-8 text (at byte ${firstInvalidUtf8(bytes)}); choose a plain text file`, { file });
  }
  if (text.trim() === '') throw new BitnetLabError('usage', 'the text file is empty: there is no text to evaluate', { file });
  return { text, info: { kind: 'file', label: basename(file), chars: text.length } };
}

/** Offset of the first byte that breaks UTF-8, for the error message (TextDecoder does not say). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  // "This prefix holds a bad byte" is monotone in the prefix length: binary search it. In stream
  // mode a character cut at the end of a prefix is not an error, only a bad byte is.
  let lo = 0;
  let hi = bytes.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid;
    }
  }
  return lo;
}

export function modelJobs(rt: ModelRuntime): Pick<ExtraJobs, 'eval' | 'generate'> {
  return {
    eval: async (r, run): Promise<EvalJobValue> => {
      const { text, info } = await readEvalText(r.text);
      const result = await rt.evaluateText(r.path, text, {
        modes: r.modes,
        context: r.settings.context,
        threads: r.settings.threads,
        signal: run.signal,
        onProgress: run.onProgress,
      });
      return { source: info, result };
    },
    generate: (r, run) =>
      rt.generateText(r.path, r.prompt, {
        mode: r.mode,
        maxTokens: r.settings.maxTokens,
        temperature: r.settings.temperature,
        topK: r.settings.topK,
        seed: r.settings.seed,
        threads: r.settings.threads,
        signal: run.signal,
        onProgress: run.onProgress,
        onText: (piece) => run.onText?.(piece),
      }),
  };
}
