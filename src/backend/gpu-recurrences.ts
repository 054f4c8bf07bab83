// The fused recurrences on the gpu backend, with the same kernel names and inputs/outputs as
// kernels/cpu/hybrid-scan.ts and kernels/cpu/wkv.ts (whose comments derive every formula used here).
//   hybridScan: the B/C products are matmuls, the two recurrences (s: matrix A, h: diagonal w) are
//               log-depth scans (kernels/gpu/linear-scan.ts); backward runs the same scans in reverse
//               with Aᵀ and w, and sums the parameter gradients with matmuls and reductions.
//   wkv:        per-channel replay (kernels/gpu/naive-wkv.ts), O(T) work per thread.
// These are the simple GPU versions; tiled kernels may replace them under the same names.

import { naiveMatmulKernel, type MatmulSpec } from '../../kernels/gpu/naive-matmul.ts';
import { wkvBackwardKernel, wkvForwardKernel, wkvParamsKernel, type WkvBackwardOutput, type WkvForwardOutput, type WkvSpec } from '../../kernels/gpu/naive-wkv.ts';
import { reduceKernel } from '../../kernels/gpu/reduce.ts';
import { scanKernel, scanPassSource, scanSeedSource, shiftSource, type ScanSpec } from '../../kernels/gpu/linear-scan.ts';
import { sizeOf } from '../tensor/shape.ts';
import type { Kernel, View } from './backend.ts';
import type { GpuContext } from './gpu-kernels.ts';

interface Operand { array: unknown; strides: readonly number[]; offset: number }
interface MatOperand { array: unknown; row: number; col: number; offset: number }

/** Array-level helpers over the kernel factories, for programs of several kernels. */
function helpers(ctx: GpuContext) {
  const ew = (shape: readonly number[], ops: readonly Operand[], names: readonly string[], expr: string): unknown =>
    ctx.run(ctx.elementwise({ shape: [...shape], operands: ops.map(({ strides, offset }) => ({ strides: [...strides], offset })), names, expr }), ops.map((o) => o.array));
  const contiguous = (shape: readonly number[]): number[] => shape.map((_, a) => sizeOf(shape.slice(a + 1)));
  const mm = (a: MatOperand, b: MatOperand, M: number, N: number, K: number): unknown => {
    const spec: MatmulSpec = { batchShape: [], M, N, K, a: { batchStrides: [], row: a.row, col: a.col, offset: a.offset }, b: { batchStrides: [], row: b.row, col: b.col, offset: b.offset } };
    return ctx.run(ctx.cached(`matmul ${JSON.stringify(spec)}`, () => naiveMatmulKernel(ctx.gpu, spec)), [a.array, b.array]);
  };
  /** Σ over the first two axes of a fresh (B, T, C) array → (C). */
  const sumBT = (array: unknown, shape: readonly number[]): unknown => {
    const spec = { kind: 'sum' as const, shape: [...shape], strides: contiguous(shape), offset: 0, outShape: [1, 1, shape[2]] };
    return ctx.run(ctx.cached(`reduce ${JSON.stringify(spec)}`, () => reduceKernel(ctx.gpu, spec)), [array]);
  };
  const scanRun = (source: string, s: ScanSpec, args: unknown[]) => ctx.run(ctx.cached(`scan ${s.batch} ${source}`, () => scanKernel(ctx.gpu, source, s)), args);
  /** Consumes x (the result may be x itself when T = 1): the inclusive scan x_t ← Σ P^{t−τ} x_τ; P (offset 0) is kept. */
  const scan = (x: unknown, P: unknown, s: ScanSpec): unknown => {
    let [cur, power, ownPower] = [x, P, false];
    for (let d = 1; d < s.T; d *= 2) {
      const next = scanRun(scanPassSource(s, d), s, [cur, power]);
      ctx.free(cur);
      cur = next;
      if (2 * d < s.T) {
        const squared = s.diagonal ? ew([s.N], [{ array: power, strides: [1], offset: 0 }], ['p'], 'p * p') : mm({ array: power, row: s.N, col: 1, offset: 0 }, { array: power, row: s.N, col: 1, offset: 0 }, s.N, s.N, s.N);
        if (ownPower) ctx.free(power);
        [power, ownPower] = [squared, true];
      }
    }
    if (ownPower) ctx.free(power);
    return cur;
  };
  const free = (...arrays: unknown[]) => arrays.forEach((a) => ctx.free(a));
  return { ew, mm, sumBT, scan, scanRun, contiguous, free };
}

const arg = (ctx: GpuContext, v: View, strides: readonly number[] = v.strides) => ({ array: ctx.arg(v), strides, offset: v.offset });

