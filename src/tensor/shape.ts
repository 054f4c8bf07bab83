// Shape and stride arithmetic: row-major strides, NumPy broadcasting, axis normalisation.
// Reference: NumPy broadcasting rules, https://numpy.org/doc/stable/user/basics.broadcasting.html

/** A tensor's dimensions, outermost first. */
export type Shape = readonly number[];

/** The number of elements of a shape (1 for a scalar, []). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides: the last axis moves fastest. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** True when `strides` lay `shape` out row-major with no gaps (any offset; size-1 axes may have any
 *  stride), so its elements are one dense range of the storage. */
export function isContiguousLayout(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** A shape as text for error messages, e.g. "[2, 3]". */
export function fmt(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** True when the two shapes are equal. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The broadcast of two shapes: align from the right; each pair of dims must be equal or one of them 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together (axis ${i - n} has ${da} vs ${db}); ` +
          `each aligned pair of dims must be equal or 1 — reshape one input or add a size-1 axis.`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Turns negative axes into positive ones and checks they are in range and distinct. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, ndim: number): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((a) => normalizeAxis(op, a, ndim));
  if (new Set(out).size !== out.length) throw new Error(`${op}: repeated axis in [${list.join(', ')}]`);
  return out.sort((x, y) => x - y);
}

/** A possibly negative axis as an index in 0..ndim+extra−1; out of range is an error naming `op`. */
export function normalizeAxis(op: string, axis: number, ndim: number, extra = 0): number {
  const limit = ndim + extra;
  if (!Number.isInteger(axis) || axis < -limit || axis >= limit) {
    throw new Error(`${op}: axis ${axis} is out of range for a tensor with ${ndim} dims (valid: ${-limit}..${limit - 1})`);
  }
  return axis < 0 ? axis + limit : axis;
}

/** Throws, naming `op`, unless every dim is a non-negative integer. */
export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${op}: invalid shape ${fmt(shape)}: dims must be non-negative integers`);
  }
}
