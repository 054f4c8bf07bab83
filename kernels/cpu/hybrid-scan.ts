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
//
// Speed. Only the N×N mat-vec A s_{t−1} (and Aᵀ g_s_{t+1} backward) and the C-wide EMA are truly
// sequential. Every product with B or C is independent of the recurrence, so it runs for all B·T steps
// at once as one matrix product through the packed, register-blocked matmulInto (kernels/cpu/matmul.ts):
//   forward   Q = U Bᵀ (B·u_t for every t),  Y = S Cᵀ + D ⊙ H
//   backward  P = G_y C (Cᵀ g_y_t),  G_u = G_s B + (1 − w) ⊙ G_h,  ∂B = G_sᵀ U,  ∂C = G_yᵀ S,  ∂A per row b
// (U, S, G_y, G_s: the (B·T)-row matrices whose rows are u_t, s_t, g_y_t, g_s_t). The time loops are plain
// loops over typed arrays with the mat-vecs inlined and no allocation; the per-call scratch is O(B·T·N).
// The recurrent state, S, G_s and every parameter gradient are float64 whatever the dtype, so float32
// runs round once per stored value. kernels/wasm/hybrid-scan.ts builds the same kernels over float32
// scratch and the SIMD product (hybridScanKernelsOf), where all of this is float32.

import type { Kernel, View } from '../../src/backend/backend.ts';
import type { TypedArray } from '../../src/tensor/dtype.ts';
import { matmulInto, type FloatArray } from './matmul.ts';

/** The view's elements as a flat array (a subarray, no copy); views are contiguous here. */
const flat = (v: View): FloatArray => {
  const size = v.shape.reduce((p, q) => p * q, 1);
  return (v.storage.data as TypedArray).subarray(v.offset, v.offset + size) as FloatArray;
};

/** What the kernels are built from: the 2-D product (matmulInto's contract) and the array type of the
 *  recurrent state, S, G_s and the parameter gradients. */
export interface ScanArithmetic {
  matmul: typeof matmulInto;
  Scratch: Float64ArrayConstructor | Float32ArrayConstructor;
}

