// The gpu backend's kernel table: each engine kernel (same names and inputs/outputs as the CPU ones in
// kernels/cpu/) reads its views' shapes, strides and offsets into a spec, takes the gpu.js kernel for
// that spec from the cache (compiled on first use: kernels/gpu/*), runs it on the inputs' device arrays
// and writes the result into the output view. Temporaries (row statistics, CSR indices) are freed here.

import type { GPU, IKernelRunShortcut } from 'gpu.js';
import { adamwKernel, type AdamWOutput, type AdamWSpec } from '../../kernels/gpu/adamw.ts';
import { crossEntropyGradKernel, crossEntropyLossKernel, crossEntropyScaleKernel, type CrossEntropySpec } from '../../kernels/gpu/cross-entropy.ts';
import type { ElementwiseSpec } from '../../kernels/gpu/elementwise.ts';
import { idRows, indexAddKernel, indexSelectKernel, type IndexSpec } from '../../kernels/gpu/index-select.ts';
import { layerNormKernel, layerNormSources, type LayerNormSpec } from '../../kernels/gpu/layer-norm.ts';
import { flatTiledResult, tiledMatmulFits, tiledMatmulKernel } from '../../kernels/gpu/matmul-tiled.ts';
import { naiveMatmulKernel, type MatmulSpec } from '../../kernels/gpu/naive-matmul.ts';
import { reduceKernel, type ReduceSpec } from '../../kernels/gpu/reduce.ts';
import { rowLogSumExpKernel, softmaxKernel, type RowsSpec } from '../../kernels/gpu/softmax.ts';
import { broadcastTo } from '../../kernels/gpu/source.ts';
import { BINARY_MATH, UNARY_MATH } from '../../kernels/elementwise-math.ts';
import { contiguousStrides, sizeOf } from '../tensor/shape.ts';
import type { Kernel, View } from './backend.ts';
import { recurrenceKernels } from './gpu-recurrences.ts';

/** What kernels need from the backend (src/backend/gpu.ts implements it). */
export interface GpuContext {
  readonly gpu: GPU;
  cached(key: string, make: () => IKernelRunShortcut): IKernelRunShortcut;
  /** `pool`: on WebGPU, the output's buffer comes from (and returns to) a pool of that object, not the kernel's. */
  run(kernel: IKernelRunShortcut, args: readonly unknown[], pool?: object): unknown;
  free(array: unknown): void;
  /** Replaces a fresh result by f(result) (same device memory, another view of it), keeping the ledger right. */
  map(array: unknown, f: (result: unknown) => unknown): unknown;
  arg(view: View): unknown;
  write(view: View, array: unknown): void;
  hostInts(view: View, op: string): Int32Array;
  elementwise(spec: ElementwiseSpec): IKernelRunShortcut;
  /** A new device array holding `values` (freed with free). */
  upload(values: Float32Array): unknown;
}

const size = (v: View) => sizeOf(v.shape);

function elementwise(ctx: GpuContext, names: readonly string[], expr: string | ((out: View) => string)): Kernel {
  return (inputs, [out]) => {
    if (size(out) === 0) return;
    const spec: ElementwiseSpec = {
      shape: [...out.shape],
      operands: inputs.map((v) => ({ strides: broadcastTo(v.shape, v.strides, out.shape), offset: v.offset })),
      names,
      expr: typeof expr === 'string' ? expr : expr(out),
    };
    ctx.write(out, ctx.run(ctx.elementwise(spec), inputs.map((v) => ctx.arg(v))));
  };
}

function reduction(ctx: GpuContext, kind: 'sum' | 'max'): Kernel {
  return ([x], [out]) => {
    if (size(out) === 0) return;
    const spec: ReduceSpec = { kind, shape: [...x.shape], strides: [...x.strides], offset: x.offset, outShape: [...out.shape] };
    ctx.write(out, ctx.run(ctx.cached(`reduce ${JSON.stringify(spec)}`, () => reduceKernel(ctx.gpu, spec)), [ctx.arg(x)]));
  };
}

