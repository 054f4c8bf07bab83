// Naive float64 references of the ops whose results are sums over an axis: the reductions (sum, mean,
// max) and matmul.
import { broadcastAt, broadcastShape, build, normAxis, ravel, ref, sizeOf, unravel, type Ref } from './reference-base.ts';
import { reshape } from './reference-shape.ts';

// ---- reductions -----------------------------------------------------------------------------------

/** undefined: all axes; a number or a list (negatives count from the end); [] reduces nothing. */
export type AxesArg = number | readonly number[] | undefined;

function normAxes(axes: AxesArg, ndim: number): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = (typeof axes === 'number' ? [axes] : [...axes]).map((a) => normAxis(a, ndim));
  if (new Set(list).size !== list.length) throw new Error('reference: repeated axis');
  return list;
}

/** Folds every group of elements that share the non-reduced coordinates. */
function reduce(x: Ref, axes: AxesArg, keepdim: boolean, fold: (values: number[]) => number): Ref {
  const red = normAxes(axes, x.shape.length);
  const keptShape = x.shape.map((d, a) => (red.includes(a) ? 1 : d));
  const groups: number[][] = Array.from({ length: sizeOf(keptShape) }, () => []);
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape);
    groups[ravel(idx.map((v, a) => (red.includes(a) ? 0 : v)), keptShape)].push(x.data[i]);
  }
  const shape = keepdim ? keptShape : x.shape.filter((_, a) => !red.includes(a));
  return ref(shape, groups.map(fold));
}

const total = (vs: number[]) => vs.reduce((s, v) => s + v, 0);

export const sum = (x: Ref, axes?: AxesArg, keepdim = false): Ref => reduce(x, axes, keepdim, total);
export const mean = (x: Ref, axes?: AxesArg, keepdim = false): Ref => reduce(x, axes, keepdim, (vs) => total(vs) / vs.length);
export const max = (x: Ref, axes?: AxesArg, keepdim = false): Ref =>
  reduce(x, axes, keepdim, (vs) => (vs.some(Number.isNaN) ? NaN : vs.reduce((m, v) => (v > m ? v : m), -Infinity)));

// ---- matmul ----------------------------------------------------------------------------------------

/** NumPy matmul: (…, M, K)·(…, K, N) → (…, M, N) with broadcast batch dims; a 1-D operand is a vector whose axis is dropped. */
export function matmul(a: Ref, b: Ref): Ref {
  const a2 = a.shape.length === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.shape.length === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const [M, K] = a2.shape.slice(-2);
  const [K2, N] = b2.shape.slice(-2);
  if (K !== K2) throw new Error('reference matmul: inner dims differ');
  const batch = broadcastShape(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  const c = build([...batch, M, N], (idx) => {
    const bi = idx.slice(0, -2), i = idx[idx.length - 2], j = idx[idx.length - 1];
    let s = 0;
    for (let k = 0; k < K; k++) s += broadcastAt(a2, [...bi, i, k]) * broadcastAt(b2, [...bi, k, j]);
    return s;
  });
  const shape = [...batch];
  if (a.shape.length >= 2) shape.push(M);
  if (b.shape.length >= 2) shape.push(N);
  return ref(shape, c.data);
}
