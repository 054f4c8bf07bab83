// Which gpu.js code path the 'gpu' backend runs on, chosen honestly. gpu.js picks a kernel class by
// itself (HeadlessGL → WebGL2 → WebGL → WebAssembly, else CPU) and never says when it drops to a
// software one; here the choice is explicit, reported, and checked:
//   I3_GPU_MODE  auto (gpu.js's own order) | headlessgl | webgpu | webasm | cpu
//   I3_GPU=require (or { requireGpu: true })  only a real GPU code path (HeadlessGL, WebGL2, WebGL,
//                WebGPU) is accepted; anything else fails with what is missing (no `gl` build, no X
//                display, no WebGL2 in the browser, no WebGPU adapter).
// At start-up a probe kernel checks that the path really computes in float32 (some GL drivers give
// half-float textures).
//
// This file is the part shared by Node and the browser. What differs (where gpu.js comes from, how the
// GL and WebGPU paths are reached) is a GpuHost: gpu-device-node.ts here, and in the playground's
// browser build gpu-device-browser.ts, which playground/build.ts puts in the Node module's place.

import type { GPU as GPUType } from 'gpu.js';
import { gpuHost } from './gpu-device-node.ts';

/** The gpu.js path: 'auto' is gpu.js's own order (HeadlessGL, WebGL2, WebGL, WebAssembly). */
export type GpuMode = 'auto' | 'headlessgl' | 'webgpu' | 'webasm' | 'cpu';
const MODES: readonly GpuMode[] = ['auto', 'headlessgl', 'webgpu', 'webasm', 'cpu'];
/** gpu.js kernel classes that run on a GPU API (even when the driver behind it is software). */
const GPU_CLASSES = new Set(['HeadlessGLKernel', 'WebGL2Kernel', 'WebGLKernel', 'WebGPUKernel']);

/** How to open the gpu backend (defaults from the environment: optionsFromEnv). */
export interface GpuOptions {
  mode?: GpuMode;
  requireGpu?: boolean;
}

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

/** gpu.js's GPU class, from its npm build (Node) or its browser build. */
export type GpuJsClass = typeof GPUType;

/** What opening a device needs from the runtime it runs in: Node (gpu-device-node.ts) or a browser (gpu-device-browser.ts). */
export interface GpuHost {
  /** Loads gpu.js and returns its GPU class. */
  gpuJs(): Promise<GpuJsClass>;
  /** Why the GL path that `mode` would take (headless-gl in Node, WebGL2 in a browser) cannot run, or null when it can. */
  glProblem(mode: GpuMode): string | null;
  /** Makes WebGPU reachable for gpu.js; returns a description of the adapter, or throws naming what is missing. */
  webGpu(): Promise<string>;
  /** Appended when a required GPU path is missing in mode auto: the other GPU path to try. */
  otherGpuHint: string;
}

/** GpuOptions from I3_GPU_MODE and I3_GPU; an unknown value is an error. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): GpuOptions {
  const mode = (env.I3_GPU_MODE ?? 'auto') as GpuMode;
  if (!MODES.includes(mode)) throw new Error(`I3_GPU_MODE='${mode}' is not one of ${MODES.join(', ')}`);
  if (env.I3_GPU !== undefined && env.I3_GPU !== 'require' && env.I3_GPU !== '') {
    throw new Error(`I3_GPU='${env.I3_GPU}': the only value is 'require' (demand a real GPU code path)`);
  }
  return { mode, requireGpu: env.I3_GPU === 'require' };
}

/** The fields of a GPUAdapterInfo (Dawn's in Node, the browser's own) that describeAdapter prints. */
export interface AdapterInfo { vendor?: string; architecture?: string; description?: string }

/** A WebGPU adapter in one line. */
export function describeAdapter(info: AdapterInfo = {}): string {
  return [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ') || 'unknown adapter';
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

/** The GL renderer behind a kernel: headless-gl reports its ANGLE layer (Mesa's llvmpipe under Xvfb sits behind it); browsers mask RENDERER and tell the real one through WEBGL_debug_renderer_info. */
function rendererOf(glContext: unknown): string {
  const context = glContext as { getParameter(p: number): string; getExtension?(name: string): { UNMASKED_RENDERER_WEBGL: number } | null; RENDERER: number } | undefined;
  try {
    if (!context) return '';
    const unmasked = context.getExtension?.('WEBGL_debug_renderer_info');
    return String(context.getParameter(unmasked ? unmasked.UNMASKED_RENDERER_WEBGL : context.RENDERER));
  } catch {
    return '';
  }
}

/** Opens the gpu.js path the options ask for; throws (never falls back) when it is not available. */
export async function openGpuDevice(options: GpuOptions = optionsFromEnv()): Promise<GpuDevice> {
  const mode = options.mode ?? 'auto';
  let detail = '';
  if (mode === 'webgpu') detail = await gpuHost.webGpu();
  if (mode === 'headlessgl' || (mode === 'auto' && options.requireGpu)) {
    const problem = gpuHost.glProblem(mode);
    if (problem) {
      const alternative = mode === 'auto' ? gpuHost.otherGpuHint : '';
      throw new Error(`gpu backend: ${mode === 'auto' ? 'a real GPU path was required, but ' : ''}${problem}${alternative}`);
    }
  }
  const GPU = await gpuHost.gpuJs();
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
