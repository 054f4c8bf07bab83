// reshape is a view whenever the strides allow it (squeezing a sliced head out of q/k/v, merging
// axes that are contiguous among themselves) and copies otherwise; either way the values are the
// row-major elements of the input.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { viewStrides } from '../../src/ops/view.ts';

const t = suite('reshape views');
const storages = () => I.memory('cpu').storages;

t('squeezing a slice of a permuted tensor is a view', () => I.scope(() => {
  const qkv = I.permute(I.reshape(I.arange(0, 2 * 3 * 3 * 2 * 4), [2, 3, 3, 2, 4]), [2, 0, 3, 1, 4]); // (3, B, H, T, D)
  const before = storages();
  const k = I.squeeze(I.slice(qkv, 0, 1, 2), 0);
  assert.is(storages(), before, 'no storage allocated');
  assert.is(k.storage, qkv.storage);
  assert.equal(k.toArray(), I.contiguous(I.squeeze(I.contiguous(I.slice(qkv, 0, 1, 2)), 0)).toArray());
}));

t('merging axes that are not contiguous among themselves copies, with the right values', () => I.scope(() => {
  const x = I.transpose(I.reshape(I.arange(0, 6), [2, 3])); // (3, 2), strides [1, 3]
  assert.is(viewStrides(x.shape, x.strides, [6]), null);
  const before = storages();
  const flat = I.reshape(x, [6]);
  assert.is(storages(), before + 1);
  assert.equal(flat.toArray(), [0, 3, 1, 4, 2, 5]);
}));

t('every regrouping of every permuted or sliced view reads the row-major elements', () => I.scope(() => {
  const base = I.reshape(I.arange(0, 2 * 3 * 4), [2, 3, 4]);
  const views = [
    base, I.permute(base, [1, 0, 2]), I.permute(base, [0, 2, 1]), I.slice(base, 2, 1, 3), I.slice(base, 1, 0, 3, 2),
    I.unsqueeze(I.permute(base, [2, 1, 0]), 1), I.expand(I.slice(base, 0, 0, 1), [3, 3, 4]),
  ];
  let viewed = 0;
  for (const v of views) {
    const n = v.size;
    const targets = [[n], [1, n, 1], ...[2, 3, 4, 6].filter((d) => n % d === 0).flatMap((d) => [[d, n / d], [n / d, d], [1, d, 1, n / d]])];
    const want = Array.from(I.contiguous(v).data());
    for (const target of targets) {
      if (viewStrides(v.shape, v.strides, target)) viewed++;
      assert.equal(Array.from(I.reshape(v, target).data()), want, `[${v.shape}] strides [${v.strides}] → [${target}]`);
    }
  }
  assert.ok(viewed >= 15, `${viewed} regroupings were views`);
}));

t.run();
