// Selecting entries along an axis by integer ids: the embedding lookup of a language model.
// Backward scatters the gradient back with a sum, so an id that appears twice gets both contributions.

import { fmt, normalizeAxis } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { expectDType, runKernel } from './dispatch.ts';
import { defineOp } from './op.ts';
import { contiguous } from './view.ts';

/** out = x indexed along `axis` by ids: shape x.shape[:axis] + ids.shape + x.shape[axis+1:]. */
export const indexSelect = defineOp(
  {
    name: 'indexSelect', doc: 'gather along an axis by int32 ids (scatter-add gradient)', kernels: ['indexSelect', 'indexAdd'], differentiable: true,
    domain: (d, indexSelect) => {
      const shape = d.shape(1, 3);
      const axis = d.int(0, shape.length - 1);
      const ids = d.ids(d.shape(0, 2), shape[axis]);
      return { inputs: [d.tensor(shape, -3, 3)], run: ([x]) => indexSelect(x, axis, ids) };
    },
  },
  (x: Tensor, axis: number, ids: Tensor) => {
    expectDType('indexSelect', ids, ['int32'], 'ids');
    const a = normalizeAxis('indexSelect', axis, x.ndim);
    const attrs = { outer: x.shape.slice(0, a).reduce((p, q) => p * q, 1), n: x.shape[a], inner: x.shape.slice(a + 1).reduce((p, q) => p * q, 1) };
    const src = contiguous(x), idx = contiguous(ids);
    const shape = [...x.shape.slice(0, a), ...ids.shape, ...x.shape.slice(a + 1)];
    const [out] = runKernel('indexSelect', 'indexSelect', [src, idx], [{ shape }], attrs, x.dtype);
    src.dispose();
    return {
      out,
      saved: [idx],
      backward: (g) => {
        const gc = contiguous(g);
        return [runKernel('indexSelect backward', 'indexAdd', [gc, idx], [{ shape: x.shape }], attrs, x.dtype)[0], null];
      },
    };
  },
);

/** Rows of an embedding table: weight (V, C), ids (...) int32 → (..., C). */
export function embedding(weight: Tensor, ids: Tensor): Tensor {
  if (weight.ndim !== 2) throw new Error(`embedding: weight must be (vocab, channels), got ${fmt(weight.shape)}`);
  return indexSelect(weight, 0, ids);
}