/**
 * The shortest K for which the tiled matmul copies a transposed B (stored (…, N, K)) to (…, K, N)
 * first. On an NVIDIA H200 (BENCHMARKS.md, "GPU matmul kernels"; bench/results-gpu.json): with
 * K = 512 and 2,048 the copy takes A·Bᵀ from 1,753–1,758 GFLOP/s (tiled straight on the strided B) to
 * 3,533–4,212; for attention's Q·Kᵀ with K = 32 it loses (376 after the copy, 417 without, 412 naive).
 */
export const B_COPY_MIN_K = 64;

function matmul(ctx: GpuContext): Kernel {
  return ([a, b], [out]) => {
    if (size(out) === 0) return;
    const r = out.shape.length;
    const batchShape = out.shape.slice(0, -2);
    const operand = (v: View) => ({
      batchStrides: broadcastTo(v.shape.slice(0, -2), v.strides.slice(0, -2), batchShape),
      row: v.strides[v.strides.length - 2], col: v.strides[v.strides.length - 1], offset: v.offset,
    });
    const spec: MatmulSpec = { batchShape, M: out.shape[r - 2], N: out.shape[r - 1], K: a.shape[a.shape.length - 1], a: operand(a), b: operand(b) };
    if (useTiledMatmul(ctx.gpu, spec)) {
      // B with k contiguous and n strided (x·Wᵀ of every Linear, Q·Kᵀ): neighbouring threads would read
      // B rows K floats apart (no coalescing). One copy to (…, K, N) first costs a pass over B and brings
      // the product to the A·B speed, when K is long enough to repay it (B_COPY_MIN_K).
      const bT = spec.b.row === 1 && spec.b.col !== 1 && spec.K >= B_COPY_MIN_K ? contiguousCopy(ctx, b) : null;
      const bSpec = bT ? { ...spec, b: { batchStrides: broadcastTo(b.shape.slice(0, -2), contiguousStrides(b.shape).slice(0, -2), batchShape), row: spec.N, col: 1, offset: 0 } } : spec;
      const result = ctx.run(ctx.cached(`matmul tiled ${JSON.stringify(bSpec)}`, () => tiledMatmulKernel(ctx.gpu, bSpec)), [ctx.arg(a), bT ?? ctx.arg(b)]);
      if (bT) ctx.free(bT);
      ctx.write(out, ctx.map(result, flatTiledResult));
      return;
    }
    ctx.write(out, ctx.run(ctx.cached(`matmul ${JSON.stringify(spec)}`, () => naiveMatmulKernel(ctx.gpu, spec)), [ctx.arg(a), ctx.arg(b)]));
  };
}

/** A fresh device array with the view's elements in row-major order. */
function contiguousCopy(ctx: GpuContext, v: View): unknown {
  const spec: ElementwiseSpec = { shape: [...v.shape], operands: [{ strides: [...v.strides], offset: v.offset }], names: ['x'], expr: 'x' };
  return ctx.run(ctx.elementwise(spec), [ctx.arg(v)]);
}

/**
 * The tiled matmul (kernels/gpu/matmul-tiled.ts: on an H200 1.1-2.1x the naive GFLOP/s for A·B and
 * Aᵀ·B, 7-9x for A·Bᵀ with B copied; BENCHMARKS.md) needs WebGPU's flat Array(4) results and N
 * divisible by 4. I3_GPU_MATMUL=naive keeps the naive kernel (benchmarks).
 */
function useTiledMatmul(gpu: GPU, spec: MatmulSpec): boolean {
  return (gpu as unknown as { mode?: string }).mode === 'webgpu' && process.env.I3_GPU_MATMUL !== 'naive' && tiledMatmulFits(spec);
}

