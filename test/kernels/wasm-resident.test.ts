// Weights resident in WebAssembly memory (kernels/wasm/resident.ts, blocks.ts): products read from a
// resident copy are bit-identical to the copying path; a write through any kernel (assign, an AdamW
// step) makes the copy stale and the next product sees the new values; a write that bypasses the
// kernels is NOT seen (which shows the copy really is what the product reads, so the invalidation
// tests can fail); freed storages release their copies; the budget refuses what does not fit.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { AdamW } from '../../src/optim/index.ts';
import { cpuKernels } from '../../src/backend/cpu-kernels.ts';
import { cpuBackend } from '../../src/backend/cpu.ts';
import { generateTokens } from '../../src/generate/generate.ts';
import { BlockAllocator } from '../../kernels/wasm/blocks.ts';
import { matmulF32 } from '../../kernels/wasm/matmul.ts';
import { ResidentWeights, residentBudget, residentWeights } from '../../kernels/wasm/resident.ts';
import { kernelChoice } from '../../kernels/wasm/support.ts';
import { rng } from './matmul-check.ts';

const t = suite('wasm resident weights');
const random = rng(11);
const fill = (n: number): Float32Array => Float32Array.from({ length: n }, () => random() * 2 - 1);

/** x[M,K] · B for B stored either as W[N,K] (transposed view) or as [K,N], both inside padded buffers;
 *  run(resident) multiplies them with or without resident weights. */
function product(M: number, N: number, K: number, transposed: boolean): { run: (resident?: ResidentWeights) => Float32Array; b: Float32Array } {
  const bOffset = 3, a = fill(2 + M * K), b = fill(bOffset + K * N + 5);
  const [rs, cs] = transposed ? [1, K] : [N, 1];
  const run = (resident?: ResidentWeights): Float32Array => {
    const c = new Float32Array(M * N);
    matmulF32(c, 0, a, 2, K, 1, b, bOffset, rs, cs, M, N, K, false, resident);
    return c;
  };
  return { run, b };
}

const same = (x: Float32Array, y: Float32Array, what: string): void => {
  assert.is(x.length, y.length, what);
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) assert.unreachable(`${what}: element ${i} is ${x[i]}, expected ${y[i]}`);
};

t('block allocator: first fit, merging, top, budget', () => {
  const blocks = new BlockAllocator(1000);
  const a = blocks.alloc(100), b = blocks.alloc(20), c = blocks.alloc(300);
  assert.equal([a, b, c], [0, 112, 144]); // rounded up to 16
  assert.is(blocks.top, 448);
  assert.is(blocks.alloc(600), -1); // 448 + 608 > 1000
  blocks.release(a, 100);
  assert.is(blocks.alloc(50), 0); // first fit reuses the hole
  blocks.release(0, 50);
  blocks.release(b, 20); // merges with the hole before it: 0 .. 144
  assert.is(blocks.alloc(144), 0);
  blocks.release(0, 144);
  blocks.release(c, 300); // everything free: the top comes down
  assert.is(blocks.top, 0);
  assert.is(blocks.used, 0);
});

t('resident products are bit-identical to the copying path (1-3 rows, both B directions, ragged sizes)', () => {
  const resident = new ResidentWeights(1 << 26);
  for (const M of [1, 2, 3]) for (const transposed of [true, false]) for (const [N, K] of [[1, 1], [5, 3], [17, 9], [130, 257], [2048, 64]]) {
    const p = product(M, N, K, transposed);
    const expected = p.run();
    for (let use = 0; use < 3; use++) same(p.run(resident), expected, `M ${M} N ${N} K ${K} transposed ${transposed} use ${use}`);
  }
  assert.ok(resident.stats().copies > 0, 'second uses made copies');
});

t('the copy is what the product reads: a write that bypasses the kernels is not seen, noteWrite makes it seen', () => {
  const resident = new ResidentWeights(1 << 26);
  const p = product(1, 64, 32, true);
  p.run(resident);
  const before = p.run(resident); // second use: now resident
  assert.is(resident.stats().copies, 1);
  p.b.fill(0.5); // bypasses the kernels: the resident copy still holds the old values
  same(p.run(resident), before, 'stale copy read (documents the one unsupported way to write)');
  resident.noteWrite(p.b);
  const fresh = p.run();
  same(p.run(resident), fresh, 'after noteWrite');
  assert.not.equal([...fresh], [...before]);
});

t('budget: a weight that does not fit is refused and still multiplied correctly', () => {
  const resident = new ResidentWeights(1024); // 256 floats
  const p = product(1, 40, 16, true); // 640 floats
  const expected = p.run();
  for (let use = 0; use < 3; use++) same(p.run(resident), expected, `use ${use}`);
  assert.is(resident.stats().copies, 0);
  assert.ok(resident.stats().refused > 0);
});

t('a memory the engine cannot allocate is refused like an over-budget weight, and tried again later', () => {
  const resident = new ResidentWeights(1 << 26);
  const arena = resident.arena, ensure = arena.ensure.bind(arena);
  arena.ensure = () => { throw new RangeError('WebAssembly.Memory(): could not allocate memory'); };
  const p = product(1, 300, 40, true), expected = p.run();
  for (let use = 0; use < 3; use++) same(p.run(resident), expected, `use ${use}`);
  assert.equal([resident.stats().copies, resident.stats().bytes], [0, 0]);
  assert.ok(resident.stats().refused > 0);
  arena.ensure = ensure;
  same(p.run(resident), expected, 'after');
  assert.is(resident.stats().copies, 1);
});

