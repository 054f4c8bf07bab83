// The tiled (four outputs per thread) GPU matmul and the naive reference kernel against a float64
// triple loop, on random batched / broadcast / transposed specs (test/gpu-kernels/matmul-check.ts, one
// child process per gpu.js path): WebGPU on Dawn with SwiftShader (the relabelled Array(4) buffer, as
// on the H200) and gpu.js's CPU kernel (the same kernel source, run as JavaScript). A missing WebGPU
// adapter is skipped loudly on a developer machine and fails under CI (CI=1).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tiledMatmulKernel } from '../../kernels/gpu/matmul-tiled.ts';
import { flatKernel, MAX_GPU_ELEMENTS } from '../../kernels/gpu/source.ts';

const t = suite('gpu-kernels: tiled matmul');
const root = fileURLToPath(new URL('../..', import.meta.url));
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';

function check(mode: string, env: Record<string, string>): { kernelClass: string; covered: string[]; failures: string[] } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/gpu-kernels/matmul-check.ts', mode, '12'], { cwd: root, encoding: 'utf8', timeout: 240_000, env: { ...process.env, ...env } });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  assert.ok(line.startsWith('{'), `no result (exit ${r.status})\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  return JSON.parse(line);
}

const paths: { name: string; mode: string; kernelClass: string; env: Record<string, string>; missing: string | null }[] = [
  { name: 'WebGPU on Dawn, SwiftShader Vulkan', mode: 'webgpu', kernelClass: 'WebGPUKernel', env: { VK_ICD_FILENAMES: SWIFTSHADER }, missing: existsSync(SWIFTSHADER) ? null : `${SWIFTSHADER} is missing (apt-get install chromium-common libvulkan1)` },
  { name: 'gpu.js CPU kernel', mode: 'cpu', kernelClass: 'CPUKernel', env: {}, missing: null },
];

for (const p of paths) {
  if (p.missing && !process.env.CI) {
    console.log(`\n!!! SKIPPED tiled matmul on '${p.name}': ${p.missing}. Under CI this fails.\n`);
    t.skip(`${p.name}: tiled and naive matmul match float64`, () => {});
    continue;
  }
  t(`${p.name}: tiled and naive matmul match float64 (A·B, A·Bᵀ, Aᵀ·B, batched, broadcast, ragged K)`, () => {
    assert.is(p.missing, null, `prerequisite missing under CI: ${p.missing}`);
    const r = check(p.mode, p.env);
    assert.is(r.kernelClass, p.kernelClass);
    assert.equal([...r.covered].sort(), ['A·B', 'A·Bᵀ', 'Aᵀ·B'].sort());
    assert.equal(r.failures, []);
  });
}

t('kernels over 2^24 elements are refused before compiling, naming the size and what to do', () => {
  // gpu.js indexes in float32; past 2^24 neighbouring integers collapse, so such a kernel would read and
  // write the wrong elements silently. The i3-200m head at 1,024 tokens (1,024 × 32,000) is one.
  const head = { batchShape: [], M: 1024, N: 32000, K: 512, a: { batchStrides: [], row: 512, col: 1, offset: 0 }, b: { batchStrides: [], row: 32000, col: 1, offset: 0 } };
  assert.throws(() => tiledMatmulKernel(null as never, head), /matmul output of 32,768,000 elements is over 2\^24 = 16,777,216.*fewer tokens per step.*cpu backend/);
  assert.throws(() => flatKernel(null as never, 'function () { return 0; }', MAX_GPU_ELEMENTS + 1), /kernel output of 16,777,217 elements is over 2\^24/);
  assert.not.throws(() => { try { flatKernel(null as never, 'function () { return 0; }', MAX_GPU_ELEMENTS); } catch (e) { if (/2\^24/.test(String(e))) throw e; } });
});

t.run();
