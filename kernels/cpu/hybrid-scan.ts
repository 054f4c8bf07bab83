// The fused RWKVMambaHybrid recurrence (spec ../shared/spec/i3-architecture.md §3.2), forward and
// backward side by side. Per batch row b, with h_0 = h0[b] and s_0 = s0[b] (zeros unless a state is
// carried in), for t = 1..T:
//   h_t = w ⊙ h_{t−1} + (1 − w) ⊙ u_t        per-channel EMA (w = w_mix, used raw: no clamp)
//   s_t = A s_{t−1} + B u_t                   dense linear state space (N×N and N×C mat-vecs)
//   y_t = C s_t + D ⊙ h_t                     (C×N mat-vec)
// Backward through time (BPTT), from t = T down to 1, with g_h_{T+1} = 0 and g_s_{T+1} = 0:
//   g_s_t = Cᵀ g_y_t + Aᵀ g_s_{t+1}           g_h_t = D ⊙ g_y_t + w ⊙ g_h_{t+1}
//   ∂A += g_s_t s_{t−1}ᵀ   ∂B += g_s_t u_tᵀ   ∂C += g_y_t s_tᵀ   ∂D += g_y_t ⊙ h_t
//   ∂w += g_h_t ⊙ (h_{t−1} − u_t)            ∂u_t = Bᵀ g_s_t + (1 − w) ⊙ g_h_t
//   ∂h0 = w ⊙ g_h_1                           ∂s0 = Aᵀ g_s_1
// Derivation: docs/derivations/hybrid-scan.md.
//
// Shapes (all inputs contiguous): u (B,T,C), w (C), A (N,N), B (N,C), C (C,N), D (C), h0 (B,C),
// s0 (B,N). Glossary: B batch, T time, C channels (d_model), N state size (d_state).
// Speed: plain loops over typed arrays, every mat-vec inlined, no allocation inside the time loop
// (the per-call scratch is O(C·N)). The recurrent state and all parameter gradients are carried in
// float64 scratch whatever the dtype, so float32 runs round only once per stored value. The backward
// fuses each rank-1 gradient update into the mat-vec that reads the same matrix row.

import type { Kernel, View } from '../../src/backend/backend.ts';
import type { TypedArray } from '../../src/tensor/dtype.ts';

/** The view's elements as a flat array (a subarray, no copy); views are contiguous here. */
const flat = (v: View): TypedArray => {
  const size = v.shape.reduce((p, q) => p * q, 1);
  return (v.storage.data as TypedArray).subarray(v.offset, v.offset + size) as TypedArray;
};

/**
 * Forward. inputs: u, w, A, B, C, D, h0, s0. outputs: y (B,T,C), hs (B,T,C) = every h_t,
 * ss (B,T,N) = every s_t (backward reads both), hLast (B,C), sLast (B,N) (the state after step T).
 */
const hybridScan: Kernel = (inputs, outputs) => {
  const [uV, wV, aV, bV, cV, dV, h0V, s0V] = inputs;
  const [yV, hsV, ssV, hLastV, sLastV] = outputs;
  const [batch, T, C] = uV.shape;
  const N = aV.shape[0];
  const U = flat(uV), W = flat(wV), A = flat(aV), Bm = flat(bV), Cm = flat(cV), D = flat(dV);
  const H0 = flat(h0V), S0 = flat(s0V);
  const Y = flat(yV), HS = flat(hsV), SS = flat(ssV), HL = flat(hLastV), SL = flat(sLastV);

  const h = new Float64Array(C);
  let s = new Float64Array(N), sNext = new Float64Array(N);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < C; c++) h[c] = H0[b * C + c];
    for (let n = 0; n < N; n++) s[n] = S0[b * N + n];
    for (let t = 0; t < T; t++) {
      const ut = (b * T + t) * C; // start of u_t, h_t and y_t
      const st = (b * T + t) * N; // start of s_t
      // h_t = w ⊙ h_{t−1} + (1 − w) ⊙ u_t
      for (let c = 0; c < C; c++) {
        const wc = W[c];
        const hc = wc * h[c] + (1 - wc) * U[ut + c];
        h[c] = hc;
        HS[ut + c] = hc;
      }
      // s_t = A s_{t−1} + B u_t  (row n of A, then row n of B)
      for (let n = 0; n < N; n++) {
        let acc = 0;
        const ar = n * N;
        for (let m = 0; m < N; m++) acc += A[ar + m] * s[m];
        const br = n * C;
        for (let c = 0; c < C; c++) acc += Bm[br + c] * U[ut + c];
        sNext[n] = acc;
        SS[st + n] = acc;
      }
      const tmp = s; s = sNext; sNext = tmp;
      // y_t = C s_t + D ⊙ h_t
      for (let c = 0; c < C; c++) {
        let acc = D[c] * h[c];
        const cr = c * N;
        for (let n = 0; n < N; n++) acc += Cm[cr + n] * s[n];
        Y[ut + c] = acc;
      }
    }
    for (let c = 0; c < C; c++) HL[b * C + c] = h[c];
    for (let n = 0; n < N; n++) SL[b * N + n] = s[n];
  }
};

