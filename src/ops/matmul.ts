// Matrix product with NumPy semantics: (..., M, K) · (..., K, N) → (..., M, N), batch dims broadcast;
// a 1-D operand is a vector (a row on the left, a column on the right) and its axis is dropped after.
// Backward: dA = dC · Bᵀ and dB = Aᵀ · dC, each summed over the batch dims its operand was broadcast
// along (tensorflow/tfjs#8721 is what happens when that sum is forgotten).
// Attention chains this rule with softmax's: docs/derivations/attention.md.

import { broadcastShapes, fmt } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { disposeUnlessInGraph, expectDType, expectSameDType, runKernel } from './dispatch.ts';
import { unbroadcast } from './elementwise.ts';
import { defineOp } from './op.ts';
import { reshape, transpose } from './view.ts';

const batchedMatmul = defineOp(
  {
    name: 'matmul', doc: 'batched matrix product, broadcasting batch dims; 1-D operands as vectors', kernels: ['matmul'], differentiable: true,
    domain: (d) => {
      const [M, K, N] = [d.int(1, 4), d.int(1, 4), d.int(1, 4)];
      const [ba, bb] = d.broadcastable(2, 0, 2);
      const a = d.bool() && ba.length === 0 ? [K] : [...ba, M, K];
      const b = d.bool() && bb.length === 0 ? [K] : [...bb, K, N];
      return { inputs: [d.tensor(a, -2, 2), d.tensor(b, -2, 2)], run: ([x, y]) => matmul(x, y) };
    },
  },
  (a: Tensor, b: Tensor) => {
    expectSameDType('matmul', [a, b]);
    expectDType('matmul', a, ['float32', 'float64']);
    if (a.ndim < 2 || b.ndim < 2) throw new Error('matmul: internal: operands must be at least 2-D here');
    const [M, K] = a.shape.slice(-2), [K2, N] = b.shape.slice(-2);
    if (K !== K2) {
      throw new Error(`matmul: inner dimensions differ: ${fmt(a.shape)} · ${fmt(b.shape)} (${K} vs ${K2}); the last axis of the first must equal the second-to-last of the second`);
    }
    const batch = broadcastShapes('matmul (batch dims)', a.shape.slice(0, -2), b.shape.slice(0, -2));
    const [out] = runKernel('matmul', 'matmul', [a, b], [{ shape: [...batch, M, N] }]);
    return {
      out,
      backward: (g) => [
        a.requiresGrad ? unbroadcast(matmul(g, transpose(b)), a.shape) : null,
        b.requiresGrad ? (isColumnMajor(b) && b.ndim === 2 && g.ndim === 2 ? transpose(matmul(transpose(g), a)) : unbroadcast(matmul(transpose(a), g), b.shape)) : null,
      ],
    };
  },
);

/**
 * Whether a matrix is stored column by column, as a Linear layer's transposed (out, in) weight is.
 * Its gradient Aᵀ·G is then computed as (Gᵀ·A)ᵀ: the product lands in the weight's own row-major
 * layout, so the gradient reaching the weight is contiguous and needs no transposing copy (a
 * 32000 × 512 head made that copy ≈ 16 % of an i3-200m training step).
 */
function isColumnMajor(t: Tensor): boolean {
  const [rows, cols] = t.shape.slice(-2), [rowStride, colStride] = t.strides.slice(-2);
  return rows > 1 && cols > 1 && rowStride === 1 && colStride === rows;
}

/**
 * Matrix product with NumPy semantics: (…, M, K) · (…, K, N) → (…, M, N), batch dims broadcast; a 1-D
 * operand is a vector whose axis is dropped from the result.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) throw new Error(`matmul: operands must have at least 1 dim, got ${fmt(a.shape)} and ${fmt(b.shape)}; use mul for scalars`);
  if (a.ndim >= 2 && b.ndim >= 2) return batchedMatmul(a, b);
  // Vectors: lift to matrices, multiply, drop the added axis.
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const c = batchedMatmul(a2, b2);
  const shape = c.shape.slice(0, -2);
  if (a.ndim >= 2) shape.push(c.shape[c.ndim - 2]);
  if (b.ndim >= 2) shape.push(c.shape[c.ndim - 1]);
  const out = reshape(c, shape);
  for (const t of [a2, b2, c]) if (t !== a && t !== b) disposeUnlessInGraph(t);
  return out;
}
