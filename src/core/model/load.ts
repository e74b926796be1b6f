/**
 * loadCausalLm: any checkpoint `inspect` opens → a runnable decoder model.
 *
 * Hyper-parameters come from config.json beside the weights (or in the
 * safetensors __metadata__ "config.json" of our own LM) or from GGUF metadata;
 * tensors are found under their Hugging Face names or llama.cpp's GGUF names
 * (formats/gguf/llamaNames.ts). Every linear but the head is built for the
 * mode asked:
 *   fp       weights as stored (16-bit stays 16-bit, ternary stays int8 codes)
 *   ternary  absmean PTQ, packed for the ternary kernel; the float weights are
 *            dropped as soon as a layer is packed
 *   stored   the checkpoint's own ternary codes and γ, packed for the kernel
 * A checkpoint whose linears already are ternary runs `ternary` as `stored`
 * (quantizing ternary weights again would only change their scale).
 * The checkpoint is read once, tensor by tensor, and closed before returning.
 */
import { BitnetLabError, throwIfAborted } from '../errors.js';
import { describeMachine } from '../analysis/machine.js';
import { openCheckpoint } from '../formats/open.js';
import { llamaCppName } from '../formats/gguf/llamaNames.js';
import { readNeighbourConfig } from '../formats/hfBitnet/openHfBitnet.js';
import type { CheckpointSource, TensorEntry } from '../formats/types.js';
import { createTernaryKernel, defaultThreads } from '../kernels/createKernel.js';
import type { MatrixKernel } from '../kernels/types.js';
import type { RunOptions } from '../progress.js';
import type { LinearMode } from './api.js';
import { configFromGguf, configFromHf, type ModelConfig } from './config.js';
import { FloatLinear, ScaledLinear, storedEmbedding, type Linear } from './linear.js';
import { RopeTable, ropeInvFreq } from './rope.js';
import { ternarize, ternaryLinears, type TernaryCodes } from './ternaryLinear.js';
import { LAYER_LINEARS, LINEAR_MODULE, Transformer, type LayerWeights, type LinearName } from './transformer.js';
import { decodeRow, loadMatrix, loadTernaryCodes, loadVector, type FloatMatrix } from './weights.js';
import { SingleMagnitude } from '../quant/singleMagnitude.js';

export interface LoadOptions extends RunOptions {
  /** 'native' runs a ternary checkpoint as stored and anything else as fp (default 'fp'). */
  mode?: LinearMode | 'native';
  /** Threads of the kernels, the calling one included (default: every core). */
  threads?: number;
}

export interface LmSession {
  /** Positions computed so far. */
  readonly length: number;
  /** Appends tokens (one forward over all of them) and returns the logits [vocab] of the last. */
  append(tokens: readonly number[]): Float32Array;
}

export interface CausalLm {
  readonly checkpoint: string;
  readonly config: ModelConfig;
  /** The mode actually run ('stored' when 'ternary' was asked of a ternary checkpoint). */
  readonly mode: LinearMode;
  readonly transformer: Transformer;
  /** How the linears compute, for provenance. */
  readonly compute: string;
  readonly threads: number;
  readonly machine: string;
  /** Bytes of weights held in memory. */
  readonly residentBytes: number;
  /** Logits [n, vocab] of every position of `tokens`, from an empty cache. */
  logits(tokens: readonly number[]): Float32Array;
  session(): LmSession;
  close(): void;
}

const HF_SUB_NORMS: Record<'attn' | 'ffn', string[]> = {
  attn: ['self_attn.attn_sub_norm', 'self_attn.inner_attn_ln'],
  ffn: ['mlp.ffn_sub_norm', 'mlp.ffn_layernorm'],
};

/** Tensors by Hugging Face name, whichever naming the file uses. */
class Tensors {
  private readonly byName: Map<string, TensorEntry>;

  constructor(readonly source: CheckpointSource) {
    this.byName = new Map(source.tensors.map((t) => [t.name, t]));
  }

  find(hfName: string): TensorEntry | undefined {
    return this.byName.get(hfName) ?? this.byName.get(llamaCppName(hfName));
  }

  get(hfName: string): TensorEntry {
    const t = this.find(hfName);
    if (!t) throw new BitnetLabError('layout', `missing tensor ${hfName} (or its GGUF name ${llamaCppName(hfName)})`, { file: this.source.path });
    return t;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }
}