function rowLse(ctx: GpuContext, x: View, n: number): { array: unknown; spec: RowsSpec } {
  const spec: RowsSpec = { rows: n === 0 ? 0 : size(x) / n, n, offset: x.offset };
  return { array: ctx.run(ctx.cached(`lse ${JSON.stringify(spec)}`, () => rowLogSumExpKernel(ctx.gpu, spec)), [ctx.arg(x)]), spec };
}

function softmax(ctx: GpuContext, log: boolean): Kernel {
  return ([x], [out]) => {
    if (size(out) === 0) return;
    const { array: lse, spec } = rowLse(ctx, x, x.shape[x.shape.length - 1]);
    ctx.write(out, ctx.run(ctx.cached(`softmax ${log} ${JSON.stringify(spec)}`, () => softmaxKernel(ctx.gpu, spec, log)), [ctx.arg(x), lse]));
    ctx.free(lse);
  };
}

function checkTargets(ctx: GpuContext, targets: View, V: number, ignoreIndex: number): void {
  const ts = ctx.hostInts(targets, 'crossEntropy');
  ts.forEach((t, r) => {
    if (t !== ignoreIndex && (t < 0 || t >= V)) {
      throw new Error(`crossEntropy: target ${t} at row ${r} is outside the vocabulary [0, ${V}) (ignoreIndex is ${ignoreIndex})`);
    }
  });
}

function ceSpec(logits: View, targets: View, ignoreIndex: number): CrossEntropySpec {
  return { N: logits.shape[0], V: logits.shape[1], xOffset: logits.offset, tOffset: targets.offset, ignoreIndex };
}

function crossEntropy(ctx: GpuContext): Kernel {
  return ([logits, targets], [loss, lseOut], attrs) => {
    const spec = ceSpec(logits, targets, attrs.ignoreIndex as number);
    checkTargets(ctx, targets, spec.V, spec.ignoreIndex);
    const { array: lse } = rowLse(ctx, logits, spec.V);
    const kernel = ctx.cached(`ce ${JSON.stringify(spec)}`, () => crossEntropyLossKernel(ctx.gpu, spec));
    ctx.write(loss, ctx.run(kernel, [ctx.arg(logits), ctx.arg(targets), lse]));
    ctx.write(lseOut, lse);
  };
}

function crossEntropyBackward(ctx: GpuContext): Kernel {
  return ([g, logits, targets, lse], [dlogits], attrs) => {
    const spec = ceSpec(logits, targets, attrs.ignoreIndex as number);
    if (lse.offset !== 0) throw new Error(`crossEntropyBackward (gpu): lse must be a fresh (N) tensor, got offset ${lse.offset}`);
    const scaleKernel = ctx.cached(`ce scale ${g.offset} ${JSON.stringify(spec)}`, () => crossEntropyScaleKernel(ctx.gpu, spec, g.offset));
    const scale = ctx.run(scaleKernel, [ctx.arg(g), ctx.arg(targets)]);
    const grad = ctx.cached(`ce grad ${JSON.stringify(spec)}`, () => crossEntropyGradKernel(ctx.gpu, spec));
    ctx.write(dlogits, ctx.run(grad, [ctx.arg(logits), ctx.arg(targets), ctx.arg(lse), scale]));
    ctx.free(scale);
  };
}

function lnRun(ctx: GpuContext, spec: LayerNormSpec, name: string, source: string, n: number, loop: number, args: unknown[]): unknown {
  return ctx.run(ctx.cached(`ln ${name} ${n} ${source}`, () => layerNormKernel(ctx.gpu, source, n, loop)), args);
}

