/**
 * The options of engine job requests, one strict schema per job kind. They
 * come from command arguments and settings, so they are checked in the job
 * process on receipt (with the rest of the request, src/protocol/jobs.ts):
 * an unknown key or a wrong type fails the job with a usage error naming the
 * option, never a silent default.
 */
import * as v from 'valibot';
import type { BackendPreference } from '../core/backend.js';
import { PROCESS_NODES } from '../core/analysis/energy.js';
import { QUANT_METHODS } from '../core/quant/types.js';
import { picklistOf } from './schema.js';

const names = v.array(v.string());
const count = (min: number) => v.pipe(v.number(), v.integer(), v.minValue(min));
const seed = v.pipe(v.number(), v.safeInteger());
const method = v.picklist(QUANT_METHODS);
/** As in the `bitnetLab.backend` setting (src/core/backend.ts). */
export const BackendSchema = picklistOf<BackendPreference>()(['auto', 'tensorflow', 'wasm', 'cpu']);
const node = v.picklist(PROCESS_NODES);

/** Which tensors count as quantized, as everywhere: glob patterns on tensor names. */
const selection = { include: v.optional(names), exclude: v.optional(names) };

export const AnalyzeJobSettingsSchema = v.strictObject({
  method,
  include: names,
  exclude: names,
  /** Backend preference as in the `bitnetLab.backend` setting. */
  backend: v.string(),
  bins: v.optional(count(1)),
  /** Restrict the analysis to these tensor names (e.g. one tensor re-analysed). */
  only: v.optional(names),
});
export type AnalyzeJobSettings = v.InferOutput<typeof AnalyzeJobSettingsSchema>;

export const QuantizeOptionsSchema = v.strictObject({
  /** A QuantizeFormat or its llama.cpp name ('tq2_0'); engine.ts resolves it and lists the choices. */
  format: v.optional(v.string()),
  method: v.optional(method),
  ...selection,
});

export const CompareOptionsSchema = v.strictObject({
  backend: v.optional(BackendSchema),
  seed: v.optional(seed),
  timeBudgetMs: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0))),
  node: v.optional(node),
  ...selection,
});

export const DiffOptionsSchema = v.strictObject({ method: v.optional(method), ...selection });

export const EnergyOptionsSchema = v.strictObject({
  node: v.optional(node),
  tokens: v.optional(count(1)),
  ...selection,
});

export const TrainOptionsSchema = v.strictObject({
  model: v.optional(v.picklist(['mlp', 'lm'])),
  /** 'mnist', or a text file or folder for the language model. */
  data: v.optional(v.string()),
  steps: v.optional(count(1)),
  seed: v.optional(seed),
  batchSize: v.optional(count(1)),
  evalEvery: v.optional(count(1)),
  method: v.optional(method),
  /** false: train the BitNet run only, without its full-precision twin. */
  baseline: v.optional(v.boolean()),
  out: v.optional(v.string()),
  backend: v.optional(BackendSchema),
  logEvery: v.optional(count(1)),
  checkpointEvery: v.optional(count(1)),
  /** Model size of the LM (the defaults are the CLI's); a test or a keybinding can ask for a tiny one. */
  dModel: v.optional(count(1)),
  layers: v.optional(count(1)),
  heads: v.optional(count(1)),
  kvHeads: v.optional(count(1)),
  ffn: v.optional(count(1)),
  context: v.optional(count(2)),
  valTokens: v.optional(count(1)),
  blockBytes: v.optional(count(1)),
  warmupSteps: v.optional(count(0)),
  engine: v.optional(v.picklist(['tfjs', 'torchrun'])),
  /** torchrun: processes on this machine. */
  nproc: v.optional(count(1)),
  /** torchrun: the Python interpreter with PyTorch. */
  python: v.optional(v.string()),
});

export const FinetuneOptionsSchema = v.strictObject({
  data: v.optional(v.string()),
  steps: v.optional(count(1)),
  seed: v.optional(seed),
  batchSize: v.optional(count(1)),
  out: v.optional(v.string()),
  backend: v.optional(BackendSchema),
});
