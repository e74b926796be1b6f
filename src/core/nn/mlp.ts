/**
 * MLP classifier (default 784-256-256-10). Every layer is a linear with its
 * own input RMSNorm; hidden layers are BitLinear in the BitNet run, and the
 * first / last layer can be kept in full precision (the paper keeps the
 * output head in high precision). ReLU between layers, no biases (BitNet
 * layers have none).
 */
import type { LinearOptions } from './bitLinear.js';
import { linear } from './bitLinear.js';
import type { Batch, ModelDef } from './model.js';
import type { ParamSpec, Params } from './params.js';
import type { Tensor, Tf } from './tf.js';

export interface MlpConfig {
  sizes: number[];
  /** 'fp' keeps that layer full precision in the BitNet run too. */
  firstLayer: 'bitnet' | 'fp';
  lastLayer: 'bitnet' | 'fp';
}

export const DEFAULT_MLP: MlpConfig = { sizes: [784, 256, 256, 10], firstLayer: 'bitnet', lastLayer: 'fp' };

export function mlpModel(config: MlpConfig): ModelDef {
  const n = config.sizes.length - 1;
  const specs: ParamSpec[] = [];
  const quantized: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const q = !((i === 0 && config.firstLayer === 'fp') || (i === n - 1 && config.lastLayer === 'fp'));
    quantized.push(q);
    specs.push({ name: `layers.${i}.norm.weight`, shape: [config.sizes[i]!], kind: 'norm' });
    specs.push({ name: `layers.${i}.weight`, shape: [config.sizes[i]!, config.sizes[i + 1]!], kind: q ? 'bitlinear' : 'linear' });
  }
  return {
    family: 'mlp',
    specs,
    logits(tf: Tf, params: Params, batch: Batch, quant: LinearOptions): Tensor {
      return tf.tidy(() => {
        let h: Tensor = tf.tensor2d(batch.inputs as Float32Array, batch.inputShape as [number, number], 'float32');
        for (let i = 0; i < n; i++) {
          const opt = quantized[i] ? quant : { ...quant, quantize: false };
          h = linear(tf, h, params.get(`layers.${i}.weight`), params.get(`layers.${i}.norm.weight`), opt);
          if (i < n - 1) h = tf.relu(h);
        }
        return h;
      });
    },
  };
}
