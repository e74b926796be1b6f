/**
 * Adam with decoupled weight decay (AdamW, Loshchilov & Hutter), written out
 * because tf.train.adam has no weight decay and hides its moments (we save
 * them in checkpoints so a resumed run continues the same curve).
 *
 *   m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
 *   p ← p − lr · ( m̂ / (√v̂ + ε) + wd · p )       (wd only on matrix weights, as LLaMA does)
 */
import type { Params } from './params.js';
import { isMatrixWeight } from './params.js';
import type { Tensor, Tf, Variable } from './tf.js';

export interface AdamConfig {
  beta1: number;
  beta2: number;
  eps: number;
}

export const BITNET_ADAM: AdamConfig = { beta1: 0.9, beta2: 0.95, eps: 1e-8 };

export class AdamW {
  /** Number of updates applied so far (bias correction uses it). */
  step = 0;
  private readonly m = new Map<string, Variable>();
  private readonly v = new Map<string, Variable>();

  constructor(private readonly tf: Tf, private readonly params: Params, readonly config: AdamConfig) {
    for (const s of params.specs) {
      this.m.set(s.name, tf.variable(tf.zeros(s.shape), false));
      this.v.set(s.name, tf.variable(tf.zeros(s.shape), false));
    }
  }

  /** `grads` as returned by tf.variableGrads (keyed by tfjs variable name). */
  apply(grads: Record<string, Tensor>, lr: number, wd: number): void {
    const tf = this.tf;
    const { beta1, beta2, eps } = this.config;
    this.step++;
    const bc1 = 1 - Math.pow(beta1, this.step);
    const bc2 = 1 - Math.pow(beta2, this.step);
    tf.tidy(() => {
      for (const spec of this.params.specs) {
        const p = this.params.get(spec.name);
        const g = grads[p.name];
        if (!g) continue;
        const m = this.m.get(spec.name)!;
        const v = this.v.get(spec.name)!;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        let update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), eps));
        if (wd > 0 && isMatrixWeight(spec.kind)) update = tf.add(update, tf.mul(p, wd));
        p.assign(tf.sub(p, tf.mul(update, lr)));
      }
    });
  }

  /** Moments as plain arrays, keyed `m.<param>` / `v.<param>` (for the optimizer-state file). */
  state(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const s of this.params.specs) {
      out.set(`m.${s.name}`, Float32Array.from(this.m.get(s.name)!.dataSync() as Float32Array));
      out.set(`v.${s.name}`, Float32Array.from(this.v.get(s.name)!.dataSync() as Float32Array));
    }
    return out;
  }

  load(state: ReadonlyMap<string, Float32Array>, step: number): void {
    const tf = this.tf;
    for (const s of this.params.specs) {
      const m = state.get(`m.${s.name}`);
      const v = state.get(`v.${s.name}`);
      if (!m || !v) throw new Error(`optimizer state lacks moments of ${s.name}`);
      tf.tidy(() => {
        this.m.get(s.name)!.assign(tf.tensor(m, s.shape));
        this.v.get(s.name)!.assign(tf.tensor(v, s.shape));
      });
    }
    this.step = step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
