// GPU figures for BENCHMARKS.md, meant for a machine with a real GPU (measured on one NVIDIA H200 via
// Dawn/Vulkan): matmul GFLOP/s at the i3 shapes — the naive gpu.js kernels (our flat reference and the
// textbook 2-D grid one) vs the tiled one, side by side in one run, plus the cpu backend at the same
// shapes — kernel compile times, and the time of whole
// training steps (forward + backward + AdamW) of i3 models on the gpu and the cpu backend.
// Not part of `npm run bench` (it needs a GPU). Run:
//   I3_GPU_MODE=webgpu I3_GPU=require npx tsx bench/gpu-h200.ts [--out results.json] [--no-cpu] [--no-model]
//     [--no-matmul] [--only <shape name part>] [--models <preset,...>] (a smoke run: --only P·V --models i3-test)
// GPU timings: inputs already on the device; `reps` calls queued back to back, then one tiny kernel
// reads an element of the last output and is read back, so the time covers all the queued work.
import { writeFileSync } from 'node:fs';
import * as I from '../src/index.ts';
import { initGpu } from '../src/backend/gpu.ts';
import { AdamW } from '../src/optim/adamw.ts';
import { B_COPY_MIN_K } from '../src/backend/gpu-kernels.ts';
import { flatTiledResult, tiledMatmulKernel } from '../kernels/gpu/matmul-tiled.ts';
import { elementwiseKernel } from '../kernels/gpu/elementwise.ts';
import { naiveMatmulKernel, type MatmulSpec } from '../kernels/gpu/naive-matmul.ts';
import { divmod, flatKernel, KERNEL_SETTINGS, MAX_GPU_ELEMENTS, stridedIndices } from '../kernels/gpu/source.ts';

const args = process.argv.slice(2);
const outPath = args.includes('--out') ? args[args.indexOf('--out') + 1] : null;
const device = await initGpu();
const gpu = device.gpu;
console.log(`gpu backend: ${device.description}`);
const results: Record<string, unknown> = { device: device.description, date: new Date().toISOString(), matmul: [], model: [] };

/** Written after every row, so a run cut short still leaves what it measured. */
const save = () => outPath && writeFileSync(outPath, JSON.stringify(results, null, 2) + '\n');

type Layout = 'A·B' | 'A·Bᵀ' | 'Aᵀ·B';
interface Shape { name: string; batch: number; M: number; K: number; N: number; layout: Layout; cpu: boolean }
// The i3-200m card shapes at B·T = 1024 tokens (d_model 512, FFN 2048, vocab 32,000, 16 heads of 32, T 256),
// with the transposed products their backward passes run, and square sizes. The head's rows are 512
// tokens: 1,024 × 32,000 logits would be over the 2^24 elements a device array may hold (source.ts).
const SHAPES: Shape[] = [
  { name: 'FFN up', batch: 1, M: 1024, K: 512, N: 2048, layout: 'A·B', cpu: true },
  { name: 'FFN down', batch: 1, M: 1024, K: 2048, N: 512, layout: 'A·B', cpu: true },
  { name: 'FFN up, dX = dY·Wᵀ', batch: 1, M: 1024, K: 2048, N: 512, layout: 'A·Bᵀ', cpu: true },
  { name: 'FFN up, dW = Xᵀ·dY', batch: 1, M: 512, K: 1024, N: 2048, layout: 'Aᵀ·B', cpu: true },
  { name: 'head', batch: 1, M: 512, K: 512, N: 32000, layout: 'A·B', cpu: false },
  { name: 'head, dX = dL·Wᵀ', batch: 1, M: 512, K: 32000, N: 512, layout: 'A·Bᵀ', cpu: false },
  { name: 'head, dW = Xᵀ·dL', batch: 1, M: 512, K: 512, N: 32000, layout: 'Aᵀ·B', cpu: false },
  { name: 'attention Q·Kᵀ (64 heads·batch)', batch: 64, M: 256, K: 32, N: 256, layout: 'A·Bᵀ', cpu: true },
  { name: 'attention P·V (64 heads·batch)', batch: 64, M: 256, K: 256, N: 32, layout: 'A·B', cpu: true },
  ...[512, 1024, 2048, 4096].map((n) => ({ name: `square ${n}`, batch: 1, M: n, K: n, N: n, layout: 'A·B' as Layout, cpu: n <= 1024 })),
];

