// Which gpu.js code path the 'gpu' backend runs on, chosen honestly. gpu.js picks a kernel class by
// itself (HeadlessGL → WebGL2 → WebGL → WebAssembly, else CPU) and never says when it drops to a
// software one; here the choice is explicit, reported, and checked:
//   I3_GPU_MODE  auto (gpu.js's own order) | headlessgl | webgpu | webasm | cpu
//   I3_GPU=require (or { requireGpu: true })  only a real GPU code path (HeadlessGL, WebGL2, WebGL,
//                WebGPU) is accepted; anything else fails with what is missing (no `gl` build, no X
//                display, no WebGPU adapter).
//   I3_WEBGPU_BACKEND  vulkan (default: Dawn's Vulkan, e.g. an NVIDIA driver or SwiftShader through
//                VK_ICD_FILENAMES) | opengl (Dawn's OpenGL on Mesa llvmpipe; needs EGL_PLATFORM=surfaceless)
// WebGPU needs `navigator.gpu`, which Node lacks: we install Dawn's (npm `webgpu`) ourselves.
// At start-up a probe kernel checks that the path really computes in float32 (some GL drivers give
// half-float textures).

import { createRequire } from 'node:module';
import gpujs from 'gpu.js';
import type { GPU as GPUType } from 'gpu.js';

const { GPU } = gpujs as unknown as { GPU: typeof GPUType & { isHeadlessGLSupported: boolean } };
const require = createRequire(import.meta.url);

/** Which gpu.js kernel class to ask for; 'auto' tries the GPU paths first. */
/** The gpu.js path: 'auto' is gpu.js's own order (HeadlessGL, WebGL2, WebGL, WebAssembly). */
export type GpuMode = 'auto' | 'headlessgl' | 'webgpu' | 'webasm' | 'cpu';
const MODES: readonly GpuMode[] = ['auto', 'headlessgl', 'webgpu', 'webasm', 'cpu'];
/** gpu.js kernel classes that run on a GPU API (even when the driver behind it is software). */
const GPU_CLASSES = new Set(['HeadlessGLKernel', 'WebGL2Kernel', 'WebGLKernel', 'WebGPUKernel']);

/** The requested gpu.js path, and whether only a real GPU API is acceptable (I3_GPU=require). */
/** How to open the gpu backend (defaults from the environment: optionsFromEnv). */
export interface GpuOptions {
  mode?: GpuMode;
  requireGpu?: boolean;
}

/** An opened gpu.js path: the GPU object, the mode and kernel class it runs, and a description to print. */
/** The opened gpu.js path and what it really is. */
export interface GpuDevice {
  gpu: GPUType;
  mode: GpuMode;
  /** The gpu.js kernel class every kernel runs with, e.g. 'HeadlessGLKernel'. */
  kernelClass: string;
  /** True for HeadlessGL / WebGL2 / WebGL / WebGPU kernels. */
  isGpuPath: boolean;
  /** WebGPU: every kernel call and every readback is a Promise. */
  isAsync: boolean;
  /** One line for logs: kernel class and the renderer or adapter behind it. */
  description: string;
}

/** GpuOptions from I3_GPU_MODE and I3_GPU; an unknown value is an error naming the valid ones. */
/** GpuOptions from I3_GPU_MODE and I3_GPU; an unknown value is an error. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): GpuOptions {
  const mode = (env.I3_GPU_MODE ?? 'auto') as GpuMode;
  if (!MODES.includes(mode)) throw new Error(`I3_GPU_MODE='${mode}' is not one of ${MODES.join(', ')}`);
  if (env.I3_GPU !== undefined && env.I3_GPU !== 'require' && env.I3_GPU !== '') {
    throw new Error(`I3_GPU='${env.I3_GPU}': the only value is 'require' (demand a real GPU code path)`);
  }
  return { mode, requireGpu: env.I3_GPU === 'require' };
}

/** Why headless-gl cannot run here, or null when it can. */
export function headlessGlProblem(): string | null {
  let gl: (w: number, h: number) => unknown;
  try {
    gl = require('gl');
  } catch (err) {
    return `the 'gl' package (headless-gl) is not built (${(err as Error).message.split('\n')[0]}); install libxi-dev and run \`JOBS=2 npm rebuild gl\``;
  }
  if (!gl(1, 1)) return `headless-gl found no display: run under \`xvfb-run -a\` or set DISPLAY to an X server`;
  return null;
}

