// The whole model: its gradient matches finite differences, training lowers the loss, and a training
// step leaves no tensor behind.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { I3Model } from '../../src/model/i3-model.ts';
import { preset, type I3Config } from '../../src/model/config.ts';
import { gradcheck } from '../../src/testing/gradcheck.ts';

const t = suite('i3 model');

const tinyConfig: I3Config = { vocab_size: 5, d_model: 4, n_heads: 2, d_state: 2, ffn_mult: 2, max_seq_len: 4, block_types: ['hybrid', 'rwkv4', 'attention'] };

t('the gradient of the loss w.r.t. every parameter matches float64 finite differences', () => {
  const gen = new I.Generator(3);
  const model = new I3Model(tinyConfig, { dtype: 'float64', generator: gen });
  // larger values than the init so every path carries signal
  for (const [name, p] of model.namedParameters()) {
    const value = name.includes('time_decay') ? I.rand(p.shape, { dtype: 'float64', generator: gen, low: -2, high: 0 }) : I.randn(p.shape, { dtype: 'float64', generator: gen, std: 0.4 });
    I.noGrad(() => I.assign(p, value));
  }
  const ids = I.tensor([[1, 4, 2, 0], [3, 3, 1, 2]], { dtype: 'int32' });
  const targets = I.tensor([[4, 2, 0, 1], [3, 1, 2, 2]], { dtype: 'int32' });
  const r = gradcheck(() => model.loss(ids, targets), model.parameters());
  assert.is(r.checked, model.numParameters());
  model.dispose();
});

t('SGD on a repeating sequence lowers the loss, and each step leaves the live tensor count unchanged', () => {
  const model = new I3Model(preset('i3-test'), { generator: new I.Generator(0) });
  const seq = Array.from({ length: 17 }, (_, i) => (i * 7) % 32);
  const ids = I.tensor([seq.slice(0, 16)], { dtype: 'int32' });
  const targets = I.tensor([seq.slice(1)], { dtype: 'int32' });
  const losses: number[] = [], live: number[] = [];
  for (let step = 0; step < 30; step++) {
    I.scope(() => {
      const loss = model.loss(ids, targets);
      loss.backward();
      losses.push(loss.item());
      I.noGrad(() => {
        for (const p of model.parameters()) {
          I.assign(p, I.sub(p, I.mul(p.grad!, 0.5)));
          p.grad!.dispose();
          p.grad = null;
        }
      });
    });
    live.push(I.memory('cpu').tensors);
  }
  assert.ok(losses[29] < losses[0] * 0.6, `loss ${losses[0]} → ${losses[29]}`);
  assert.ok(live.every((n) => n === live[0]), `live tensors drifted ${live[0]} → ${live[29]}`);
  model.dispose();
});

t.run();