function specOf(s: Shape): MatmulSpec {
  const [ta, tb] = [s.layout === 'Aᵀ·B', s.layout === 'A·Bᵀ'];
  const batchShape = s.batch > 1 ? [s.batch] : [];
  const a = { batchStrides: s.batch > 1 ? [s.M * s.K] : [], row: ta ? 1 : s.K, col: ta ? s.M : 1, offset: 0 };
  const b = { batchStrides: s.batch > 1 ? [s.K * s.N] : [], row: tb ? 1 : s.N, col: tb ? s.K : 1, offset: 0 };
  return { batchShape, M: s.M, N: s.N, K: s.K, a, b };
}

type Run = (...a: unknown[]) => unknown;

/**
 * The textbook gpu.js matmul, a second naive peer: one thread per output as in the reference kernel,
 * but on a 2-D grid (x: column, y: row) as gpu.js examples write it, so gpu.js runs 8×8 workgroups.
 */
function naiveGridKernel(spec: MatmulSpec): Run {
  const { M, N, K, a, b } = spec;
  const rows = spec.batchShape.reduce((p, q) => p * q, 1) * M;
  const source = `function (a, b) {
  const n = this.thread.x;
  const t = this.thread.y;
  ${divmod('t', M, 'bi', 'm')}
  ${stridedIndices('bi', spec.batchShape, [{ strides: a.batchStrides, offset: a.offset }, { strides: b.batchStrides, offset: b.offset }])}
  const ar = ix0 + m * ${a.row};
  const bc = ix1 + n * ${b.col};
  let s = 0;
  for (let k = 0; k < ${K}; k++) { s += a[ar + k * ${a.col}] * b[bc + k * ${b.row}]; }
  return s;
}`;
  return gpu.createKernel(source, { ...KERNEL_SETTINGS, output: [N, rows], loopMaxIterations: K } as never) as unknown as Run;
}
/** A 2-D WebGPU result relabelled as a flat array (its bytes are row-major already). */
function flatGrid(result: unknown): unknown {
  const handle = result as { output: number[] };
  handle.output = [handle.output[0] * handle.output[1]];
  return handle;
}
const upload = (values: Float32Array) => flatKernel(gpu, 'function (a) { return a[this.thread.x]; }', values.length)(values);
const probe = gpu.createKernel('function (a) { return a[0]; }', { ...KERNEL_SETTINGS, output: [1] } as never) as unknown as Run;
async function sync(result: unknown): Promise<void> {
  const r = (await probe(result)) as { toArray(): Promise<unknown>; delete(): void };
  await r.toArray();
  r.delete();
}
const release = (r: unknown) => (r as { delete?: () => void }).delete?.();

/** First call (compile + run) and steady-state ms per call of one kernel on device-resident inputs. */
async function timeKernel(kernel: Run, inputs: unknown[], post: (r: unknown) => unknown) {
  let t0 = performance.now();
  let r = post(await kernel(...inputs));
  await sync(r);
  const firstMs = performance.now() - t0;
  release(r);
  t0 = performance.now();
  r = post(await kernel(...inputs));
  await sync(r);
  const oneMs = performance.now() - t0;
  release(r);
  const reps = Math.max(3, Math.min(200, Math.ceil(400 / oneMs)));
  t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const out = post(await kernel(...inputs));
    if (i === reps - 1) await sync(out);
    release(out);
  }
  return { firstMs, ms: (performance.now() - t0) / reps, reps };
}

function cpuMatmulMs(s: Shape): number {
  const rand = (shape: number[]) => I.rand(shape, { dtype: 'float32', backend: 'cpu' });
  return I.scope(() => {
    const lead = s.batch > 1 ? [s.batch] : [];
    const a = s.layout === 'Aᵀ·B' ? I.transpose(rand([...lead, s.K, s.M])) : rand([...lead, s.M, s.K]);
    const b = s.layout === 'A·Bᵀ' ? I.transpose(rand([...lead, s.N, s.K])) : rand([...lead, s.K, s.N]);
    I.matmul(a, b); // warm-up
    const t0 = performance.now();
    I.matmul(a, b);
    return performance.now() - t0;
  });
}

