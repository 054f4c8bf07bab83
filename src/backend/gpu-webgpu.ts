// Running gpu.js kernels on WebGPU without gpu.js's per-call costs. gpu.js translates a kernel to WGSL
// well, but each call of a WebGPU kernel creates a new output buffer (immutable mode), a new bind group,
// a command encoder and a queue submit, and hands the result back as a Promise: measured on Dawn with
// SwiftShader, 160 µs per call, of which the submit alone is 76 µs, against 9 µs for one more dispatch
// in an open compute pass (BENCHMARKS.md, GPU). A training step makes thousands of calls.
// So gpu.js only translates (its WebGPUKernel's synchronous build steps); this file owns the rest:
//   - pipelines are created synchronously from gpu.js's WGSL, so a call returns its result at once;
//   - dispatches are recorded into one open compute pass and submitted in batches (every
//     DISPATCHES_PER_SUBMIT, and before every read), in order: WebGPU orders dispatches of one queue,
//     and Dawn places the barriers between dispatches that read what an earlier one wrote;
//   - freed buffers go back to a pool of the kernel that made them and come back as that kernel's later
//     outputs (safe for the same reason: any reuse is recorded after the last use). Per kernel, because
//     then a training step, which makes the same calls every time, gets the same buffers every time,
//     and its bind groups (≈100 µs each to create on SwiftShader, the largest cost left) are cached.
//     A caller may name its own pool instead (run's `pool`): AdamW's kernel for one shape replaces every
//     parameter of that shape in turn, so in its kernel's pool each parameter would take the buffer the
//     previous one just freed (a new bind group every step); with a pool per parameter, each parameter
//     alternates between two buffers and its bind groups repeat every other step. The spare waiting in
//     a named pool counts as live memory (it is the next step's output, so the trim below must not
//     destroy it), and it is destroyed when its pool is dropped (the storage released);
//   - host data is written with queue.writeBuffer only into a pooled buffer whose last use has been
//     submitted (a writeBuffer runs before any later submit, so it would overwrite data that recorded,
//     unsubmitted dispatches still read); otherwise into a new buffer written at creation.
// The uniform block gpu.js's WGSL reads (output size, dispatch width, one [x, y, z, total] row per
// array argument) is laid out by gpu.js (computeParamsLayout) and filled here once per argument sizes.
/// <reference types="@webgpu/types" />

import type { IKernelRunShortcut } from 'gpu.js';

/** Dispatches recorded before they are submitted without waiting for a read (the GPU starts meanwhile). */
const DISPATCHES_PER_SUBMIT = 64;
/** Pooled bytes beyond max(this, live bytes) empty the pool (shapes that stopped recurring, e.g. growing caches). */
const POOL_BYTES = 256 * 2 ** 20;
/**
 * Bind groups kept per kernel; past this the kernel's cache is cleared (buffers not recurring). AdamW's
 * kernel for one shape keeps two per parameter of that shape (i3-200m: 108 parameters of 512 floats).
 */
const BIND_GROUPS_PER_KERNEL = 512;
/** The pool of host uploads (and zero arrays), beside one pool per kernel. */
const HOST = -1;
/** Named pools (run's `pool`) are numbered from this down. */
const NAMED = -2;
const USAGE = 0x0080 /* STORAGE */ | 0x0004 /* COPY_SRC */ | 0x0008 /* COPY_DST */;
const COMPUTE = 0x4; // GPUShaderStage.COMPUTE (the numbers are fixed by the WebGPU spec)

/**
 * A device array: `output` cells of `componentCount` floats in a GPU buffer. It has the fields gpu.js
 * reads from its own WebGPUBufferResult (type, output, componentCount), so a kernel can be translated
 * with it as an argument and matmul-tiled's flatTiledResult can relabel it.
 */
export class DeviceArray {
  readonly type = 'WebGPUBuffer';
  constructor(readonly buffer: GPUBuffer, public output: number[], public componentCount: number) {}

  /** Floats held (bytes / 4). */
  get floats(): number {
    return this.output.reduce((p, q) => p * q, 1) * this.componentCount;
  }
}

/** What gpu.js's WebGPUKernel exposes to its own build steps (gpu.js 2.24, src/backend/web-gpu/kernel.js). */
interface GpuJsWebGpuKernel {
  constructor: { name: string };
  output: number[];
  threadDim: number[];
  compiledSource: string;
  workgroupSize: number[];
  _device: GPUDevice;
  paramsLayout: { arrayArgs: Array<{ dimsOffset: number }>; scalarArgs: unknown[]; bufferConstants: unknown[]; randomSeedOffset: number | null; byteLength: number };
  componentCount: number;
  setupConstants(): void;
  setupArguments(args: unknown[]): void;
  validateSettings(args: unknown[]): void;
  translateSource(): void;
  computeParamsLayout(): GpuJsWebGpuKernel['paramsLayout'];
  assembleWGSL(): string;
  _computeDispatch(threadDim: number[]): { groups: number[]; dispatchWidth: number };
}