/** The kernels 'hybridScan' and 'hybridScanBackward' over the given product and scratch type. */
export function hybridScanKernelsOf({ matmul, Scratch }: ScanArithmetic): Record<string, Kernel> {
  /**
   * Forward. inputs: u, w, A, B, C, D, h0, s0. outputs: y (B,T,C), hs (B,T,C) = every h_t,
   * ss (B,T,N) = every s_t (backward reads both), hLast (B,C), sLast (B,N) (the state after step T).
   */
  const hybridScan: Kernel = (inputs, outputs) => {
    const [uV, wV, aV, bV, cV, dV, h0V, s0V] = inputs;
    const [yV, hsV, ssV, hLastV, sLastV] = outputs;
    const [batch, T, C] = uV.shape;
    const N = aV.shape[0], rows = batch * T;
    const U = flat(uV), W = flat(wV), A = flat(aV), Bm = flat(bV), Cm = flat(cV), D = flat(dV);
    const H0 = flat(h0V), S0 = flat(s0V);
    const Y = flat(yV), HS = flat(hsV), SS = flat(ssV), HL = flat(hLastV), SL = flat(sLastV);

    // Q = U Bᵀ: row (b,t) is B u_t. S (Scratch) receives s_t = A s_{t−1} + B u_t row by row, in place of Q.
    const S = new Scratch(rows * N);
    matmul(S, 0, U, 0, C, 1, Bm, 0, 1, C, rows, N, C, false);
    const h = new Scratch(C);
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < C; c++) h[c] = H0[b * C + c];
      for (let t = 0; t < T; t++) {
        const ut = (b * T + t) * C; // start of u_t, h_t and y_t
        const st = (b * T + t) * N; // start of s_t (holding B u_t until overwritten)
        // h_t = w ⊙ h_{t−1} + (1 − w) ⊙ u_t;  y_t starts as D ⊙ h_t
        for (let c = 0; c < C; c++) {
          const wc = W[c];
          const hc = wc * h[c] + (1 - wc) * U[ut + c];
          h[c] = hc;
          HS[ut + c] = hc;
          Y[ut + c] = D[c] * hc;
        }
        // s_t = A s_{t−1} + B u_t: row n of A against s_{t−1} (the previous row of S, or s0)
        const sp = t > 0 ? S : S0, spAt = t > 0 ? st - N : b * N;
        for (let n = 0; n < N; n++) {
          let acc = S[st + n];
          const ar = n * N;
          for (let m = 0; m < N; m++) acc += A[ar + m] * sp[spAt + m];
          S[st + n] = acc;
        }
      }
      for (let c = 0; c < C; c++) HL[b * C + c] = h[c];
      const last = (b * T + T - 1) * N;
      for (let n = 0; n < N; n++) SL[b * N + n] = T > 0 ? S[last + n] : S0[b * N + n];
    }
    SS.set(S);
    // y_t += C s_t for every step at once: Y += S Cᵀ.
    matmul(Y, 0, S, 0, N, 1, Cm, 0, 1, N, rows, C, N, true);
  };

  /**
   * Backward. inputs: gy (B,T,C), u, w, A, B, C, D, h0, s0, hs, ss (the forward's saved states).
   * outputs: gu (B,T,C), gw (C), gA (N,N), gB (N,C), gC (C,N), gD (C), gh0 (B,C), gs0 (B,N).
   */
  const hybridScanBackward: Kernel = (inputs, outputs) => {
    const [gyV, uV, wV, aV, bV, cV, dV, h0V, s0V, hsV, ssV] = inputs;
    const [guV, gwV, gaV, gbV, gcV, gdV, gh0V, gs0V] = outputs;
    const [batch, T, C] = uV.shape;
    const N = aV.shape[0], rows = batch * T;
    const GY = flat(gyV), U = flat(uV), W = flat(wV), A = flat(aV), Bm = flat(bV), Cm = flat(cV), D = flat(dV);
    const H0 = flat(h0V), S0 = flat(s0V), HS = flat(hsV), SS = flat(ssV);
    const GU = flat(guV), GH0 = flat(gh0V), GS0 = flat(gs0V);

    // Parameter gradients, summed over batch and time in Scratch.
    const gw = new Scratch(C), gA = new Scratch(N * N), gB = new Scratch(N * C);
    const gC = new Scratch(C * N), gD = new Scratch(C);
    const gh = new Scratch(C); // g_h_{t+1}, then g_h_t
    const At = new Scratch(N * N); // Aᵀ, so Aᵀ g reads rows
    for (let n = 0; n < N; n++) for (let m = 0; m < N; m++) At[n * N + m] = A[m * N + n];

    // G_s: row (b,t) starts as Cᵀ g_y_t (P = G_y C) and becomes g_s_t = Cᵀ g_y_t + Aᵀ g_s_{t+1}.
    const GS = new Scratch(rows * N);
    matmul(GS, 0, GY, 0, C, 1, Cm, 0, N, 1, rows, N, C, false);
    for (let b = 0; b < batch; b++) {
      gh.fill(0);
      for (let t = T - 1; t >= 0; t--) {
        const ut = (b * T + t) * C; // u_t, h_t, g_y_t, ∂u_t
        const st = (b * T + t) * N; // s_t, g_s_t
        if (t < T - 1) {
          for (let n = 0; n < N; n++) {
            let acc = GS[st + n];
            const ar = n * N;
            for (let m = 0; m < N; m++) acc += At[ar + m] * GS[st + N + m];
            GS[st + n] = acc;
          }
        }
        // g_h_t = D ⊙ g_y_t + w ⊙ g_h_{t+1};  ∂D += g_y_t ⊙ h_t;  ∂w += g_h_t ⊙ (h_{t−1} − u_t);  ∂u_t starts at (1 − w) ⊙ g_h_t
        const hp = t > 0 ? HS : H0, hpAt = t > 0 ? ut - C : b * C;
        for (let c = 0; c < C; c++) {
          const g = GY[ut + c], wc = W[c];
          const ghc = D[c] * g + wc * gh[c];
          gh[c] = ghc;
          gD[c] += g * HS[ut + c];
          gw[c] += ghc * (hp[hpAt + c] - U[ut + c]);
          GU[ut + c] = (1 - wc) * ghc;
        }
      }
      // ∂A += Σ_t g_s_t s_{t−1}ᵀ: t ≥ 2 as one product of this row's G_s and S shifted by one step, t = 1 with s0.
      if (T > 1) matmul(gA, 0, GS, (b * T + 1) * N, 1, N, SS, b * T * N, N, 1, N, N, T - 1, true);
      // The initial state feeds step 1 as h_{t−1}, s_{t−1} feed step t: ∂h0 = w ⊙ g_h_1, ∂s0 = Aᵀ g_s_1.
      const first = b * T * N;
      for (let c = 0; c < C; c++) GH0[b * C + c] = W[c] * gh[c];
      for (let n = 0; n < N; n++) {
        let acc = 0;
        const g = T > 0 ? GS[first + n] : 0;
        for (let m = 0; m < N; m++) {
          gA[n * N + m] += g * S0[b * N + m];
          acc += T > 0 ? At[n * N + m] * GS[first + m] : 0;
        }
        GS0[b * N + n] = acc;
      }
    }
    // The products with B and C, for every step at once.
    matmul(GU, 0, GS, 0, N, 1, Bm, 0, C, 1, rows, C, N, true); // ∂u_t += Bᵀ g_s_t
    matmul(gB, 0, GS, 0, 1, N, U, 0, C, 1, N, C, rows, false); // ∂B = Σ g_s_t u_tᵀ
    matmul(gC, 0, GY, 0, 1, C, SS, 0, N, 1, C, N, rows, false); // ∂C = Σ g_y_t s_tᵀ
    flat(gwV).set(gw);
    flat(gaV).set(gA);
    flat(gbV).set(gB);
    flat(gcV).set(gC);
    flat(gdV).set(gD);
  };
  return { hybridScan, hybridScanBackward };
}

/** The kernels 'hybridScan' and 'hybridScanBackward' (float64 scratch, the TypeScript product), for the CPU kernel table. */
export const hybridScanKernels = (): Record<string, Kernel> => hybridScanKernelsOf({ matmul: matmulInto, Scratch: Float64Array });
