// The browser side of opening the gpu backend (the shared part is gpu-device.ts), in a page or a Web
// Worker: gpu.js's browser build, WebGL2 (in a worker on an OffscreenCanvas, which gpu.js creates
// itself when there is no document), and WebGPU through the browser's own navigator.gpu.
// playground/build.ts puts this module in the place of gpu-device-node.ts, so src/backend/gpu.ts opens
// its device through it unchanged; it copies gpu.js's browser build to vendor/ next to src/.

import { describeAdapter, type AdapterInfo, type GpuHost, type GpuJsClass, type GpuMode } from './gpu-device.ts';

/** gpu.js's browser build as the playground build lays it out: dist/src/backend/ → dist/vendor/. */
const GPU_JS = new URL('../../vendor/gpu-browser.min.js', import.meta.url).href;

/**
 * The browser build is a UMD script; run as a module it sets globalThis.GPU = { GPU, … } (a module worker
 * has no importScripts). That replaces the browser's own `GPU` (WebGPU's interface object), so whether
 * `GPU` exists says nothing: we always import it (a second import does not run it again).
 */
async function gpuJs(): Promise<GpuJsClass> {
  await import(GPU_JS);
  const umd = (globalThis as { GPU?: { GPU?: GpuJsClass } }).GPU;
  if (!umd?.GPU) throw new Error(`gpu backend: ${GPU_JS} loaded but defined no GPU class (is it gpu.js's browser build?)`);
  return umd.GPU;
}

/** GpuHost.glProblem in a browser: gpu.js tries WebGL2, then WebGL (both GPU paths). */
function webGlProblem(mode: GpuMode): string | null {
  if (mode === 'headlessgl') return `headless-gl is Node's GL; in a browser the GL path is WebGL2, taken in mode auto`;
  const inPage = typeof document !== 'undefined';
  if (!inPage && typeof OffscreenCanvas === 'undefined') return 'this worker has no OffscreenCanvas, so gpu.js has no canvas for WebGL';
  const canvas = inPage ? document.createElement('canvas') : new OffscreenCanvas(1, 1);
  const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
  if (gl) {
    gl.getExtension('WEBGL_lose_context')?.loseContext(); // browsers cap live contexts; this one was only a question
    return null;
  }
  const where = inPage ? 'the page' : 'a Web Worker (OffscreenCanvas)';
  return `this browser gives ${where} no WebGL2 or WebGL context (getContext returned null): turn on hardware acceleration, or in headless Chromium without a GPU pass --use-angle=swiftshader --enable-unsafe-swiftshader`;
}

interface NavigatorGpu { gpu?: { requestAdapter(): Promise<{ info?: AdapterInfo } | null> } }

/** GpuHost.webGpu in a browser: the browser's own navigator.gpu. */
async function webGpu(): Promise<string> {
  const gpu = (navigator as unknown as NavigatorGpu).gpu;
  if (!gpu) throw new Error('gpu backend (webgpu): this browser has no navigator.gpu (WebGPU needs a secure context, e.g. https or 127.0.0.1, and a browser that ships it)');
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('gpu backend (webgpu): navigator.gpu.requestAdapter() found no adapter (headless Chromium without a GPU gets a SwiftShader one with --enable-unsafe-webgpu)');
  return `WebGPU: ${describeAdapter(adapter.info)}`;
}

/** A page or worker: gpu.js's browser build; GL is WebGL2/WebGL; WebGPU is the browser's. */
export const gpuHost: GpuHost = {
  gpuJs,
  glProblem: webGlProblem,
  webGpu,
  otherGpuHint: ' (or choose WebGPU: mode webgpu, with a browser that offers an adapter)',
};
