/**
 * Byte-level text corpus from a file or a folder (vocabulary = 256 byte
 * values, so any encoding and any language works and nothing needs a
 * tokenizer). Split 90/10 by interleaved blocks: block b is validation when
 * b mod 10 equals a seeded residue, so validation text comes from all over
 * the corpus rather than only its last files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { BitnetLabError } from '../../errors.js';
import { derivedPrng, mixSeed, Prng } from '../../random.js';
import type { Batch } from '../model.js';
import type { Dataset } from './dataset.js';

export const TEXT_EXTENSIONS = new Set(['.txt', '.md', '.markdown', '.rst', '.ts', '.tsx', '.js', '.mjs', '.cjs', '.py', '.json', '.html', '.css', '.c', '.h', '.cpp', '.rs', '.go', '.java', '.sh', '.yaml', '.yml', '.toml', '.tex']);
const SKIP_DIRS = new Set(['node_modules', 'dist', 'out', 'build', '__pycache__']);

export interface TextOptions {
  context: number;
  /** Stop reading once this many bytes are collected (default 16 MiB). */
  maxBytes: number;
  splitSeed: number;
  blockBytes: number;
  /** Validation tokens scored per evaluation (evenly spaced windows). */
  valTokens: number;
}

export const DEFAULT_TEXT: TextOptions = { context: 64, maxBytes: 16 << 20, splitSeed: 0, blockBytes: 4096, valTokens: 16384 };

export interface Corpus {
  bytes: Uint8Array;
  files: number;
  truncated: boolean;
}

/** Reads one file, or every text file under a folder (sorted, hidden and build folders skipped), up to maxBytes. */
export function readCorpus(path: string, maxBytes: number): Corpus {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new BitnetLabError('io', `cannot read: ${e instanceof Error ? e.message : String(e)}`, { file: path });
  }
  const files: string[] = [];
  if (st.isDirectory()) collect(path, files, 100_000);
  else files.push(path);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let used = 0;
  let truncated = false;
  for (const f of files) {
    if (total >= maxBytes) {
      truncated = true;
      break;
    }
    let b: Buffer;
    try {
      const size = statSync(f).size;
      if (size === 0) continue;
      b = readFileSync(f);
    } catch (e) {
      throw new BitnetLabError('io', `cannot read: ${e instanceof Error ? e.message : String(e)}`, { file: f });
    }
    const take = b.subarray(0, Math.min(b.length, maxBytes - total));
    if (take.length < b.length) truncated = true;
    chunks.push(take);
    total += take.length;
    used++;
  }
  if (total === 0) throw new BitnetLabError('unsupported', st.isDirectory() ? `no text files (${[...TEXT_EXTENSIONS].join(' ')}) found` : 'file is empty', { file: path });
  const bytes = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    bytes.set(c, o);
    o += c.length;
  }
  return { bytes, files: used, truncated };
}

function collect(dir: string, out: string[], limit: number): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (out.length >= limit) return;
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) collect(p, out, limit);
    } else if (e.isFile() && TEXT_EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(p);
  }
}

export function splitCorpus(bytes: Uint8Array, opts: TextOptions): { train: Uint8Array; val: Uint8Array } {
  const blocks = Math.ceil(bytes.length / opts.blockBytes);
  const residue = derivedPrng(opts.splitSeed, 'text-split').int(10);
  let trainLen = 0;
  let valLen = 0;
  const isVal = (b: number): boolean => (blocks < 10 ? b === blocks - 1 : b % 10 === residue);
  for (let b = 0; b < blocks; b++) {
    const len = Math.min(opts.blockBytes, bytes.length - b * opts.blockBytes);
    if (isVal(b)) valLen += len;
    else trainLen += len;
  }
  const tr = new Uint8Array(trainLen);
  const va = new Uint8Array(valLen);
  let t = 0;
  let v = 0;
  for (let b = 0; b < blocks; b++) {
    const block = bytes.subarray(b * opts.blockBytes, Math.min(bytes.length, (b + 1) * opts.blockBytes));
    if (isVal(b)) {
      va.set(block, v);
      v += block.length;
    } else {
      tr.set(block, t);
      t += block.length;
    }
  }
  return { train: tr, val: va };
}