/** For A·Bᵀ: a kernel pair copying B (stored (…, N, K)) to (…, K, N), then the tiled A·B on the copy. */
function transposedB(s: Shape): [Run, Run[]] {
  const lead = s.batch > 1 ? [s.batch] : [];
  const copy = elementwiseKernel(gpu, { shape: [...lead, s.K, s.N], operands: [{ strides: [...(s.batch > 1 ? [s.N * s.K] : []), 1, s.K], offset: 0 }], names: ['x'], expr: 'x' }) as unknown as Run;
  const spec = specOf({ ...s, layout: 'A·B' });
  const tiled = tiledMatmulKernel(gpu, spec) as unknown as Run;
  const run: Run = async (a: unknown, b: unknown) => {
    const bT = await copy(b);
    const r = await tiled(a, bT);
    release(bT);
    return r;
  };
  return [run, [copy, tiled]];
}

const gflops = (s: Shape, ms: number) => +((2 * s.batch * s.M * s.N * s.K) / (ms * 1e6)).toFixed(1);
if (!args.includes('--no-matmul')) {
  console.log('\nshape                               layout   naive GFLOP/s  naive 2-D grid  tiled GFLOP/s  tiled/naive  tiled/naive 2-D  cpu GFLOP/s  compile ms (naive, tiled)');
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : '';
  for (const s of SHAPES.filter((x) => x.name.includes(only))) {
    const spec = specOf(s);
    const sizeA = s.batch * s.M * s.K, sizeB = s.batch * s.K * s.N;
    const [a, b] = [await upload(Float32Array.from({ length: sizeA }, () => Math.random() - 0.5)), await upload(Float32Array.from({ length: sizeB }, () => Math.random() - 0.5))];
    // Naive and tiled alternate twice; each keeps its better round (the GPU clock ramps up).
    const nk = naiveMatmulKernel(gpu, spec) as unknown as Run, direct = tiledMatmulKernel(gpu, spec) as unknown as Run, gk = naiveGridKernel(spec);
    // A·Bᵀ: what the backend runs — from K = B_COPY_MIN_K on, B copied to (…, K, N), then the tiled A·B
    // (src/backend/gpu-kernels.ts); below it the tiled kernel on the strided B.
    const copiesB = s.layout === 'A·Bᵀ' && s.K >= B_COPY_MIN_K;
    const [tk, extra] = copiesB ? transposedB(s) : [direct, []];
    const n1 = await timeKernel(nk, [a, b], (r) => r), t1 = await timeKernel(tk, [a, b], flatTiledResult);
    const n2 = await timeKernel(nk, [a, b], (r) => r), t2 = await timeKernel(tk, [a, b], flatTiledResult);
    const g1 = await timeKernel(gk, [a, b], flatGrid), g2 = await timeKernel(gk, [a, b], flatGrid);
    const [naiveMs, tiledMs, gridMs] = [Math.min(n1.ms, n2.ms), Math.min(t1.ms, t2.ms), Math.min(g1.ms, g2.ms)];
    const directMs = copiesB ? (await timeKernel(direct, [a, b], flatTiledResult)).ms : null;
    const cpuMs = s.cpu && !args.includes('--no-cpu') ? cpuMatmulMs(s) : null;
    const row = {
      shape: `${s.name} (${s.batch > 1 ? `${s.batch}×` : ''}${s.M}×${s.K})·(${s.K}×${s.N})`, layout: s.layout,
      naiveGflops: gflops(s, naiveMs), naiveGridGflops: gflops(s, gridMs), tiledGflops: gflops(s, tiledMs),
      speedup: +(naiveMs / tiledMs).toFixed(2), speedupOverGrid: +(gridMs / tiledMs).toFixed(2),
      cpuGflops: cpuMs === null ? null : gflops(s, cpuMs), naiveMs: +naiveMs.toFixed(3), tiledMs: +tiledMs.toFixed(3),
      compileMs: { naive: +n1.firstMs.toFixed(1), tiled: +t1.firstMs.toFixed(1) },
      ...(directMs === null ? {} : { tiledWithoutBCopyGflops: gflops(s, directMs) }),
    };
    (results.matmul as unknown[]).push(row);
    save();
    console.log(`${row.shape.padEnd(36)} ${s.layout.padEnd(7)} ${String(row.naiveGflops).padStart(13)}  ${String(row.naiveGridGflops).padStart(14)}  ${String(row.tiledGflops).padStart(13)}  ${String(row.speedup).padStart(11)}  ${String(row.speedupOverGrid).padStart(15)}  ${String(row.cpuGflops ?? '-').padStart(11)}  ${row.compileMs.naive}, ${row.compileMs.tiled}`);
    release(a); release(b);
    for (const k of [nk, direct, gk, ...extra]) (k as unknown as { destroy?: () => void }).destroy?.();
    if (directMs !== null) console.log(`${''.padEnd(44)} tiled without the B copy: ${gflops(s, directMs)} GFLOP/s`);
  }
}

