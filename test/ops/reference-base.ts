// The plumbing of the naive float64 references (reference.ts): the Ref type (a row-major array with a
// shape; integer data such as ids, targets and int32 casts held as whole numbers in the same
// Float64Array), index arithmetic, building a Ref element by element, and NumPy broadcasting.

export interface Ref {
  shape: number[];
  data: Float64Array;
}

// ---- plumbing -----------------------------------------------------------------------------------

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function ref(shape: readonly number[], data: ArrayLike<number>): Ref {
  if (sizeOf(shape) !== data.length) throw new Error(`ref: shape [${shape.join(', ')}] needs ${sizeOf(shape)} values, got ${data.length}`);
  return { shape: [...shape], data: Float64Array.from(data) };
}

export const scalar = (v: number): Ref => ref([], [v]);

export function zerosRef(shape: readonly number[]): Ref {
  return { shape: [...shape], data: new Float64Array(sizeOf(shape)) };
}

/** The multi-index of flat position `flat` in a row-major array of `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = flat % shape[a];
    flat = Math.floor(flat / shape[a]);
  }
  return idx;
}

/** The flat row-major position of multi-index `idx` in `shape`. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let a = 0; a < shape.length; a++) flat = flat * shape[a] + idx[a];
  return flat;
}

/** The element of x at a multi-index. */
export function at(x: Ref, idx: readonly number[]): number {
  return x.data[ravel(idx, x.shape)];
}

export function normAxis(axis: number, ndim: number): number {
  const a = axis < 0 ? axis + ndim : axis;
  if (!Number.isInteger(a) || a < 0 || a >= ndim) throw new Error(`reference: axis ${axis} out of range for ${ndim} dims`);
  return a;
}

/** A new Ref of `shape` whose element at each multi-index is f(index). */
export function build(shape: readonly number[], f: (idx: number[]) => number): Ref {
  const out = zerosRef(shape);
  for (let i = 0; i < out.data.length; i++) out.data[i] = f(unravel(i, shape));
  return out;
}

// ---- broadcasting (NumPy rules) -------------------------------------------------------------------

export function broadcastShape(...shapes: ReadonlyArray<readonly number[]>): number[] {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s.length - n + i;
      const e = k < 0 ? 1 : s[k];
      if (e === 1) continue;
      if (d !== 1 && d !== e) throw new Error(`reference: shapes ${shapes.map((s) => `[${s.join(', ')}]`).join(' ')} do not broadcast`);
      d = e;
    }
    out.push(d);
  }
  return out;
}

/** The element of x that lands at `outIdx` when x is broadcast to a shape of outIdx.length dims. */
export function broadcastAt(x: Ref, outIdx: readonly number[]): number {
  const lead = outIdx.length - x.shape.length;
  const idx = x.shape.map((d, a) => (d === 1 ? 0 : outIdx[a + lead]));
  return at(x, idx);
}

/** x with f applied to every element. */
export function mapRef(x: Ref, f: (v: number) => number): Ref {
  return { shape: [...x.shape], data: x.data.map(f) };
}