/** Cross-entropy (nats/byte) on `val` of the add-one-smoothed byte frequencies of `train`: the bar a model must clear. */
export function unigramCrossEntropy(train: Uint8Array, val: Uint8Array): number {
  const counts = new Float64Array(256).fill(1);
  for (const b of train) counts[b]! += 1;
  const total = train.length + 256;
  let nll = 0;
  for (const b of val) nll -= Math.log(counts[b]! / total);
  return nll / Math.max(1, val.length);
}

/**
 * The token streams and window offsets behind the batches: the torchrun
 * engine writes them to its run folder so the PyTorch script trains on the
 * very batches, in the very order, this dataset gives the tfjs engine.
 */
export interface TextWindows {
  train: Uint8Array;
  val: Uint8Array;
  /** Start offsets into `val` of the validation windows, in scoring order. */
  valStarts: Uint32Array;
  /** Start offsets into `train` of the rows of the batch for update `step`. */
  trainStarts(seed: number, step: number, batchSize: number): Uint32Array;
}

export type TextDataset = Dataset & { unigram: number; corpus: Corpus; windows: TextWindows };

export function textDataset(path: string, opts: TextOptions = DEFAULT_TEXT): TextDataset {
  const corpus = readCorpus(path, opts.maxBytes);
  const { train, val } = splitCorpus(corpus.bytes, opts);
  const T = opts.context;
  if (train.length < T + 2 || val.length < T + 2) {
    throw new BitnetLabError('unsupported', `text too short for context ${T}: ${train.length} train / ${val.length} validation bytes (need > ${T + 1} each)`, { file: path });
  }
  const windows = (src: Uint8Array, starts: ArrayLike<number>): Batch => {
    const inputs = new Int32Array(starts.length * T);
    const targets = new Int32Array(starts.length * T);
    for (let r = 0; r < starts.length; r++) {
      const s = starts[r]!;
      for (let j = 0; j < T; j++) {
        inputs[r * T + j] = src[s + j]!;
        targets[r * T + j] = src[s + j + 1]!;
      }
    }
    return { inputs, inputShape: [starts.length, T], targets };
  };
  const nValWindows = Math.max(1, Math.min(Math.floor(opts.valTokens / T), Math.floor((val.length - 1) / T)));
  const valStride = nValWindows > 1 ? Math.floor((val.length - T - 1) / (nValWindows - 1)) : 0;
  const valStarts = new Uint32Array(nValWindows);
  for (let i = 0; i < nValWindows; i++) valStarts[i] = Math.min(val.length - T - 1, i * valStride);
  const unigram = unigramCrossEntropy(train, val);
  const trainStarts = (seed: number, step: number, batchSize: number): Uint32Array => {
    // Random windows drawn from a stream keyed by (seed, step): stateless, so resume is exact.
    const prng = Prng.fromState(mixSeed(derivedPrng(seed, 'text-batches').getState() ^ mixSeed(step)));
    const starts = new Uint32Array(batchSize);
    for (let r = 0; r < batchSize; r++) starts[r] = prng.int(train.length - T - 1);
    return starts;
  };
  return {
    name: 'text',
    metricName: 'perplexity',
    classes: 256,
    trainSize: train.length,
    valSize: nValWindows * T,
    corpus,
    unigram,
    describe: { source: path, files: corpus.files, bytes: corpus.bytes.length, truncated: String(corpus.truncated), trainBytes: train.length, valBytes: val.length, valTokensScored: nValWindows * T, unigramNats: unigram, splitSeed: opts.splitSeed },
    windows: { train, val, valStarts, trainStarts },
    trainBatch(seed: number, step: number, batchSize: number): Batch {
      return windows(train, trainStarts(seed, step, batchSize));
    },
    *valBatches(batchSize: number): Iterable<Batch> {
      for (let s = 0; s < nValWindows; s += batchSize) yield windows(val, valStarts.subarray(s, Math.min(nValWindows, s + batchSize)));
    },
  };
}
