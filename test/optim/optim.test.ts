// AdamW, clipping, the schedule and accumulation against numbers computed by hand from the formulas
// (PyTorch's documented AdamW update; torch.nn.utils.clip_grad_norm_), in float64.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { AdamW, accumulateGradients, clipGradNorm, warmupCosine } from '../../src/optim/index.ts';

const t = suite('optim');
const f64 = { dtype: 'float64' as const };
const close = (got: ArrayLike<number>, want: number[], tol = 1e-12, what = '') =>
  want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) <= tol * (1 + Math.abs(w)), `${what}[${i}]: got ${got[i]}, want ${w}`));

/** Gives p the gradient g (as backward would). */
function setGrad(p: I.Tensor, g: number[]): void {
  p.grad?.dispose();
  p.grad = I.keep(I.tensor(g, f64));
}

t('AdamW first step on a scalar equals the hand-computed value', () => {
  // θ=1, g=0.5, γ=0.1, λ=0.01: θ ← 1 − 0.1·0.01 = 0.999; m = 0.05, v = 0.00025; m̂ = 0.5, v̂ = 0.25;
  // θ ← 0.999 − 0.1 · 0.5 / (0.5 + 1e-8) = 0.999 − 0.09999999800000004 = 0.89900000200000...
  const p = I.tensor([1], { ...f64, requiresGrad: true });
  const opt = new AdamW([['p', p]], { lr: 0.1, weightDecay: 0.01 });
  setGrad(p, [0.5]);
  opt.step();
  close(p.data(), [0.999 - (0.1 * 0.5) / (0.5 + 1e-8)], 1e-15);
  close(p.data(), [0.899000002], 1e-9);
  close(opt.stateDict().get('p.exp_avg')!.data(), [0.05]);
  close(opt.stateDict().get('p.exp_avg_sq')!.data(), [0.00025]);
});

t('AdamW over 5 steps with varying gradients and lr matches the formula written out in float64', () => {
  const init = [0.3, -1.2, 2.0, 0];
  const grads = [[0.1, -0.2, 0.3, 0], [1, 2, -3, 0.5], [-0.5, 0.01, 0.2, 1e-4], [0, 0, 0, 0], [3, -1, 1, 2]];
  const lrs = [0.01, 0.02, 0.03, 0.02, 0.01];
  const [b1, b2, eps, wd] = [0.8, 0.95, 1e-6, 0.1];
  const p = I.tensor(init, { ...f64, requiresGrad: true });
  const opt = new AdamW([['w', p]], { betas: [b1, b2], eps, weightDecay: wd });
  const theta = [...init], m = [0, 0, 0, 0], v = [0, 0, 0, 0];
  grads.forEach((g, k) => {
    const step = k + 1, lr = lrs[k];
    for (let i = 0; i < 4; i++) {
      theta[i] *= 1 - lr * wd;
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      theta[i] -= (lr * (m[i] / (1 - b1 ** step))) / (Math.sqrt(v[i] / (1 - b2 ** step)) + eps);
    }
    setGrad(p, g);
    opt.step(lr);
    close(p.data(), theta, 1e-12, `step ${step}`);
  });
  assert.is(opt.stepCount, 5);
});

t("decay: 'matrices' leaves 1-D parameters undecayed; 'all' (the default) decays them", () => {
  const run = (decay: 'all' | 'matrices') => {
    const w = I.tensor([[1, 1]], { ...f64, requiresGrad: true }), b = I.tensor([1, 1], { ...f64, requiresGrad: true });
    const opt = new AdamW([['w', w], ['b', b]], { lr: 0.1, weightDecay: 0.5, decay });
    setGrad(w, [0, 0]); // zero gradient: only the decay moves the value
    setGrad(b, [0, 0]);
    opt.step();
    return [w.data()[0], b.data()[0]];
  };
  close(run('all'), [0.95, 0.95]);
  close(run('matrices'), [0.95, 1]);
});

