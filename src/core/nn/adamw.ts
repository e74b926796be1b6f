/**
 * Adam with decoupled weight decay (AdamW, Loshchilov & Hutter), written out
 * because tf.train.adam has no weight decay and hides its moments (we save
 * them in checkpoints so a resumed run continues the same curve).
 *
 *   m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
 *   p ← p − lr · ( m̂ / (√v̂ + ε) + wd · p )       (wd only on matrix weights, as LLaMA does)
 *
 * One float32 SIMD pass per tensor (linearKernel.ts) with the moments as
 * plain arrays: as tfjs ops it was ten full passes and ten ops per tensor, a
 * tenth of an LM training step on the wasm backend.
 */
import type { Params } from './params.js';
import { isMatrixWeight } from './params.js';
import { workspace } from './linearKernel.js';
import type { Tensor, Tf } from './tf.js';

export interface AdamConfig {
  beta1: number;
  beta2: number;
  eps: number;
}

export const BITNET_ADAM: AdamConfig = { beta1: 0.9, beta2: 0.95, eps: 1e-8 };

export class AdamW {
  /** Number of updates applied so far (bias correction uses it). */
  step = 0;
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();

  constructor(private readonly tf: Tf, private readonly params: Params, readonly config: AdamConfig) {
    for (const s of params.specs) {
      const n = s.shape.reduce((a, b) => a * b, 1);
      this.m.set(s.name, new Float32Array(n));
      this.v.set(s.name, new Float32Array(n));
    }
  }

  /** `grads` as returned by tf.variableGrads (keyed by tfjs variable name). */
  apply(grads: Record<string, Tensor>, lr: number, wd: number): void {
    const tf = this.tf;
    const { beta1, beta2, eps } = this.config;
    this.step++;
    const bc1 = 1 - Math.pow(beta1, this.step);
    const bc2 = 1 - Math.pow(beta2, this.step);
    for (const spec of this.params.specs) {
      const p = this.params.get(spec.name);
      const gt = grads[p.name];
      if (!gt) continue;
      const m = this.m.get(spec.name)!;
      const v = this.v.get(spec.name)!;
      const n = m.length;
      const ws = workspace(16 * n);
      const [wv, gv, mv, vv] = [ws.alloc(n), ws.alloc(n), ws.alloc(n), ws.alloc(n)];
      wv.set(p.dataSync() as Float32Array);
      gv.set(gt.dataSync() as Float32Array);
      mv.set(m);
      vv.set(v);
      ws.adam(wv, gv, mv, vv, { beta1, beta2, bc1, bc2, eps, lr, decay: wd > 0 && isMatrixWeight(spec.kind) ? wd : 0 });
      m.set(mv);
      v.set(vv);
      tf.tidy(() => p.assign(tf.tensor(wv, spec.shape)));
    }
  }

  /** Moments as plain arrays, keyed `m.<param>` / `v.<param>` (for the optimizer-state file). */
  state(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const s of this.params.specs) {
      out.set(`m.${s.name}`, Float32Array.from(this.m.get(s.name)!));
      out.set(`v.${s.name}`, Float32Array.from(this.v.get(s.name)!));
    }
    return out;
  }

  load(state: ReadonlyMap<string, Float32Array>, step: number): void {
    for (const s of this.params.specs) {
      const m = state.get(`m.${s.name}`);
      const v = state.get(`v.${s.name}`);
      if (!m || !v) throw new Error(`optimizer state lacks moments of ${s.name}`);
      this.m.get(s.name)!.set(m);
      this.v.get(s.name)!.set(v);
    }
    this.step = step;
  }

  dispose(): void {
    this.m.clear();
    this.v.clear();
  }
}