function layerNorm(ctx: GpuContext): Kernel {
  return ([x, w, b], [y, meanOut, rstdOut], attrs) => {
    const C = x.shape[x.shape.length - 1], rows = size(meanOut);
    if (rows * C === 0) return;
    const spec: LayerNormSpec = { rows, C, eps: attrs.eps as number, xOffset: x.offset, wOffset: w?.offset ?? 0, bOffset: b?.offset ?? 0, gOffset: 0 };
    const affine = w !== undefined && b !== undefined;
    const xa = ctx.arg(x);
    const mean = lnRun(ctx, spec, 'mean', layerNormSources.mean(spec), rows, C, [xa]);
    const rstd = lnRun(ctx, spec, 'rstd', layerNormSources.rstd(spec), rows, C, [xa, mean]);
    const out = lnRun(ctx, spec, 'y', layerNormSources.y(spec, affine), rows * C, 1, affine ? [xa, mean, rstd, ctx.arg(w), ctx.arg(b)] : [xa, mean, rstd]);
    ctx.write(y, out);
    ctx.write(meanOut, mean);
    ctx.write(rstdOut, rstd);
  };
}

function layerNormBackward(ctx: GpuContext): Kernel {
  return ([dy, x, meanIn, rstdIn, w], [dx, dw, db], attrs) => {
    const C = x.shape[x.shape.length - 1], rows = size(meanIn);
    if (rows * C === 0) return;
    if (meanIn.offset !== 0 || rstdIn.offset !== 0) throw new Error('layerNormBackward (gpu): mean and rstd must be the forward\'s fresh (rows) tensors');
    const spec: LayerNormSpec = { rows, C, eps: attrs.eps as number, xOffset: x.offset, wOffset: w?.offset ?? 0, bOffset: 0, gOffset: dy.offset };
    const affine = w !== undefined;
    const base = [ctx.arg(dy), ctx.arg(x), ctx.arg(meanIn), ctx.arg(rstdIn)];
    const withW = affine ? [...base, ctx.arg(w)] : base;
    const m1 = lnRun(ctx, spec, 'm1', layerNormSources.rowMean(spec, affine, false), rows, C, withW);
    const m2 = lnRun(ctx, spec, 'm2', layerNormSources.rowMean(spec, affine, true), rows, C, withW);
    ctx.write(dx, lnRun(ctx, spec, 'dx', layerNormSources.dx(spec, affine), rows * C, 1, [...base, m1, m2, ...(affine ? [ctx.arg(w)] : [])]));
    ctx.free(m1);
    ctx.free(m2);
    if (dw && db) {
      ctx.write(dw, lnRun(ctx, spec, 'dw', layerNormSources.columnSum(spec, true), C, rows, base));
      ctx.write(db, lnRun(ctx, spec, 'db', layerNormSources.columnSum(spec, false), C, rows, base));
    }
  };
}

function indexSpec(x: View, ids: View, attrs: Record<string, unknown>): IndexSpec {
  const { outer, n, inner } = attrs as { outer: number; n: number; inner: number };
  return { outer, n, inner, m: size(ids), xOffset: x.offset, idOffset: ids.offset };
}

function checkIds(ids: Int32Array, n: number): void {
  const bad = ids.findIndex((id) => id < 0 || id >= n);
  if (bad >= 0) throw new Error(`indexSelect: index ${ids[bad]} at position ${bad} is out of range for an axis of size ${n}`);
}

function indexSelect(ctx: GpuContext): Kernel {
  return ([x, ids], [out], attrs) => {
    const spec = indexSpec(x, ids, attrs);
    checkIds(ctx.hostInts(ids, 'indexSelect'), spec.n);
    if (size(out) === 0) return;
    ctx.write(out, ctx.run(ctx.cached(`gather ${JSON.stringify(spec)}`, () => indexSelectKernel(ctx.gpu, spec)), [ctx.arg(x), ctx.arg(ids)]));
  };
}

function indexAdd(ctx: GpuContext): Kernel {
  return ([g, ids], [dx], attrs) => {
    const spec = indexSpec(g, ids, attrs);
    const host = ctx.hostInts(ids, 'indexSelect backward');
    checkIds(host, spec.n);
    if (size(dx) === 0) return;
    const { starts, order, longest } = idRows(host, spec.n);
    const bound = 2 ** Math.ceil(Math.log2(Math.max(1, longest)));
    const kernel = ctx.cached(`scatter ${g.offset} ${bound} ${JSON.stringify(spec)}`, () => indexAddKernel(ctx.gpu, spec, g.offset, bound));
    ctx.write(dx, ctx.run(kernel, [ctx.arg(g), starts, order]));
  };
}

