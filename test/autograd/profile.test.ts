// The profiler (src/backend/profile.ts) and its table (profile-table.ts): which frames it books under
// which phase, that self times add up, exact allocation counts, pausing, and that the kernels are
// put back. No timing thresholds: only counts, structure and sums.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { cpuBackend } from '../../src/backend/cpu.ts';
import { Profiler, profileKernels, inPhase } from '../../src/backend/profile.ts';
import { formatProfile } from '../../src/backend/profile-table.ts';

const t = suite('profiler');
const row = (r: ReturnType<Profiler['finish']>, op: string, phase: string) => r.ops.find((o) => o.op === op && o.phase === phase);

t('forward ops, backward rules and a caller-named phase are booked separately', () => {
  const a = I.randn([3, 4], { dtype: 'float64', requiresGrad: true });
  const b = I.randn([4, 5], { dtype: 'float64', requiresGrad: true });
  const p = new Profiler(cpuBackend);
  p.resume();
  I.scope(() => I.sum(I.matmul(a, b)).backward());
  inPhase('optimizer', () => I.noGrad(() => I.scope(() => I.mul(a, 2))));
  const r = p.finish();
  assert.is(row(r, 'matmul', 'forward')?.calls, 1);
  assert.is(row(r, 'sum', 'forward')?.calls, 1);
  // matmul's backward rule (one frame) runs two matmuls of its own (dA = g·Bᵀ, dB = Aᵀ·g)
  assert.is(row(r, 'matmul', 'backward')?.calls, 3);
  assert.is(row(r, 'mul', 'optimizer')?.calls, 1);
  assert.is(row(r, 'mul', 'forward'), undefined);
  assert.is(r.kernels.find((k) => k.kernel === 'matmul')?.calls, 3);
  const selfTotal = r.ops.reduce((s, o) => s + o.ms, 0);
  assert.ok(selfTotal <= r.ms + 1e-9, `self times ${selfTotal} ms within the ${r.ms} ms profiled`);
  for (const o of r.ops) assert.ok(o.ms >= 0, `${o.op} ${o.phase}: ${o.ms} ms`);
  for (const x of [a, b, a.grad!, b.grad!]) x.dispose();
});

t('allocations are exact: one add allocates one storage; a view allocates none', () => {
  const x = I.zeros([4, 5], { dtype: 'float64' });
  const p = new Profiler(cpuBackend);
  p.resume();
  const y = I.add(x, x); // 20 float64 = 160 bytes
  const v = I.transpose(y);
  const r = p.finish();
  assert.equal(r.allocations, { storages: 1, bytes: 160, tensors: 2 });
  for (const z of [x, y, v]) z.dispose();
});

t('nothing is counted while paused; report() keeps running; finish() restores the kernels', () => {
  const original = cpuBackend.kernel('add', 'float32');
  const x = I.ones([8]);
  const p = new Profiler(cpuBackend);
  assert.throws(() => new Profiler(cpuBackend), /another profiler is already active/);
  assert.not.equal(cpuBackend.kernel('add', 'float32'), original);
  I.scope(() => I.add(x, x)); // not resumed yet
  p.resume();
  I.scope(() => I.add(x, x));
  assert.is(p.report().ops.find((o) => o.op === 'add')?.calls, 1);
  I.scope(() => I.add(x, x));
  p.pause();
  I.scope(() => I.add(x, x));
  const r = p.finish();
  assert.is(r.ops.find((o) => o.op === 'add')?.calls, 2);
  assert.is(r.kernels.find((k) => k.kernel === 'add')?.calls, 2);
  assert.is(cpuBackend.kernel('add', 'float32'), original);
  x.dispose();
});

t('profileKernels restores the kernels when fn throws', () => {
  const original = cpuBackend.kernel('matmul', 'float32');
  assert.throws(() => profileKernels(cpuBackend, () => { throw new Error('boom'); }), /boom/);
  assert.is(cpuBackend.kernel('matmul', 'float32'), original);
  const p = new Profiler(cpuBackend); // no profiler left active
  p.finish();
});

t('a Linear layer\'s backward copies nothing: its weight gradient is computed in the weight\'s layout', () => {
  const lin = new I.Linear(8, 5, { generator: new I.Generator(1) });
  const x = I.randn([2, 3, 8], { generator: new I.Generator(2), requiresGrad: true });
  const p = new Profiler(cpuBackend);
  p.resume();
  I.scope(() => I.sum(lin.forward(x)).backward());
  const r = p.finish();
  assert.is(r.kernels.find((k) => k.kernel === 'copy'), undefined, JSON.stringify(r.kernels));
  assert.ok(lin.weight.grad!.isContiguous);
  // and the values: dW = Σ over rows of x, for every output row
  const rowSums = I.sum(I.reshape(x, [6, 8]), 0).data();
  const dW = lin.weight.grad!.data();
  for (let o = 0; o < 5; o++) for (let i = 0; i < 8; i++) assert.ok(Math.abs(dW[o * 8 + i] - rowSums[i]) < 1e-5, `dW[${o}, ${i}]`);
  for (const t of [x, x.grad!, ...lin.parameters().map((q) => q.grad!)]) t.dispose();
});

t('the table: per-step figures, and op rows + outside ops add up to the total', () => {
  const gen = new I.Generator(3);
  const w = I.randn([16, 16], { requiresGrad: true, generator: gen });
  const p = new Profiler(cpuBackend);
  for (let s = 0; s < 4; s++) {
    p.resume();
    I.scope(() => I.mean(I.gelu(I.matmul(I.randn([8, 16], { generator: gen }), w))).backward());
    p.pause();
    p.steps++;
  }
  const r = p.finish();
  w.grad?.dispose();
  w.dispose();
  const text = formatProfile(r, 'iteration');
  const lines = text.split('\n');
  assert.match(lines[0], new RegExp(`^profile: 4 iterations, ${(r.ms / 4).toFixed(2)} ms per iteration; matmul kernel [\\d.]+ % of the time$`));
  assert.match(lines[1], /^allocations per iteration: [\d.,]+ storages \([\d.]+ MB\), [\d.,]+ tensors/);
  const header = lines.findIndex((l) => l.startsWith('op '));
  assert.ok(lines[header].includes('forward ms') && lines[header].includes('backward ms'), lines[header]);
  const end = lines.findIndex((l) => l.startsWith('total'));
  const lastNumber = (l: string, fromEnd: number) => Number(l.trim().split(/\s+/).at(-fromEnd)!.replace(/,/g, ''));
  const rows = lines.slice(header + 1, end); // op rows and the outside-ops row; total ms is the second-to-last column (share is "x %")
  const sum = rows.reduce((s, l) => s + lastNumber(l, 3), 0);
  const total = lastNumber(lines[end], 3);
  assert.ok(Math.abs(sum - total) <= 0.01 * rows.length + 1e-9, `rows sum to ${sum}, total ${total}`);
  assert.ok(rows.some((l) => l.startsWith('matmul ')), 'a matmul row');
  assert.ok(text.includes('time per kernel'), text);
  assert.match(text, /\nall kernels +[\d.]+/);
});

t.run();
