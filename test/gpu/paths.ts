// The gpu.js code paths the gpu tests run, each in its own child process (gpu.js picks its device once
// per process), with what each needs and the kernel class it must report. GPU paths run with
// I3_GPU=require, so a silent fallback fails. Shared by gpu.test.ts and generation.test.ts.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Under CI a path whose prerequisites are missing fails; on a developer machine it is skipped loudly. */
export const inCi = Boolean(process.env.CI);
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Null when the 'gl' package (headless-gl) loads, else how to build it. */
export function glBuilt(): string | null {
  try {
    createRequire(import.meta.url)('gl');
    return null;
  } catch {
    return "the 'gl' package is not built (apt-get install libxi-dev, then JOBS=2 npm rebuild gl)";
  }
}

/** One gpu.js path: its environment, an optional command wrapper, and what is missing to run it (null: nothing). */
export interface GpuPath { name: string; kernelClass: string; env: Record<string, string>; wrap?: string[]; missing: () => string | null }

/** headless-gl, WebGPU on SwiftShader, WebGPU on Dawn's OpenGL, WebAssembly — in that order. */
export const PATHS: GpuPath[] = [
  {
    name: 'headless-gl under Xvfb (Mesa llvmpipe)', kernelClass: 'HeadlessGLKernel', wrap: ['xvfb-run', '-a'],
    env: { I3_GPU_MODE: 'headlessgl', I3_GPU: 'require' },
    missing: () => glBuilt() ?? (onPath('xvfb-run') ? null : 'xvfb-run is not installed (apt-get install xvfb)'),
  },
  {
    name: 'WebGPU on Dawn, SwiftShader Vulkan', kernelClass: 'WebGPUKernel',
    env: { I3_GPU_MODE: 'webgpu', I3_GPU: 'require', VK_ICD_FILENAMES: SWIFTSHADER },
    missing: () => (existsSync(SWIFTSHADER) ? null : `${SWIFTSHADER} is missing (apt-get install chromium-common libvulkan1)`),
  },
  {
    name: 'WebGPU on Dawn, OpenGL on Mesa llvmpipe', kernelClass: 'WebGPUKernel',
    env: { I3_GPU_MODE: 'webgpu', I3_GPU: 'require', I3_WEBGPU_BACKEND: 'opengl', EGL_PLATFORM: 'surfaceless' },
    missing: () => null,
  },
  { name: 'WebAssembly (a CPU code path, not a GPU)', kernelClass: 'WebAssemblyKernel', env: { I3_GPU_MODE: 'webasm' }, missing: () => null },
];
