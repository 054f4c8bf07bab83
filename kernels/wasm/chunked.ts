// Running an elementwise SIMD function over dense typed-array operands, a chunk at a time: each
// operand gets a fixed region of wasm memory (so the function addresses it with a constant memarg
// offset), the inputs are copied in with TypedArray.set, the function runs, the outputs are copied
// back. Chunks are small enough that all regions stay in L1/L2.

import type { Kernel, View } from '../../src/backend/backend.ts';
import { isContiguousLayout, sameShape } from '../../src/tensor/shape.ts';
import { sharedArena } from './arena.ts';

/** Floats per operand per chunk (16 KiB). */
export const CHUNK = 4096;
/** Byte offset of operand i's region. */
export const region = (i: number): number => i * 4 * CHUNK;

/** Whether every view is dense (row-major, offset anywhere) with the same shape as the first, and float32. */
export function denseFloat32(views: readonly View[]): boolean {
  return views.every((v) => v.dtype === 'float32' && sameShape(v.shape, views[0].shape) && isContiguousLayout(v.shape, v.strides));
}

/** Operand k of `operands` lives in region k; those listed in `outputs` are copied back after each
 *  chunk (an operand may be both copied in and out: an in-place update). `run(count)` processes
 *  elements [0, count) of every region. */
export function runChunked(operands: readonly View[], copyIn: readonly boolean[], copyOut: readonly boolean[], run: (count: number) => void): void {
  const n = operands[0].shape.reduce((p, q) => p * q, 1);
  const arrays = operands.map((v) => v.storage.data as Float32Array);
  sharedArena.ensure(region(operands.length));
  for (let i = 0; i < n; i += CHUNK) {
    const count = Math.min(CHUNK, n - i);
    const mem = sharedArena.f32;
    operands.forEach((v, k) => {
      if (copyIn[k]) mem.set(arrays[k].subarray(v.offset + i, v.offset + i + count), region(k) / 4);
    });
    run(count);
    operands.forEach((v, k) => {
      if (copyOut[k]) arrays[k].set(mem.subarray(region(k) / 4, region(k) / 4 + count), v.offset + i);
    });
  }
}

/**
 * The table entries of an elementwise activation whose SIMD module exports `name` (region 1 = f(region 0))
 * and `${name}Grad` (region 2 = region 0 · f'(region 1), inputs g, x; the forward output y, a third input,
 * is unused): each runs chunked over dense float32 operands and falls back to `ts` for anything else.
 */
export function activationKernels<N extends string>(name: N, ts: Record<string, Kernel>, exports: () => Record<N | `${N}Grad`, (n: number) => void>): Record<string, Kernel> {
  const grad = `${name}Grad` as const;
  return {
    [name]: (inputs, outputs, attrs) => {
      if (!denseFloat32([outputs[0], inputs[0]])) return ts[name](inputs, outputs, attrs);
      runChunked([inputs[0], outputs[0]], [true, false], [false, true], (n) => exports()[name](n));
    },
    [grad]: (inputs, outputs, attrs) => {
      if (!denseFloat32([outputs[0], inputs[0], inputs[1]])) return ts[grad](inputs, outputs, attrs);
      runChunked([inputs[0], inputs[1], outputs[0]], [true, true, false], [false, false, true], (n) => exports()[grad](n));
    },
  };
}