t('AdamW skips parameters without a gradient and rejects bad settings', () => {
  const p = I.tensor([2], { ...f64, requiresGrad: true });
  new AdamW([['p', p]], { lr: 1 }).step();
  close(p.data(), [2]);
  assert.throws(() => new AdamW([], { betas: [1, 0.9] }), /betas must lie in \[0, 1\)/);
  assert.throws(() => new AdamW([], { lr: -1 }), /lr must be ≥ 0/);
});

t('clipGradNorm scales by maxNorm / (‖g‖ + 1e-6) over all gradients together, and only when above', () => {
  const a = I.tensor([3, 0], { ...f64, requiresGrad: true }), b = I.tensor([[4]], { ...f64, requiresGrad: true });
  a.grad = I.keep(I.tensor([3, 0], f64));
  b.grad = I.keep(I.tensor([[4]], f64));
  const norm = clipGradNorm([a, b], 1);
  assert.is(norm, 5);
  close(a.grad.data(), [3 / (5 + 1e-6), 0]);
  close(b.grad!.data(), [4 / (5 + 1e-6)]);
  assert.is(clipGradNorm([a, b], 10), Math.hypot(3 / (5 + 1e-6), 4 / (5 + 1e-6)));
  close(a.grad.data(), [3 / (5 + 1e-6), 0]); // unchanged below the threshold
});

t('warmupCosine: linear warmup, cosine to 10 % of peak, floor after total', () => {
  const lr = warmupCosine({ peak: 4e-4, warmup: 10, total: 110 });
  close([lr(0), lr(4), lr(9)], [4e-5, 2e-4, 4e-4]);
  close([lr(10), lr(60), lr(110), lr(500)], [4e-4, 4e-4 * (0.1 + 0.9 * 0.5), 4e-5, 4e-5]);
  // spec §3.8's formula at one arbitrary point
  close([lr(37)], [4e-4 * (0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * 27) / 100)))]);
  assert.throws(() => warmupCosine({ peak: 1, warmup: 10, total: 5 }), /total \(5\) must be an integer ≥ warmup/);
});

t('accumulating 3 micro-batches gives the gradient of the mean loss over the whole batch', () => {
  const w = I.tensor([0.5, -1], { ...f64, requiresGrad: true });
  const x = I.tensor([[1, 2], [3, -1], [0.5, 0.5], [2, 2], [-1, 1], [1, 0]], f64);
  const lossOf = (rows: I.Tensor) => I.mean(I.pow(I.matmul(rows, w), 2));
  const mean = accumulateGradients(3, (i) => lossOf(I.slice(x, 0, 2 * i, 2 * i + 2)));
  const accumulated = [...w.grad!.data()];
  w.grad!.dispose();
  w.grad = null;
  const full = lossOf(x);
  full.backward();
  close(accumulated, [...w.grad!.data()], 1e-12);
  close([mean], [full.item()], 1e-12);
});

t('a training step (forward, backward, clip, AdamW) leaves the live tensor count unchanged', () => {
  const model = new I.I3Model(I.preset('i3-test'), { generator: new I.Generator(0) });
  const opt = new AdamW(model.namedParameters(), { lr: 1e-3 });
  const ids = I.randint(32, [2, 9], { generator: new I.Generator(1) });
  const step = () => {
    opt.zeroGrad();
    accumulateGradients(2, () => model.loss(I.slice(ids, 1, 0, 8), I.slice(ids, 1, 1, 9)));
    clipGradNorm(model.parameters(), 1);
    opt.step();
  };
  step(); // the first step creates the gradients, which then live on
  const before = I.memory('cpu');
  for (let i = 0; i < 3; i++) step();
  assert.equal(I.memory('cpu'), before);
  // the moments are counted: 2 tensors per parameter
  assert.is(opt.stateDict().size, 2 * model.parameters().length);
  opt.dispose();
  model.dispose();
  ids.dispose();
});

t.run();
