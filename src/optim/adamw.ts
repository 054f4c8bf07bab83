// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay
// Regularization", ICLR 2019), exactly as PyTorch's torch.optim.AdamW documents its update.
// For each parameter θ with gradient g, at step t (1-based), learning rate γ and weight decay λ:
//   θ ← θ − γλθ                      decay first, on the old θ, independent of the gradient
//   m ← β1·m + (1 − β1)·g            first moment
//   v ← β2·v + (1 − β2)·g²           second moment
//   θ ← θ − γ · (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)
// The i3 training scripts use PyTorch's defaults β = (0.9, 0.999), ε = 1e-8, λ = 0.01, decaying every
// parameter (spec §3.8). `decay: 'matrices'` gives the common alternative: no decay on 1-D tensors
// (biases, LayerNorm weights, the hybrid blocks' per-channel vectors).
//
// Updates are written in place with `assign` under noGrad, so parameters keep their identity (the
// model holds them) and no graph is recorded. The moments are created once, kept alive beyond every
// scope, and show up in memory() like any tensor; a step's temporaries are freed by its scope.
// Derivation and why each step: docs/derivations/adamw.md.

import { noGrad } from '../autograd/grad-mode.ts';
import { keep, scope } from '../backend/memory.ts';
import { profiled } from '../backend/profile.ts';
import { assign } from '../ops/assign.ts';
import { add, div, mul, sqrt, sub } from '../ops/elementwise.ts';
import { zerosLike } from '../tensor/create.ts';
import { fmt, sameShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** Hyper-parameters of AdamW (PyTorch's defaults unless given). */
export interface AdamWOptions {
  /** Peak learning rate γ; a schedule may pass another value to each step(). Default 1e-3 (PyTorch). */
  lr?: number;
  betas?: [number, number];
  eps?: number;
  /** λ, the decoupled weight decay. Default 0.01 (PyTorch, and the i3 scripts). */
  weightDecay?: number;
  /** Which parameters decay: 'all' (the original i3) or 'matrices' (no decay on 1-D tensors). */
  decay?: 'all' | 'matrices';
}

interface Slot { name: string; param: Tensor; expAvg: Tensor; expAvgSq: Tensor; decays: boolean }

/** AdamW with decoupled weight decay; see the header of this file and docs/derivations/adamw.md. */
export class AdamW {
  readonly lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  /** Steps taken so far (t of the bias corrections). */
  stepCount = 0;
  private readonly slots: Slot[];

  /** `params`: [name, tensor] pairs, as Module.namedParameters() returns; names key the state dict. */
  constructor(params: ReadonlyArray<readonly [string, Tensor]>, options: AdamWOptions = {}) {
    this.lr = options.lr ?? 1e-3;
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    const [b1, b2] = this.betas;
    if (!(this.lr >= 0)) throw new Error(`AdamW: lr must be ≥ 0, got ${this.lr}`);
    if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) throw new Error(`AdamW: betas must lie in [0, 1), got (${b1}, ${b2})`);
    if (!(this.eps > 0)) throw new Error(`AdamW: eps must be > 0, got ${this.eps}`);
    if (!(this.weightDecay >= 0)) throw new Error(`AdamW: weightDecay must be ≥ 0, got ${this.weightDecay}`);
    const decay = options.decay ?? 'all';
    this.slots = params.map(([name, param]) => ({
      name, param, decays: decay === 'all' || param.ndim >= 2,
      expAvg: keep(zerosLike(param)), expAvgSq: keep(zerosLike(param)),
    }));
  }

  /** One update of every parameter that has a gradient (others are skipped, as in PyTorch). */
  step(lr = this.lr): void {
    this.stepCount++;
    const [b1, b2] = this.betas;
    const correction1 = 1 - b1 ** this.stepCount;
    const correction2 = 1 - b2 ** this.stepCount;
    noGrad(() => {
      for (const s of this.slots) {
        const g = s.param.grad;
        if (!g) continue;
        // A backend with a fused 'adamw' kernel (the CPU: kernels/cpu/adamw.ts, SIMD for float32) does
        // the whole update in one pass; the composed ops below are the reference and the GPU's path.
        const fused = s.param.storage.backend.kernel('adamw', s.param.dtype);
        if (fused && [s.param, g].every((t) => t.isContiguous && t.dtype === s.param.dtype)) {
          const decay = s.decays ? 1 - lr * this.weightDecay : 1;
          const attrs = { beta1: b1, beta2: b2, eps: this.eps, decay, stepSize: lr / correction1, sqrtC2: Math.sqrt(correction2) };
          profiled('adamw', () => fused([g], [s.param, s.expAvg, s.expAvgSq], attrs)); // a frame of its own in i3 train --profile
          continue;
        }
        scope(() => {
          if (s.decays && this.weightDecay !== 0) assign(s.param, mul(s.param, 1 - lr * this.weightDecay));
          assign(s.expAvg, add(mul(s.expAvg, b1), mul(g, 1 - b1)));
          assign(s.expAvgSq, add(mul(s.expAvgSq, b2), mul(mul(g, g), 1 - b2)));
          // PyTorch's order of operations: √v / √(1 − β2ᵗ) + ε, and γ / (1 − β1ᵗ) as one scalar.
          const denominator = add(div(sqrt(s.expAvgSq), Math.sqrt(correction2)), this.eps);
          assign(s.param, sub(s.param, div(mul(s.expAvg, lr / correction1), denominator)));
        });
      }
    });
  }

  /** Frees every parameter's gradient (the next backward starts from zero). */
  zeroGrad(): void {
    for (const { param } of this.slots) {
      param.grad?.dispose();
      param.grad = null;
    }
  }

  /** The moments by '<param name>.exp_avg' / '.exp_avg_sq' (PyTorch's names), shared, not copied. */
  stateDict(): Map<string, Tensor> {
    return new Map(this.slots.flatMap((s) => [[`${s.name}.exp_avg`, s.expAvg], [`${s.name}.exp_avg_sq`, s.expAvgSq]] as const));
  }

  /** Restores moments saved by stateDict() and the step count; every key must be present. */
  loadStateDict(values: ReadonlyMap<string, Tensor>, stepCount: number): void {
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !values.has(k));
    if (missing.length > 0) throw new Error(`AdamW.loadStateDict: missing ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}; was the checkpoint saved for another model?`);
    for (const [key, t] of own) {
      const v = values.get(key)!;
      if (!sameShape(v.shape, t.shape)) throw new Error(`AdamW.loadStateDict: '${key}' has shape ${fmt(v.shape)} in the checkpoint but ${fmt(t.shape)} here`);
      assign(t, v);
    }
    this.stepCount = stepCount;
  }

  /** Frees the moments. */
  dispose(): void {
    for (const s of this.slots) {
      s.expAvg.dispose();
      s.expAvgSq.dispose();
    }
  }
}
