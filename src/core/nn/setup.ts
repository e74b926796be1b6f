/** Dataset and model for a config — shared by train, resume and fine-tune. */
import { BitnetLabError } from '../errors.js';
import type { TrainConfig } from './config.js';
import type { Dataset } from './data/dataset.js';
import { mnistDataset, MNIST_PIXELS } from './data/mnist.js';
import { textDataset, type TextWindows } from './data/text.js';
import { mlpModel } from './mlp.js';
import type { ModelDef } from './model.js';
import { LM_ACTIVATIONS, lmModel } from './transformerLm.js';

export interface Setup {
  dataset: Dataset;
  model: ModelDef;
  /** Cross-entropy of the smoothed unigram distribution on validation (text only). */
  unigramNats?: number;
  /** Token streams and window offsets (text only): what the torchrun engine hands to PyTorch. */
  windows?: TextWindows;
}

export function setupRun(config: TrainConfig): Setup {
  validateConfig(config);
  if (config.model === 'mlp') {
    if (config.data !== 'mnist') throw new BitnetLabError('usage', `the MLP trains on MNIST (--data mnist), not "${config.data}"`);
    if (config.mlp.sizes[0] !== MNIST_PIXELS || config.mlp.sizes[config.mlp.sizes.length - 1] !== 10) {
      throw new BitnetLabError('usage', `an MNIST MLP needs 784 inputs and 10 outputs, got ${config.mlp.sizes.join('-')}`);
    }
    return { dataset: mnistDataset(config.mnist), model: mlpModel(config.mlp) };
  }
  if (config.data === 'mnist') throw new BitnetLabError('usage', 'the language model trains on text: pass a file or folder with --data');
  const ds = textDataset(config.data, { ...config.text, context: config.lm.context });
  return { dataset: ds, model: lmModel(config.lm), unigramNats: ds.unigram, windows: ds.windows };
}

function validateConfig(c: TrainConfig): void {
  const positive = (v: number, what: string, max: number): void => {
    if (!Number.isInteger(v) || v <= 0 || v > max) throw new BitnetLabError('usage', `${what} must be an integer in 1..${max}, got ${v}`);
  };
  positive(c.steps, 'steps', 10_000_000);
  positive(c.batchSize, 'batch size', 65_536);
  positive(c.evalEvery, 'evalEvery', 10_000_000);
  positive(c.logEvery, 'logEvery', 10_000_000);
  if (c.model === 'lm') {
    positive(c.lm.dModel, 'dModel', 8192);
    positive(c.lm.layers, 'layers', 256);
    positive(c.lm.heads, 'heads', 256);
    positive(c.lm.ffnDim, 'ffnDim', 65_536);
    positive(c.lm.context, 'context', 8192);
    positive(c.lm.kvHeads, 'kvHeads', 256);
    if (c.lm.dModel % c.lm.heads !== 0) throw new BitnetLabError('usage', `dModel ${c.lm.dModel} is not a multiple of heads ${c.lm.heads}`);
    if ((c.lm.dModel / c.lm.heads) % 2 !== 0) throw new BitnetLabError('usage', `the head size dModel/heads = ${c.lm.dModel / c.lm.heads} must be even for RoPE`);
    if (c.lm.heads % c.lm.kvHeads !== 0) throw new BitnetLabError('usage', `heads ${c.lm.heads} is not a multiple of kvHeads ${c.lm.kvHeads}`);
    if (!LM_ACTIVATIONS.includes(c.lm.act)) throw new BitnetLabError('usage', `act must be one of ${LM_ACTIVATIONS.join(', ')}, got ${String(c.lm.act)}`);
    if (!(c.lm.ropeTheta > 0) || !(c.lm.rmsNormEps > 0) || typeof c.lm.tieEmbeddings !== 'boolean') {
      throw new BitnetLabError('usage', `ropeTheta and rmsNormEps must be positive and tieEmbeddings a boolean (got ${c.lm.ropeTheta}, ${c.lm.rmsNormEps}, ${String(c.lm.tieEmbeddings)})`);
    }
    if (c.lm.vocab !== 256) throw new BitnetLabError('usage', 'the language model is byte-level: vocab must be 256');
  } else {
    for (const s of c.mlp.sizes) positive(s, 'layer size', 65_536);
    if (c.mlp.sizes.length < 2) throw new BitnetLabError('usage', 'an MLP needs at least an input and an output size');
  }
}
