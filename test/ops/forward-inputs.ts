// The inputs of the forward cases (forward-cases*.ts): random shapes and values drawn through the Draw
// interface (size-1 and size-0 dims, shapes that broadcast together, ids, integer-valued floats), and
// random memory layouts of each input (offset, permuted and step-2 strided storage, with junk in the
// gaps). inputStorage keeps a copy of every input's storage so that a test can check no op wrote to it.
import { Tensor, tensor, toDType, type Draw, type DType, type FloatDType, type TypedArray, type ValueOptions } from '../../src/index.ts';
import * as R from './reference.ts';
import { ref, scalar, sizeOf, type Ref } from './reference.ts';

// ---- inputs in random memory layouts ---------------------------------------------------------------

/**
 * How an input's values sit in storage: plain row-major; row-major after some junk (size-1 axes get
 * stride 0); stored in a permuted axis order (a transposed view); or at every other position along an
 * axis (a step-2 slice). Built with the Tensor constructor, not with view ops, so a broken view op
 * cannot hide a broken kernel.
 */
type Layout =
  | { kind: 'contiguous' }
  | { kind: 'offset'; pad: number }
  | { kind: 'permuted'; perm: number[] }
  | { kind: 'stepped'; axis: number; phase: number };

export interface Input { ref: Ref; layout: Layout; int: boolean }