/** ms per training step (forward, backward, AdamW) of a preset on a backend: first step and the mean of the next ones. */
async function modelSteps(kind: string, name: string, B: number, T: number, steps: number) {
  const previous = I.getBackend().name;
  const backend = kind === 'cpu' ? 'cpu' : 'gpu';
  // 'gpu naive': the same backend with the naive matmul kernel everywhere (src/backend/gpu-kernels.ts).
  if (kind === 'gpu naive') process.env.I3_GPU_MATMUL = 'naive';
  else delete process.env.I3_GPU_MATMUL;
  I.setDefaultBackend(backend);
  try {
    const config = I.preset(name);
    const model = new I.I3Model(config, { generator: new I.Generator(0), dtype: 'float32' });
    const ids = I.tensor(Int32Array.from({ length: B * T }, (_, i) => (i * 7919) % config.vocab_size), { shape: [B, T] });
    const targets = I.tensor(Int32Array.from({ length: B * T }, (_, i) => (i * 7919 + 1) % config.vocab_size), { shape: [B, T] });
    const opt = new AdamW(model.namedParameters(), { lr: 1e-4 });
    const step = () => I.scope(() => {
      const loss = model.loss(ids, targets);
      loss.backward();
      opt.step();
      opt.zeroGrad();
      return loss;
    });
    const firstParam = model.namedParameters()[0][1];
    const finish = async (loss: I.Tensor) => { const v = (await loss.dataAsync())[0]; loss.dispose(); await firstParam.dataAsync(); return v; };
    let t0 = performance.now();
    const firstLoss = await finish(step());
    const firstMs = performance.now() - t0;
    t0 = performance.now();
    let lastLoss = firstLoss;
    for (let i = 0; i < steps; i++) lastLoss = await finish(step());
    const ms = (performance.now() - t0) / steps;
    opt.dispose();
    model.dispose();
    return { backend: kind, preset: name, B, T, params: model.numParameters(), firstMs: Math.round(firstMs), ms: Math.round(ms), tokensPerS: +((B * T * 1000) / ms).toFixed(1), firstLoss, lastLoss };
  } finally {
    I.setDefaultBackend(previous);
  }
}

if (!args.includes('--no-model')) {
  const models = args.includes('--models') ? args[args.indexOf('--models') + 1].split(',') : ['i3-tiny', 'i3-200m'];
  const plans: [string, string, number, number, number][] = [];
  for (const name of models) {
    const { max_seq_len: maxT, vocab_size: V } = I.preset(name), T = Math.min(64, maxT);
    // The largest batch (≤ 4) of full-length sequences whose logits (B·T × vocabulary) fit one device array.
    const B = Math.max(1, Math.min(4, Math.floor(MAX_GPU_ELEMENTS / (maxT * V))));
    plans.push(['gpu', name, 1, T, 3], ['gpu naive', name, 1, T, 3], ['gpu', name, B, maxT, 3]);
    if (!args.includes('--no-cpu')) plans.push(['cpu', name, 1, T, 1], ['cpu', name, B, maxT, 1]);
  }
  console.log('\nbackend    preset    B×T      first step ms  ms/step  tokens/s  loss first → last');
  for (const [backend, name, B, T, steps] of plans) {
    const r = await modelSteps(backend, name, B, T, steps);
    (results.model as unknown[]).push(r);
    save();
    console.log(`${backend.padEnd(10)} ${name.padEnd(9)} ${`${B}×${T}`.padEnd(8)} ${String(r.firstMs).padStart(13)}  ${String(r.ms).padStart(7)}  ${String(r.tokensPerS).padStart(8)}  ${r.firstLoss.toFixed(4)} → ${r.lastLoss.toFixed(4)}`);
  }
}

save();
process.exit(0);