async function readConfig(source: CheckpointSource, tensors: Tensors): Promise<ModelConfig> {
  if (tensors.has('model.embed_positions.weight')) {
    throw new BitnetLabError(
      'unsupported',
      'this LM was trained with learned absolute positions, before the model runtime existed; retrain it with `bitnet-lab train` to get a RoPE BitNetForCausalLM checkpoint',
      { file: source.path },
    );
  }
  if (source.format === 'gguf') {
    const names = new Set(source.tensors.map((t) => t.name));
    return configFromGguf(source.metadata, source.path, names, tensors.get('model.embed_tokens.weight').shape[0]!);
  }
  const beside = await readNeighbourConfig(source.path);
  if (beside) return configFromHf(beside, source.path);
  // Our own LM also keeps its config.json text in the safetensors __metadata__ (key "config.json").
  const embedded = source.metadata['config.json'] ?? source.metadata['config'];
  if (embedded !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(embedded);
    } catch {
      throw new BitnetLabError('header', 'the config.json in the safetensors __metadata__ is not JSON', { file: source.path });
    }
    if (parsed !== null && typeof parsed === 'object') return configFromHf(parsed as Record<string, unknown>, source.path);
  }
  throw new BitnetLabError('unsupported', 'no config.json beside the checkpoint and no model config in its metadata: cannot tell the architecture', { file: source.path });
}

function linearNames(l: number): Array<[LinearName, string]> {
  return LAYER_LINEARS.map((name) => [name, `model.layers.${l}.${LINEAR_MODULE[name]}.weight`]);
}

/** True when every layer linear is stored as ternary codes. */
function isTernaryCheckpoint(tensors: Tensors, layers: number): boolean {
  for (let l = 0; l < layers; l++) for (const [, hf] of linearNames(l)) if (!tensors.get(hf).ternary) return false;
  return true;
}

export async function loadCausalLm(checkpointPath: string, options: LoadOptions = {}): Promise<CausalLm> {
  const source = await openCheckpoint(checkpointPath);
  try {
    return await build(source, options);
  } finally {
    await source.close();
  }
}

async function build(source: CheckpointSource, options: LoadOptions): Promise<CausalLm> {
  const tensors = new Tensors(source);
  const config = await readConfig(source, tensors);
  const ternaryStored = isTernaryCheckpoint(tensors, config.layers);
  const asked = options.mode ?? 'fp';
  if (asked === 'stored' && !ternaryStored) {
    throw new BitnetLabError('usage', 'mode stored needs a checkpoint whose linear weights are ternary (HF BitNet packed, TQ1_0, TQ2_0, I2_S); use mode ternary for post-training quantization', { file: source.path });
  }
  const mode: LinearMode = asked === 'fp' || (asked === 'native' && !ternaryStored) ? 'fp' : ternaryStored ? 'stored' : 'ternary';
  // One kernel for every matrix of the model: one wasm memory, one set of worker threads.
  const kernel = await createTernaryKernel({ threads: Math.max(1, options.threads ?? defaultThreads()) });
  try {
    return await buildOn(source, options, tensors, config, mode, kernel);
  } catch (e) {
    kernel.close();
    throw e;
  }
}

