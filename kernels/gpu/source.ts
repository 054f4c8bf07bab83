// Building blocks for gpu.js kernel sources. Every GPU kernel here is generated as JavaScript source
// text for one output shape, with the shapes, strides and offsets written in as number literals: gpu.js
// then compiles it to GLSL / WGSL / wasm once, and the backend caches it by its source. Literals also
// give every loop a constant bound, which gpu.js needs (it silently cuts other loops at
// loopMaxIterations).
//
// Index arithmetic runs in float32 on GL. Integer division is done as floor((r + 0.5) / d): the exact
// quotient is at least 0.5/d away from the next integer, so float rounding cannot tip it over (a plain
// floor(r / d) can give 2.9999998 → 2 on a GPU). Indices stay exact below 2^24 elements per tensor.

import type { GPU, IGPUKernelSettings, IKernelRunShortcut } from 'gpu.js';
import { mergeAxes } from '../cpu/strided.ts';
import { contiguousStrides } from '../../src/tensor/shape.ts';

/** The settings of every kernel: float32, result left on the device, a new output per call. */
export const KERNEL_SETTINGS = { precision: 'single', pipeline: true, immutable: true, dynamicArguments: true } as const;

/** Compiles `source` (a `function (...) { ... }` text) into a kernel with a flat output of n elements. */
export function flatKernel(gpu: GPU, source: string, n: number, loopMax = 1): IKernelRunShortcut {
  return gpu.createKernel(source, { ...KERNEL_SETTINGS, output: [n], loopMaxIterations: Math.max(loopMax, 1) } as IGPUKernelSettings);
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
      lines.push(`const q_${prefix}${a} = Math.floor((rest_${prefix} + 0.5) / ${d});`, `const ${c} = rest_${prefix} - q_${prefix}${a} * ${d};`, `rest_${prefix} = q_${prefix}${a};`);
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
