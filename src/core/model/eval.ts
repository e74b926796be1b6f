/**
 * evaluateText: perplexity of a checkpoint on a text, in each linear mode.
 *
 * The text is tokenized once, as the tokenizer would (BOS where it adds it),
 * and cut into consecutive windows of N tokens; the incomplete tail is
 * dropped. Each window starts from an empty cache and predicts its tokens
 * 1 … N−1 from the tokens before them, so every mode sees exactly the same
 * predictions (and PyTorch can recompute the same windows).
 *
 * Reported per mode: mean NLL per predicted token (nats), perplexity = e^NLL,
 * bits per byte = Σ NLL / ln 2 / the UTF-8 bytes those tokens decode to, and
 * tokens/s of the forward pass. Prefill runs through the batched (GEMM) path in
 * chunks of PREFILL_CHUNK tokens, yielding between chunks so Ctrl-C stops it.
 *
 * With fp and a quantized mode both asked, the fp pass also runs each
 * quantized linear on the fp activations it receives and reports, per layer,
 * relative RMSE and cosine of the outputs — the error each layer adds on
 * this very text.
 */
import { BitnetLabError } from '../errors.js';
import type { EvalOptions, EvalResult, LayerOutputError, LinearMode, PerplexityResult } from './api.js';
import { loadCausalLm, type CausalLm } from './load.js';
import { loadTokenizer } from './tokenizer/load.js';
import type { Tokenizer } from './tokenizer/types.js';
import { LINEAR_MODULE, type LinearName, type LinearObserver } from './transformer.js';
import { yieldToEvents } from './yieldToEvents.js';

const PREFILL_CHUNK = 64;
/** Positions whose logits are materialised at once ([chunk, vocab] floats). */
const HEAD_CHUNK = 16;
const DEFAULT_CONTEXT_CAP = 512;

export interface EvalRunOptions extends EvalOptions {
  /** The tokenizer to use (default: the checkpoint's own). */
  tokenizer?: Tokenizer;
}

export async function evaluateText(checkpointPath: string, text: string, options: EvalRunOptions = {}): Promise<EvalResult> {
  const tokenizer = options.tokenizer ?? (await loadTokenizer(checkpointPath));
  const ids = tokenizer.encode(text);
  const asked: LinearMode[] = [...new Set<LinearMode>(options.modes ?? ['fp', 'ternary'])];
  const models: CausalLm[] = [];
  try {
    for (const mode of asked) {
      models.push(await loadCausalLm(checkpointPath, { mode, threads: options.threads, signal: options.signal, onProgress: options.onProgress }));
    }
    return await evaluateModels(models, ids, tokenizer, checkpointPath, options);
  } finally {
    for (const m of models) m.close();
  }
}

async function evaluateModels(models: CausalLm[], ids: number[], tokenizer: Tokenizer, checkpointPath: string, options: EvalRunOptions): Promise<EvalResult> {
  const place = { file: checkpointPath };
  const first = models[0]!;
  const context = options.context ?? Math.min(first.config.contextLength, DEFAULT_CONTEXT_CAP);
  if (!Number.isInteger(context) || context < 2) throw new BitnetLabError('usage', `context must be at least 2 tokens, got ${context}`);
  const windowCount = Math.floor(ids.length / context);
  if (windowCount === 0) {
    throw new BitnetLabError('usage', `the text has ${ids.length} tokens, fewer than one window of ${context} (use a longer text or a smaller --context)`);
  }
  const windows = Array.from({ length: windowCount }, (_, w) => ids.slice(w * context, (w + 1) * context));
  const bytes = windows.reduce((s, w) => s + predictedBytes(tokenizer, w), 0);

  const fp = models.find((m) => m.mode === 'fp');
  const quantized = models.find((m) => m.mode !== 'fp');
  const errors = fp && quantized ? new LayerErrors(quantized) : undefined;
  const results: Partial<Record<LinearMode, PerplexityResult>> = {};
  const steps = windowCount * models.length;
  let step = 0;
  for (const model of models) {
    let nll = 0;
    let seconds = 0;
    for (const w of windows) {
      const observe = model === fp ? errors?.observer : undefined;
      const r = await windowNll(model, w, observe, options.signal, place);
      nll += r.nll;
      seconds += r.seconds - (observe ? errors!.takeSeconds() : 0);
      step++;
      options.onProgress?.({ label: `${model.mode} window ${step}`, done: step, total: steps, unit: 'steps' });
    }
    const predicted = windowCount * (context - 1);
    const mean = nll / predicted;
    results[model.mode] = {
      perplexity: Math.exp(mean),
      nll: mean,
      bitsPerByte: nll / Math.LN2 / bytes,
      tokensPerSecond: (windowCount * context) / seconds,
    };
  }
  return {
    tokens: ids.length,
    windows: windowCount,
    results,
    layers: errors?.result() ?? [],
    provenance: {
      checkpoint: checkpointPath,
      architecture: first.config.architecture,
      tokenizer: tokenizer.description,
      compute: models.map((m) => `${m.mode}: ${m.compute}`).join('; '),
      threads: first.threads,
      machine: first.machine,
      settings: {
        context,
        modes: models.map((m) => m.mode).join(','),
        windows: windowCount,
        predictedTokens: windowCount * (context - 1),
        bytes,
        prefillChunk: PREFILL_CHUNK,
      },
    },
  };
}

