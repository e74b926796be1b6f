/**
 * Training checkpoints as safetensors (F32 latent weights):
 *   <run>.safetensors        model weights, PyTorch layout ([out, in] for linear
 *                            weights, as nn.Linear and transformers store them),
 *                            run config and step in __metadata__; for the LM also
 *                            the HF config.json of that run (META.hfConfig)
 *   <run>.optim.safetensors  Adam moments ("m.<name>", "v.<name>") + step, for resume
 *   config.json              (LM) the HF BitNetForCausalLM config both runs share
 * Both go through the formats layer's atomic writer: a cancel or crash never
 * leaves a partial file, and each file is complete or absent.
 */
import { BitnetLabError } from '../errors.js';
import { openCheckpoint } from '../formats/open.js';
import { writeSafetensors, type TensorData } from '../formats/safetensors/index.js';
import { FULL_PRECISION_METADATA_KEY } from '../quant/selection.js';
import type { RunName } from './metricTypes.js';
import type { TrainConfig } from './config.js';
import { hfLmConfig, type HfLmExtras } from './hfLmConfig.js';
import { isMatrixWeight, type ParamSpec } from './params.js';

export const CHECKPOINT_FORMAT = 'bitnet-lab-train/1';
/** __metadata__ keys. */
export const META = {
  format: 'bitnet_lab.format',
  config: 'bitnet_lab.config',
  run: 'bitnet_lab.run',
  step: 'bitnet_lab.step',
  family: 'bitnet_lab.family',
  architecture: 'bitnet_lab.architecture',
  /** The text of this checkpoint's HF config.json (hfLmConfig.ts), LM checkpoints only. */
  hfConfig: 'config.json',
} as const;

/**
 * __metadata__ of a run's model and optimizer files, whichever engine wrote
 * them (the torchrun script gets it from its job file), so every checkpoint
 * resumes and inspects alike.
 */
export function runMetadata(run: RunName, config: TrainConfig, data: Record<string, string | number>, specs: readonly ParamSpec[], step: number): Record<string, string> {
  return {
    [META.format]: CHECKPOINT_FORMAT,
    [META.family]: config.model,
    [META.run]: run,
    [META.step]: String(step),
    [META.config]: JSON.stringify(config),
    [META.architecture]: JSON.stringify(config.model === 'mlp' ? config.mlp : config.lm),
    'bitnet_lab.data': JSON.stringify(data),
    'bitnet_lab.quantized': run === 'bitnet' ? `${config.weightMethod}${config.activationQuant ? '+int8-activations' : ''}` : 'none (full-precision baseline)',
    'bitnet_lab.weights': 'latent full-precision weights; linear weights [out, in]',
    ...(config.model === 'lm' ? { [META.hfConfig]: JSON.stringify(hfLmConfig(config.lm, runHfExtras(run, config))) } : {}),
    // Linear layers the architecture keeps in full precision (e.g. the MLP head), so
    // inspect and quantize leave them as the model uses them.
    [FULL_PRECISION_METADATA_KEY]: JSON.stringify(specs.filter((s) => s.kind === 'linear').map((s) => s.name)),
  };
}

/**
 * The BitNet run's weights are meant to be run W1.58A8: transformers'
 * AutoBitLinear in online mode quantizes the latent weights (absmean) and the
 * activations (per-token int8) on the fly — exactly our training forward
 * (transformers integrations/bitnet.py). Only absmean with int8 activations
 * is that; other quantizers are recorded under bitnet_lab only.
 */
function runHfExtras(run: RunName, config: TrainConfig): HfLmExtras {
  const quantize = run === 'bitnet';
  const bitnetLab = { run, weight_method: quantize ? config.weightMethod : 'none', activation_quant: quantize && config.activationQuant };
  const hfQuant = quantize && config.weightMethod === 'absmean' && config.activationQuant;
  return {
    bitnetLab,
    ...(hfQuant ? { quantizationConfig: { quant_method: 'bitnet', linear_class: 'autobitlinear', quantization_mode: 'online', modules_to_not_convert: ['lm_head'] } } : {}),
  };
}

/** The tensor of the LM family's learned absolute positions, before it moved to RoPE. */
const LEGACY_POSITIONS = 'model.embed_positions.weight';