async function buildOn(source: CheckpointSource, options: LoadOptions, tensors: Tensors, config: ModelConfig, mode: LinearMode, kernel: MatrixKernel): Promise<CausalLm> {
  const signal = options.signal;
  const place = { file: source.path };

  const all = [...source.tensors];
  const total = all.reduce((s, t) => s + t.bytes, 0);
  let done = 0;
  const progressed = (t: TensorEntry): void => {
    done += t.bytes;
    options.onProgress?.({ label: t.name, done, total, unit: 'bytes' });
  };
  const matrix = async (t: TensorEntry): Promise<FloatMatrix> => {
    throwIfAborted(signal, place);
    const m = await loadMatrix(source, t, signal);
    progressed(t);
    return m;
  };
  const vector = async (hf: string, length: number): Promise<Float32Array> => {
    const t = tensors.get(hf);
    if (t.params !== length) throw new BitnetLabError('layout', `expected ${length} values, found ${t.params}`, { file: source.path, tensor: t.name });
    const v = await loadVector(source, t, signal);
    progressed(t);
    return v;
  };

  const embedEntry = tensors.get('model.embed_tokens.weight');
  checkShape(embedEntry, [config.vocabSize, config.hidden], source.path);
  const embedStored = await matrix(embedEntry);
  const embedKind = embedStored.kind;
  const tied = !(tensors.find('lm_head.weight') && !config.tiedHead);
  // Tied (or no head stored): the embedding is the head, as transformers ties them, and
  // its one copy lives in the kernel; rows are looked up there.
  const tiedHead = tied ? new FloatLinear(embedStored, kernel) : undefined;
  const embed = tiedHead ?? storedEmbedding(embedStored);
  const layers: LayerWeights[] = [];
  const codeScratch = new CodeScratch();
  let resident = embedStored.data.byteLength;
  for (let l = 0; l < config.layers; l++) {
    const p = `model.layers.${l}`;
    const linears = {} as Record<LinearName, Linear>;
    for (const group of mode === 'fp' ? LAYER_LINEARS.map((n) => [n]) : INPUT_GROUPS) {
      const built = await buildLinears(source, tensors, l, group, config, mode, kernel, matrix, progressed, signal, codeScratch);
      group.forEach((name, i) => {
        linears[name] = built[i]!;
        resident += built[i]!.bytes;
      });
    }
    const sub = (kind: 'attn' | 'ffn', length: number): Promise<Float32Array> | undefined => {
      const hf = HF_SUB_NORMS[kind].map((m) => `${p}.${m}.weight`).find((n) => tensors.find(n));
      return hf !== undefined ? vector(hf, length) : undefined;
    };
    const attnSubNorm = await sub('attn', config.heads * config.headDim);
    const ffnSubNorm = await sub('ffn', config.intermediate);
    layers.push({
      inputNorm: await vector(`${p}.input_layernorm.weight`, config.hidden),
      postNorm: await vector(`${p}.post_attention_layernorm.weight`, config.hidden),
      ...(attnSubNorm ? { attnSubNorm } : {}),
      ...(ffnSubNorm ? { ffnSubNorm } : {}),
      linears,
    });
  }
  const finalNorm = await vector('model.norm.weight', config.hidden);
  let head: Linear;
  if (tiedHead) head = tiedHead;
  else {
    const headEntry = tensors.get('lm_head.weight');
    checkShape(headEntry, [config.vocabSize, config.hidden], source.path);
    head = new FloatLinear(await matrix(headEntry), kernel);
    resident += head.bytes;
  }
  const ropeFreqs = tensors.find('rope_freqs.weight');
  const factors = ropeFreqs ? await loadVector(source, ropeFreqs, signal) : undefined;
  const rope = new RopeTable(ropeInvFreq(config, factors), config.ropeStyle);
  const transformer = new Transformer(config, { embed, layers, finalNorm, head }, rope);
  const threads = kernel.threads;
  const simd = kernel.simd === 'none' ? 'TypeScript' : `wasm ${kernel.simd === 'relaxed' ? 'relaxed-SIMD' : 'SIMD'}`;
  const head16 = embedKind === 'f32' ? 'F32' : embedKind.toUpperCase();
  const compute = mode === 'fp'
    ? `${simd} float GEMV/GEMM on ${threads} thread${threads > 1 ? 's' : ''}, weights kept as stored (${head16} embeddings)`
    : `${simd} ternary kernel on ${threads} thread${threads > 1 ? 's' : ''} (per-token int8 activations, ${mode === 'stored' ? 'stored' : 'absmean'} ternary weights); float head GEMV, norms float32`;
  return new LoadedLm(source.path, config, mode, transformer, compute, threads, resident, kernel);
}

/** One int8 buffer for the codes of a group of linears while they are packed, grown to the largest group. */
class CodeScratch {
  private buf = new Int8Array(0);

  take(n: number): Int8Array<ArrayBuffer> {
    if (this.buf.length < n) this.buf = new Int8Array(n);
    return this.buf.subarray(0, n);
  }
}

/** Linears that read the same input: in the quantized modes each group is one kernel call (ternaryLinear.ts). */
const INPUT_GROUPS: LinearName[][] = [['q_proj', 'k_proj', 'v_proj'], ['o_proj'], ['gate_proj', 'up_proj'], ['down_proj']];

