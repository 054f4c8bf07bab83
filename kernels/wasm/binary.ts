// add, sub, mul in WebAssembly SIMD, float32, for the layouts a training step produces: operands of
// the output's shape (residual adds, gates), a row broadcast along the leading axes (a Linear bias
// (C) on (B·T, C), RWKV's time-mix vectors (1, 1, C) on (B, T, C)) and scalars (attention's 1/√D).
// The TypeScript kernel walks any strides with three index updates per element, ≈10 ns an element
// under load in `i3 train --profile`; here dense chunks are copied into wasm memory (chunked.ts'
// regions) and combined four lanes at a time. A broadcast operand is written into its region once,
// tiled: the chunk length S is a multiple of its row length L, so every chunk starts at a row boundary.
// Anything else (other strides, two different row lengths, L > CHUNK, float64) goes to the TS kernel.

import type { Kernel, View } from '../../src/backend/backend.ts';
import { sharedArena } from './arena.ts';
import { CHUNK, region } from './chunked.ts';
import { ModuleBuilder } from './module.ts';
import { denseF32, eachVector, f32 } from './rows.ts';

const OPS = { add: 'f32x4Add', sub: 'f32x4Sub', mul: 'f32x4Mul' } as const;
type BinaryOp = keyof typeof OPS;

type BinaryExports = Record<BinaryOp, (n: number) => void>;

/** region 2 = region 0 ∘ region 1, elements [0, n) (rounded up to whole vectors). */
function binaryModule(): ModuleBuilder {
  const builder = new ModuleBuilder();
  for (const [name, op] of Object.entries(OPS)) {
    builder.func(name, ['i32'], [], (f) => eachVector(f, f.param(0), (o) => {
      f.get(o).get(o).v128Load(region(0)).get(o).v128Load(region(1))[op]().v128Store(region(2));
    }));
  }
  return builder;
}

let exports: (() => BinaryExports) | undefined;

/** How an input is read: a dense block like the output, or one row of L floats tiled along the leading axes. */
type Layout = { dense: true } | { dense: false; L: number; start: number };

/** The input's layout against the output's shape, or null if neither applies. */
function layoutOf(v: View, shape: readonly number[]): Layout | null {
  if (v.dtype !== 'float32') return null;
  const size = v.shape.reduce((p, q) => p * q, 1);
  if (size === shape.reduce((p, q) => p * q, 1)) return denseF32([v]) && v.shape.length <= shape.length ? { dense: true } : null;
  if (size === 1) return { dense: false, L: 1, start: v.offset };
  // A row: after dropping leading 1s, v's dims equal the output's trailing dims and v is dense.
  const dims = v.shape.slice(v.shape.findIndex((d) => d !== 1));
  const tail = shape.slice(shape.length - dims.length);
  if (!denseF32([v]) || dims.some((d, i) => d !== tail[i])) return null;
  return { dense: false, L: size, start: v.offset };
}

function binary(name: BinaryOp, ts: Kernel): Kernel {
  return (inputs, outputs, attrs) => {
    const [out] = outputs;
    const layouts = inputs.map((v) => layoutOf(v, out.shape));
    const rows = layouts.filter((l): l is Extract<Layout, { dense: false }> => l !== null && !l.dense);
    const L = rows.length > 0 ? rows[0].L : 1;
    if (!denseF32([out]) || !layouts.every((l): l is Layout => l !== null) || rows.some((l) => l.L !== L) || L > CHUNK) return ts(inputs, outputs, attrs);
    const S = CHUNK - (CHUNK % L); // a whole number of rows per chunk
    sharedArena.ensure(region(3));
    const run = (exports ??= sharedArena.register<BinaryExports>(binaryModule().bytes()).exports)();
    const mem = sharedArena.f32;
    const n = out.shape.reduce((p, q) => p * q, 1), dst = f32(out);
    // Tile only as far as the output reaches: a scalar times a 64-float row must not write 4,096 floats.
    const tiled = Math.min(S, n);
    layouts.forEach((l, k) => {
      if (l.dense) return;
      const src = f32(inputs[k]), at = region(k) / 4;
      if (L === 1) mem.fill(src[l.start], at, at + tiled);
      else for (let r = 0; r < tiled; r += L) mem.set(src.subarray(l.start, l.start + L), at + r);
    });
    for (let i = 0; i < n; i += S) {
      const count = Math.min(S, n - i);
      layouts.forEach((l, k) => {
        if (!l.dense) return;
        const v = inputs[k], src = f32(v);
        mem.set(src.subarray(v.offset + i, v.offset + i + count), region(k) / 4);
      });
      run[name](count);
      dst.set(mem.subarray(region(2) / 4, region(2) / 4 + count), out.offset + i);
    }
  };
}

/** The float32 SIMD kernels 'add', 'sub' and 'mul', falling back to `ts` for other layouts and float64. */
export const wasmBinaryKernels = (ts: Record<string, Kernel>): Record<string, Kernel> =>
  Object.fromEntries((Object.keys(OPS) as BinaryOp[]).map((name) => [name, binary(name, ts[name])]));
