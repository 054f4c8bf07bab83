// GPU checks the op domains do not reach: comparisons and casts (no gradient), writes into views,
// an output bigger than the largest texture side, and a whole training step that must leave no device
// array behind. Each returns null when it passes, else what went wrong.
import * as I from '../../src/index.ts';
import { gpuBackend } from '../../src/backend/gpu.ts';
import { B_COPY_MIN_K } from '../../src/backend/gpu-kernels.ts';
import { AdamW } from '../../src/optim/adamw.ts';
import { compare, toGpu } from './helpers.ts';

const gen = new I.Generator(3);
const grid = (shape: number[]) => I.tensor(Array.from({ length: shape.reduce((p, q) => p * q, 1) }, () => gen.int(5) - 2), { shape, dtype: 'float64' });

async function sameOnBoth(f: (...xs: I.Tensor[]) => I.Tensor, ...cpu: I.Tensor[]): Promise<string | null> {
  const want = f(...cpu).data();
  const got = await f(...cpu.map((t) => toGpu(t, false))).dataAsync();
  return compare(f.name || 'result', got, want);
}

/** A tiny language model: embedding → layer norm → GELU MLP → output head → cross-entropy. */
function tinyLm(backend: string) {
  const g = new I.Generator(11);
  const p = (shape: number[], std: number) => I.randn(shape, { std, generator: g, requiresGrad: true, backend, dtype: 'float32' });
  const params = { emb: p([50, 16], 0.5), w1: p([16, 32], 0.25), w2: p([32, 50], 0.2), ln: I.ones([16], { backend, requiresGrad: true }), lb: I.zeros([16], { backend, requiresGrad: true }) };
  const ids = I.tensor(Array.from({ length: 24 }, (_, i) => (i * 7) % 50), { dtype: 'int32', shape: [2, 12], backend });
  const targets = I.tensor(Array.from({ length: 24 }, (_, i) => (i * 7 + 1) % 50), { dtype: 'int32', shape: [24], backend });
  const loss = () => {
    const x = I.layerNorm(I.embedding(params.emb, ids), params.ln, params.lb); // (2, 12, 16)
    const logits = I.matmul(I.gelu(I.matmul(x, params.w1)), params.w2); // (2, 12, 50)
    return I.crossEntropy(I.reshape(logits, [24, 50]), targets);
  };
  return { params, loss, ids, targets };
}

/** A tiny i3 model with every block kind, its parameters on `backend`, and a loss on fixed tokens. */
function tinyI3(backend: string) {
  const config: I.I3Config = { vocab_size: 40, d_model: 16, n_heads: 2, d_state: 4, ffn_mult: 4, max_seq_len: 16, block_types: ['hybrid', 'rwkv4', 'attention'] };
  const previous = I.getBackend().name;
  I.setDefaultBackend(backend); // the model creates its parameters on the default backend
  try {
    const model = new I.I3Model(config, { generator: new I.Generator(5), dtype: 'float32' });
    const ids = I.tensor(Int32Array.from({ length: 24 }, (_, i) => (i * 11) % 40), { shape: [2, 12] });
    const targets = I.tensor(Int32Array.from({ length: 24 }, (_, i) => (i * 11 + 3) % 40), { shape: [2, 12] });
    return { model, loss: () => model.loss(ids, targets) };
  } finally {
    I.setDefaultBackend(previous);
  }
}

