// 07 — The same training loop on the cpu and the gpu backend: a tiny next-character model
// (embedding → layer norm → GELU MLP → output head → cross-entropy, AdamW) trained on a sentence,
// in float32 on both, printing both losses side by side and which gpu.js kernel class ran.
//
// gpu.js picks its path honestly here and says which: headless-gl when there is an X display
// (`xvfb-run -a npx tsx examples/07-cpu-vs-gpu.ts`), WebGPU on Dawn with `I3_GPU_MODE=webgpu` (a real
// GPU's Vulkan driver, or SwiftShader via VK_ICD_FILENAMES), and otherwise WebAssembly, which is a CPU
// code path. `I3_GPU=require` refuses anything but a GPU path. On a machine without a GPU every path is
// software and slower than the cpu backend; the point here is that the numbers agree.
// Run: npx tsx examples/07-cpu-vs-gpu.ts [--steps N]

import * as I from '../src/index.ts';
import { initGpu } from '../src/backend/gpu.ts';
import { AdamW } from '../src/optim/adamw.ts';

const steps = Number(process.argv[process.argv.indexOf('--steps') + 1]) || 40;
const text = 'the quick brown fox jumps over the lazy dog. ';
const chars = [...new Set(text)].sort();
const V = chars.length, C = 32, T = text.length - 1;

function train(backend: string) {
  const gen = new I.Generator(0); // same seed: both backends start from the same weights
  const param = (shape: number[], std: number) => I.randn(shape, { std, generator: gen, requiresGrad: true, backend });
  const params = {
    emb: param([V, C], 0.5), lnW: I.ones([C], { requiresGrad: true, backend }), lnB: I.zeros([C], { requiresGrad: true, backend }),
    w1: param([C, 4 * C], 1 / Math.sqrt(C)), w2: param([4 * C, V], 1 / Math.sqrt(4 * C)),
  };
  const ids = (s: string) => I.tensor(Int32Array.from([...s].map((ch) => chars.indexOf(ch))), { backend });
  const inputs = ids(text.slice(0, T)), targets = ids(text.slice(1)); // predict the next character
  const opt = new AdamW(Object.entries(params), { lr: 3e-2 });
  const losses: Promise<I.TypedArray>[] = [];
  const started = performance.now();
  for (let step = 0; step < steps; step++) {
    const loss = I.scope(() => {
      const x = I.layerNorm(I.embedding(params.emb, inputs), params.lnW, params.lnB); //  (T, C)
      const logits = I.matmul(I.gelu(I.matmul(x, params.w1)), params.w2); //               (T, V)
      const loss = I.crossEntropy(logits, targets);
      loss.backward();
      opt.step();
      opt.zeroGrad();
      return loss;
    });
    // dataAsync works on every path; WebGPU reads back only asynchronously.
    losses.push(loss.dataAsync().then((v) => (loss.dispose(), v)));
  }
  return { losses, started };
}

async function run(backend: string): Promise<{ losses: number[]; seconds: number }> {
  const { losses, started } = train(backend);
  const values = (await Promise.all(losses)).map((v) => v[0]);
  return { losses: values, seconds: (performance.now() - started) / 1000 };
}

const device = await initGpu();
console.log(`gpu backend: ${device.description}`);
if (!device.isGpuPath) console.log('(no GPU code path on this machine: the gpu backend runs gpu.js kernels on the CPU)');

const cpu = await run('cpu');
const gpu = await run('gpu');
console.log('\nstep   cpu loss   gpu loss');
for (let s = 0; s < steps; s += Math.max(1, Math.floor(steps / 8))) {
  console.log(`${String(s).padStart(4)}   ${cpu.losses[s].toFixed(4).padStart(8)}   ${gpu.losses[s].toFixed(4).padStart(8)}`);
}
const worst = Math.max(...cpu.losses.map((l, s) => Math.abs(l - gpu.losses[s])));
console.log(`\nlargest loss difference over ${steps} steps: ${worst.toExponential(2)} (float32 on both)`);
console.log(`cpu ${cpu.seconds.toFixed(2)} s, gpu (${device.kernelClass}) ${gpu.seconds.toFixed(2)} s`);
if (!(worst < 1e-2) || !(gpu.losses[steps - 1] < gpu.losses[0])) {
  console.error('the gpu run does not agree with the cpu run');
  process.exitCode = 1;
}
