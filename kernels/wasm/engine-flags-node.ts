// Node's way to turn on WebAssembly features its V8 ships behind a flag. Node 20's V8 (11.3) has
// relaxed SIMD (f32x4.relaxed_madd: a fused multiply-add) only behind --experimental-wasm-relaxed-simd;
// Chrome ≥ 114 and Node ≥ 22 have it on by default. V8 reads wasm feature flags when it validates and
// compiles a module, so setting the flag at run time, before our kernels are compiled, takes effect
// (Node documents setFlagsFromString as unsafe in general: a flag may do nothing after start-up; the
// caller therefore validates a probe module afterwards rather than trusting the call).
// The browser build replaces this module by engine-flags-browser.ts (playground/build.ts).
import { setFlagsFromString } from 'node:v8';

/** Asks V8 to accept relaxed-SIMD instructions in modules compiled from now on. */
export function enableRelaxedSimd(): void {
  setFlagsFromString('--experimental-wasm-relaxed-simd');
}