function hybridScan(ctx: GpuContext): Kernel {
  const h = helpers(ctx);
  return ([u, w, A, Bm, Cm, D, h0, s0], [y, hs, ss, hLast, sLast]) => {
    const [batch, T, C] = u.shape, N = A.shape[0], rows = batch * T;
    const copyOf = (v: View) => h.ew(v.shape, [arg(ctx, v)], ['x'], 'x');
    if (rows === 0) {
      if (batch > 0) [ctx.write(hLast, copyOf(h0)), ctx.write(sLast, copyOf(s0))];
      return;
    }
    // s: Q = U Bᵀ, s0 enters step 0 as A s0, then the scan with A.
    const q = h.mm({ array: ctx.arg(u), row: C, col: 1, offset: u.offset }, { array: ctx.arg(Bm), row: 1, col: C, offset: Bm.offset }, rows, N, C);
    const sScan: ScanSpec = { batch, T, N, diagonal: false, reverse: false };
    const seeded = h.scanRun(scanSeedSource(sScan, A.offset, s0.offset), sScan, [q, ctx.arg(A), ctx.arg(s0)]);
    const a0 = copyOf(A);
    const S = h.scan(seeded, a0, sScan);
    // h: (1 − w) ⊙ u, h0 enters step 0 as w ⊙ h0, then the scan with diag(w).
    const hScan: ScanSpec = { batch, T, N: C, diagonal: true, reverse: false };
    const x = h.ew(u.shape, [arg(ctx, w, [0, 0, 1]), arg(ctx, u)], ['w', 'u'], '(1 - w) * u');
    const hSeeded = h.scanRun(scanSeedSource(hScan, w.offset, h0.offset), hScan, [x, ctx.arg(w), ctx.arg(h0)]);
    const w0 = copyOf(w);
    const H = h.scan(hSeeded, w0, hScan);
    // y = S Cᵀ + D ⊙ h
    const sc = h.mm({ array: S, row: N, col: 1, offset: 0 }, { array: ctx.arg(Cm), row: 1, col: N, offset: Cm.offset }, rows, C, N);
    ctx.write(y, h.ew(u.shape, [{ array: sc, strides: [T * C, C, 1], offset: 0 }, arg(ctx, D, [0, 0, 1]), { array: H, strides: [T * C, C, 1], offset: 0 }], ['m', 'd', 'h'], 'm + d * h'));
    ctx.write(hLast, h.ew([batch, C], [{ array: H, strides: [T * C, 1], offset: (T - 1) * C }], ['x'], 'x'));
    ctx.write(sLast, h.ew([batch, N], [{ array: S, strides: [T * N, 1], offset: (T - 1) * N }], ['x'], 'x'));
    h.free(q, x, sc, a0, w0);
    ctx.write(hs, H);
    ctx.write(ss, S);
  };
}

function hybridScanBackward(ctx: GpuContext): Kernel {
  const h = helpers(ctx);
  return ([gy, u, w, A, Bm, Cm, D, h0, s0, hs, ss], [gu, gw, gA, gB, gC, gD, gh0, gs0]) => {
    const [batch, T, C] = u.shape, N = A.shape[0], rows = batch * T;
    if (rows === 0) {
      for (const out of [gu, gw, gA, gB, gC, gD, gh0, gs0]) if (sizeOf(out.shape) > 0) ctx.write(out, h.ew(out.shape, [], [], '0'));
      return;
    }
    const btc = [T * C, C, 1];
    // g_s = Cᵀ g_y + Aᵀ g_s(next): P = G_y C, then the reverse scan with Aᵀ.
    const p = h.mm({ array: ctx.arg(gy), row: C, col: 1, offset: gy.offset }, { array: ctx.arg(Cm), row: N, col: 1, offset: Cm.offset }, rows, N, C);
    const at = h.ew([N, N], [arg(ctx, A, [1, N])], ['x'], 'x');
    const Gs = h.scan(p, at, { batch, T, N, diagonal: false, reverse: true });
    // g_h = D ⊙ g_y + w ⊙ g_h(next)
    const dg = h.ew(u.shape, [arg(ctx, D, [0, 0, 1]), arg(ctx, gy)], ['d', 'g'], 'd * g');
    const w0 = h.ew([C], [arg(ctx, w)], ['x'], 'x');
    const Gh = h.scan(dg, w0, { batch, T, N: C, diagonal: true, reverse: true });
    const G = { array: Gh, strides: btc, offset: 0 };
    // ∂D = Σ g_y ⊙ h;  ∂w = Σ g_h ⊙ (h_{t−1} − u_t)
    const gyh = h.ew(u.shape, [arg(ctx, gy), arg(ctx, hs)], ['g', 'x'], 'g * x');
    ctx.write(gD, h.sumBT(gyh, u.shape));
    const shift = (v: View, init: View, n: number) => {
      const s: ScanSpec = { batch, T, N: n, diagonal: false, reverse: false };
      return h.scanRun(shiftSource(s, v.offset, init.offset), s, [ctx.arg(v), ctx.arg(init)]);
    };
    const hPrev = shift(hs, h0, C);
    const gwTerms = h.ew(u.shape, [G, { array: hPrev, strides: btc, offset: 0 }, arg(ctx, u)], ['g', 'hp', 'u'], 'g * (hp - u)');
    ctx.write(gw, h.sumBT(gwTerms, u.shape));
    // ∂u = (1 − w) ⊙ g_h + Bᵀ g_s
    const gsB = h.mm({ array: Gs, row: N, col: 1, offset: 0 }, { array: ctx.arg(Bm), row: C, col: 1, offset: Bm.offset }, rows, C, N);
    ctx.write(gu, h.ew(u.shape, [{ array: gsB, strides: btc, offset: 0 }, arg(ctx, w, [0, 0, 1]), G], ['m', 'w', 'g'], 'm + (1 - w) * g'));
    // ∂A = Σ g_s s_{t−1}ᵀ, ∂B = Σ g_s u_tᵀ, ∂C = Σ g_y s_tᵀ: products over the B·T rows.
    const sPrev = shift(ss, s0, N);
    const gsT = { array: Gs, row: 1, col: N, offset: 0 };
    ctx.write(gA, h.mm(gsT, { array: sPrev, row: N, col: 1, offset: 0 }, N, N, rows));
    ctx.write(gB, h.mm(gsT, { array: ctx.arg(u), row: C, col: 1, offset: u.offset }, N, C, rows));
    ctx.write(gC, h.mm({ array: ctx.arg(gy), row: 1, col: C, offset: gy.offset }, { array: ctx.arg(ss), row: N, col: 1, offset: ss.offset }, C, N, rows));
    // ∂h0 = w ⊙ g_h_1, ∂s0 = Aᵀ g_s_1
    ctx.write(gh0, h.ew([batch, C], [arg(ctx, w, [0, 1]), { array: Gh, strides: [T * C, 1], offset: 0 }], ['w', 'g'], 'w * g'));
    ctx.write(gs0, h.mm({ array: Gs, row: T * N, col: 1, offset: 0 }, { array: ctx.arg(A), row: N, col: 1, offset: A.offset }, batch, N, N));
    h.free(at, Gs, w0, Gh, gyh, hPrev, gwTerms, gsB, sPrev); // p and dg were consumed by their scans
  };
}

