// Building blocks for gpu.js kernel sources. Every GPU kernel here is generated as JavaScript source
// text for one output shape, with the shapes, strides and offsets written in as number literals (but a
// write into a view takes its offset as an argument: write-view.ts): gpu.js then compiles it to GLSL /
// WGSL / wasm once, and the backend caches it by its source. Literals also give every loop a constant
// bound, which gpu.js needs (it silently cuts other loops at loopMaxIterations).
//
// Index arithmetic runs in float32 (gpu.js declares every kernel variable f32, on GL and WebGPU alike),
// so integers are exact only up to 2^24: no device array may hold more elements (MAX_GPU_ELEMENTS).
// Integer division (`divmod`) is floor((x + 0.5) / d) followed by one correction step: the rounded
// quotient alone is off by one for some x above ≈2^22 (measured: x = 5,386,999, d = 1000 gives 5387),
// and x − q·d is exact, so checking the remainder fixes it.

import type { GPU, IGPUKernelSettings, IKernelRunShortcut } from 'gpu.js';
import { mergeAxes } from '../cpu/strided.ts';
import { contiguousStrides } from '../../src/tensor/shape.ts';

/** The settings of every kernel: float32, result left on the device, a new output per call. */
export const KERNEL_SETTINGS = { precision: 'single', pipeline: true, immutable: true, dynamicArguments: true } as const;

/** The most elements one device array may hold: float32 counts every integer exactly up to 2^24. */
export const MAX_GPU_ELEMENTS = 2 ** 24;

/** Throws the error for an array of n elements that float32 indices cannot address exactly. */
export function checkGpuSize(n: number, what = 'a device array'): void {
  if (n > MAX_GPU_ELEMENTS) {
    throw new Error(`gpu backend: ${what} of ${n.toLocaleString('en')} elements is over 2^24 = ${MAX_GPU_ELEMENTS.toLocaleString('en')}, ` +
      'the largest index gpu.js kernels compute exactly (they index in float32); split the work (e.g. fewer tokens per step, ' +
      'so that tokens × vocabulary ≤ 2^24) or use the cpu backend');
  }
}

/** Compiles `source` (a `function (...) { ... }` text) into a kernel with a flat output of n elements. */
export function flatKernel(gpu: GPU, source: string, n: number, loopMax = 1): IKernelRunShortcut {
  checkGpuSize(n, 'a kernel output');
  return gpu.createKernel(source, { ...KERNEL_SETTINGS, output: [n], loopMaxIterations: Math.max(loopMax, 1) } as IGPUKernelSettings);
}

/**
 * Statements declaring `q = floor(x / d)` and `r = x − q·d` for an integer-valued x ≥ 0 (a variable)
 * and a positive integer d, exact for x < 2^24 (see the header: rounded quotient, then one correction).
 */
export function divmod(x: string, d: number, q: string, r: string): string {
  return `let ${q} = Math.floor((${x} + 0.5) / ${d});
  let ${r} = ${x} - ${q} * ${d};
  if (${r} < 0) { ${q} = ${q} - 1; ${r} = ${r} + ${d}; }
  if (${r} >= ${d}) { ${q} = ${q} + 1; ${r} = ${r} - ${d}; }`;
}

/** A number as a source literal (gpu.js treats `2.0` and `2` alike; non-finite values need spelling out). */
export const lit = (v: number): string => (Number.isFinite(v) ? String(v) : v > 0 ? '3.4e38' : '-3.4e38');

/** One operand of a strided loop: where its elements are, broadcast to the loop's shape (stride 0). */
export interface StridedOperand { strides: readonly number[]; offset: number }

/**
 * Statements that turn the flat position `from` (a variable) of a row-major walk over `shape` into one
 * index variable per operand, named `${prefix}0`, `${prefix}1`, …. Axes contiguous in every operand are
 * merged first, so a contiguous elementwise op needs no division at all.
 */
export function stridedIndices(from: string, shape: readonly number[], operands: readonly StridedOperand[], prefix = 'ix'): string {
  const contiguous = contiguousStrides(shape);
  const merged = mergeAxes(shape, [contiguous, ...operands.map((o) => o.strides)]);
  const nd = merged.shape.length;
  const lines: string[] = [`let rest_${prefix} = ${from};`];
  const coords: string[] = [];
  for (let a = nd - 1; a >= 0; a--) {
    const c = `c_${prefix}${a}`;
    if (a === 0) {
      lines.push(`const ${c} = rest_${prefix};`);
    } else {
      const d = merged.shape[a];
      lines.push(divmod(`rest_${prefix}`, d, `q_${prefix}${a}`, c), `rest_${prefix} = q_${prefix}${a};`);
    }
    coords[a] = c;
  }
  operands.forEach((o, k) => {
    const terms = [lit(o.offset), ...coords.map((c, a) => (merged.strides[k + 1][a] === 0 ? '' : `${c} * ${merged.strides[k + 1][a]}`)).filter(Boolean)];
    lines.push(`const ${prefix}${k} = ${terms.join(' + ')};`);
  });
  return lines.join('\n  ');
}

/** Strides that read a view of shape `shape` as if broadcast to `target` (0 on broadcast axes). */
export function broadcastTo(shape: readonly number[], strides: readonly number[], target: readonly number[]): number[] {
  const lead = target.length - shape.length;
  return target.map((_, a) => (a < lead || shape[a - lead] === 1 ? 0 : strides[a - lead]));
}

/**
 * Math helpers every elementwise kernel may call, written so that float32 GPU math stays finite where
 * the naive formula overflows (GLSL's tanh(x) = (e^{2x}−1)/(e^{2x}+1) is ∞/∞ = NaN for x > 44).
 * erf uses Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7, below float32 resolution near 1).
 */
export const HELPER_SOURCES = [
  `function tanhSafe(x) { const e = Math.exp(-2 * Math.abs(x)); const t = (1 - e) / (1 + e); return x < 0 ? -t : t; }`,
  `function log1pSafe(z) { const u = 1 + z; if (u === 1) { return z; } return Math.log(u) * z / (u - 1); }`,
  `function erf(x) { const ax = Math.abs(x); const t = 1 / (1 + 0.3275911 * ax);
     const p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
     const r = 1 - p * Math.exp(-ax * ax); return x < 0 ? -r : r; }`,
];

/** Rewrites a shared math expression (kernels/elementwise-math.ts) for the GPU helpers above. */
export function gpuMath(expr: string): string {
  return expr.replaceAll('Math.tanh(', 'tanhSafe(').replaceAll('Math.log1p(', 'log1pSafe(');
}

export type { GPU, IKernelRunShortcut };
