/**
 * generateText: continue a prompt token by token with the KV cache.
 *
 * The prompt is tokenized as the tokenizer would (BOS added where it adds it)
 * and run in one batched prefill; then each step appends the chosen token and
 * computes only its position. Text streams through onText as it is made:
 * each piece is what the decoded continuation gained, so multi-byte
 * characters split across tokens come out whole. Generation stops at EOS, at
 * maxTokens, at the model's context length, or on abort (a 'cancelled'
 * error, checked between tokens).
 */
import { BitnetLabError } from '../errors.js';
import { Prng } from '../random.js';
import type { GenerateOptions, GenerateResult } from './api.js';
import { loadCausalLm, type CausalLm } from './load.js';
import { sampleToken } from './sampling.js';
import { loadTokenizer } from './tokenizer/load.js';
import type { Tokenizer } from './tokenizer/types.js';
import { yieldToEvents } from './yieldToEvents.js';

const DEFAULT_MAX_TOKENS = 64;

export interface GenerateRunOptions extends GenerateOptions {
  tokenizer?: Tokenizer;
}

export async function generateText(checkpointPath: string, prompt: string, options: GenerateRunOptions = {}): Promise<GenerateResult> {
  const tokenizer = options.tokenizer ?? (await loadTokenizer(checkpointPath));
  const model = await loadCausalLm(checkpointPath, {
    mode: options.mode ?? 'native',
    threads: options.threads,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  try {
    return await run(model, tokenizer, checkpointPath, prompt, options);
  } finally {
    model.close();
  }
}

async function run(model: CausalLm, tokenizer: Tokenizer, checkpointPath: string, prompt: string, options: GenerateRunOptions): Promise<GenerateResult> {
  const place = { file: checkpointPath };
  const promptIds = tokenizer.encode(prompt);
  if (promptIds.length === 0) throw new BitnetLabError('usage', 'the prompt encodes to no tokens (give a non-empty prompt)');
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  const temperature = options.temperature ?? 0;
  const topK = options.topK ?? 0;
  const seed = options.seed ?? 0;
  const prng = new Prng(seed);
  const session = model.session();

  await yieldToEvents(options.signal, place);
  const prefillStart = performance.now();
  let logits = session.append(promptIds);
  const prefillSeconds = (performance.now() - prefillStart) / 1000;

  const generated: number[] = [];
  let text = '';
  let decodeSeconds = 0;
  const limit = Math.min(maxTokens, model.config.contextLength - promptIds.length);
  for (let i = 0; i < limit; i++) {
    const id = sampleToken(logits, { temperature, topK }, prng);
    if (id === tokenizer.eosId) break;
    generated.push(id);
    const now = tokenizer.decode(generated);
    // A piece that ends inside a multi-byte character decodes to U+FFFD: wait for the rest.
    if (!now.endsWith('\uFFFD') && now.startsWith(text)) {
      if (now.length > text.length) options.onText?.(now.slice(text.length), id);
      text = now;
    }
    options.onProgress?.({ label: `token ${i + 1}`, done: i + 1, total: limit, unit: 'steps' });
    if (i + 1 === limit) break;
    await yieldToEvents(options.signal, place);
    const started = performance.now();
    logits = session.append([id]);
    decodeSeconds += (performance.now() - started) / 1000;
  }
  const finalText = tokenizer.decode(generated);
  if (finalText.length > text.length && finalText.startsWith(text)) options.onText?.(finalText.slice(text.length), generated[generated.length - 1]!);
  const steps = Math.max(0, generated.length - 1);
  return {
    text: finalText,
    promptTokens: promptIds.length,
    generatedTokens: generated,
    tokensPerSecond: steps > 0 && decodeSeconds > 0 ? steps / decodeSeconds : 0,
    provenance: {
      checkpoint: checkpointPath,
      architecture: model.config.architecture,
      tokenizer: tokenizer.description,
      compute: `${model.mode}: ${model.compute}`,
      threads: model.threads,
      machine: model.machine,
      settings: {
        mode: model.mode,
        maxTokens,
        temperature,
        topK,
        seed,
        prefillTokensPerSecond: prefillSeconds > 0 ? promptIds.length / prefillSeconds : 0,
        residentWeightBytes: model.residentBytes,
      },
    },
  };
}