async function buildLinears(
  source: CheckpointSource,
  tensors: Tensors,
  l: number,
  group: readonly LinearName[],
  config: ModelConfig,
  mode: LinearMode,
  kernel: MatrixKernel,
  matrix: (t: TensorEntry) => Promise<FloatMatrix>,
  progressed: (t: TensorEntry) => void,
  signal: AbortSignal | undefined,
  codeScratch: CodeScratch,
): Promise<Linear[]> {
  const entries = group.map((name) => {
    const hf = `model.layers.${l}.${LINEAR_MODULE[name]}.weight`;
    const t = tensors.get(hf);
    if (tensors.find(hf.replace(/\.weight$/, '.bias'))) throw new BitnetLabError('unsupported', 'linear biases are not supported', { file: source.path, tensor: t.name });
    checkShape(t, expectedShape(config, name), source.path);
    return { t, scale: tensors.find(hf.replace(/\.weight$/, '.scale')) };
  });
  let built: Linear[];
  if (mode === 'fp') {
    built = [];
    for (const { t } of entries) built.push(new FloatLinear(await matrix(t), kernel));
  } else {
    // The group's codes go one after another into one buffer reused by every layer:
    // packing copies them into the kernel, so no per-tensor code array is left for the GC.
    const total = entries.reduce((n, { t }) => n + t.params, 0);
    const joined = codeScratch.take(total);
    const parts: TernaryCodes[] = [];
    let at = 0;
    for (const { t } of entries) {
      const [rows, cols] = t.shape as [number, number];
      const into = joined.subarray(at, at + t.params);
      at += t.params;
      let c: { codes: Int8Array; gamma: number };
      if (mode === 'stored') {
        c = await loadTernaryCodes(source, t, signal, into);
        progressed(t);
      } else {
        const m = await matrix(t);
        c = heldTernary(m, into) ?? ternarize(m, into);
      }
      parts.push({ codes: c.codes, rows, cols, gamma: c.gamma });
    }
    built = ternaryLinears(kernel, parts, joined);
  }
  // GGUF bitnet files may carry a per-linear output scale (`*.scale`).
  for (let i = 0; i < built.length; i++) {
    const scale = entries[i]!.scale;
    if (scale) built[i] = new ScaledLinear(built[i]!, (await loadVector(source, scale, signal))[0]!);
  }
  return built;
}

/**
 * The codes and γ of a float matrix whose values already are ternary
 * (src/core/quant/singleMagnitude.ts: a GGUF export's Q8_0 / F16 fallback
 * rows, a fake-quant checkpoint) — PTQ would shrink its γ.
 */
function heldTernary(m: FloatMatrix, into: Int8Array): { codes: Int8Array; gamma: number } | undefined {
  if (m.kind === 'codes') return undefined;
  const row = new Float32Array(m.cols);
  const watch = new SingleMagnitude();
  for (let r = 0; r < m.rows; r++) {
    decodeRow(m, r, row);
    if (!watch.add(row)) return undefined;
  }
  const gamma = watch.magnitude;
  if (gamma === undefined) return undefined;
  const codes = into.subarray(0, m.rows * m.cols);
  for (let r = 0; r < m.rows; r++) {
    decodeRow(m, r, row);
    for (let j = 0; j < row.length; j++) codes[r * m.cols + j] = Math.sign(row[j]!);
  }
  return { codes, gamma };
}

function expectedShape(c: ModelConfig, name: LinearName): [number, number] {
  const q = c.heads * c.headDim;
  const kv = c.kvHeads * c.headDim;
  switch (name) {
    case 'q_proj':
      return [q, c.hidden];
    case 'k_proj':
    case 'v_proj':
      return [kv, c.hidden];
    case 'o_proj':
      return [c.hidden, q];
    case 'gate_proj':
    case 'up_proj':
      return [c.intermediate, c.hidden];
    case 'down_proj':
      return [c.hidden, c.intermediate];
  }
}

function checkShape(t: TensorEntry, want: [number, number], file: string): void {
  if (t.shape.length !== 2 || t.shape[0] !== want[0] || t.shape[1] !== want[1]) {
    throw new BitnetLabError('layout', `shape [${t.shape.join(', ')}] does not match the config's [${want.join(', ')}]`, { file, tensor: t.name });
  }
}

class LoadedLm implements CausalLm {
  readonly machine = describeMachine();

  constructor(
    readonly checkpoint: string,
    readonly config: ModelConfig,
    readonly mode: LinearMode,
    readonly transformer: Transformer,
    readonly compute: string,
    readonly threads: number,
    readonly residentBytes: number,
    private readonly kernel: MatrixKernel,
  ) {}

  logits(tokens: readonly number[]): Float32Array {
    const h = this.transformer.forward(tokens, this.transformer.newCache());
    return this.transformer.weights.head.forward(h, tokens.length);
  }

  session(): LmSession {
    const cache = this.transformer.newCache();
    const t = this.transformer;
    const hidden = this.config.hidden;
    return {
      get length() {
        return cache.length;
      },
      append(tokens: readonly number[]): Float32Array {
        if (tokens.length === 0) throw new BitnetLabError('usage', 'append needs at least one token');
        const h = t.forward(tokens, cache);
        return t.weights.head.forward(h.subarray((tokens.length - 1) * hidden), 1);
      },
    };
  }

  close(): void {
    // The weights live in the kernel's memory: closing it frees them and stops its threads.
    this.kernel.close();
  }
}
