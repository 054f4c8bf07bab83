// `--backend cpu|gpu` of the CLI. gpu.js (≈0.3 s to load) is imported only when gpu is asked for.

import { setDefaultBackend } from './backend.ts';

/**
 * Makes `name` the default backend, so the model and its data are created there (gpu: opens the gpu.js
 * path first, see gpu-device.ts). Returns the line to print for gpu, null for cpu.
 */
export async function selectBackend(name: string | undefined): Promise<string | null> {
  if (name === undefined || name === 'cpu') {
    setDefaultBackend('cpu');
    return null;
  }
  if (name !== 'gpu') throw new Error(`--backend: '${name}' is not cpu or gpu`);
  const { initGpu } = await import('./gpu.ts');
  const device = await initGpu();
  setDefaultBackend('gpu');
  return `backend: gpu, ${device.description}`;
}