export function drawPerm(d: Draw, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = d.int(0, i);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

function drawLayout(d: Draw, shape: readonly number[]): Layout {
  const k = d.int(0, 4);
  if (k === 1) return { kind: 'offset', pad: d.int(1, 3) };
  if (k === 2 && shape.length >= 2) return { kind: 'permuted', perm: drawPerm(d, shape.length) };
  if (k === 3 && shape.length >= 1) return { kind: 'stepped', axis: d.int(0, shape.length - 1), phase: d.int(0, 1) };
  return { kind: 'contiguous' };
}

function layoutName(l: Layout): string {
  switch (l.kind) {
    case 'contiguous': return '';
    case 'offset': return ` offset ${l.pad}`;
    case 'permuted': return ` stored as permute(${l.perm.join(',')})`;
    case 'stepped': return ` step-2 view on axis ${l.axis}`;
  }
}

const rowMajor = (shape: readonly number[]) => {
  const s = new Array<number>(shape.length);
  for (let a = shape.length - 1, n = 1; a >= 0; n *= shape[a], a--) s[a] = n;
  return s;
};

/** The input as an engine tensor of `dtype` (int inputs stay int32) in its drawn layout. */
export function materialize(x: Input, dtype: FloatDType): Tensor {
  const { shape, data } = x.ref;
  const junk = x.int ? 2 ** 30 : NaN;
  let stored: Float64Array, strides: number[], offset = 0;
  const l = x.layout;
  if (l.kind === 'offset') {
    stored = new Float64Array(l.pad + data.length + 2).fill(junk);
    stored.set(data, l.pad);
    strides = rowMajor(shape).map((s, a) => (shape[a] === 1 ? 0 : s));
    offset = l.pad;
  } else if (l.kind === 'permuted') {
    const p = R.permute(x.ref, l.perm);
    stored = p.data;
    const st = rowMajor(p.shape);
    strides = new Array<number>(shape.length);
    l.perm.forEach((a, j) => (strides[a] = st[j]));
  } else if (l.kind === 'stepped') {
    const big = shape.map((n, a) => (a === l.axis ? 2 * n + 1 : n));
    stored = new Float64Array(sizeOf(big)).fill(junk);
    for (let i = 0; i < data.length; i++) {
      const idx = R.unravel(i, shape);
      idx[l.axis] = 2 * idx[l.axis] + l.phase;
      stored[R.ravel(idx, big)] = data[i];
    }
    const st = rowMajor(big);
    strides = st.map((s, a) => (a === l.axis ? 2 * s : s));
    offset = l.phase * st[l.axis];
  } else {
    stored = data;
    strides = rowMajor(shape);
  }
  let base = tensor(stored, { dtype: x.int ? 'int32' : 'float64', shape: [stored.length] });
  if (!x.int && dtype === 'float32') base = toDType(base, 'float32');
  const held = base.storage.data as TypedArray;
  inputStorage.push({ data: held, before: held.slice() });
  return new Tensor(base.storage, shape, strides, offset);
}

/** The storage of every input materialized for the current case, with a copy taken before the op ran. */
export const inputStorage: Array<{ data: TypedArray; before: TypedArray }> = [];

/** null when no op of the case wrote into an input's storage (junk included). */
export function inputsUnchanged(): string | null {
  for (const [k, { data, before }] of inputStorage.entries()) {
    for (let i = 0; i < data.length; i++) {
      if (!Object.is(data[i], before[i])) return `the storage of input ${k} was written at position ${i}: ${before[i]} became ${data[i]}`;
    }
  }
  return null;
}

export const fmtShape = (s: readonly number[]) => `[${s.join(',')}]`;
export const show = (x: Input | number) => (typeof x === 'number' ? String(x) : `${x.int ? 'int32' : 'x'}${fmtShape(x.ref.shape)}${layoutName(x.layout)}`);
export const arg = (x: Input | number, dtype: FloatDType): Tensor | number => (typeof x === 'number' ? x : materialize(x, dtype));
export const refOf = (x: Input | number): Ref => (typeof x === 'number' ? scalar(x) : x.ref);

// ---- drawing shapes and values -------------------------------------------------------------------

/** A dim in [1, max], or 0 one time in sixteen when zeros are allowed. */
export const dim = (d: Draw, max: number, zeros = true) => (zeros && d.int(0, 15) === 15 ? 0 : d.int(1, max));

export function shapeOf(d: Draw, minRank: number, maxRank: number, maxDim = 4, zeros = true): number[] {
  return Array.from({ length: d.int(minRank, maxRank) }, () => dim(d, maxDim, zeros));
}

/** Shapes that broadcast together: each drops leading dims of a common shape and has some 1s. */
export function broadcastable(d: Draw, count: number, minRank = 0, maxRank = 4, zeros = true): number[][] {
  const full = shapeOf(d, minRank, maxRank, 4, zeros);
  return Array.from({ length: count }, () => full.slice(d.int(0, full.length)).map((s) => (d.int(0, 2) === 0 ? 1 : s)));
}

export function values(d: Draw, shape: readonly number[], lo: number, hi: number, options?: ValueOptions): Ref {
  return ref(shape, d.tensor(shape, lo, hi, options).data());
}

export function input(d: Draw, shape: readonly number[], lo: number, hi: number, options?: ValueOptions): Input {
  return { ref: values(d, shape, lo, hi, options), layout: drawLayout(d, shape), int: false };
}

export function ids(d: Draw, shape: readonly number[], n: number): Input {
  return { ref: ref(shape, d.ids(shape, n).data()), layout: drawLayout(d, shape), int: true };
}

/** Float input holding integers in [lo, hi]. */
export function integers(d: Draw, shape: readonly number[], lo: number, hi: number): Input {
  const v = d.ids(shape, hi - lo + 1).data();
  return { ref: ref(shape, Array.from(v, (k) => k + lo)), layout: drawLayout(d, shape), int: false };
}

/** Data for the data-movement ops: float values, or (one case in five) int32 values, which they also move. */
export const data = (d: Draw, shape: readonly number[]): Input => (d.int(0, 4) === 4 ? ids(d, shape, 100) : input(d, shape, -3, 3));
export const intOut = (...xs: Array<Input | number>): DType | undefined => (xs.some((x) => typeof x !== 'number' && x.int) ? 'int32' : undefined);

/** Maps an input's values (before it is materialized). */
export const mapInput = (x: Input, f: (v: number) => number): Input => ({ ...x, ref: { shape: x.ref.shape, data: x.ref.data.map(f) } });
