// i3 training-step cost per preset on the CPU, float32: forward + backward time per token, model
// FLOPs per token (counted from the matmuls actually run), the share of the step spent in the matmul
// kernel, MFU against the matmul kernel's own GFLOP/s, and the memory of parameters + gradients +
// AdamW state. Full-size presets run one step of B=1, T=64 (a step of i3-200m-v2 is ~60 GFLOP).
// Run: npm run bench -- model
import * as I from '../src/index.ts';
import { cpuBackend } from '../src/backend/cpu.ts';
import { profileKernels } from '../src/backend/profile.ts';
import { I3Model } from '../src/model/i3-model.ts';
import { preset } from '../src/model/config.ts';
import type { BenchResult } from './result.ts';

const CASES = [
  { name: 'i3-tiny', B: 4, T: 128, repeats: 3 },
  { name: 'i3-200m', B: 1, T: 64, repeats: 1 },
  { name: 'i3-80m', B: 1, T: 64, repeats: 1 },
  { name: 'i3-200m-v2', B: 1, T: 64, repeats: 1 },
];

/** 2·M·N·K for every matmul kernel call, counted by wrapping the kernel. */
function countingMatmulFlops<T>(fn: () => T): { result: T; flops: number } {
  const original = cpuBackend.kernel('matmul', 'float32')!;
  let flops = 0;
  cpuBackend.register('matmul', (inputs, outputs, attrs) => {
    const out = outputs[0].shape;
    const K = inputs[0].shape[inputs[0].shape.length - 1];
    flops += 2 * out.reduce((p, q) => p * q, 1) * K;
    original(inputs, outputs, attrs);
  });
  try {
    return { result: fn(), flops };
  } finally {
    cpuBackend.register('matmul', original);
  }
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const c of CASES) {
    const config = preset(c.name);
    const model = new I3Model(config, { generator: new I.Generator(0) });
    const gen = new I.Generator(1);
    const ids = I.randint(config.vocab_size, [c.B, c.T], { generator: gen });
    const targets = I.randint(config.vocab_size, [c.B, c.T], { generator: gen });
    const step = () => I.scope(() => {
      model.loss(ids, targets).backward();
      for (const p of model.parameters()) { p.grad?.dispose(); p.grad = null; }
    });
    const { flops } = countingMatmulFlops(step); // also warms up
    let best = Infinity, matmulMs = 0, totalMs = 0;
    for (let r = 0; r < c.repeats; r++) {
      const started = performance.now();
      const { profile } = profileKernels(cpuBackend, step);
      const ms = performance.now() - started;
      if (ms < best) {
        best = ms;
        totalMs = ms;
        matmulMs = profile.find((p) => p.kernel === 'matmul')?.ms ?? 0;
      }
    }
    const tokens = c.B * c.T;
    const params = model.numParameters();
    const label = `${c.name} (${(params / 1e6).toFixed(2)}M params, B=${c.B}, T=${c.T})`;
    results.push({ name: `${label} forward+backward`, metric: 'ms/token', value: +(totalMs / tokens).toFixed(3) });
    results.push({ name: `${label} tokens/s`, metric: 'tokens/s', value: +((tokens * 1000) / totalMs).toFixed(1) });
    results.push({ name: `${label} matmul FLOPs per token (fwd+bwd)`, metric: 'MFLOP/token', value: +(flops / tokens / 1e6).toFixed(1) });
    results.push({ name: `${label} share of step in matmul`, metric: '%', value: +((100 * matmulMs) / totalMs).toFixed(1) });
    results.push({ name: `${label} achieved GFLOP/s over the whole step`, metric: 'GFLOP/s', value: +(flops / totalMs / 1e6).toFixed(2) });
    results.push({ name: `${label} params + grads + AdamW moments (float32)`, metric: 'MB', value: +((params * 4 * 4) / 1e6).toFixed(1) });
    model.dispose();
    ids.dispose();
    targets.dispose();
  }
  return results;
}
