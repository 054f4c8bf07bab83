// 01 — Autograd on a small MLP: learn y = sin(3x)·x from 256 noisy samples.
// Shows tensors, the functional ops, backward(), a hand-written SGD step with assign(), and scope()
// keeping the live tensor count flat. Run: npx tsx examples/01-autograd-mlp.ts [--steps N]

import * as I from '../src/index.ts';

const steps = Number(process.argv[process.argv.indexOf('--steps') + 1]) || 400;
const gen = new I.Generator(0);

// Data: x in [-2, 2], y = sin(3x)·x + noise.                       shapes: (N, 1)
const N = 256;
const xs = Array.from({ length: N }, (_, i) => -2 + (4 * i) / (N - 1));
const x = I.tensor(xs.map((v) => [v]));
const y = I.tensor(xs.map((v) => [Math.sin(3 * v) * v + 0.05 * gen.normal()]));

// A 1 → 64 → 64 → 1 MLP with tanh. Parameters are leaves that require grad.
const param = (shape: number[], std: number) => I.randn(shape, { std, generator: gen, requiresGrad: true });
const params = {
  w1: param([1, 64], 1), b1: I.zeros([64], { requiresGrad: true }),
  w2: param([64, 64], 1 / 8), b2: I.zeros([64], { requiresGrad: true }),
  w3: param([64, 1], 1 / 8), b3: I.zeros([1], { requiresGrad: true }),
};

function forward(input: I.Tensor): I.Tensor {
  const h1 = I.tanh(I.add(I.matmul(input, params.w1), params.b1)); // (N, 64)
  const h2 = I.tanh(I.add(I.matmul(h1, params.w2), params.b2)); // (N, 64)
  return I.add(I.matmul(h2, params.w3), params.b3); // (N, 1)
}

// Plain SGD with momentum, written out so every step is visible.
const velocity = new Map(Object.values(params).map((p) => [p, I.zerosLike(p)]));
const lr = 0.05, momentum = 0.9;
const started = performance.now();
for (let step = 0; step <= steps; step++) {
  const loss = I.scope(() => {
    const loss = I.mean(I.pow(I.sub(forward(x), y), 2));
    loss.backward();
    I.noGrad(() => {
      for (const p of Object.values(params)) {
        const v = velocity.get(p)!;
        I.assign(v, I.add(I.mul(v, momentum), p.grad!)); // v ← μv + g
        I.assign(p, I.sub(p, I.mul(v, lr))); //            p ← p − lr·v
        p.grad!.dispose();
        p.grad = null;
      }
    });
    return loss.item();
  });
  if (step % 50 === 0) console.log(`step ${String(step).padStart(4)}  mse ${loss.toFixed(5)}  live tensors ${I.memory('cpu').tensors}`);
}
const seconds = (performance.now() - started) / 1000;
console.log(`\n${steps} steps in ${seconds.toFixed(2)} s (${((steps * N) / seconds).toFixed(0)} samples/s)`);

// Print a few predictions against the truth.
const probe = I.tensor([[-1.5], [-0.5], [0.5], [1.5]]);
const predicted = I.noGrad(() => forward(probe)).data();
[-1.5, -0.5, 0.5, 1.5].forEach((v, i) => console.log(`x = ${v.toFixed(1).padStart(4)}   predicted ${predicted[i].toFixed(3).padStart(6)}   true ${(Math.sin(3 * v) * v).toFixed(3).padStart(6)}`));
