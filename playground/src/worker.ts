// The engine's side of the playground, in a Web Worker (a module worker). The page names what to compute
// on in the URL (?compute=wasm|ts|gpu|webgpu). kernels/wasm/support.ts reads the CPU kernel set from
// `process.env.I3_KERNELS` and src/backend/gpu-device.ts the gpu.js path from I3_GPU_MODE / I3_GPU, so we
// set those before the engine is imported (dynamically, below). gpu / webgpu: the engine's own gpu
// backend, opened as the CLI's --backend gpu does (src/backend/gpu-select.ts) through gpu.js's browser
// build, on WebGL2 (mode auto) or WebGPU; a real GPU API is required (I3_GPU=require), so a browser
// without one says why instead of running gpu.js's CPU fallback under the name gpu.
// Reads are asynchronous (streamTokens, accumulateGradientsAsync, clipGradNormAsync): WebGPU has no
// synchronous readback, and the other backends read the same way at no measurable cost.
// Generation streams text: each token's text goes to the page as soon as it is sampled.
// Training is a fresh small i3 on the given text with the loaded model's tokenizer, one message per
// step; between steps the worker yields so a 'stop' from the page is seen.

import type { Compute, FolderFiles, GenerateRequest, GpuInfo, Reply, Request, TrainRequest } from './protocol.ts';

const compute = (new URL(self.location.href).searchParams.get('compute') ?? 'wasm') as Compute;
(globalThis as { process?: unknown }).process = { env: { I3_KERNELS: compute === 'ts' ? 'ts' : 'wasm', I3_GPU_MODE: compute === 'webgpu' ? 'webgpu' : 'auto', I3_GPU: 'require' } };
// streamTokens yields to the event loop with Node's setImmediate; a posted message is a browser's
// equivalent (setTimeout(0) is clamped to 4 ms once nested, which would cap generation near 250 tokens/s).
const immediate = new MessageChannel(), queued: (() => void)[] = [];
immediate.port1.onmessage = () => queued.shift()!();
(globalThis as { setImmediate?: unknown }).setImmediate = (f: () => void) => { queued.push(f); immediate.port2.postMessage(null); };

const [{ getBackend }, { selectBackend }, { tensor }, { modelFromFiles }, { streamTokens }, { I3Model }, { AdamW, warmupCosine, clipGradNormAsync, accumulateGradientsAsync },
  { RandomWindows }, { eosId }, { RECIPES }, { wasmSimdSupported }] = await Promise.all([
  import('../../src/backend/cpu.ts').then(() => import('../../src/backend/backend.ts')), import('../../src/backend/gpu-select.ts'),
  import('../../src/tensor/create.ts'), import('../../src/io/model-files.ts'), import('../../src/generate/generate.ts'),
  import('../../src/model/i3-model.ts'), import('../../src/optim/index.ts'), import('../../src/data/windows.ts'),
  import('../../src/io/tokenizer-file.ts'), import('../../src/train/presets.ts'), import('../../kernels/wasm/support.ts'),
]);

type Loaded = ReturnType<typeof modelFromFiles>;
let loaded: Loaded | null = null;
let stopRequested = false;

const reply = (message: Reply) => postMessage(message);
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0)); // lets queued messages ('stop') arrive

function load(files: FolderFiles): void {
  loaded?.model.dispose();
  loaded = modelFromFiles(files);
  reply({ kind: 'loaded', source: files.source, parameters: loaded.model.numParameters(), vocab: loaded.tokenizer.vocabSize, notes: loaded.notes });
}

/** Streams the continuation; text is decoded from all new ids each time, holding back an incomplete UTF-8 character (U+FFFD at the end). */
async function generate(r: GenerateRequest): Promise<void> {
  if (!loaded) throw new Error('generate: no model is loaded yet; wait for the bundled model or drop a model folder');
  const { model, tokenizer } = loaded;
  const ids: number[] = [];
  let shown = 0;
  const started = performance.now();
  for await (const id of streamTokens(model, tokenizer.encode(r.prompt), { ...r, eosId: eosId(tokenizer) })) {
    ids.push(id);
    const text = tokenizer.decode(ids);
    const settled = text.endsWith('\uFFFD') ? text.slice(0, -1) : text;
    if (settled.length > shown) { reply({ kind: 'token', text: settled.slice(shown) }); shown = settled.length; }
  }
  const text = tokenizer.decode(ids);
  if (text.length > shown) reply({ kind: 'token', text: text.slice(shown) });
  reply({ kind: 'generated', tokens: ids.length, seconds: (performance.now() - started) / 1000 });
}

