// The one loop every elementwise and reduction kernel on the CPU is built from: walk N operands
// (typed arrays with their own strides, 0 for a broadcast axis) over a common shape. The loop body is a
// JavaScript string compiled once with `new Function`, so the hot loop has no per-element closure call
// and V8 can specialise it. Adjacent axes that are contiguous in every operand are merged first,
// so a plain contiguous op runs as one flat loop.

import type { TypedArray } from '../../src/tensor/dtype.ts';

/**
 * One operand of a strided loop: its array, the offset of its first element, and its strides over the
 * loop's shape.
 */
export interface Operand {
  data: TypedArray;
  offset: number;
  strides: readonly number[];
}

/** A compiled loop: runs its body at every index of `shape`, reading and writing the operands. */
export type StridedLoop = (shape: readonly number[], operands: readonly Operand[]) => void;

/**
 * Compiles `body` into a loop over `arity` operands. In the body, `d0…dN` are the operands' arrays and
 * `i0…iN` their current indices; `helpers` become free variables (e.g. `erf`).
 */
export function compileStridedLoop(arity: number, body: string, helpers: Record<string, unknown> = {}): StridedLoop {
  const ks = [...Array(arity).keys()];
  const each = (f: (k: number) => string, sep = ' ') => ks.map(f).join(sep);
  const source = `
    return function stridedLoop(shape, d, i, s) {
      ${each((k) => `const d${k} = d[${k}];`)}
      ${each((k) => `let i${k} = i[${k}];`)}
      const nd = shape.length;
      if (nd === 0) { ${body}; return; }
      const n = shape[nd - 1];
      ${each((k) => `const t${k} = s[${k}][nd - 1];`)}
      let outer = 1;
      for (let a = 0; a < nd - 1; a++) outer *= shape[a];
      const idx = new Int32Array(nd);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < n; j++) { ${body}; ${each((k) => `i${k} += t${k};`)} }
        ${each((k) => `i${k} -= t${k} * n;`)}
        for (let a = nd - 2; a >= 0; a--) {
          ${each((k) => `i${k} += s[${k}][a];`)}
          if (++idx[a] < shape[a]) break;
          idx[a] = 0;
          ${each((k) => `i${k} -= s[${k}][a] * shape[a];`)}
        }
      }
    };`;
  const make = new Function(...Object.keys(helpers), source);
  const loop = make(...Object.values(helpers)) as (shape: number[], d: TypedArray[], i: number[], s: number[][]) => void;
  return (shape, operands) => {
    if (operands.length !== arity) throw new Error(`strided loop: expected ${arity} operands, got ${operands.length}`);
    const merged = mergeAxes(shape, operands.map((o) => o.strides));
    if (merged.shape.some((d) => d === 0)) return;
    loop(merged.shape, operands.map((o) => o.data), operands.map((o) => o.offset), merged.strides);
  };
}

/** Drops size-1 axes and merges neighbours that are contiguous with each other in every operand. */
export function mergeAxes(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let a = 0; a < shape.length; a++) {
    if (shape[a] === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => outStrides[k][last] === s[a] * shape[a]);
    if (mergeable) {
      outShape[last] *= shape[a];
      strides.forEach((s, k) => (outStrides[k][last] = s[a]));
    } else {
      outShape.push(shape[a]);
      strides.forEach((s, k) => outStrides[k].push(s[a]));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** Strides that read a view of shape `shape` as if it had been broadcast to `target` (0 on broadcast axes). */
export function broadcastStrides(shape: readonly number[], strides: readonly number[], target: readonly number[]): number[] {
  const lead = target.length - shape.length;
  return target.map((_, a) => (a < lead || shape[a - lead] === 1 ? 0 : strides[a - lead]));
}