/**
 * Backward. inputs: gy (B,T,C), u, w, A, B, C, D, h0, s0, hs, ss (the forward's saved states).
 * outputs: gu (B,T,C), gw (C), gA (N,N), gB (N,C), gC (C,N), gD (C), gh0 (B,C), gs0 (B,N).
 */
const hybridScanBackward: Kernel = (inputs, outputs) => {
  const [gyV, uV, wV, aV, bV, cV, dV, h0V, s0V, hsV, ssV] = inputs;
  const [guV, gwV, gaV, gbV, gcV, gdV, gh0V, gs0V] = outputs;
  const [batch, T, C] = uV.shape;
  const N = aV.shape[0];
  const GY = flat(gyV), U = flat(uV), W = flat(wV), A = flat(aV), Bm = flat(bV), Cm = flat(cV), D = flat(dV);
  const H0 = flat(h0V), S0 = flat(s0V), HS = flat(hsV), SS = flat(ssV);
  const GU = flat(guV), GH0 = flat(gh0V), GS0 = flat(gs0V);

  // Parameter gradients, summed over batch and time in float64.
  const gw = new Float64Array(C), gA = new Float64Array(N * N), gB = new Float64Array(N * C);
  const gC = new Float64Array(C * N), gD = new Float64Array(C);
  // Per-step scratch: g_h (carried), g_s_t and g_s_{t+1}, the row ∂u_t.
  const gh = new Float64Array(C), gu = new Float64Array(C);
  let gs = new Float64Array(N), gsNext = new Float64Array(N);

  for (let b = 0; b < batch; b++) {
    gh.fill(0);
    gsNext.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const ut = (b * T + t) * C; // u_t, h_t, g_y_t
      const st = (b * T + t) * N; // s_t
      const hp = t > 0 ? HS : H0, hpAt = t > 0 ? ut - C : b * C; // h_{t−1}
      const sp = t > 0 ? SS : S0, spAt = t > 0 ? st - N : b * N; // s_{t−1}
      // g_s_t = Aᵀ g_s_{t+1} + Cᵀ g_y_t
      for (let n = 0; n < N; n++) gs[n] = 0;
      for (let m = 0; m < N; m++) {
        const g = gsNext[m];
        if (g === 0) continue;
        const ar = m * N;
        for (let n = 0; n < N; n++) gs[n] += A[ar + n] * g;
      }
      for (let c = 0; c < C; c++) {
        const g = GY[ut + c];
        // g_h_t = D ⊙ g_y_t + w ⊙ g_h_{t+1};  ∂D += g_y_t ⊙ h_t;  ∂w += g_h_t ⊙ (h_{t−1} − u_t);  ∂u_t starts at (1 − w) ⊙ g_h_t
        const wc = W[c];
        const ghc = D[c] * g + wc * gh[c];
        gh[c] = ghc;
        gD[c] += g * HS[ut + c];
        gw[c] += ghc * (hp[hpAt + c] - U[ut + c]);
        gu[c] = (1 - wc) * ghc;
        if (g === 0) continue;
        // Row c of C: Cᵀ g_y_t into g_s_t, and ∂C += g_y_t s_tᵀ.
        const cr = c * N;
        for (let n = 0; n < N; n++) {
          gs[n] += Cm[cr + n] * g;
          gC[cr + n] += g * SS[st + n];
        }
      }
      // Row n of B: ∂u_t += Bᵀ g_s_t and ∂B += g_s_t u_tᵀ; row n of ∂A += g_s_t s_{t−1}ᵀ.
      for (let n = 0; n < N; n++) {
        const g = gs[n];
        if (g === 0) continue;
        const br = n * C;
        for (let c = 0; c < C; c++) {
          gu[c] += Bm[br + c] * g;
          gB[br + c] += g * U[ut + c];
        }
        const ar = n * N;
        for (let m = 0; m < N; m++) gA[ar + m] += g * sp[spAt + m];
      }
      for (let c = 0; c < C; c++) GU[ut + c] = gu[c];
      const tmp = gs; gs = gsNext; gsNext = tmp;
    }
    // The initial state feeds step 1 exactly as h_{t−1}, s_{t−1} feed step t: ∂h0 = w ⊙ g_h_1, ∂s0 = Aᵀ g_s_1.
    for (let c = 0; c < C; c++) GH0[b * C + c] = W[c] * gh[c];
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let m = 0; m < N; m++) acc += A[m * N + n] * gsNext[m];
      GS0[b * N + n] = acc;
    }
  }
  flat(gwV).set(gw);
  flat(gaV).set(gA);
  flat(gbV).set(gB);
  flat(gcV).set(gC);
  flat(gdV).set(gD);
};

export const hybridScanKernels = (): Record<string, Kernel> => ({ hybridScan, hybridScanBackward });
