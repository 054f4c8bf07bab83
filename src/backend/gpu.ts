// The gpu.js backend ('gpu'). A storage holds one flat device array of `size` float32 elements: a GL
// texture (HeadlessGL/WebGL), a WebGPU buffer (WebGPU: gpu-webgpu.ts records the kernels; reads are
// asynchronous, Tensor.dataAsync), or a Float32Array where the path has no device memory (WebAssembly,
// CPU). Views index into it exactly as on the CPU. Kernels (src/backend/gpu-kernels.ts) never write in
// place: each produces a new array (gpu.js `pipeline: true, immutable: true`) that `write` places in
// the output; the array it replaces is freed at once, so a storage owns exactly one device array and
// `release` frees it. int32 (ids) is stored as float32 (exact below 2^24); ids uploaded from the host
// keep their host copy, to check ranges and build scatter indices without a readback.
//
// Start it with `await initGpu()` (or set it as default with setDefaultBackend('gpu') afterwards); the
// gpu.js path is chosen as gpu-device.ts describes and never changes silently: a kernel that gpu.js
// moves to its CPU fallback is an error.

import type { IKernelRunShortcut } from 'gpu.js';
import { HELPER_SOURCES, flatKernel } from '../../kernels/gpu/source.ts';
import { writeViewKernel, writeViewProblem } from '../../kernels/gpu/write-view.ts';
import { elementwiseKernel } from '../../kernels/gpu/elementwise.ts';
import { allocArray, type DType, type TypedArray } from '../tensor/dtype.ts';
import { contiguousStrides, fmt, isContiguousLayout, sizeOf } from '../tensor/shape.ts';
import { registerBackend, type Backend, type Kernel, type Storage, type View } from './backend.ts';
import { openGpuDevice, optionsFromEnv, type GpuDevice, type GpuOptions } from './gpu-device.ts';
import { gpuKernels, type GpuContext } from './gpu-kernels.ts';
import { DeviceArray, WebGpuDispatcher, webGpuDeviceOf } from './gpu-webgpu.ts';

/** The fix named whenever float64 meets the gpu backend. */
export const FLOAT64_ON_GPU = 'the gpu backend computes in float32; cast with toDType or use the cpu backend';

interface GpuStorage extends Storage {
  /** The device array (replaced by `write`); null until something is written. */
  data: unknown;
  /** The host copy of int32 data uploaded from the host (ids), for range checks and scatter indices. */
  host: Int32Array | null;
}

type Handle = { toArray?: () => unknown; delete?: () => void } | Float32Array;

class GpuBackend implements Backend, GpuContext {
  readonly name = 'gpu';
  readonly dtypes: readonly DType[] = ['float32', 'int32'];
  /** Kernels are compiled per shape (see compiledKernels). */
  readonly compilesPerShape = true;
  device: GpuDevice | null = null;
  private readonly kernels: Record<string, Kernel>;
  private readonly cache = new Map<string, IKernelRunShortcut>();
  private readonly checked = new Set<IKernelRunShortcut>();
  /** WebGPU: records the kernels (gpu.js only translates them), and reads are asynchronous; null on the
   *  other paths, whose reads are synchronous. */
  webgpu: WebGpuDispatcher | null = null;
  /** Every device array made and not yet freed: a second free of one is a bug, caught here. */
  private readonly live = new Set<unknown>();

  constructor() {
    this.kernels = gpuKernels(this);
  }

  get gpu(): GpuDevice['gpu'] {
    if (!this.device) throw new Error('gpu backend: not initialised; call `await initGpu()` first (options or I3_GPU_MODE / I3_GPU=require choose the gpu.js path)');
    return this.device.gpu;
  }

  /** Device arrays currently alive (every storage's array and any temporary not yet freed). */
  get arrays(): number {
    return this.live.size;
  }

  /** Kernels compiled so far (one per distinct source: shapes, strides and offsets are literals, except a
   *  view write's offset, an argument). */
  get compiledKernels(): number {
    return this.cache.size;
  }

  // ---- storage -------------------------------------------------------------------------------

  allocate(dtype: DType, size: number): Storage {
    if (dtype === 'float64') throw new Error(`gpu backend: float64 tensor of ${size} elements: ${FLOAT64_ON_GPU}`);
    const storage: GpuStorage = { backend: this, dtype, size, data: null, refs: 0, host: null };
    return storage;
  }