/** Trains a fresh model of the `demo` recipe's shape (src/train/presets.ts) on `text`: AdamW, warmup + cosine, clip 1. */
async function train(r: TrainRequest): Promise<void> {
  if (!loaded) throw new Error('train: the tokenizer comes from the loaded model, and none is loaded yet');
  const { tokenizer } = loaded;
  const tokens = Int32Array.from(tokenizer.encode(r.text));
  if (tokens.length < r.seqLen + 2) throw new Error(`train: the text is ${tokens.length} tokens, too few for windows of ${r.seqLen + 1}; paste more text or lower the window length`);
  const demo = RECIPES.demo!;
  const config = { ...(demo.model as Exclude<typeof demo.model, string>), vocab_size: tokenizer.vocabSize, max_seq_len: Math.max(64, r.seqLen) };
  const model = new I3Model(config);
  const optimizer = new AdamW(model.namedParameters(), { lr: r.lr, betas: demo.betas, eps: demo.eps, weightDecay: demo.weightDecay });
  const schedule = warmupCosine({ peak: r.lr, warmup: Math.min(demo.warmup, Math.floor(r.steps / 5)), total: r.steps, floor: demo.minLrFraction });
  const windows = new RandomWindows(tokens, r.batch, r.seqLen, 0);
  reply({ kind: 'trainStart', parameters: model.numParameters(), tokens: tokens.length });
  const started = performance.now();
  let step = 0;
  stopRequested = false;
  try {
    for (; step < r.steps && !stopRequested; step++) {
      optimizer.zeroGrad();
      const batch = windows.batch(step);
      const shape = [batch.B, batch.T];
      const loss = await accumulateGradientsAsync(1, () => model.loss(tensor(batch.x, { dtype: 'int32', shape }), tensor(batch.y, { dtype: 'int32', shape })));
      if (!Number.isFinite(loss)) throw new Error(`train: the loss is ${loss} at step ${step + 1}; lower the learning rate`);
      await clipGradNormAsync(model.parameters(), 1);
      optimizer.step(schedule(step));
      const seconds = (performance.now() - started) / 1000;
      reply({ kind: 'step', step: step + 1, steps: r.steps, loss, tokensPerSecond: ((step + 1) * batch.B * batch.T) / seconds, seconds });
      await nextTask();
    }
    model.eval();
    const prompt = tokenizer.encode('Once upon a time');
    const ids: number[] = [];
    for await (const id of streamTokens(model, prompt, { maxNewTokens: r.sampleTokens, temperature: 0 })) ids.push(id);
    const sample = tokenizer.decode(ids);
    reply({ kind: 'trained', step, sample: 'Once upon a time' + sample });
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** Makes the chosen backend the default one (the model is created there); for gpu, the gpu.js path it really runs. */
async function openBackend(): Promise<GpuInfo | null> {
  if (compute === 'wasm' || compute === 'ts') {
    await selectBackend('cpu');
    return null;
  }
  await selectBackend('gpu'); // I3_GPU_MODE above: auto (WebGL2) or webgpu
  const { kernelClass, description } = (await import('../../src/backend/gpu.ts')).gpuBackend.device!;
  return { kernelClass, description };
}

/** Runs one request; replies with an error message instead of throwing. */
async function handle(message: Exclude<Request, { kind: 'stop' }>): Promise<void> {
  try {
    if (message.kind === 'load') load(message.files);
    else if (message.kind === 'generate') await generate(message.request);
    else await train(message.request);
  } catch (err) {
    reply({ kind: 'error', message: (err as Error).message });
  }
}

// One request at a time (a model dropped during a generation is loaded after it); 'stop' acts at once.
let queue = Promise.resolve();
self.onmessage = (event: MessageEvent<Request>) => {
  const message = event.data;
  if (message.kind === 'stop') stopRequested = true;
  else queue = queue.then(() => handle(message));
};

try {
  const gpu = await openBackend();
  reply({ kind: 'ready', compute, backend: getBackend().name, simd: wasmSimdSupported(), gpu });
} catch (err) {
  // Nothing to compute on: the page says why (and starts another worker when the choice changes).
  reply({ kind: 'unavailable', compute, message: (err as Error).message });
}
