// Bad input gets an error naming the op, the shapes it got and what it expected; anomaly mode names
// the first op that produced NaN or Infinity.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';

const t = suite('errors');

t('broadcasting mismatch names the op, both shapes and the axis', () => {
  assert.throws(() => I.add(I.zeros([2, 3]), I.zeros([4, 3])), /add: shapes \[2, 3\] and \[4, 3\] cannot be broadcast together \(axis -2 has 2 vs 4\)/);
});

t('matmul inner-dimension mismatch', () => {
  assert.throws(() => I.matmul(I.zeros([2, 3]), I.zeros([4, 5])), /matmul: inner dimensions differ: \[2, 3\] · \[4, 5\] \(3 vs 4\)/);
  assert.throws(() => I.matmul(I.zeros([2, 2, 3]), I.zeros([3, 3, 4])), /matmul \(batch dims\): shapes \[2\] and \[3\]/);
});

t('dtype mismatches name both dtypes', () => {
  assert.throws(() => I.add(I.zeros([2]), I.zeros([2], { dtype: 'float64' })), /add: inputs have different dtypes \(float32 \[2\], float64 \[2\]\)/);
  assert.throws(() => I.exp(I.zeros([2], { dtype: 'int32' })), /exp: input has dtype int32/);
  assert.throws(() => I.add(I.zeros([2], { dtype: 'int32' }), I.zeros([2], { dtype: 'int32' })), /add: kernel 'add' is not implemented for backend 'cpu' with dtype int32/);
  assert.throws(() => I.embedding(I.zeros([4, 2]), I.tensor([1])), /indexSelect: ids has dtype float32 .*expected int32/);
});

t('reshape, permute, axes and slices', () => {
  assert.throws(() => I.reshape(I.zeros([2, 3]), [4, 2]), /reshape: cannot reshape \[2, 3\] \(6 elements\) into \[4, 2\]/);
  assert.throws(() => I.reshape(I.zeros([2, 3]), [-1, -1]), /at most one dim may be -1/);
  assert.throws(() => I.permute(I.zeros([2, 3]), [0, 0]), /permute: dims \[0, 0\] must be a permutation/);
  assert.throws(() => I.sum(I.zeros([2, 3]), 2), /sum: axis 2 is out of range for a tensor with 2 dims \(valid: -2\.\.1\)/);
  assert.throws(() => I.expand(I.zeros([2, 3]), [4, 3]), /expand: .*\[2, 3\]/);
  assert.throws(() => I.concat([I.zeros([2, 3]), I.zeros([2, 4])], 0), /concat: shapes \[2, 3\], \[2, 4\] differ outside axis 0/);
  assert.throws(() => I.max(I.zeros([0, 3]), 0), /max: cannot reduce over an empty axis/);
});

t('indices out of range are errors, never garbage', () => {
  assert.throws(() => I.embedding(I.zeros([4, 2]), I.tensor([1, 4], { dtype: 'int32' })), /index 4 at position 1 is out of range for an axis of size 4/);
  assert.throws(() => I.crossEntropy(I.zeros([2, 3]), I.tensor([0, 3], { dtype: 'int32' })), /crossEntropy: target 3 at row 1 is outside the vocabulary \[0, 3\)/);
  assert.throws(() => I.crossEntropy(I.zeros([2, 3]), I.tensor([0], { dtype: 'int32' })), /crossEntropy: logits \[2, 3\] need targets of shape \[2\], got \[1\]/);
});

t('layerNorm parameter shapes', () => {
  assert.throws(() => I.layerNorm(I.zeros([2, 3]), I.ones([4]), I.zeros([4])), /layerNorm: weight and bias must have shape \[3\]/);
  assert.throws(() => I.layerNorm(I.zeros([2, 3]), I.ones([3]), null), /pass both weight and bias, or neither/);
});

t('in-place assign to a tensor that requires grad must be inside noGrad', () => {
  const p = I.zeros([2], { requiresGrad: true });
  assert.throws(() => I.assign(p, I.ones([2])), /assign: target \[2\] requires grad.*noGrad/);
  I.noGrad(() => I.assign(p, I.ones([2])));
  assert.equal(p.toArray(), [1, 1]);
});

t('anomaly mode names the first op that produced NaN in forward', () => {
  const x = I.tensor([1, -1]);
  assert.not.throws(() => I.log(x)); // off by default: NaN flows silently, as in PyTorch
  assert.throws(() => I.withAnomalyMode(() => I.exp(I.log(x))), /anomaly: log produced NaN at flat index 1 of its output \[2\] from finite inputs/);
});

t('anomaly mode names the backward rule that produced Infinity', () => {
  const x = I.tensor([0, 4], { requiresGrad: true });
  const y = I.sqrt(x); // forward is finite, d/dx at 0 is +Infinity
  assert.throws(() => I.withAnomalyMode(() => I.sum(y).backward()), /anomaly: backward of 'sqrt' produced Infinity in the gradient of input 0/);
});

t.run();
