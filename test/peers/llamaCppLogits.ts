/**
 * Raw logits from real llama.cpp for a token sequence, and the agreement
 * figures the export tests report (peers.md §1: F32 KV cache and flash
 * attention off, so the comparison measures the model file, not cache
 * rounding).
 */
import { loadLlamaCpp } from './llamaCpp.js';

/** Logits of every position, [tokens.length, vocab] row-major, from llama.cpp's CPU build. */
export async function llamaCppLogits(modelPath: string, tokens: readonly number[], threads = 2): Promise<{ logits: Float32Array; vocab: number }> {
  const { llama } = await loadLlamaCpp();
  const model = await llama.loadModel({ modelPath });
  try {
    const context = await model.createContext({
      contextSize: Math.max(32, tokens.length + 1),
      flashAttention: false,
      experimentalKvCacheKeyType: 'F32',
      experimentalKvCacheValueType: 'F32',
      threads,
    });
    try {
      const steps = await context.getSequence().controlledEvaluate(tokens.map((t) => [t, { generateNext: { logits: true } }]));
      // Each step's logits come as a Map over the whole vocabulary.
      const maps = steps.map((s: { next: { logits: Map<number, number> } }) => s.next.logits);
      const vocab: number = maps[0]?.size ?? 0;
      const logits = new Float32Array(tokens.length * vocab);
      maps.forEach((m: Map<number, number>, i: number) => {
        if (m.size !== vocab) throw new Error(`llama.cpp returned ${m.size} logits at position ${i}, ${vocab} at position 0`);
        for (const [id, v] of m) logits[i * vocab + id] = v;
      });
      return { logits, vocab };
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}

export interface Agreement {
  /** Pearson correlation over all logits. */
  correlation: number;
  /** Share of positions whose argmax is the same. */
  argmax: number;
  maxAbsDiff: number;
}

export function agreement(a: Float32Array, b: Float32Array, vocab: number): Agreement {
  if (a.length !== b.length) throw new Error(`logit counts differ: ${a.length} vs ${b.length}`);
  let sa = 0, sb = 0;
  for (let i = 0; i < a.length; i++) { sa += a[i]!; sb += b[i]!; }
  const ma = sa / a.length, mb = sb / b.length;
  let cov = 0, va = 0, vb = 0, maxAbsDiff = 0;
  for (let i = 0; i < a.length; i++) {
    const da = a[i]! - ma, db = b[i]! - mb;
    cov += da * db; va += da * da; vb += db * db;
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i]! - b[i]!));
  }
  const rows = a.length / vocab;
  let same = 0;
  for (let r = 0; r < rows; r++) {
    let ia = 0, ib = 0;
    for (let j = 1; j < vocab; j++) {
      if (a[r * vocab + j]! > a[r * vocab + ia]!) ia = j;
      if (b[r * vocab + j]! > b[r * vocab + ib]!) ib = j;
    }
    if (ia === ib) same++;
  }
  return { correlation: cov / Math.sqrt(va * vb), argmax: same / rows, maxAbsDiff };
}
