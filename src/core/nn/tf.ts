/** The tfjs types we use, named once. The module itself comes from initBackend() (src/core/backend.ts). */
import type * as TF from '@tensorflow/tfjs';

export type Tf = typeof TF;
export type Tensor = TF.Tensor;
export type Tensor2D = TF.Tensor2D;
export type Scalar = TF.Scalar;
export type Variable = TF.Variable;

/** tf.customGrad's parameter type (its inputs are typed as a loose rest array upstream). */
export type CustomGradFn = Parameters<Tf['customGrad']>[0];
