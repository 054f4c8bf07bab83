// Naive float64 references of the data-movement ops: reshape, permute, expand, slice, contiguous,
// toDType, concat and indexSelect.
import { at, broadcastAt, build, mapRef, normAxis, ref, sizeOf, type Ref } from './reference-base.ts';

// ---- shape ops --------------------------------------------------------------------------------------

/** Same elements in the same row-major order, new shape (one dim may be -1). */
export function reshape(x: Ref, shape: readonly number[]): Ref {
  const known = sizeOf(shape.filter((d) => d !== -1));
  const target = shape.map((d) => (d === -1 ? sizeOf(x.shape) / known : d));
  return ref(target, x.data);
}

/** out[i₀, …] with out.shape[k] = x.shape[dims[k]] and out[idx] = x[idx placed back at dims]. */
export function permute(x: Ref, dims: readonly number[]): Ref {
  const axes = dims.map((a) => normAxis(a, x.shape.length));
  const shape = axes.map((a) => x.shape[a]);
  return build(shape, (idx) => {
    const src = new Array<number>(x.shape.length);
    axes.forEach((a, k) => (src[a] = idx[k]));
    return at(x, src);
  });
}

/** Broadcast to `shape` (a -1 keeps x's size on that trailing axis). */
export function expand(x: Ref, shape: readonly number[]): Ref {
  const lead = shape.length - x.shape.length;
  const target = shape.map((d, i) => (d === -1 ? x.shape[i - lead] : d));
  return build(target, (idx) => broadcastAt(x, idx));
}

/** The positions Python's range(len)[start:end:step] selects, step ≥ 1. */
export function sliceIndices(len: number, start: number, end: number | undefined, step: number): number[] {
  const fix = (i: number) => {
    if (i < 0) i += len;
    return i < 0 ? 0 : i > len ? len : i;
  };
  const out: number[] = [];
  for (let i = fix(start); i < fix(end ?? len); i += step) out.push(i);
  return out;
}

export function slice(x: Ref, axis: number, start: number, end?: number, step = 1): Ref {
  const a = normAxis(axis, x.shape.length);
  const picked = sliceIndices(x.shape[a], start, end, step);
  const shape = x.shape.map((d, i) => (i === a ? picked.length : d));
  return build(shape, (idx) => at(x, idx.map((v, i) => (i === a ? picked[v] : v))));
}

export const contiguous = (x: Ref): Ref => ref(x.shape, x.data);

/** float64 → itself; float32 → round to nearest float32; int32 → truncate toward 0, wrap modulo 2³² (NaN, ±∞ → 0). */
export function toDType(x: Ref, dtype: 'float32' | 'float64' | 'int32'): Ref {
  if (dtype === 'float64') return contiguous(x);
  if (dtype === 'float32') return mapRef(x, (v) => Math.fround(v));
  return mapRef(x, (v) => {
    if (!Number.isFinite(v)) return 0;
    const m = ((Math.trunc(v) % 2 ** 32) + 2 ** 32) % 2 ** 32;
    return m >= 2 ** 31 ? m - 2 ** 32 : m;
  });
}

// ---- joining, gathering -----------------------------------------------------------------------------

export function concat(xs: readonly Ref[], axis = 0): Ref {
  const a = normAxis(axis, xs[0].shape.length);
  const starts: number[] = [];
  let n = 0;
  for (const x of xs) {
    starts.push(n);
    n += x.shape[a];
  }
  const shape = xs[0].shape.map((d, i) => (i === a ? n : d));
  return build(shape, (idx) => {
    let k = xs.length - 1;
    while (starts[k] > idx[a]) k--;
    return at(xs[k], idx.map((v, i) => (i === a ? v - starts[k] : v)));
  });
}

/** out[pre…, ids-index…, post…] = x[pre…, ids[ids-index…], post…]. */
export function indexSelect(x: Ref, axis: number, ids: Ref): Ref {
  const a = normAxis(axis, x.shape.length);
  const k = ids.shape.length;
  const shape = [...x.shape.slice(0, a), ...ids.shape, ...x.shape.slice(a + 1)];
  return build(shape, (idx) => {
    const id = at(ids, idx.slice(a, a + k));
    if (!(id >= 0 && id < x.shape[a])) throw new Error(`reference indexSelect: id ${id} out of range`);
    return at(x, [...idx.slice(0, a), id, ...idx.slice(a + k)]);
  });
}