interface Program {
  kernel: GpuJsWebGpuKernel;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  groups: number[];
  dispatchWidth: number;
  /** Its number: output buffers are pooled per kernel. */
  id: number;
  /** Uniform buffers by argument lengths; bind groups by (argument lengths, buffers). */
  params: Map<string, GPUBuffer>;
  bindGroups: Map<string, GPUBindGroup>;
}

interface Pooled { buffer: GPUBuffer; submit: number }

/** Records gpu.js kernels into batched compute passes on one WebGPU device; see the header. */
export class WebGpuDispatcher {
  /** Bind groups created so far (cache misses; for tests and benchmarks). */
  bindGroupsCreated = 0;
  /** Bytes of buffers in use, named pools' spares included (not the kernels' pools); for tests. */
  get bytesLive(): number {
    return this.liveBytes;
  }
  /** Submits so far: a pooled buffer freed at submit s may take host data once this count passes s. */
  private submits = 0;
  private readonly programs = new Map<IKernelRunShortcut, Program>();
  /** Freed buffers by `${pool} ${bytes}` (pool: a kernel's id or HOST), and each buffer's pool and id. */
  private readonly pool = new Map<string, Pooled[]>();
  private readonly owner = new WeakMap<GPUBuffer, { pool: number; id: number }>();
  private nextBufferId = 0;
  /** Pools that callers name (run's `pool`), numbered from -2 down (kernels' pools are their ids, HOST is -1). */
  private readonly namedPools = new WeakMap<object, number>();
  /** Buffers of dropped pools, destroyed after the next submit (recorded work may still use them). */
  private doomed: GPUBuffer[] = [];
  private nextPoolName = 0;
  private pooledBytes = 0;
  private liveBytes = 0;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private recorded = 0;
  /** The submit that the reads recorded in this task wait for (null: none pending). */
  private readsPending: Promise<void> | null = null;
  /** A shader or pipeline error reported asynchronously by the device; thrown at the next read. */
  private error: Error | null = null;

  constructor(private readonly device: GPUDevice) {
    // A validation error outside build() (e.g. a bind group over the device's limits) would otherwise
    // leave zeros where results should be; it is thrown at the next read instead.
    device.addEventListener('uncapturederror', (event) => {
      this.error ??= new Error(`gpu backend (WebGPU): the device reported an error: ${(event as GPUUncapturedErrorEvent).error.message}`);
    });
  }

