/**
 * Everything a training run is, as plain data: recorded in checkpoints'
 * __metadata__ and in run.json so any run can be repeated or resumed.
 */
import type { QuantMethod } from '../quant/types.js';
import { BITNET_ADAM, type AdamConfig } from './adamw.js';
import { DEFAULT_MNIST, type MnistOptions } from './data/mnist.js';
import { DEFAULT_TEXT, type TextOptions } from './data/text.js';
import { DEFAULT_MLP, type MlpConfig } from './mlp.js';
import type { ModelFamily } from './model.js';
import type { ScheduleConfig } from './schedule.js';
import { DEFAULT_LM, type LmConfig } from './transformerLm.js';

/** Learning-rate / weight-decay recipe of one run (steps come from the run). */
export type Recipe = Omit<ScheduleConfig, 'steps'>;

export interface TrainConfig {
  model: ModelFamily;
  mlp: MlpConfig;
  lm: LmConfig;
  /** 'mnist' or a text file / folder. */
  data: string;
  steps: number;
  batchSize: number;
  seed: number;
  /** Full validation every N steps (and at the end). */
  evalEvery: number;
  /** Training-loss point every N steps. */
  logEvery: number;
  /** Write checkpoints every N steps (0: only at the end). */
  checkpointEvery: number;
  weightMethod: QuantMethod;
  activationQuant: boolean;
  /** Train the full-precision baseline alongside (same architecture, init, data order). */
  baseline: boolean;
  bitnet: Recipe;
  fp: Recipe;
  adam: AdamConfig;
  mnist: MnistOptions;
  text: Omit<TextOptions, 'context'>;
}

/**
 * Defaults sized for 2 CPU cores. BitNet gets a higher peak lr than FP and the
 * two-stage schedule with WD 0.1 → 0 at the midpoint (FAQ Table 2: 1.5e-3 → 1e-3
 * vs LLaMA 2.5e-4 at 700M). Tiny models tolerate larger rates than 700M ones,
 * so both peaks are scaled up; the BitNet/FP ratio is kept ≥ 2.
 */
export function defaultTrainConfig(model: ModelFamily, data: string): TrainConfig {
  const mlp = model === 'mlp';
  return {
    model,
    mlp: { ...DEFAULT_MLP, sizes: DEFAULT_MLP.sizes.slice() },
    lm: { ...DEFAULT_LM },
    data,
    steps: mlp ? 1500 : 1000,
    batchSize: mlp ? 128 : 16,
    seed: 1,
    evalEvery: mlp ? 100 : 100,
    logEvery: 10,
    checkpointEvery: 0,
    weightMethod: 'absmean',
    activationQuant: true,
    baseline: true,
    bitnet: { warmupSteps: mlp ? 50 : 100, peakLr: 3e-3, secondPeakLr: 2e-3, finalLrFraction: 0.1, weightDecay: 0.1, secondStageWeightDecay: 0 },
    fp: { warmupSteps: mlp ? 50 : 100, peakLr: 1e-3, secondPeakLr: 1e-3, finalLrFraction: 0.1, weightDecay: 0.1, secondStageWeightDecay: 0.1 },
    adam: { ...BITNET_ADAM },
    mnist: { ...DEFAULT_MNIST },
    text: { maxBytes: DEFAULT_TEXT.maxBytes, splitSeed: DEFAULT_TEXT.splitSeed, blockBytes: DEFAULT_TEXT.blockBytes, valTokens: DEFAULT_TEXT.valTokens },
  };
}

export function scheduleOf(recipe: Recipe, steps: number): ScheduleConfig {
  return { ...recipe, steps };
}