  fromHost(data: TypedArray): Storage {
    if (data instanceof Float64Array) throw new Error(`gpu backend: float64 data of ${data.length} elements: ${FLOAT64_ON_GPU}`);
    const storage = this.allocate(data instanceof Int32Array ? 'int32' : 'float32', data.length) as GpuStorage;
    if (data instanceof Int32Array) {
      const big = data.findIndex((v) => Math.abs(v) > 2 ** 24);
      if (big >= 0) throw new Error(`gpu backend: int32 value ${data[big]} at ${big} is beyond 2^24, which float32 storage cannot hold exactly`);
      storage.host = Int32Array.from(data);
    }
    if (data.length > 0) storage.data = this.upload(data instanceof Float32Array ? data : Float32Array.from(data));
    return storage;
  }

  /** A new device array holding `values`. */
  upload(values: Float32Array): unknown {
    if (this.webgpu) return this.track(this.webgpu.upload(values));
    const copy = this.cached(`upload ${values.length}`, () => flatKernel(this.gpu, 'function (a) { return a[this.thread.x]; }', values.length));
    return this.run(copy, [Float32Array.from(values)]);
  }

  toHost(view: View): TypedArray {
    if (this.webgpu) {
      throw new Error(`gpu backend (WebGPU): reading ${view.dtype} ${fmt(view.shape)} back is asynchronous; use \`await tensor.dataAsync()\` or \`await tensor.itemAsync()\` instead of data() / item()`);
    }
    const [array, dispose] = this.contiguousArray(view);
    const handle = array as Handle;
    const flat = (handle instanceof Float32Array ? handle : (handle.toArray!() as Float32Array));
    dispose();
    return this.toDType(flat, view);
  }

  /** The view's elements in row-major order, also on WebGPU. */
  async read(view: View): Promise<TypedArray> {
    if (!this.webgpu) return this.toHost(view);
    const [array, dispose] = this.contiguousArray(view);
    const flat = this.webgpu.read(array as DeviceArray, sizeOf(view.shape));
    dispose(); // the read was recorded before anything that could reuse the array
    return this.toDType(await flat, view);
  }

  private toDType(flat: Float32Array, view: View): TypedArray {
    const n = sizeOf(view.shape);
    const out = allocArray(view.dtype, n);
    for (let i = 0; i < n; i++) out[i] = flat[i];
    return out;
  }

  /** A device array holding the view's elements contiguously, and how to free it. */
  private contiguousArray(view: View): [unknown, () => void] {
    if (fillsStorage(view)) return [this.arg(view), () => {}];
    const n = sizeOf(view.shape);
    const kernel = this.kernels.copy;
    const tmp = this.allocate(view.dtype, n) as GpuStorage;
    kernel([view], [{ storage: tmp, dtype: view.dtype, shape: view.shape, strides: contiguousStrides(view.shape), offset: 0 }], {});
    return [tmp.data, () => this.free(tmp.data)];
  }

  release(storage: Storage): void {
    const s = storage as GpuStorage;
    this.free(s.data);
    s.data = null;
    this.webgpu?.dropPool(s); // AdamW's outputs for this storage come from a pool named by it
  }

  kernel(name: string, dtype: DType): Kernel | undefined {
    if (dtype === 'float64') return undefined;
    if (dtype === 'int32' && !INT_KERNELS.has(name)) return undefined;
    return this.kernels[name];
  }

  kernelNames(): string[] {
    return Object.keys(this.kernels);
  }

  // ---- GpuContext: what the kernel table uses ------------------------------------------------

  /** The kernel cached under `key`, which must name everything that shapes it (sizes included). */
  cached(key: string, make: () => IKernelRunShortcut): IKernelRunShortcut {
    let kernel = this.cache.get(key);
    if (!kernel) this.cache.set(key, (kernel = make()));
    return kernel;
  }

  /** Calls a kernel (on WebGPU: records it, its output from `pool` if given). Returns the new device array. */
  run(kernel: IKernelRunShortcut, args: readonly unknown[], pool?: object): unknown {
    if (this.webgpu) return this.track(this.webgpu.run(kernel, args, pool));
    const result = kernel(...(args as never[]));
    this.checkClass(kernel);
    return this.track(result);
  }

  private track<T>(array: T): T {
    this.live.add(array);
    return array;
  }

  /** A fresh kernel result seen another way (e.g. relabelled in place): `f` of it replaces it in the ledger. */
  map(array: unknown, f: (result: unknown) => unknown): unknown {
    if (!this.live.delete(array)) throw new Error('gpu backend: map() of an array that is not a live kernel result');
    return this.track(f(array));
  }

