// Memory accounting: live tensors and bytes per backend, dispose, scopes, and a training loop that
// must not grow the live count.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';

const t = suite('memory');

t('dispose frees storage once its last view is gone', () => {
  const before = I.memory('cpu');
  const x = I.zeros([4, 5]); // 80 bytes
  const v = I.transpose(x);
  assert.is(I.memory('cpu').tensors, before.tensors + 2);
  assert.is(I.memory('cpu').bytes, before.bytes + 80);
  x.dispose();
  assert.is(I.memory('cpu').bytes, before.bytes + 80, 'the view still holds the storage');
  v.dispose();
  v.dispose(); // twice is harmless
  assert.equal(I.memory('cpu'), before);
});

t('using a disposed tensor is a clear error', () => {
  const x = I.ones([2]);
  x.dispose();
  assert.throws(() => I.exp(x), /exp: tensor #\d+ \[2\] was disposed/);
});

t('scope disposes intermediates and keeps what it returns (also nested arrays / objects)', () => {
  const before = I.memory('cpu').tensors;
  const { a, list } = I.scope(() => {
    const x = I.ones([3]);
    const y = I.exp(I.mul(x, 2));
    return { a: I.sum(y), list: [I.neg(x)] };
  });
  assert.is(I.memory('cpu').tensors, before + 2);
  assert.ok(Math.abs(a.item() - 3 * Math.exp(2)) < 1e-4);
  a.dispose(); list[0].dispose();
  assert.is(I.memory('cpu').tensors, before);
});

t('scope cleans up when fn throws', () => {
  const before = I.memory('cpu').tensors;
  assert.throws(() => I.scope(() => { I.ones([3]); throw new Error('boom'); }), /boom/);
  assert.is(I.memory('cpu').tensors, before);
});

t('keep lets a tensor outlive its scope', () => {
  let kept: I.Tensor | null = null;
  const before = I.memory('cpu').tensors;
  I.scope(() => { kept = I.keep(I.ones([2])); I.ones([2]); });
  assert.is(I.memory('cpu').tensors, before + 1);
  kept!.dispose();
});

t('100 steps of forward + backward + parameter update leave the live tensor count unchanged', () => {
  const gen = new I.Generator(7);
  const params = [I.randn([8, 16], { generator: gen, std: 0.3 }), I.zeros([16]), I.randn([16, 4], { generator: gen, std: 0.3 }), I.ones([4]), I.zeros([4])];
  params.forEach((p) => (p.requiresGrad = true));
  const [w1, b1, w2, g, b] = params;
  const x = I.randn([5, 8], { generator: gen });
  const y = I.tensor([0, 3, 1, 2, 3], { dtype: 'int32' });
  const counts: number[] = [];
  const losses: number[] = [];
  for (let step = 0; step < 100; step++) {
    I.scope(() => {
      const h = I.dropout(I.gelu(I.add(I.matmul(x, w1), b1)), 0.1, { generator: gen });
      const logits = I.layerNorm(I.matmul(h, w2), g, b);
      const loss = I.crossEntropy(logits, y);
      loss.backward();
      losses.push(loss.item());
      I.noGrad(() => {
        for (const p of params) {
          const next = I.sub(p, I.mul(p.grad!, 0.1));
          I.assign(p, next);
          p.grad!.dispose();
          p.grad = null;
        }
      });
    });
    counts.push(I.memory('cpu').tensors);
  }
  assert.ok(counts.every((c) => c === counts[0]), `live tensors drifted: ${counts[0]} → ${counts[counts.length - 1]}`);
  assert.ok(losses[99] < losses[0] * 0.5, `the loss should fall: ${losses[0]} → ${losses[99]}`);
});

t.run();