/** UTF-8 bytes of the text tokens 1 … N−1 of a window stand for. */
function predictedBytes(tokenizer: Tokenizer, window: readonly number[]): number {
  const enc = new TextEncoder();
  return Math.max(1, enc.encode(tokenizer.decode(window)).length - enc.encode(tokenizer.decode(window.slice(0, 1))).length);
}

async function windowNll(
  model: CausalLm,
  w: readonly number[],
  observe: LinearObserver | undefined,
  signal: AbortSignal | undefined,
  place: { file: string },
): Promise<{ nll: number; seconds: number }> {
  const t = model.transformer;
  const cache = t.newCache();
  const hidden = model.config.hidden;
  let nll = 0;
  let seconds = 0;
  for (let c0 = 0; c0 < w.length; c0 += PREFILL_CHUNK) {
    await yieldToEvents(signal, place);
    const started = performance.now();
    const chunk = w.slice(c0, c0 + PREFILL_CHUNK);
    const h = t.forward(chunk, cache, observe);
    for (let p0 = 0; p0 < chunk.length; p0 += HEAD_CHUNK) {
      const n = Math.min(HEAD_CHUNK, chunk.length - p0);
      const logits = t.weights.head.forward(h.subarray(p0 * hidden, (p0 + n) * hidden), n);
      const vocab = logits.length / n;
      for (let i = 0; i < n; i++) {
        const pos = c0 + p0 + i;
        if (pos + 1 >= w.length) break;
        nll -= logSoftmaxAt(logits, i * vocab, vocab, w[pos + 1]!);
      }
    }
    seconds += (performance.now() - started) / 1000;
  }
  return { nll, seconds };
}

function logSoftmaxAt(logits: Float32Array, at: number, vocab: number, target: number): number {
  let max = -Infinity;
  for (let j = 0; j < vocab; j++) if (logits[at + j]! > max) max = logits[at + j]!;
  let sum = 0;
  for (let j = 0; j < vocab; j++) sum += Math.exp(logits[at + j]! - max);
  return logits[at + target]! - max - Math.log(sum);
}

/** Per-layer output error of the quantized linears on the fp model's activations. */
class LayerErrors {
  private readonly sums = new Map<string, { layer: number; name: LinearName; dd: number; yy: number; qq: number; yq: number }>();
  private seconds = 0;

  constructor(private readonly quantized: CausalLm) {}

  readonly observer: LinearObserver = (layer, name, x, n, y) => {
    const started = performance.now();
    const q = this.quantized.transformer.weights.layers[layer]!.linears[name].forward(x, n);
    const key = `model.layers.${layer}.${LINEAR_MODULE[name]}`;
    let s = this.sums.get(key);
    if (!s) {
      s = { layer, name, dd: 0, yy: 0, qq: 0, yq: 0 };
      this.sums.set(key, s);
    }
    for (let i = 0; i < y.length; i++) {
      const a = y[i]!;
      const b = q[i]!;
      s.dd += (a - b) * (a - b);
      s.yy += a * a;
      s.qq += b * b;
      s.yq += a * b;
    }
    this.seconds += (performance.now() - started) / 1000;
  };

  /** Seconds spent in the observer since the last call (kept out of the fp timing). */
  takeSeconds(): number {
    const s = this.seconds;
    this.seconds = 0;
    return s;
  }

  result(): LayerOutputError[] {
    return [...this.sums].map(([key, s]) => ({
      name: key,
      layer: s.layer,
      relativeRmse: s.yy > 0 ? Math.sqrt(s.dd / s.yy) : 0,
      cosine: s.yy > 0 && s.qq > 0 ? s.yq / Math.sqrt(s.yy * s.qq) : 1,
    }));
  }
}
