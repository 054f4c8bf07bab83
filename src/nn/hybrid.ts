// RWKVMambaHybrid (spec §3.2): a per-channel exponential moving average h (the "RWKV" part) and a
// dense linear state space s (the "Mamba" part), both starting from zero on every sequence:
//   h_t = w ⊙ h_{t−1} + (1 − w) ⊙ u_t,   s_t = A s_{t−1} + B u_t,   y_t = C s_t + D ⊙ h_t
// The recurrence runs as one fused op with a hand-written backward (ops/recurrence-hybrid.ts).
// Shapes: B batch, T time, C channels (d_model), N state size (d_state).

import { hybridScan, hybridScanWithState } from '../ops/recurrence-hybrid.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { constant, normal } from './init.ts';
import { Module, type InitOptions } from './module.ts';

/** The hybrid mixer's carried state: the EMA h (B, C) and the state-space s (B, N). */
export interface HybridState {
  h: Tensor; // (B, C)
  s: Tensor; // (B, N)
}

/**
 * The RWKVMambaHybrid mixer (spec §3.2): a per-channel EMA plus a dense linear state space, run by the
 * fused hybridScan op.
 */
export class RWKVMambaHybrid extends Module {
  readonly wMix: Tensor; // (C), init 0.5, used raw (no sigmoid, no clamp)
  readonly A: Tensor; // (N, N), N(0, 0.01²)
  readonly B: Tensor; // (N, C)
  readonly C: Tensor; // (C, N)
  readonly D: Tensor; // (C), init 0.1

  constructor(dim: number, stateSize: number, options: InitOptions = {}) {
    super();
    this.wMix = this.param('w_mix', constant([dim], 0.5, options));
    this.A = this.param('A', normal([stateSize, stateSize], 0.01, options));
    this.B = this.param('B', normal([stateSize, dim], 0.01, options));
    this.C = this.param('C', normal([dim, stateSize], 0.01, options));
    this.D = this.param('D', constant([dim], 0.1, options));
  }

  forward(u: Tensor): Tensor { // (B, T, C) → (B, T, C)
    return hybridScan(u, this.wMix, this.A, this.B, this.C, this.D);
  }

  step(u: Tensor, state: HybridState | null): { y: Tensor; state: HybridState } {
    return hybridScanWithState(u, this.wMix, this.A, this.B, this.C, this.D, state);
  }
}