  /**
   * Records one call of `kernel` on `args` (device arrays, or host arrays uploaded for this call). The
   * output comes from the kernel's pool, or from the pool named by `pool` (any object; see the header).
   */
  run(kernel: IKernelRunShortcut, args: readonly unknown[], pool?: object): DeviceArray {
    const uploaded: DeviceArray[] = [];
    const arrays = args.map((a) => {
      if (a instanceof DeviceArray) return a;
      if (ArrayBuffer.isView(a)) {
        // upload copies into the buffer at once, so a Float32Array goes as it is; other arrays are converted.
        const up = this.upload(a instanceof Float32Array ? a : Float32Array.from(a as unknown as ArrayLike<number>));
        uploaded.push(up);
        return up;
      }
      throw new Error(`gpu backend (WebGPU): kernel argument of type ${typeof a} is neither a device array nor a typed array`);
    });
    const program = this.programs.get(kernel) ?? this.build(kernel, arrays);
    const out = this.allocate(pool ? this.poolOf(pool) : program.id, program.kernel.threadDim.reduce((p, q) => p * q, 1) * program.kernel.componentCount);
    const result = new DeviceArray(out, [...program.kernel.output], program.kernel.componentCount);
    const lengths = arrays.map((a) => a.floats).join(',');
    const key = `${lengths}|${[...arrays.map((a) => a.buffer), out].map((b) => this.owner.get(b)!.id).join(',')}`;
    let bindGroup = program.bindGroups.get(key);
    if (!bindGroup) {
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.paramsBuffer(program, arrays, lengths) } }];
      arrays.forEach((a, i) => entries.push({ binding: 1 + i, resource: { buffer: a.buffer } }));
      entries.push({ binding: 1 + arrays.length, resource: { buffer: out } });
      bindGroup = this.device.createBindGroup({ layout: program.layout, entries });
      this.bindGroupsCreated++;
      if (program.bindGroups.size >= BIND_GROUPS_PER_KERNEL) program.bindGroups.clear();
      program.bindGroups.set(key, bindGroup);
    }
    if (!this.pass) {
      this.encoder ??= this.device.createCommandEncoder(); // it may hold a read's copy, not yet submitted
      this.pass = this.encoder.beginComputePass();
    }
    this.pass.setPipeline(program.pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(program.groups[0], program.groups[1], program.groups[2]);
    for (const up of uploaded) this.free(up);
    if (++this.recorded >= DISPATCHES_PER_SUBMIT) this.submit();
    return result;
  }

  /** A new device array holding `values`. */
  upload(values: Float32Array): DeviceArray {
    const size = Math.max(4, values.byteLength);
    const list = this.pool.get(`${HOST} ${size}`) ?? [];
    let at = list.length - 1; // the most recently freed buffer whose last use is submitted
    while (at >= 0 && list[at].submit >= this.submits) at--;
    if (at >= 0) {
      const { buffer } = list.splice(at, 1)[0];
      this.pooledBytes -= size;
      this.liveBytes += size;
      this.device.queue.writeBuffer(buffer, 0, values);
      return new DeviceArray(buffer, [values.length], 1);
    }
    const buffer = this.create(HOST, size, true);
    new Float32Array(buffer.getMappedRange()).set(values);
    buffer.unmap();
    return new DeviceArray(buffer, [values.length], 1);
  }

  /** A new device array of n zeros (new WebGPU buffers start zeroed). */
  zeros(n: number): DeviceArray {
    return new DeviceArray(this.create(HOST, Math.max(4, 4 * n), false), [n], 1);
  }

  /** Returns the array's buffer to its pool; the array must not be used again. */
  free(array: DeviceArray): void {
    const size = array.buffer.size, { pool } = this.owner.get(array.buffer)!;
    const key = `${pool} ${size}`;
    let list = this.pool.get(key);
    if (!list) this.pool.set(key, (list = []));
    list.push({ buffer: array.buffer, submit: this.submits });
    if (pool <= NAMED) return; // a named pool's spare stays counted as live
    this.pooledBytes += size;
    this.liveBytes -= size;
  }

  /** Drops the named pool `pool` (its owner is gone): its buffers are destroyed after the next submit. */
  dropPool(pool: object): void {
    const id = this.namedPools.get(pool);
    if (id === undefined) return;
    this.namedPools.delete(pool);
    for (const [key, list] of this.pool) {
      if (!key.startsWith(`${id} `)) continue;
      for (const p of list) {
        this.doomed.push(p.buffer);
        this.liveBytes -= p.buffer.size;
      }
      this.pool.delete(key);
    }
  }

  /**
   * The first n floats of the array, once every recorded dispatch before this call has run. The copy is
   * recorded now (so the array may be freed and reused right after); the submit waits for the end of the
   * current task, so the reads of one task (e.g. all the gradient norms of a clip) share one submit.
   */
  async read(array: DeviceArray, n: number): Promise<Float32Array> {
    const bytes = Math.max(4, 4 * n);
    const staging = this.device.createBuffer({ size: bytes, usage: 0x0001 /* MAP_READ */ | 0x0008 /* COPY_DST */ });
    this.endPass();
    this.encoder ??= this.device.createCommandEncoder();
    this.encoder.copyBufferToBuffer(array.buffer, 0, staging, 0, bytes);
    this.readsPending ??= new Promise<void>((resolve) => queueMicrotask(() => {
      this.submit();
      this.readsPending = null;
      resolve();
    }));
    await this.readsPending;
    try {
      await staging.mapAsync(0x0001 /* READ */); // after the submit that holds the copy
      if (this.error) throw this.error;
      return new Float32Array(staging.getMappedRange().slice(0, 4 * n));
    } finally {
      staging.destroy();
    }
  }

  /** Submits what is recorded; empties the pool when it holds more than max(POOL_BYTES, live bytes). */
  submit(): void {
    this.endPass();
    if (!this.encoder) return;
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.recorded = 0;
    this.submits++;
    // Destroying after the submit is safe: submitted work keeps its buffers until it has run.
    for (const buffer of this.doomed) buffer.destroy();
    this.doomed = [];
    if (this.pooledBytes <= Math.max(POOL_BYTES, this.liveBytes)) return;
    for (const [key, list] of this.pool) {
      if (Number(key.split(' ')[0]) <= NAMED) continue; // spares of named pools are live memory
      for (const p of list) p.buffer.destroy();
      this.pool.delete(key);
    }
    this.pooledBytes = 0;
    for (const p of this.programs.values()) p.bindGroups.clear(); // they name destroyed buffers
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  /** The number of the pool that `key` names (a new one, from NAMED down, the first time). */
  private poolOf(key: object): number {
    let id = this.namedPools.get(key);
    if (id === undefined) this.namedPools.set(key, (id = NAMED - this.nextPoolName++));
    return id;
  }

  /** An output buffer of `pool` (a kernel's id or a named pool's): the one it freed last, else a new one. */
  private allocate(pool: number, floats: number): GPUBuffer {
    const size = Math.max(4, 4 * floats);
    const pooled = this.pool.get(`${pool} ${size}`)?.pop();
    if (!pooled) return this.create(pool, size, false);
    if (pool <= NAMED) return pooled.buffer; // counted as live while it waited
    this.pooledBytes -= size;
    this.liveBytes += size;
    return pooled.buffer;
  }

  private create(pool: number, size: number, mappedAtCreation: boolean): GPUBuffer {
    const max = Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
    if (size > max) throw new Error(`gpu backend (WebGPU): a device array of ${size} bytes is over this device's limit of ${max} bytes per storage buffer; use fewer tokens per step`);
    const buffer = this.device.createBuffer({ size, usage: USAGE, mappedAtCreation });
    this.owner.set(buffer, { pool, id: this.nextBufferId++ });
    this.liveBytes += size;
    return buffer;
  }

  /** gpu.js's synchronous build steps (translation to WGSL, the uniform layout), then our own pipeline. */
  private build(shortcut: IKernelRunShortcut, args: readonly DeviceArray[]): Program {
    const kernel = (shortcut as unknown as { kernel: GpuJsWebGpuKernel }).kernel;
    if (kernel.constructor.name !== 'WebGPUKernel') throw new Error(`gpu backend (WebGPU): expected a gpu.js WebGPUKernel, got ${kernel.constructor.name}`);
    kernel.setupConstants();
    kernel.setupArguments(args as unknown[]);
    kernel.validateSettings(args as unknown[]);
    kernel.threadDim = [...kernel.output, 1, 1].slice(0, 3);
    kernel.translateSource();
    kernel.paramsLayout = kernel.computeParamsLayout();
    const { scalarArgs, bufferConstants, randomSeedOffset } = kernel.paramsLayout;
    if (scalarArgs.length || bufferConstants.length || randomSeedOffset !== null) {
      throw new Error('gpu backend (WebGPU): kernels take device arrays only (no scalar arguments, array constants or random numbers)');
    }
    kernel.compiledSource = kernel.assembleWGSL();
    kernel._device = this.device;
    const source = kernel.compiledSource;
    const entries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: COMPUTE, buffer: { type: 'uniform' } }];
    args.forEach((_, i) => entries.push({ binding: 1 + i, visibility: COMPUTE, buffer: { type: 'read-only-storage' } }));
    entries.push({ binding: 1 + args.length, visibility: COMPUTE, buffer: { type: 'storage' } });
    this.device.pushErrorScope('validation');
    const layout = this.device.createBindGroupLayout({ entries });
    const pipeline = this.device.createComputePipeline({
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module: this.device.createShaderModule({ code: source }), entryPoint: 'main' },
    });
    this.device.popErrorScope().then((e) => {
      if (e && !this.error) this.error = new Error(`gpu backend (WebGPU): a kernel did not compile: ${e.message}\n--- WGSL ---\n${source}`);
    }, () => undefined);
    const { groups, dispatchWidth } = kernel._computeDispatch(kernel.threadDim);
    const program: Program = { kernel, pipeline, layout, groups, dispatchWidth, id: this.programs.size, params: new Map(), bindGroups: new Map() };
    this.programs.set(shortcut, program);
    return program;
  }

  /** The uniform block for these argument lengths (gpu.js's layout: see computeParamsLayout). */
  private paramsBuffer(program: Program, args: readonly DeviceArray[], key: string): GPUBuffer {
    let buffer = program.params.get(key);
    if (buffer) return buffer;
    const { byteLength, arrayArgs } = program.kernel.paramsLayout;
    buffer = this.device.createBuffer({ size: byteLength, usage: 0x0040 /* UNIFORM */, mappedAtCreation: true });
    const u32 = new Uint32Array(buffer.getMappedRange());
    u32.set([...program.kernel.threadDim, program.dispatchWidth]);
    arrayArgs.forEach((record, i) => u32.set([args[i].floats, 1, 1, args[i].floats], record.dimsOffset / 4));
    buffer.unmap();
    program.params.set(key, buffer);
    return buffer;
  }
}

/** The GPUDevice gpu.js runs its WebGPU kernels on (it acquires it on the first kernel call). */
export async function webGpuDeviceOf(gpu: { createKernel(source: string, settings: object): IKernelRunShortcut }): Promise<GPUDevice> {
  const kernel = gpu.createKernel('function (a) { return a[this.thread.x]; }', { output: [1], precision: 'single', pipeline: true, immutable: true });
  const result = (await kernel(new Float32Array(1))) as unknown as { delete(): void };
  result.delete();
  const device = (kernel as unknown as { kernel: { _device?: GPUDevice } }).kernel._device;
  kernel.destroy?.();
  if (!device) throw new Error('gpu backend (WebGPU): gpu.js did not expose its GPUDevice');
  return device;
}