function wkvSpec(views: readonly View[], names: readonly string[], withState: boolean): WkvSpec {
  const [B, T, C] = views[names.indexOf('k')].shape;
  return { B, T, C, withState, offsets: Object.fromEntries(names.map((n, i) => [n, views[i]?.offset ?? 0])) };
}

function wkv(ctx: GpuContext): Kernel {
  return (inputs, outputs) => {
    const withState = inputs.length === 7;
    const s = wkvSpec(inputs, ['k', 'v', 'td', 'tf', 'aa0', 'bb0', 'pp0'], withState);
    const args = inputs.map((v) => ctx.arg(v));
    const names: WkvForwardOutput[] = ['y', 'aaLast', 'bbLast', 'ppLast', 'aaSeq', 'bbSeq', 'ppSeq'];
    outputs.forEach((out, i) => {
      if (sizeOf(out.shape) === 0) return;
      const kernel = ctx.cached(`wkv ${names[i]} ${JSON.stringify(s)}`, () => wkvForwardKernel(ctx.gpu, s, names[i]));
      ctx.write(out, ctx.run(kernel, args));
    });
  };
}

function wkvBackward(ctx: GpuContext): Kernel {
  return (inputs, outputs) => {
    const s = wkvSpec(inputs, ['dy', 'k', 'v', 'td', 'tf', 'aa', 'bb', 'pp'], false);
    const [dy, k, v, td, tf, aa, bb, pp] = inputs.map((view) => ctx.arg(view));
    const wu = ctx.run(ctx.cached(`wkv params ${JSON.stringify(s)}`, () => wkvParamsKernel(ctx.gpu, s)), [td, tf]);
    const args = [dy, k, v, wu, aa, bb, pp];
    const names: WkvBackwardOutput[] = ['dk', 'dv', 'dtd', 'dtf', 'daa', 'dbb', 'dpp'];
    outputs.forEach((out, i) => {
      if (sizeOf(out.shape) === 0) return;
      // With no steps nothing depends on the parameters or the initial state.
      const kernel = s.T === 0 ? null : ctx.cached(`wkv ${names[i]} ${JSON.stringify(s)}`, () => wkvBackwardKernel(ctx.gpu, s, names[i]));
      ctx.write(out, kernel ? ctx.run(kernel, args) : ctx.run(ctx.elementwise({ shape: [...out.shape], operands: [], names: [], expr: '0' }), []));
    });
    ctx.free(wu);
  };
}

/** The gpu kernels of the two recurrences (hybridScan, wkv), forward and backward, for the gpu kernel table. */
export const recurrenceKernels = (ctx: GpuContext): Record<string, Kernel> => ({
  hybridScan: hybridScan(ctx),
  hybridScanBackward: hybridScanBackward(ctx),
  wkv: wkv(ctx),
  wkvBackward: wkvBackward(ctx),
});