/** Installs Dawn as navigator.gpu; returns a description of the adapter, or throws naming what is missing. */
async function installWebGpu(env: NodeJS.ProcessEnv): Promise<string> {
  let dawn: { create(flags: string[]): { requestAdapter(o?: object): Promise<unknown> }; globals: object };
  try {
    dawn = (await import('webgpu')) as unknown as typeof dawn;
  } catch (err) {
    throw new Error(`gpu backend (webgpu): the 'webgpu' package (Dawn) does not load: ${(err as Error).message.split('\n')[0]}`);
  }
  const backend = env.I3_WEBGPU_BACKEND ?? 'vulkan';
  if (backend !== 'vulkan' && backend !== 'opengl') throw new Error(`I3_WEBGPU_BACKEND='${backend}' is not vulkan or opengl`);
  const gpu = dawn.create(backend === 'opengl' ? ['backend=opengl'] : []);
  // Dawn's OpenGL adapter is 'compatibility' level only; gpu.js asks plainly, so ask on its behalf.
  const plain = gpu.requestAdapter.bind(gpu);
  if (backend === 'opengl') gpu.requestAdapter = (o: object = {}) => plain({ ...o, featureLevel: 'compatibility' });
  const adapter = (await gpu.requestAdapter()) as { info?: { vendor?: string; architecture?: string; description?: string } } | null;
  if (!adapter) {
    const hint = backend === 'opengl'
      ? 'Dawn\'s OpenGL backend needs EGL_PLATFORM=surfaceless and Mesa (libgl1-mesa-dri, libegl1)'
      : 'no Vulkan driver: install one (a GPU driver, or point VK_ICD_FILENAMES at SwiftShader\'s vk_swiftshader_icd.json from chromium-common), or try I3_WEBGPU_BACKEND=opengl';
    throw new Error(`gpu backend (webgpu): Dawn found no WebGPU adapter (${backend}); ${hint}`);
  }
  Object.assign(globalThis, dawn.globals);
  (globalThis as { navigator?: unknown }).navigator = { gpu };
  const info = adapter.info ?? {};
  return `Dawn ${backend}: ${[info.vendor, info.architecture, info.description].filter(Boolean).join(' / ') || 'unknown adapter'}`;
}

/** Runs a tiny kernel and returns the class that actually ran it, checking float32 precision on the way. */
async function probe(gpu: GPUType, isAsync: boolean): Promise<{ kernelClass: string; renderer: string }> {
  // 16777215 = 2^24 − 1 needs all 24 mantissa bits; 1 + 2^-23 is the next float32 after 1.
  const values = new Float32Array([16777215, 1 + 2 ** -23, 1e-30, 3e38]);
  const kernel = gpu.createKernel('function (a) { return a[this.thread.x] * 1.0 + 0.0; }', { output: [4], precision: 'single', pipeline: true, immutable: true });
  let result: unknown = kernel(values);
  if (isAsync) result = await result;
  const inner = (kernel as unknown as { kernel: { constructor: { name: string }; context?: unknown } }).kernel;
  const kernelClass = inner.constructor.name;
  const renderer = rendererOf(inner.context);
  const handle = result as { toArray?: () => unknown; delete?: () => void };
  let out = (handle.toArray ? handle.toArray() : handle) as Float32Array | Promise<Float32Array>;
  out = await out;
  handle.delete?.();
  kernel.destroy?.();
  const got = Array.from(out as Float32Array);
  if (got.some((v, i) => v !== values[i])) {
    throw new Error(`gpu backend: ${kernelClass} does not compute in float32 (probe ${Array.from(values).join(', ')} came back as ${got.join(', ')}); use the cpu backend`);
  }
  return { kernelClass, renderer };
}

function rendererOf(glContext: unknown): string {
  // headless-gl reports its ANGLE layer here; Mesa's llvmpipe (under Xvfb) sits behind it.
  const context = glContext as { getParameter(p: number): string; RENDERER: number } | undefined;
  try {
    return context ? String(context.getParameter(context.RENDERER)) : '';
  } catch {
    return '';
  }
}

/** Opens the gpu.js path the options ask for; throws (never falls back) when it is not available. */
export async function openGpuDevice(options: GpuOptions = optionsFromEnv()): Promise<GpuDevice> {
  const mode = options.mode ?? 'auto';
  let detail = '';
  if (mode === 'webgpu') detail = await installWebGpu(process.env);
  if (mode === 'headlessgl' || (mode === 'auto' && options.requireGpu)) {
    const problem = headlessGlProblem();
    if (problem) {
      const alternative = mode === 'auto' ? ' (or choose WebGPU with I3_GPU_MODE=webgpu)' : '';
      throw new Error(`gpu backend: ${mode === 'auto' ? 'a real GPU path was required, but ' : ''}${problem}${alternative}`);
    }
  }
  const gpu = new GPU({ mode: mode === 'auto' ? 'gpu' : mode });
  const isAsync = mode === 'webgpu';
  const { kernelClass, renderer: glRenderer } = await probe(gpu, isAsync);
  const isGpuPath = GPU_CLASSES.has(kernelClass);
  if (options.requireGpu && !isGpuPath) {
    throw new Error(`gpu backend: a real GPU path was required (I3_GPU=require), but gpu.js runs ${kernelClass} in mode '${mode}'`);
  }
  const renderer = detail || glRenderer;
  return {
    gpu, mode, kernelClass, isGpuPath, isAsync,
    description: `gpu.js ${kernelClass} (mode ${mode}${renderer ? `, ${renderer}` : ''}${isGpuPath ? '' : ', no GPU: a CPU code path'})`,
  };
}