/** [rows, cols] row-major → [cols, rows]. */
export function transpose2d(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

/** In-memory [in, out] → file [out, in] for linear weights; other tensors unchanged. */
function toFile(spec: ParamSpec, v: Float32Array): { shape: number[]; data: Float32Array } {
  if (isMatrixWeight(spec.kind)) return { shape: [spec.shape[1]!, spec.shape[0]!], data: transpose2d(v, spec.shape[0]!, spec.shape[1]!) };
  return { shape: spec.shape.slice(), data: v };
}

export function fileShape(spec: ParamSpec): number[] {
  return isMatrixWeight(spec.kind) ? [spec.shape[1]!, spec.shape[0]!] : spec.shape.slice();
}

export async function saveTensors(
  path: string,
  specs: readonly ParamSpec[],
  values: ReadonlyMap<string, Float32Array>,
  metadata: Record<string, string>,
  signal?: AbortSignal,
  prefixes: readonly string[] = [''],
): Promise<void> {
  const tensors: TensorData[] = [];
  for (const prefix of prefixes) {
    for (const s of specs) {
      const v = values.get(prefix + s.name);
      if (!v) continue;
      const f = toFile(s, v);
      tensors.push({ name: prefix + s.name, dtype: 'F32', shape: f.shape, data: f.data });
    }
  }
  await writeSafetensors(path, tensors, metadata, { signal });
}

export interface LoadedTensors {
  metadata: Readonly<Record<string, string>>;
  /** name → [shape as in the file, values] */
  tensors: Map<string, { shape: number[]; values: Float32Array }>;
}

/** Hard cap on what we pull into memory for training (weights of models we can train here). */
const MAX_LOAD_ELEMENTS = 256 << 20;

/**
 * Every tensor of a checkpoint as float32, through the formats layer's one
 * opener: plain / sharded safetensors, and HF BitNet packed files (decoded to
 * Q·scale), so QAT can also start from a ternary export.
 */
export async function loadTensors(path: string, signal?: AbortSignal): Promise<LoadedTensors> {
  const src = await openCheckpoint(path);
  try {
    const total = src.tensors.reduce((a, t) => a + t.params, 0);
    if (total > MAX_LOAD_ELEMENTS) {
      throw new BitnetLabError('limit', `${total} parameters is more than training loads (${MAX_LOAD_ELEMENTS})`, { file: path });
    }
    const tensors = new Map<string, { shape: number[]; values: Float32Array }>();
    for (const t of src.tensors) {
      const values = new Float32Array(t.params);
      let o = 0;
      for await (const chunk of src.values(t.name, { signal })) {
        values.set(chunk, o);
        o += chunk.length;
      }
      tensors.set(t.name, { shape: t.shape.slice(), values });
    }
    return { metadata: src.metadata, tensors };
  } finally {
    await src.close();
  }
}

/** Old LM checkpoints (learned positions) get one clear message instead of a shape mismatch further on. */
export function rejectLegacyLm(loaded: LoadedTensors, file: string, prefix = ''): void {
  if (loaded.tensors.has(prefix + LEGACY_POSITIONS)) {
    throw new BitnetLabError('unsupported', 'this LM was trained by an older bitnet-lab with learned absolute positions; the LM family now uses RoPE (BitNetForCausalLM), so retrain it with `bitnet-lab train --model lm`', { file, tensor: prefix + LEGACY_POSITIONS });
  }
}

/**
 * File tensors → in-memory values for `specs` (transposing linear weights
 * back to [in, out]). Names must match; shapes must match the file layout.
 * `optional` names (e.g. norm gains a plain PyTorch MLP lacks) default to 1.
 */
export function valuesForSpecs(
  loaded: LoadedTensors,
  specs: readonly ParamSpec[],
  file: string,
  prefix = '',
  optional: (s: ParamSpec) => boolean = () => false,
): Map<string, Float32Array> {
  rejectLegacyLm(loaded, file, prefix);
  const out = new Map<string, Float32Array>();
  for (const s of specs) {
    const t = loaded.tensors.get(prefix + s.name);
    const want = fileShape(s);
    if (!t) {
      if (optional(s)) {
        out.set(s.name, new Float32Array(want.reduce((a, b) => a * b, 1)).fill(1));
        continue;
      }
      throw new BitnetLabError('layout', `missing (the architecture needs shape [${want.join(', ')}])`, { file, tensor: prefix + s.name });
    }
    if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
      throw new BitnetLabError('layout', `shape [${t.shape.join(', ')}] does not match the architecture's [${want.join(', ')}]`, { file, tensor: prefix + s.name });
    }
    out.set(s.name, isMatrixWeight(s.kind) ? transpose2d(t.values, want[0]!, want[1]!) : t.values);
  }
  return out;
}
