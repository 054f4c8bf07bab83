// A register-blocked batched matmul for gpu.js's WebGPU path: each thread computes FOUR neighbouring
// outputs of one row, out[b, m, n..n+3], instead of one (kernels/gpu/naive-matmul.ts, the readable
// reference). Why it is faster (measured on an H200, BENCHMARKS.md "GPU"):
//   - per step of k the naive kernel loads a[m,k] and b[k,n] for ONE multiply-add (2 loads/FMA); here
//     a[m,k] is loaded once and reused for four columns (1.25 loads/FMA), and a quarter as many threads
//     each have four independent accumulators to keep the FMA pipes busy;
//   - the threads form a 2-D grid (x: groups of four columns, y: rows), which gpu.js runs in 8×8
//     workgroups: one workgroup reads 8 rows of A and 32 columns of B for 256 outputs, where a 1-D
//     grid's 64 threads read one row of A and 256 columns of B (6× the cache traffic per output). This
//     alone took the head's and the square products from ≈3.3 to ≈5.2 TFLOP/s on the H200;
//   - the K loop is unrolled by 4 with a constant bound (gpu.js cuts dynamic-bound loops silently), so
//     the WGSL compiler sees 16 independent multiply-adds per iteration.
// gpu.js has no workgroup shared memory, so this is the blocking available from plain kernel code.
//
// The four outputs come back through gpu.js's `returnType: 'Array(4)'`, which WebGPU writes as
// result[4·(y·X + x) + c]: exactly the row-major layout of out when the four are consecutive columns.
// `flatTiledResult` relabels that buffer as a flat scalar array of 4·X·Y floats (no copy, no extra
// kernel). On gpu.js's GL paths an Array(4) result is an RGBA texture that cannot be relabelled, so
// the backend uses this kernel on WebGPU only (and N divisible by 4), the naive one elsewhere.
//   out[b, m, n + c] = Σ_k a[b, m, k] · b[b, k, n + c],  c = 0..3

import type { MatmulSpec } from './naive-matmul.ts';
import { checkGpuSize, divmod, KERNEL_SETTINGS, stridedIndices, type GPU, type IKernelRunShortcut } from './source.ts';

/** How many outputs one thread computes (consecutive columns of one row). */
export const TILE_N = 4;

/** Whether the tiled kernel covers this product: whole groups of four columns. */
export function tiledMatmulFits(spec: MatmulSpec): boolean {
  return spec.N % TILE_N === 0 && spec.N > 0 && spec.M > 0;
}

/** Kernel source of the four-column tiled matmul (WebGPU only; N divisible by 4). */
export function tiledMatmulSource({ batchShape, M, N, K, a, b }: MatmulSpec): string {
  const k4 = Math.floor(K / 4);
  // a[m, k+j] and b[k+j, n+c] for one unrolled step: j = 0..3 rows of k, c = 0..3 columns of n.
  const step = (k: string, js: readonly number[]): string => js.map((j) => {
    const kj = j === 0 ? k : `(${k} + ${j})`;
    const av = `const a${j} = a[ar + ${kj} * ${a.col}];`;
    const bv = `const br${j} = bc + ${kj} * ${b.row};`;
    const fma = [0, 1, 2, 3].map((c) => `s${c} += a${j} * b[br${j}${c === 0 ? '' : ` + ${c * b.col}`}];`).join(' ');
    return `${av} ${bv} ${fma}`;
  }).join('\n    ');
  return `function (a, b) {
  const n = this.thread.x * ${TILE_N};
  const t = this.thread.y;
  ${divmod('t', M, 'bi', 'm')}
  ${stridedIndices('bi', batchShape, [{ strides: a.batchStrides, offset: a.offset }, { strides: b.batchStrides, offset: b.offset }])}
  const ar = ix0 + m * ${a.row};
  const bc = ix1 + n * ${b.col};
  let s0 = 0; let s1 = 0; let s2 = 0; let s3 = 0;
  for (let q = 0; q < ${k4}; q++) {
    const k = q * 4;
    ${step('k', [0, 1, 2, 3])}
  }
  for (let k = ${k4 * 4}; k < ${K}; k++) {
    ${step('k', [0])}
  }
  return [s0, s1, s2, s3];
}`;
}

/** The kernel for one spec: a grid of N/4 × (batches·M) threads, four floats each. */
export function tiledMatmulKernel(gpu: GPU, spec: MatmulSpec): IKernelRunShortcut {
  if (!tiledMatmulFits(spec)) {
    throw new Error(`tiledMatmulKernel: N=${spec.N} is not a positive multiple of ${TILE_N} (M=${spec.M}); use naiveMatmulKernel for this product`);
  }
  const rows = spec.batchShape.reduce((p, q) => p * q, 1) * spec.M;
  checkGpuSize(rows * spec.N, 'a matmul output');
  return gpu.createKernel(tiledMatmulSource(spec), {
    ...KERNEL_SETTINGS, output: [spec.N / TILE_N, rows], returnType: 'Array(4)', loopMaxIterations: Math.max(1, Math.ceil(spec.K / 4)),
  } as never);
}

/**
 * The flat float32 result (batches·M·N values, row-major) of a tiled kernel call. WebGPU: the same
 * buffer, relabelled from X·Y vec4 cells to 4·X·Y scalars (its bytes are already in that order).
 * CPU/WebAssembly kernels return rows of 4-arrays: copied into one Float32Array.
 */
export function flatTiledResult(result: unknown): unknown {
  const handle = result as { type?: string; output?: number[]; componentCount?: number };
  if (handle.type === 'WebGPUBuffer') {
    if (handle.componentCount !== TILE_N || handle.output?.length !== 2) {
      throw new Error(`flatTiledResult: expected a 2-D Array(${TILE_N}) WebGPU result, got componentCount ${handle.componentCount}, output [${handle.output}]`);
    }
    handle.output = [handle.output[0] * handle.output[1] * TILE_N];
    handle.componentCount = 1;
    return handle;
  }
  if (Array.isArray(result)) {
    const cells = (result as ArrayLike<number>[][]).flatMap((row) => Array.from(row));
    const flat = new Float32Array(cells.length * TILE_N);
    cells.forEach((cell, i) => flat.set(Array.from(cell).slice(0, TILE_N), i * TILE_N));
    return flat;
  }
  throw new Error(`flatTiledResult: a ${(result as object)?.constructor?.name ?? typeof result} (e.g. a GL texture) cannot be read as a flat array; the tiled matmul runs on gpu.js's WebGPU and CPU paths only`);
}
