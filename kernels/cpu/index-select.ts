// Row gathering (embedding lookup) and its gradient, a scatter-add. x is viewed as (outer, n, inner)
// around the selected axis; ids are int32 with any shape (flattened to m entries):
//   indexSelect: out[o, j, i] = x[o, ids[j], i]         (out: (outer, m, inner))
//   indexAdd:    dx[o, ids[j], i] += g[o, j, i]          (dx starts at 0; repeated ids accumulate)

import type { Kernel, View } from '../../src/backend/backend.ts';
import type { TypedArray } from '../../src/tensor/dtype.ts';

const arr = (v: View) => v.storage.data as TypedArray;

function checkIds(ids: TypedArray, offset: number, m: number, n: number): void {
  for (let j = 0; j < m; j++) {
    const id = ids[offset + j];
    if (id < 0 || id >= n) throw new Error(`indexSelect: index ${id} at position ${j} is out of range for an axis of size ${n}`);
  }
}

/** inputs: x (contiguous), ids (contiguous); attrs: outer, n, inner. */
const indexSelect: Kernel = ([x, ids], [out], attrs) => {
  const { outer, n, inner } = attrs as { outer: number; n: number; inner: number };
  const m = ids.shape.reduce((a, b) => a * b, 1);
  const xs = arr(x), is = arr(ids), os = arr(out);
  checkIds(is, ids.offset, m, n);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const src = x.offset + (o * n + is[ids.offset + j]) * inner;
      os.set(xs.subarray(src, src + inner), out.offset + (o * m + j) * inner);
    }
  }
};

/** inputs: g (contiguous (outer, m, inner)), ids; outputs: dx ((outer, n, inner), overwritten). */
const indexAdd: Kernel = ([g, ids], [dx], attrs) => {
  const { outer, n, inner } = attrs as { outer: number; n: number; inner: number };
  const m = ids.shape.reduce((a, b) => a * b, 1);
  const gs = arr(g), is = arr(ids), ds = arr(dx);
  checkIds(is, ids.offset, m, n);
  ds.fill(0, dx.offset, dx.offset + outer * n * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const dst = dx.offset + (o * n + is[ids.offset + j]) * inner;
      const src = g.offset + (o * m + j) * inner;
      for (let i = 0; i < inner; i++) ds[dst + i] += gs[src + i];
    }
  }
};

/** The kernels 'indexSelect' (gather) and 'indexAdd' (its scatter-add gradient), for the CPU kernel table. */
export const indexKernels = (): Record<string, Kernel> => ({ indexSelect, indexAdd });
