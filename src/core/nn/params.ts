/**
 * Named trainable tensors of one model. Specs say what each tensor is, so the
 * optimizer (weight decay on matrices only), the metrics (ternary statistics
 * of BitLinear weights only) and the checkpoint writer (layout) need no
 * knowledge of the architecture.
 */
import { BitnetLabError } from '../errors.js';
import type { Prng } from '../random.js';
import type { Tf, Variable } from './tf.js';

export type ParamKind =
  | 'bitlinear'   // a linear weight [in, out] that is ternary-quantized in the BitNet run
  | 'linear'      // a linear weight [in, out] kept in full precision in both runs (head, first layer)
  | 'norm'        // RMSNorm gain [dim]
  | 'embedding';  // [vocab or positions, dim]

export interface ParamSpec {
  name: string;
  /** Shape in memory; linear weights are [in, out]. */
  shape: number[];
  kind: ParamKind;
}

export function isMatrixWeight(kind: ParamKind): boolean {
  return kind === 'bitlinear' || kind === 'linear';
}

export class Params {
  private constructor(
    readonly specs: readonly ParamSpec[],
    private readonly vars: Map<string, Variable>,
  ) {}

  /** Seeded init (see initValues). */
  static init(tf: Tf, specs: readonly ParamSpec[], prng: Prng): Params {
    return Params.fromValues(tf, specs, initValues(specs, prng));
  }

  /** Params with given values (from a checkpoint); every spec must be present with its exact size. */
  static fromValues(tf: Tf, specs: readonly ParamSpec[], values: ReadonlyMap<string, Float32Array>, file?: string): Params {
    const vars = new Map<string, Variable>();
    for (const s of specs) {
      const v = values.get(s.name);
      const n = s.shape.reduce((a, b) => a * b, 1);
      if (!v) throw new BitnetLabError('layout', `missing tensor for shape [${s.shape.join(', ')}]`, { file, tensor: s.name });
      if (v.length !== n) throw new BitnetLabError('layout', `has ${v.length} values, the architecture needs ${n}`, { file, tensor: s.name });
      vars.set(s.name, tf.variable(tf.tensor(v, s.shape, 'float32'), true, uniqueVarName(s.name)));
    }
    return new Params(specs, vars);
  }

  get(name: string): Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`internal: no parameter ${name}`);
    return v;
  }

  list(): Variable[] {
    return this.specs.map((s) => this.get(s.name));
  }

  /** Copies of every value (for checkpoints and statistics). */
  snapshot(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const s of this.specs) out.set(s.name, Float32Array.from(this.get(s.name).dataSync() as Float32Array));
    return out;
  }

  values(name: string): Float32Array {
    return this.get(name).dataSync() as Float32Array;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/**
 * Seeded initial values, plain arrays: linear N(0, 1/in) (variance-preserving),
 * embeddings N(0, 0.02²), norm gains 1. Outside tfjs so the torchrun engine
 * writes the very init the tfjs engine starts from.
 */
export function initValues(specs: readonly ParamSpec[], prng: Prng): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (s.kind === 'norm') data.fill(1);
    else {
      const std = s.kind === 'embedding' ? 0.02 : 1 / Math.sqrt(s.shape[0]!);
      for (let i = 0; i < n; i++) data[i] = prng.normal() * std;
    }
    out.set(s.name, data);
  }
  return out;
}

let counter = 0;
/** tfjs variable names are global per engine: two models (BitNet and FP) must not collide. */
function uniqueVarName(name: string): string {
  return `${name}__${++counter}`;
}