  /** gpu.js replaces a kernel that fails to compile with its CPU kernel and only warns: here that is an error. */
  private checkClass(kernel: IKernelRunShortcut): void {
    if (this.checked.has(kernel)) return;
    const ran = (kernel as unknown as { kernel: { constructor: { name: string } } }).kernel.constructor.name;
    if (ran !== this.device!.kernelClass) {
      throw new Error(`gpu backend: gpu.js ran a kernel with ${ran} instead of ${this.device!.kernelClass} (it could not be compiled for the device); source:\n${(kernel as unknown as { source: string }).source}`);
    }
    this.checked.add(kernel);
  }

  free(array: unknown): void {
    if (array === null || array === undefined) return;
    if (!this.live.delete(array)) throw new Error('gpu backend: a device array was freed twice (a kernel freed an array it had handed on)');
    if (array instanceof DeviceArray) this.webgpu!.free(array);
    else (array as { delete?: () => void }).delete?.();
  }

  /** The device array of a view's storage, as a kernel argument (zeros if nothing was written yet). */
  arg(view: View): unknown {
    const s = view.storage as GpuStorage;
    if (s.data === null) s.data = this.webgpu ? this.track(this.webgpu.zeros(Math.max(1, s.size))) : this.upload(new Float32Array(Math.max(1, s.size)));
    return s.data;
  }

  /** Places `array` (the view's elements, row-major) into the view: the whole storage, or a window of it. */
  write(view: View, array: unknown): void {
    const s = view.storage as GpuStorage;
    if (s.host) s.host = null; // the data changes on the device; the host copy no longer matches
    if (fillsStorage(view)) {
      this.free(s.data);
      s.data = array;
      return;
    }
    const spec = { size: s.size, shape: [...view.shape], strides: [...view.strides] };
    const problem = writeViewProblem(spec);
    if (problem) throw new Error(`gpu backend: cannot write into the view ${fmt(view.shape)} strides [${view.strides}] (${problem}); write into a contiguous tensor`);
    const old = this.arg(view);
    // The offset travels as an argument (uploaded with the call), so one kernel serves every window position.
    const kernel = this.cached(`write ${JSON.stringify(spec)}`, () => writeViewKernel(this.gpu, spec));
    const merged = this.run(kernel, [old, array, new Float32Array([view.offset])]);
    this.free(array);
    this.free(old);
    s.data = merged;
  }

  /** int32 ids on the host: the copy kept at upload, else a readback (not possible on WebGPU). */
  hostInts(view: View, op: string): Int32Array {
    const s = view.storage as GpuStorage;
    const n = sizeOf(view.shape);
    if (s.host && view.offset + n <= s.host.length && isContiguousLayout(view.shape, view.strides)) {
      return s.host.subarray(view.offset, view.offset + n);
    }
    if (this.webgpu) throw new Error(`${op}: the ids ${fmt(view.shape)} were computed on the device and WebGPU cannot read them back synchronously; read them with \`await ids.dataAsync()\` and create the ids from that host data`);
    return Int32Array.from(this.toHost(view));
  }

  elementwise(spec: Parameters<typeof elementwiseKernel>[1]): IKernelRunShortcut {
    return this.cached(`ew ${JSON.stringify(spec)}`, () => elementwiseKernel(this.gpu, spec));
  }
}

/** True when the view is its whole storage in row-major order, so its device array serves as is. */
function fillsStorage(view: View): boolean {
  return view.offset === 0 && sizeOf(view.shape) === view.storage.size && isContiguousLayout(view.shape, view.strides);
}

const INT_KERNELS = new Set(['copy', 'where', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'indexSelect']);

/** The registered 'gpu' backend (start it with initGpu). */
export const gpuBackend = new GpuBackend();
registerBackend(gpuBackend);

/** Opens the gpu.js path (see gpu-device.ts) once; later calls return the same device. */
export async function initGpu(options: GpuOptions = optionsFromEnv()): Promise<GpuDevice> {
  if (gpuBackend.device) return gpuBackend.device;
  const device = await openGpuDevice(options);
  for (const source of HELPER_SOURCES) device.gpu.addFunction(source as never);
  if (device.isAsync) gpuBackend.webgpu = new WebGpuDispatcher(await webGpuDeviceOf(device.gpu as never));
  gpuBackend.device = device;
  return device;
}

