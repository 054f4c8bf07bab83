// RWKV-v4 time mixing and channel mixing as in open-i3's 200m script (spec §4.2–4.3). Every Linear
// here has no bias. Token shift: each position also sees the previous token's input,
// xk = x ⊙ μk + x_{t−1} ⊙ (1 − μk) (μ init 1, so no shift at init). The WKV recurrence is a fused op
// with a hand-written backward and the max trick (ops/recurrence-wkv.ts).
// Shapes: B batch, T time, C channels.

import { add, mul, relu, sigmoid, sub } from '../ops/elementwise.ts';
import { concat } from '../ops/join.ts';
import { wkv, wkvWithState } from '../ops/recurrence-wkv.ts';
import { reshape, slice } from '../ops/view.ts';
import { zeros } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { constant, uniform } from './init.ts';
import { Linear } from './layers.ts';
import { Module, type InitOptions } from './module.ts';

/** x_{t−1} for every t: the previous chunk's last input (or zeros) followed by x without its last step. */
function tokenShift(x: Tensor, previous: Tensor | null): Tensor { // (B, T, C), (B, C) → (B, T, C)
  const [B, T, C] = x.shape;
  const first = previous ? reshape(previous, [B, 1, C]) : zeros([B, 1, C], { dtype: x.dtype, backend: x.backend });
  return T === 1 ? first : concat([first, slice(x, 1, 0, T - 1)], 1);
}

/** x ⊙ μ + shifted ⊙ (1 − μ) */
const mix = (x: Tensor, shifted: Tensor, mu: Tensor) => add(mul(x, mu), mul(shifted, sub(1, mu)));

const lastStep = (x: Tensor) => reshape(slice(x, 1, -1), [x.shape[0], x.shape[2]]); // (B, T, C) → (B, C)

/** RWKV time mixing's carried state: the WKV sums and the last input. */
export interface TimeMixState {
  aa: Tensor; bb: Tensor; pp: Tensor; // (B, C) WKV numerator, denominator, running max exponent
  previous: Tensor; // (B, C) last input, for the token shift
}

/**
 * RWKV-v4 time mixing (spec §4.2): token shift, receptance-gated WKV recurrence (the fused wkv op), output
 * projection.
 */
export class RWKVTimeMix extends Module {
  readonly timeDecay: Tensor; readonly timeFirst: Tensor;
  readonly timeMixK: Tensor; readonly timeMixV: Tensor; readonly timeMixR: Tensor;
  readonly key: Linear; readonly value: Linear; readonly receptance: Linear; readonly output: Linear;

  constructor(dim: number, options: InitOptions = {}) {
    super();
    this.timeDecay = this.param('time_decay', uniform([dim], -6, -3, options)); // w = −exp(time_decay)
    this.timeFirst = this.param('time_first', constant([dim], 1, options)); // u, the bonus for past tokens
    this.timeMixK = this.param('time_mix_k', constant([1, 1, dim], 1, options));
    this.timeMixV = this.param('time_mix_v', constant([1, 1, dim], 1, options));
    this.timeMixR = this.param('time_mix_r', constant([1, 1, dim], 1, options));
    const linear = { ...options, bias: false };
    this.key = this.child('key', new Linear(dim, dim, linear));
    this.value = this.child('value', new Linear(dim, dim, linear));
    this.receptance = this.child('receptance', new Linear(dim, dim, linear));
    this.output = this.child('output', new Linear(dim, dim, linear));
  }

  private projections(x: Tensor, previous: Tensor | null) {
    const shifted = tokenShift(x, previous);
    return {
      k: this.key.forward(mix(x, shifted, this.timeMixK)), // (B, T, C)
      v: this.value.forward(mix(x, shifted, this.timeMixV)),
      r: sigmoid(this.receptance.forward(mix(x, shifted, this.timeMixR))),
    };
  }

  forward(x: Tensor): Tensor {
    const { k, v, r } = this.projections(x, null);
    return this.output.forward(mul(r, wkv(k, v, this.timeDecay, this.timeFirst)));
  }

  step(x: Tensor, state: TimeMixState | null): { y: Tensor; state: TimeMixState } {
    const { k, v, r } = this.projections(x, state?.previous ?? null);
    const out = wkvWithState(k, v, this.timeDecay, this.timeFirst, state);
    return { y: this.output.forward(mul(r, out.y)), state: { ...out.state, previous: lastStep(x) } };
  }
}

/** RWKV-v4 channel mixing: token shift, squared-ReLU key, receptance gate. */
export class RWKVChannelMix extends Module {
  readonly timeMixK: Tensor; readonly timeMixR: Tensor;
  readonly key: Linear; readonly receptance: Linear; readonly value: Linear;

  constructor(dim: number, options: InitOptions = {}) {
    super();
    this.timeMixK = this.param('time_mix_k', constant([1, 1, dim], 1, options));
    this.timeMixR = this.param('time_mix_r', constant([1, 1, dim], 1, options));
    const linear = { ...options, bias: false };
    this.key = this.child('key', new Linear(dim, 4 * dim, linear));
    this.receptance = this.child('receptance', new Linear(dim, dim, linear));
    this.value = this.child('value', new Linear(4 * dim, dim, linear));
  }

  /** σ(W_r xr) ⊙ W_v(relu(W_k xk)²) */
  forward(x: Tensor, previous: Tensor | null = null): Tensor {
    const shifted = tokenShift(x, previous);
    const k = relu(this.key.forward(mix(x, shifted, this.timeMixK))); // (B, T, 4C)
    const r = sigmoid(this.receptance.forward(mix(x, shifted, this.timeMixR)));
    return mul(r, this.value.forward(mul(k, k)));
  }

  step(x: Tensor, previous: Tensor | null): { y: Tensor; previous: Tensor } {
    return { y: this.forward(x, previous), previous: lastStep(x) };
  }
}