/**
 * AdamW's fused update (kernels/gpu/adamw.ts): three kernels on the old values, then three writes. The
 * step's scalars are uploaded once and shared by every parameter with the same values (one upload per
 * step, not per parameter, and the kernels' bind groups repeat); the previous step's array is freed
 * when the values change, so one 3-float array stays alive between steps. Each result's buffer comes
 * from a pool of the storage it replaces (src/backend/gpu-webgpu.ts), so θ, m and v each alternate
 * between two buffers and the bind groups repeat every other step.
 */
function adamw(ctx: GpuContext): Kernel {
  let scalars: { key: string; array: unknown } | null = null;
  return ([g], [p, m, v], attrs) => {
    if (size(p) === 0) return;
    const { beta1, beta2, eps, decay, stepSize, sqrtC2 } = attrs as Record<string, number>;
    const spec: AdamWSpec = { n: size(p), beta1, beta2, eps, offsets: { g: g.offset, p: p.offset, m: m.offset, v: v.offset } };
    const values = new Float32Array([decay, stepSize, sqrtC2]);
    const key = values.join(); // the values as uploaded (float32)
    if (scalars?.key !== key) {
      if (scalars) ctx.free(scalars.array);
      scalars = { key, array: ctx.upload(values) };
    }
    const args = [ctx.arg(g), ctx.arg(p), ctx.arg(m), ctx.arg(v), scalars.array];
    const specKey = JSON.stringify(spec);
    const run = (out: AdamWOutput, into: View) => ctx.run(ctx.cached(`adamw ${out} ${specKey}`, () => adamwKernel(ctx.gpu, spec, out)), args, into.storage);
    const [pNew, mNew, vNew] = [run('p', p), run('m', m), run('v', v)];
    ctx.write(p, pNew);
    ctx.write(m, mNew);
    ctx.write(v, vNew);
  };
}

/** The gpu backend's kernel table: every engine kernel name → its gpu.js implementation (elementwise,
 *  reductions, matmul, fused and gather kernels compiled from kernels/gpu/ sources per shape). */
export function gpuKernels(ctx: GpuContext): Record<string, Kernel> {
  const kernels: Record<string, Kernel> = {};
  for (const [name, math] of Object.entries(UNARY_MATH)) {
    kernels[name] = elementwise(ctx, ['x'], math.forward);
    kernels[`${name}Grad`] = elementwise(ctx, ['g', 'x', 'y'], `g * (${math.derivative})`);
  }
  for (const [name, expr] of Object.entries(BINARY_MATH)) kernels[name] = elementwise(ctx, ['a', 'b'], expr);
  kernels.where = elementwise(ctx, ['c', 'a', 'b'], 'c !== 0 ? a : b');
  // copy also casts: to int32 it truncates toward zero, as a typed-array store does on the CPU.
  kernels.copy = elementwise(ctx, ['x'], (out) => (out.dtype === 'int32' ? '(x < 0 ? Math.ceil(x) : Math.floor(x))' : 'x'));
  kernels.sum = reduction(ctx, 'sum');
  kernels.max = reduction(ctx, 'max');
  kernels.matmul = matmul(ctx);
  kernels.softmax = softmax(ctx, false);
  kernels.logSoftmax = softmax(ctx, true);
  kernels.crossEntropy = crossEntropy(ctx);
  kernels.crossEntropyBackward = crossEntropyBackward(ctx);
  kernels.layerNorm = layerNorm(ctx);
  kernels.layerNormBackward = layerNormBackward(ctx);
  kernels.indexSelect = indexSelect(ctx);
  kernels.indexAdd = indexAdd(ctx);
  kernels.adamw = adamw(ctx);
  return { ...kernels, ...recurrenceKernels(ctx) };
}