export const extraChecks: Record<string, () => Promise<string | null>> = {
  'comparisons with ties (eq ne lt le gt ge)': async () => {
    const [a, b] = [grid([3, 4]), grid([4])];
    for (const f of [I.eq, I.ne, I.lt, I.le, I.gt, I.ge]) {
      const problem = await sameOnBoth((x, y) => f(x, y), a, b);
      if (problem) return `${f.name}: ${problem}`;
    }
    return null;
  },
  'casts: float32 → int32 truncates toward zero, int32 → float32': async () => {
    const x = I.tensor([-2.7, -0.5, 0.5, 2.7, 3], { dtype: 'float32', backend: 'gpu' });
    const ints = I.toDType(x, 'int32');
    const got = Array.from(await ints.dataAsync());
    if (got.join() !== '-2,0,0,2,3') return `toDType int32 gave ${got}`;
    return compare('back to float32', await I.toDType(ints, 'float32').dataAsync(), [-2, 0, 0, 2, 3]);
  },
  'matmul A·Bᵀ (B a transposed view) with K on both sides of B_COPY_MIN_K; on WebGPU B is copied only from there on': async () => {
    for (const K of [B_COPY_MIN_K / 2, B_COPY_MIN_K]) {
      const kernels = gpuBackend.compiledKernels;
      const problem = await sameOnBoth((a, b) => I.matmul(a, I.transpose(b)), grid([2, 3, K]), grid([2, 12, K])); // (2, 3, K)·(2, K, 12)
      if (problem) return `K = ${K}: ${problem}`;
      // WebGPU runs the tiled kernel (one new kernel), after the copy of B (a second) from B_COPY_MIN_K on.
      const compiled = gpuBackend.compiledKernels - kernels, want = K >= B_COPY_MIN_K ? 2 : 1;
      if (gpuBackend.webgpu && compiled !== want) return `K = ${K}: ${compiled} kernels compiled, expected ${want}`;
    }
    return null;
  },
  'assign into a strided slice of a parameter': async () => {
    const run = (backend: string) => I.noGrad(() => {
      const p = I.arange(0, 24, 1, { dtype: 'float32', backend });
      const m = I.reshape(p, [4, 6]);
      I.assign(I.slice(m, 1, 1, 5, 2), I.full([4, 2], -1, { backend, dtype: 'float32' }));
      return p;
    });
    return compare('parameter after the write', await run('gpu').dataAsync(), run('cpu').data());
  },
  'a 32,000 × 512 output head (wider than any texture side) round-trips and scales': async () => {
    const [V, C] = [32000, 512];
    const host = new Float32Array(V * C);
    for (let i = 0; i < host.length; i++) host[i] = (i % 1013) - 506;
    const w = I.tensor(host, { shape: [V, C], backend: 'gpu' });
    const got = await I.mul(w, 0.5).dataAsync();
    for (const i of [0, 1, C, V * C - 1, 12_345_678]) if (got[i] !== host[i] * 0.5) return `element ${i}: ${got[i]}, expected ${host[i] * 0.5}`;
    return null;
  },
  'a training step of a tiny LM matches the cpu (loss and every gradient)': async () => {
    const [cpu, gpu] = [tinyLm('cpu'), tinyLm('gpu')];
    const [lc, lg] = [cpu.loss(), gpu.loss()];
    lc.backward();
    lg.backward();
    const problem = compare('loss', await lg.dataAsync(), lc.data());
    if (problem) return problem;
    for (const name of Object.keys(cpu.params) as (keyof typeof cpu.params)[]) {
      const p = compare(`gradient of ${name}`, await gpu.params[name].grad!.dataAsync(), cpu.params[name].grad!.data());
      if (p) return p;
    }
    return null;
  },
  'an i3 model (hybrid, RWKV-v4 and attention blocks): loss and every gradient match the cpu': async () => {
    const [cpu, gpu] = [tinyI3('cpu'), tinyI3('gpu')];
    const [lc, lg] = [cpu.loss(), gpu.loss()];
    lc.backward();
    lg.backward();
    const problem = compare('loss', await lg.dataAsync(), lc.data());
    if (problem) return problem;
    const gpuParams = new Map(gpu.model.namedParameters());
    for (const [name, p] of cpu.model.namedParameters()) {
      const q = compare(`gradient of ${name}`, await gpuParams.get(name)!.grad!.dataAsync(), p.grad!.data());
      if (q) return q;
    }
    return null;
  },
  'ids computed on the device: gathered on synchronous paths, a clear error naming dataAsync on WebGPU': async () => {
    const table = I.tensor(Float32Array.from({ length: 12 }, (_, i) => i), { shape: [4, 3], backend: 'gpu' });
    const ids = I.toDType(I.tensor([3, 1], { dtype: 'float32', backend: 'gpu' }), 'int32'); // made by a kernel
    if (!gpuBackend.webgpu) return compare('rows 3 and 1', await I.embedding(table, ids).dataAsync(), [9, 10, 11, 3, 4, 5]);
    try {
      I.embedding(table, ids);
      return 'WebGPU gathered with ids it cannot read synchronously';
    } catch (err) {
      return /computed on the device .* `await ids\.dataAsync\(\)`/.test((err as Error).message) ? null : (err as Error).message;
    }
  },
  'AdamW (fused gpu kernels) matches the cpu over three steps, with and without decay, and its moments too': async () => {
    const g = new I.Generator(7);
    const host = (shape: number[]) => I.randn(shape, { generator: g, dtype: 'float64', backend: 'cpu' });
    const [w, b] = [host([5, 6]), host([6])];
    const grads = [0, 1, 2].map(() => [host([5, 6]), I.mul(host([6]), 100)]); // large and small gradients
    const run = (backend: 'cpu' | 'gpu') => {
      const params: [string, I.Tensor][] = [['w', backend === 'cpu' ? w : toGpu(w, true)], ['b', backend === 'cpu' ? b : toGpu(b, true)]];
      if (backend === 'cpu') params.forEach(([, t]) => { t.requiresGrad = true; });
      const opt = new AdamW(params, { lr: 0.05, weightDecay: 0.1, decay: 'matrices' });
      grads.forEach((gs, k) => {
        params.forEach(([, t], i) => { t.grad = I.keep(backend === 'cpu' ? gs[i] : toGpu(gs[i], false)); });
        opt.step(0.05 / (k + 1)); // a schedule: the step's scalars change every step
      });
      return [...params, ...opt.stateDict()];
    };
    const gpu = run('gpu'), cpu = run('cpu'); // the cpu run updates w and b in place, so it goes second
    for (let i = 0; i < cpu.length; i++) {
      const problem = compare(cpu[i][0], await gpu[i][1].dataAsync(), cpu[i][1].data());
      if (problem) return problem;
    }
    return null;
  },
  'AdamW on WebGPU reuses its bind groups from the 4th step on (parameters of one shape share its kernels) and frees its spare buffers with their storages': async () => {
    if (!gpuBackend.webgpu) return null;
    const webgpu = gpuBackend.webgpu;
    // Four parameters of one shape: before their results had a pool each, each took the buffer the
    // previous one had just freed, so the buffers, and with them the bind groups, changed every step.
    const liveBefore = webgpu.bytesLive;
    const params = [0, 1, 2, 3].map((i) => I.full([4096], i, { backend: 'gpu', dtype: 'float32', requiresGrad: true }));
    params.forEach((p, i) => { p.grad = I.keep(I.full([4096], i - 1.5, { backend: 'gpu', dtype: 'float32' })); });
    const opt = new AdamW(params.map((p, i) => [`p${i}`, p] as const));
    const made: number[] = [];
    for (let step = 0; step < 5; step++) {
      const before = webgpu.bindGroupsCreated;
      opt.step();
      made.push(webgpu.bindGroupsCreated - before);
      await params[0].dataAsync(); // a training step ends with a read (of its loss), which submits
    }
    opt.dispose();
    params.forEach((p) => { p.grad?.dispose(); p.dispose(); });
    const probe = I.full([1], 0, { backend: 'gpu', dtype: 'float32' });
    await probe.dataAsync(); // a read submits, and dropped spares are destroyed after a submit
    probe.dispose();
    // Steps 1–3 meet new buffers (the initial values', then each result's two); step 4 repeats step 2.
    if (!made.slice(3).every((n) => n === 0)) return `bind groups created per AdamW step: ${made} (expected 0 from the 4th step on)`;
    // Each parameter's and moment's spare buffer (16 KiB) goes when its storage is released.
    const left = webgpu.bytesLive - liveBefore;
    return left < 4096 ? null : `${left} bytes of device buffers still live after the parameters and the optimizer were disposed`;
  },
  'AdamW steps of the i3 model leave no device array, storage or tensor behind': async () => {
    const lm = tinyI3('gpu');
    const opt = new AdamW(lm.model.namedParameters(), { lr: 1e-2 });
    const step = () => I.scope(() => {
      const loss = lm.loss();
      loss.backward();
      opt.step();
      opt.zeroGrad();
      return loss;
    });
    const first = await step().dataAsync();
    const [arrays, ledger] = [gpuBackend.arrays, I.memory('gpu')]; // AdamW's moments exist from here on
    let last = first;
    for (let i = 0; i < 3; i++) {
      const loss = step();
      last = await loss.dataAsync();
      loss.dispose();
    }
    const [arraysAfter, ledgerAfter] = [gpuBackend.arrays, I.memory('gpu')];
    const same = arraysAfter === arrays && ledgerAfter.tensors === ledger.tensors && ledgerAfter.storages === ledger.storages && ledgerAfter.bytes === ledger.bytes;
    if (!same) {
      return `after 3 more steps: device arrays ${arrays} → ${arraysAfter}, tensors ${ledger.tensors} → ${ledgerAfter.tensors}, ` +
        `storages ${ledger.storages} → ${ledgerAfter.storages}, bytes ${ledger.bytes} → ${ledgerAfter.bytes}`;
    }
    if (!(last[0] < first[0])) return `loss did not go down: ${first[0]} → ${last[0]}`;
    return null;
  },
};
