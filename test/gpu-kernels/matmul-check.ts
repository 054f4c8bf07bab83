// Child process of matmul-tiled.test.ts (gpu.js chooses its device once per process): runs the tiled
// and the naive GPU matmul on random specs — batched with broadcast, A·B, A·Bᵀ, Aᵀ·B, offsets, K not a
// multiple of 4 — on the gpu.js path named by argv[2] (cpu | webgpu), compares both with a float64
// triple loop over the same strides, and prints one JSON line: the kernel class that ran and failures.
import { openGpuDevice, type GpuMode } from '../../src/backend/gpu-device.ts';
import { naiveMatmulKernel, type MatmulOperand, type MatmulSpec } from '../../kernels/gpu/naive-matmul.ts';
import { flatTiledResult, tiledMatmulKernel } from '../../kernels/gpu/matmul-tiled.ts';

const mode = (process.argv[2] ?? 'cpu') as GpuMode;
const cases = Number(process.argv[3] ?? 12);
const device = await openGpuDevice({ mode, requireGpu: mode === 'webgpu' });

let seed = 12345;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

/** An operand of logical shape (batch…, R, C) stored row-major or transposed, broadcast over batch dim 0 or not. */
function operand(batch: number[], R: number, C: number, transposed: boolean, broadcast: boolean): { op: MatmulOperand; size: number } {
  const offset = Math.floor(rnd() * 3);
  const [row, col] = transposed ? [1, R] : [C, 1];
  const batchStrides: number[] = [];
  let stride = R * C;
  for (let d = batch.length - 1; d >= 0; d--) {
    batchStrides[d] = broadcast && d === 0 ? 0 : stride;
    if (!(broadcast && d === 0)) stride *= batch[d];
  }
  return { op: { batchStrides, row, col, offset }, size: offset + stride };
}

function reference(spec: MatmulSpec, a: Float32Array, b: Float32Array): Float64Array {
  const batches = spec.batchShape.reduce((p, q) => p * q, 1);
  const out = new Float64Array(batches * spec.M * spec.N);
  for (let t = 0; t < batches; t++) {
    let ao = spec.a.offset, bo = spec.b.offset, rest = t;
    for (let d = spec.batchShape.length - 1; d >= 0; d--) {
      const c = rest % spec.batchShape[d];
      rest = Math.floor(rest / spec.batchShape[d]);
      ao += c * spec.a.batchStrides[d];
      bo += c * spec.b.batchStrides[d];
    }
    for (let m = 0; m < spec.M; m++) for (let n = 0; n < spec.N; n++) {
      let s = 0;
      for (let k = 0; k < spec.K; k++) s += a[ao + m * spec.a.row + k * spec.a.col] * b[bo + k * spec.b.row + n * spec.b.col];
      out[(t * spec.M + m) * spec.N + n] = s;
    }
  }
  return out;
}

async function flat(result: unknown): Promise<Float32Array> {
  const r = (await result) as { toArray?: () => unknown };
  const values = await (r.toArray ? r.toArray() : r);
  (r as { delete?: () => void }).delete?.();
  return values instanceof Float32Array ? values : Float32Array.from(values as number[]);
}

function mismatch(what: string, got: Float32Array, want: Float64Array, K: number): string | null {
  if (got.length !== want.length) return `${what}: ${got.length} values, expected ${want.length}`;
  const tol = 1e-5 * Math.max(1, K); // float32 sums of K products of values in [-1, 1)
  for (let i = 0; i < want.length; i++) if (!(Math.abs(got[i] - want[i]) <= tol)) return `${what}: element ${i} is ${got[i]}, float64 ${want[i]}`;
  return null;
}

const failures: string[] = [];
const covered = new Set<string>();
for (let c = 0; c < cases; c++) {
  const batch = pick([[], [2], [3, 2]]);
  const M = 1 + Math.floor(rnd() * 9), N = 4 * (1 + Math.floor(rnd() * 5)), K = 1 + Math.floor(rnd() * 23);
  const [ta, tb] = [c % 3 === 2, c % 3 === 1]; // Aᵀ·B, A·Bᵀ, A·B in turn
  const bcast = batch.length > 0 && rnd() < 0.5;
  const A = operand(batch, M, K, ta, bcast && c % 2 === 0), B = operand(batch, K, N, tb, bcast && c % 2 === 1);
  const spec: MatmulSpec = { batchShape: batch, M, N, K, a: A.op, b: B.op };
  const a = Float32Array.from({ length: A.size }, () => rnd() * 2 - 1), b = Float32Array.from({ length: B.size }, () => rnd() * 2 - 1);
  const want = reference(spec, a, b);
  const name = `${ta ? 'Aᵀ' : 'A'}·${tb ? 'Bᵀ' : 'B'} batch [${batch}] ${M}x${K}x${N}${bcast ? ' broadcast' : ''}`;
  covered.add(`${ta ? 'Aᵀ' : 'A'}·${tb ? 'Bᵀ' : 'B'}`);
  const tiled = tiledMatmulKernel(device.gpu, spec), naive = naiveMatmulKernel(device.gpu, spec);
  const raw = await tiled(a, b);
  const ranClass = (tiled as unknown as { kernel: { constructor: { name: string } } }).kernel.constructor.name;
  if (ranClass !== device.kernelClass) failures.push(`${name}: tiled kernel ran as ${ranClass}, not ${device.kernelClass}`);
  const m1 = mismatch(`tiled ${name}`, await flat(flatTiledResult(raw)), want, K);
  const m2 = mismatch(`naive ${name}`, await flat(naive(a, b)), want, K);
  for (const m of [m1, m2]) if (m) failures.push(m);
}
// One product with more outputs than float32 divides exactly by the plain floor((i + 0.5) / N): its flat
// index runs past 5.4M, where on SwiftShader that gave a wrong row before the divmod correction (kernels/gpu/source.ts).
{
  const spec: MatmulSpec = { batchShape: [], M: 6000, N: 1000, K: 1, a: { batchStrides: [], row: 1, col: 1, offset: 0 }, b: { batchStrides: [], row: 1000, col: 1, offset: 0 } };
  const a = Float32Array.from({ length: spec.M }, (_, m) => m), b = Float32Array.from({ length: spec.N }, (_, n) => (n % 7) - 3);
  const want = reference(spec, a, b);
  const m1 = mismatch('tiled large-index 6000x1x1000', await flat(flatTiledResult(await tiledMatmulKernel(device.gpu, spec)(a, b))), want, 1);
  const m2 = mismatch('naive large-index 6000x1x1000', await flat(naiveMatmulKernel(device.gpu, spec)(a, b)), want, 1);
  for (const m of [m1, m2]) if (m) failures.push(m);
}
console.log(JSON.stringify({ kernelClass: device.kernelClass, cases, covered: [...covered], failures }));
process.exit(0);
