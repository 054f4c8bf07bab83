// Which gpu.js kernel class this browser would run (WebGL2Kernel, WebGLKernel, …): gpu.js's browser
// build (vendor/gpu-browser.min.js, a classic script defining `GPU`) runs a one-element kernel and we
// read the class of the kernel that actually ran. The engine's own `gpu` backend is not in the page
// yet, so this is shown as information next to the backend switch, not used to compute.

interface GpuJs { createKernel(source: string, options: object): ((...args: unknown[]) => unknown) & { kernel?: { constructor: { name: string } }; destroy?: () => void }; destroy?: () => void }

export async function probeGpuJs(): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = new URL('../../vendor/gpu-browser.min.js', import.meta.url).href;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('vendor/gpu-browser.min.js did not load'));
    document.head.append(script);
  });
  const GPU = (globalThis as unknown as { GPU: { GPU: new () => GpuJs } }).GPU.GPU;
  const gpu = new GPU();
  const kernel = gpu.createKernel('function (a) { return a[this.thread.x] * 2.0; }', { output: [1] });
  kernel([21]);
  const name = kernel.kernel?.constructor.name ?? 'unknown';
  kernel.destroy?.();
  gpu.destroy?.();
  return name;
}
