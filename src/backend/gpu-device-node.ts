// The Node side of opening the gpu backend (the shared part is gpu-device.ts): gpu.js's npm build, and
// the two GPU APIs Node can reach —
//   headless-gl (npm `gl`, reached through createRequire): needs its native build and an X display;
//   WebGPU: Node has no `navigator.gpu`, so we install Dawn's (npm `webgpu`) ourselves.
//     I3_WEBGPU_BACKEND  vulkan (default: Dawn's Vulkan, e.g. an NVIDIA driver or SwiftShader through
//                        VK_ICD_FILENAMES) | opengl (Dawn's OpenGL on Mesa llvmpipe; needs EGL_PLATFORM=surfaceless)
// The playground's browser build puts gpu-device-browser.ts in this module's place (playground/build.ts).

import { createRequire } from 'node:module';
import gpujs from 'gpu.js';
import { describeAdapter, type AdapterInfo, type GpuHost, type GpuJsClass } from './gpu-device.ts';

const require = createRequire(import.meta.url);

/** GpuHost.glProblem in Node: headless-gl needs its native build and an X display. */
function headlessGlProblem(): string | null {
  let gl: (w: number, h: number) => unknown;
  try {
    gl = require('gl');
  } catch (err) {
    return `the 'gl' package (headless-gl) is not built (${(err as Error).message.split('\n')[0]}); install libxi-dev and run \`JOBS=2 npm rebuild gl\``;
  }
  if (!gl(1, 1)) return `headless-gl found no display: run under \`xvfb-run -a\` or set DISPLAY to an X server`;
  return null;
}

/** GpuHost.webGpu in Node: installs Dawn as navigator.gpu. */
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
  const adapter = (await gpu.requestAdapter()) as { info?: AdapterInfo } | null;
  if (!adapter) {
    const hint = backend === 'opengl'
      ? 'Dawn\'s OpenGL backend needs EGL_PLATFORM=surfaceless and Mesa (libgl1-mesa-dri, libegl1)'
      : 'no Vulkan driver: install one (a GPU driver, or point VK_ICD_FILENAMES at SwiftShader\'s vk_swiftshader_icd.json from chromium-common), or try I3_WEBGPU_BACKEND=opengl';
    throw new Error(`gpu backend (webgpu): Dawn found no WebGPU adapter (${backend}); ${hint}`);
  }
  Object.assign(globalThis, dawn.globals);
  (globalThis as { navigator?: unknown }).navigator = { gpu };
  return `Dawn ${backend}: ${describeAdapter(adapter.info)}`;
}

/** Node: gpu.js's npm build; GL is headless-gl (mode 'headlessgl'); WebGPU is Dawn. */
export const gpuHost: GpuHost = {
  gpuJs: async () => (gpujs as unknown as { GPU: GpuJsClass }).GPU,
  glProblem: headlessGlProblem,
  webGpu: () => installWebGpu(process.env),
  otherGpuHint: ' (or choose WebGPU with I3_GPU_MODE=webgpu)',
};
