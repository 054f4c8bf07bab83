// Child process of generation.test.ts, on the gpu.js path chosen by I3_GPU_MODE (see paths.ts). With the
// bundled model it (1) generates greedily on the gpu backend with streamTokens, counting the kernels
// compiled while each token was made, and (2) feeds the same ids through step() on the gpu (float32)
// and on the cpu (float64), comparing the logits of every position. Prints `GENERATION {json}` last.
// Usage: [xvfb-run -a] npx tsx test/gpu/generation.ts [new tokens]
import * as I from '../../src/index.ts';
import { gpuBackend, initGpu } from '../../src/backend/gpu.ts';
import { BUNDLED_MODEL } from '../../src/cli/generate.ts';
import { streamTokens } from '../../src/generate/generate.ts';
import { loadModelFolder } from '../../src/io/model-folder.ts';
import type { I3Model, ModelState } from '../../src/model/i3-model.ts';
import { compare } from './helpers.ts';

const newTokens = Number(process.argv[2] ?? 22);
const device = await initGpu();

/** Runs fn with `name` as the default backend (ids tensors made inside land there). */
async function on<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const previous = I.getBackend().name;
  I.setDefaultBackend(name);
  try {
    return await fn();
  } finally {
    I.setDefaultBackend(previous);
  }
}

const gpu = await on('gpu', () => loadModelFolder(BUNDLED_MODEL));
const cpu = await on('cpu', () => loadModelFolder(BUNDLED_MODEL, { dtype: 'float64' }));
const prompt = gpu.tokenizer.encode('Once upon a time');

// (1) Kernels compiled per generated token.
const compiles: number[] = [];
const ids = await on('gpu', async () => {
  const out: number[] = [];
  let before = gpuBackend.compiledKernels;
  for await (const id of streamTokens(gpu.model, prompt, { maxNewTokens: newTokens, temperature: 0 })) {
    out.push(id);
    compiles.push(gpuBackend.compiledKernels - before);
    before = gpuBackend.compiledKernels;
  }
  return out;
});

/** The last position's logits after the prompt, then after each further id, as generation steps. */
async function logitsAlong(model: I3Model, backend: string): Promise<ArrayLike<number>[]> {
  const all = [...prompt, ...ids];
  const rows: ArrayLike<number>[] = [];
  let state: ModelState | null = null;
  for (let end = prompt.length; end <= all.length; end++) {
    const chunk = end === prompt.length ? all.slice(0, end) : [all[end - 1]];
    let logits!: I.Tensor;
    state = I.noGrad(() => I.scope(() => {
      const out = model.step(I.tensor([chunk], { dtype: 'int32', backend }), state, { lastLogitsOnly: true });
      logits = I.keep(out.logits);
      return out.state;
    }));
    rows.push(await logits.dataAsync());
    logits.dispose();
  }
  return rows;
}

// (2) The same positions on both backends.
const [onGpu, onCpu] = [await logitsAlong(gpu.model, 'gpu'), await logitsAlong(cpu.model, 'cpu')];
const argmax = (row: ArrayLike<number>) => Array.from(row).reduce((best, v, i, a) => (v > a[best] ? i : best), 0);
const mismatches = onGpu.map((row, i) => compare(`position ${prompt.length + i}`, row, onCpu[i])).filter((m) => m !== null);
console.log(`GENERATION ${JSON.stringify({
  kernelClass: device.kernelClass, prompt: prompt.length, ids, compiles, positions: onGpu.length, mismatches,
  greedyMatchesGpuLogits: ids.every((id, i) => id === argmax(onGpu[i])),
  cpuArgmaxAgrees: ids.filter((id, i) => id === argmax(onCpu[i])).length,
})}`);