t('release frees the copies and, with none left, drops the big memory', () => {
  const resident = new ResidentWeights(1 << 26);
  const p = product(1, 4096, 256, true);
  p.run(resident);
  p.run(resident);
  assert.is(resident.stats().bytes, 4 * 4096 * 256);
  assert.ok(resident.stats().memoryBytes >= 4 * 4096 * 256);
  resident.release(p.b);
  assert.equal(resident.stats(), { copies: 0, bytes: 0, memoryBytes: 1 << 16, refused: 0 });
  // Freeing an array that was only seen (never copied) leaves the memory as it is.
  const q = product(1, 64, 64, true);
  q.run(resident);
  const memoryBefore = resident.arena.f32;
  resident.release(q.b);
  assert.ok(resident.arena.f32 === memoryBefore, 'no new memory for a release without copies');
});

t('I3_RESIDENT_MB: default, off, and a clear error for a bad value', () => {
  assert.is(residentBudget({}), 2048 * 2 ** 20);
  assert.is(residentBudget({ I3_RESIDENT_MB: '0' }), 0);
  assert.throws(() => residentBudget({ I3_RESIDENT_MB: 'lots' }), /I3_RESIDENT_MB='lots' must be a number of MiB/);
  assert.throws(() => residentBudget({ I3_RESIDENT_MB: '5000' }), /4 GiB/);
});

// Through the CPU backend: the kernel table's matmul keeps weights resident, and every write path
// of the engine invalidates them.
const simd = kernelChoice() === 'wasm' && residentBudget() > 0;
const reference = (x: I.Tensor, w: I.Tensor): Float32Array => {
  const [xs, ws] = [x.data() as Float32Array, w.data() as Float32Array];
  const [K, N] = [x.shape[1], w.shape[0]];
  const out = new Float32Array(N);
  matmulF32(out, 0, xs, 0, K, 1, ws, 0, 1, K, 1, N, K, false); // the copying path
  return out;
};
const logits = (x: I.Tensor, w: I.Tensor): Float32Array => I.scope(() => I.matmul(x, I.transpose(w)).data() as Float32Array);

t('backend: assign and an AdamW step invalidate the resident copy; dispose releases it; the ledger stays flat', () => {
  if (!simd) return; // the TypeScript kernels have nothing resident
  const ledger = { ...I.memory('cpu') };
  const copiesBefore = residentWeights.stats().copies, bytesBefore = residentWeights.stats().bytes;
  const w = I.randn([300, 64], { requiresGrad: true }), x = I.randn([1, 64]);
  for (let use = 0; use < 3; use++) same(logits(x, w), reference(x, w), `use ${use}`);
  assert.is(residentWeights.stats().copies, copiesBefore + 1, 'the weight became resident');

  I.noGrad(() => I.scope(() => { I.assign(w, I.mul(w, -2)); }));
  same(logits(x, w), reference(x, w), 'after assign');

  const opt = new AdamW([['w', w]], { lr: 0.1 });
  I.scope(() => I.sum(I.matmul(x, I.transpose(w))).backward());
  opt.step(); // the fused adamw kernel writes w in place
  opt.zeroGrad();
  same(logits(x, w), reference(x, w), 'after an AdamW step');

  opt.dispose();
  w.dispose();
  x.dispose();
  assert.is(residentWeights.stats().bytes, bytesBefore, 'the copy was released with its storage');
  for (const k of ['tensors', 'storages', 'bytes'] as const) assert.is(I.memory('cpu')[k], ledger[k], `ledger ${k}`);
});

t('backend: I3_RESIDENT_MB=0 gives a kernel table without residency, with the same results', () => {
  if (!simd) return;
  const off = (() => {
    const saved = process.env.I3_RESIDENT_MB;
    process.env.I3_RESIDENT_MB = '0';
    try { return cpuKernels(); } finally { if (saved === undefined) delete process.env.I3_RESIDENT_MB; else process.env.I3_RESIDENT_MB = saved; }
  })();
  I.scope(() => {
    const w = I.randn([200, 48]), x = I.randn([1, 48]), out = I.zeros([1, 200]);
    const before = residentWeights.stats().copies;
    for (let use = 0; use < 3; use++) off.matmul([x, I.transpose(w)], [out], {});
    assert.is(residentWeights.stats().copies, before, 'nothing became resident');
    same(out.data() as Float32Array, reference(x, w), 'same values');
  });
});

t('backend: generation draws the same tokens with and without resident weights', () => {
  if (!simd) return;
  const withCopies = cpuBackend.kernel('matmul', 'float32')!;
  const saved = process.env.I3_RESIDENT_MB;
  process.env.I3_RESIDENT_MB = '0';
  const without = cpuKernels().matmul;
  if (saved === undefined) delete process.env.I3_RESIDENT_MB; else process.env.I3_RESIDENT_MB = saved;
  const model = new I.I3Model(I.preset('i3-tiny'), { generator: new I.Generator(3) });
  const copiesBefore = residentWeights.stats().copies;
  const draw = (matmul: I.Kernel): number[] => {
    cpuBackend.register('matmul', matmul);
    return [...generateTokens(model, [5, 17, 99, 3], { temperature: 0.8, topK: 20, maxNewTokens: 12, seed: 4 })];
  };
  try {
    const plain = draw(without), resident = draw(withCopies);
    assert.equal(resident, plain);
    assert.ok(residentWeights.stats().copies > copiesBefore, 'the weights were resident');
  } finally {
    cpuBackend.register('matmul', withCopies);
    model.dispose();
  }
  assert.is(residentWeights.stats().copies, copiesBefore, 'disposing the model released its copies');
});

t.run();
