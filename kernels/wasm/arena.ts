// The one WebAssembly.Memory our kernels share, and the kernel modules instantiated against it.
// Operands are copied (packed) into it, the kernels compute there, results are copied out.
//
// It never calls memory.grow(): growing detaches the old ArrayBuffer, and the first detached buffer
// in a process flips V8's "no ArrayBuffer was ever detached" protector, after which every typed-array
// read in every TypeScript kernel carries an extra check (≈20% slower, see kernels/cpu/matmul.ts).
// Instead, when a call needs more room, the arena makes a bigger Memory and instantiates the
// (already compiled) modules again against it; the old Memory is simply garbage. Sizes grow
// geometrically, so this happens a handful of times per process.

const PAGE = 65536;

interface Registered<T> { module: WebAssembly.Module; exports: T }

/**
 * The shared WebAssembly memory and the kernel modules instantiated against it; grows by re-instantiating,
 * never by memory.grow().
 */
export class WasmArena {
  private memory: WebAssembly.Memory;
  private readonly modules: Registered<unknown>[] = [];
  /** A float32 view of the whole memory; replaced when the memory is. */
  f32: Float32Array;

  /** `growth`: the factor a too-small memory is replaced by (at least), up to `maxBytes` (unless a call
   *  needs more). Each replacement copies what is kept, so an arena that keeps contents grows faster to
   *  copy less; pages never written cost no physical memory, so overshooting is cheap. */
  constructor(initialBytes = 1 << 20, private readonly growth = 1.5, private readonly maxBytes = 65536 * PAGE) {
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(initialBytes / PAGE) });
    this.f32 = new Float32Array(this.memory.buffer);
  }

  get bytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Compiles `bytes` once; `exports()` of the result is always bound to the current memory. */
  register<T>(bytes: Uint8Array<ArrayBuffer>): { exports: () => T } {
    const module = new WebAssembly.Module(bytes);
    const entry: Registered<unknown> = { module, exports: this.instantiate(module) };
    this.modules.push(entry);
    return { exports: () => entry.exports as T };
  }

  /** Makes sure the memory holds at least `bytes`, replacing it (and the views, and every module's
   *  instance) if not; the first `keepBytes` are copied into the new memory (the rest is scratch and
   *  starts as zeros). Call it before taking `f32` or any exports for a kernel call. */
  ensure(bytes: number, keepBytes = 0): void {
    if (bytes <= this.memory.buffer.byteLength) return;
    const grown = Math.min(this.growth * this.memory.buffer.byteLength, this.maxBytes, 65536 * PAGE);
    const pages = Math.ceil(Math.max(bytes, grown) / PAGE);
    if (bytes > 65536 * PAGE) throw new Error(`wasm kernels: ${bytes} bytes exceed WebAssembly's 4 GiB memory`);
    this.replace(new WebAssembly.Memory({ initial: pages }), keepBytes);
  }

  /** Goes back to a memory of `bytes` (contents zero), so a big one that is no longer needed can be
   *  garbage-collected: WebAssembly memories never shrink. */
  reset(bytes = 1 << 20): void {
    this.replace(new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE) }), 0);
  }

  private replace(memory: WebAssembly.Memory, keepBytes: number): void {
    const old = this.f32;
    this.memory = memory;
    this.f32 = new Float32Array(this.memory.buffer);
    if (keepBytes > 0) this.f32.set(old.subarray(0, Math.ceil(keepBytes / 4)));
    for (const m of this.modules) m.exports = this.instantiate(m.module);
  }

  private instantiate(module: WebAssembly.Module): unknown {
    return new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports;
  }
}

/** The arena every wasm kernel of this process shares (kernels run one at a time). */
export const sharedArena = new WasmArena();
