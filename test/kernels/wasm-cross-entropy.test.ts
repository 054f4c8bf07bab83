// The SIMD cross-entropy kernels (kernels/wasm/cross-entropy.ts) against the TypeScript kernels
// (float64 exps and sums): loss, per-row logsumexp and the logits' gradient, on ragged vocabulary
// sizes (not multiples of 4), ignored targets, large and tiny logits, and a readable error for an
// out-of-range target.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import * as I from '../../src/index.ts';
import { crossEntropyKernels } from '../../kernels/cpu/cross-entropy.ts';
import { wasmCrossEntropyKernels } from '../../kernels/wasm/cross-entropy.ts';
import { rng } from './matmul-check.ts';

const t = suite('wasm simd cross-entropy');
const ts = crossEntropyKernels(), simd = wasmCrossEntropyKernels();

function view(dtype: 'float32' | 'int32', values: ArrayLike<number>, shape: number[], offset = 0): I.View {
  const data = dtype === 'float32' ? new Float32Array(offset + values.length) : new Int32Array(offset + values.length);
  data.set(values, offset);
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, q) => p * q, 1));
  return { storage: { backend: I.cpuBackend, dtype, size: data.length, data, refs: 1 }, dtype, shape, strides, offset };
}
const values = (v: I.View): Float32Array => (v.storage.data as Float32Array).subarray(v.offset);

/** Runs both kernel pairs on the same logits/targets and compares loss, lse and dlogits. */
function agree(N: number, V: number, spread: number, seed: number, shift = 0, ignoreIndex = -100): void {
  const random = rng(seed);
  const logits = Array.from({ length: N * V }, () => shift + (random() * 2 - 1) * spread);
  const targets = Array.from({ length: N }, (_, r) => (r % 5 === 4 ? ignoreIndex : Math.floor(random() * V)));
  const run = (k: typeof ts) => {
    const [x, tg] = [view('float32', logits, [N, V], 3), view('int32', targets, [N], 1)];
    const [loss, lse, dx] = [view('float32', [0], []), view('float32', new Array(N).fill(0), [N]), view('float32', new Array(N * V).fill(9), [N, V], 2)];
    k.crossEntropy([x, tg], [loss, lse], { ignoreIndex });
    k.crossEntropyBackward([view('float32', [1.5], []), x, tg, lse], [dx], { ignoreIndex });
    return { loss: values(loss)[0], lse: values(lse), dx: values(dx) };
  };
  const [got, want] = [run(simd), run(ts)];
  const where = `N=${N} V=${V} spread=${spread} shift=${shift}`;
  const close = (a: number, b: number, rel: number, abs: number) => Math.abs(a - b) <= rel * Math.abs(b) + abs || (Number.isNaN(a) && Number.isNaN(b));
  assert.ok(close(got.loss, want.loss, 1e-6, 1e-6), `${where}: loss ${got.loss} vs ${want.loss}`);
  for (let r = 0; r < N; r++) assert.ok(close(got.lse[r], want.lse[r], 1e-6, 1e-6), `${where}: lse[${r}] ${got.lse[r]} vs ${want.lse[r]}`);
  const scale = 1.5 / Math.max(1, targets.filter((x) => x !== ignoreIndex).length);
  for (let i = 0; i < N * V; i++) {
    // (softmax − onehot) · scale, arguments rounded to float32: ≈ |x − lse|·2⁻²⁴ relative, plus exp's
    // ulps; at the target p − 1 cancels when p ≈ 1, leaving p's float32 rounding (≈ 2⁻²⁴) as an absolute
    // error: 2e-7·scale (N=7 V=2 spread 7.5 seed 125680: p − 1 = −4.4e-5, off by 3e-8 relative to 1)
    assert.ok(close(got.dx[i], want.dx[i], 4e-6 * (1 + spread), 2e-7 * scale), `${where}: dlogits[${i}] ${got.dx[i]} vs ${want.dx[i]}`);
  }
}

t('ragged vocabulary sizes, ignored rows, small and large logits', () => {
  for (const V of [1, 2, 3, 4, 5, 17, 1024, 1027]) for (const spread of [0.1, 5, 40]) agree(6, V, spread, V);
});

t('logits far from zero (the row maximum, not a padding lane, must set the shift)', () => {
  for (const V of [3, 5, 1027]) for (const shift of [-200, 150]) agree(4, V, 2, V, shift);
});

t('property: random N, V, spread', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 300 }), fc.double({ min: 0.01, max: 60, noNaN: true }), fc.nat(1e6),
    (N, V, spread, seed) => agree(N, V, spread, seed)), { numRuns: 60, seed: 9 });
  agree(7, 2, 7.520240490815366, 125680); // p ≈ 1 at the target: found by 1,200 unseeded runs
});

t('an out-of-range target is a readable error', () => {
  const x = view('float32', [1, 2, 3, 4], [2, 2]);
  assert.throws(() => simd.crossEntropy([x, view('int32', [0, 2], [2])], [view('float32', [0], []), view('float32', [0, 0], [2])], { ignoreIndex: -100 }),
    /crossEntropy: target 2 at row 1 is outside the vocabulary \[0, 2\)/);
});

t.run();
