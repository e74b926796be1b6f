/** One entry point over the weight quantizers, by method name. */
import { quantizeAbsmean } from './absmean.js';
import { quantizeMedian } from './median.js';
import { quantizeSign } from './sign.js';
import type { QuantMethod, TernaryTensor } from './types.js';

export function quantizeWeights(w: Float32Array, method: QuantMethod): TernaryTensor {
  switch (method) {
    case 'absmean':
      return quantizeAbsmean(w);
    case 'median':
      return quantizeMedian(w);
    case 'sign':
      return quantizeSign(w);
  }
}
