// The instructions of one WebAssembly function body, written as method calls that append bytes.
// WebAssembly is a stack machine: `f.get(x).get(y).i32Add().set(z)` pushes x and y, adds them and
// pops the sum into z. Opcodes are from the Core Specification 2.0 §5.4; the 128-bit SIMD ones are
// two-byte: the prefix 0xfd and a u32 LEB128 sub-opcode. Memory accesses carry a "memarg": the
// alignment as a power of two (a hint: a misaligned access is still correct) and a constant byte
// offset added to the address on the stack, which lets a kernel address a whole tile from one pointer.

import { sleb128, uleb128 } from './leb128.ts';

/** WebAssembly value types. */
export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';
/** The binary encoding of each value type. */
export const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** A local variable (or parameter) index, made by FunctionBody.param / .local. */
export type Local = number & { readonly __local: unique symbol };

const SIMD = 0xfd;
/** SIMD sub-opcodes used by our kernels (Core Specification 2.0 §5.4.8; relaxed SIMD proposal). */
const V = {
  load: 0x00, load32Splat: 0x09, store: 0x0b, const: 0x0c, shuffle: 0x0d,
  f32x4Splat: 0x13, f32x4ExtractLane: 0x1f, f32x4ReplaceLane: 0x20,
  f32x4Lt: 0x43, f32x4Ge: 0x46, bitselect: 0x52, f32x4Nearest: 0x6a,
  i32x4Shl: 0xab, i32x4Add: 0xae, i32x4TruncSatF32x4S: 0xf8, f32x4ConvertI32x4S: 0xfa,
  f32x4Abs: 0xe0, f32x4Neg: 0xe1, f32x4Sqrt: 0xe3, f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6,
  f32x4Div: 0xe7, f32x4Min: 0xe8, f32x4Max: 0xe9,
  f32x4RelaxedMadd: 0x105,
} as const;

/** The instructions of one function, appended by method calls (see the header of this file). */
export class FunctionBody {
  private readonly code: number[] = [];
  private readonly locals: ValType[] = [];
  /** Open blocks/loops/ifs, so `end()` can check nesting and `encode()` can check all are closed. */
  private depth = 0;

  constructor(private readonly paramCount: number) {}

  /** The i-th parameter. */
  param(i: number): Local {
    if (i < 0 || i >= this.paramCount) throw new Error(`wasm function: parameter ${i} out of range (has ${this.paramCount})`);
    return i as Local;
  }

  /** A new local variable of `type` (zero-initialised on every call). */
  local(type: ValType): Local {
    this.locals.push(type);
    return (this.paramCount + this.locals.length - 1) as Local;
  }

  /** `count` new locals of one type (a tile of accumulators, one per interleaved vector, …). */
  localList(type: ValType, count: number): Local[] {
    return Array.from({ length: count }, () => this.local(type));
  }

  /** The body in its binary form: local declarations as (count, type) runs, code, `end`. */
  encode(): number[] {
    if (this.depth !== 0) throw new Error(`wasm function: ${this.depth} block(s) not closed with end()`);
    const runs: number[][] = [];
    for (let i = 0; i < this.locals.length;) {
      let j = i;
      while (j < this.locals.length && this.locals[j] === this.locals[i]) j++;
      runs.push([...uleb128(j - i), VALTYPE[this.locals[i]]]);
      i = j;
    }
    return [...uleb128(runs.length), ...runs.flat(), ...this.code, 0x0b];
  }

  private op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  private simd(sub: number, ...imm: number[]): this {
    return this.op(SIMD, ...uleb128(sub), ...imm);
  }
  private memarg(alignLog2: number, offset: number): number[] {
    return [...uleb128(alignLog2), ...uleb128(offset)];
  }

  // Variables.
  get(l: Local): this { return this.op(0x20, ...uleb128(l)); }
  set(l: Local): this { return this.op(0x21, ...uleb128(l)); }
  tee(l: Local): this { return this.op(0x22, ...uleb128(l)); }

  // Control flow. Branch targets are relative depths: 0 is the innermost enclosing block/loop.
  // `br` to a loop jumps back to its start; to a block, past its end.
  block(): this { this.depth++; return this.op(0x02, 0x40); }
  loop(): this { this.depth++; return this.op(0x03, 0x40); }
  /** Pops an i32; runs until else()/end() if it is non-zero. */
  if(): this { this.depth++; return this.op(0x04, 0x40); }
  else(): this { return this.op(0x05); }
  end(): this {
    if (this.depth === 0) throw new Error('wasm function: end() without an open block');
    this.depth--;
    return this.op(0x0b);
  }
  br(depth: number): this { return this.op(0x0c, ...uleb128(depth)); }
  brIf(depth: number): this { return this.op(0x0d, ...uleb128(depth)); }

  // i32 arithmetic (addresses and counters).
  i32Const(n: number): this { return this.op(0x41, ...sleb128(n)); }
  i32Eqz(): this { return this.op(0x45); }
  i32Ne(): this { return this.op(0x47); }
  i32LtS(): this { return this.op(0x48); }
  i32GtS(): this { return this.op(0x4a); }
  i32LeS(): this { return this.op(0x4c); }
  i32GeS(): this { return this.op(0x4e); }
  i32Add(): this { return this.op(0x6a); }
  i32Sub(): this { return this.op(0x6b); }
  i32Mul(): this { return this.op(0x6c); }
  i32And(): this { return this.op(0x71); }
  i32Shl(): this { return this.op(0x74); }
  i32ShrU(): this { return this.op(0x76); }

  // f32 scalars.
  f32Load(offset = 0): this { return this.op(0x2a, ...this.memarg(2, offset)); }
  f32Store(offset = 0): this { return this.op(0x38, ...this.memarg(2, offset)); }
  f32Const(x: number): this { return this.op(0x43, ...new Uint8Array(new Float32Array([x]).buffer)); }
  f32Add(): this { return this.op(0x92); }
  f32Sub(): this { return this.op(0x93); }
  f32Mul(): this { return this.op(0x94); }
  f32Max(): this { return this.op(0x97); }

  // 128-bit SIMD: a v128 holds four f32 lanes.
  v128Load(offset = 0): this { return this.simd(V.load, ...this.memarg(4, offset)); }
  /** Loads one f32 and copies it into all four lanes (a broadcast). */
  v128Load32Splat(offset = 0): this { return this.simd(V.load32Splat, ...this.memarg(2, offset)); }
  v128Store(offset = 0): this { return this.simd(V.store, ...this.memarg(4, offset)); }
  /** A v128 constant with the same f32 in every lane. */
  f32x4Const(x: number): this {
    return this.simd(V.const, ...new Uint8Array(new Float32Array([x, x, x, x]).buffer));
  }
  /** A v128 constant with the same i32 in every lane. */
  i32x4Const(n: number): this {
    return this.simd(V.const, ...new Uint8Array(new Int32Array([n, n, n, n]).buffer));
  }
  f32x4Splat(): this { return this.simd(V.f32x4Splat); }
  /** Pops a, b; pushes 16 bytes picked from the 32 of a‖b: byte i of the result is byte lanes[i] of
   *  a (0–15) or of b (16–31). The lanes are immediates, so the engine can use one fixed shuffle. */
  i8x16Shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16 || lanes.some((l) => !Number.isInteger(l) || l < 0 || l > 31)) {
      throw new Error(`wasm i8x16.shuffle: needs 16 byte lanes in 0..31, got [${lanes.join(', ')}]`);
    }
    return this.simd(V.shuffle, ...lanes);
  }
  /** i8x16.shuffle by f32 lanes: lane i of the result is lane lanes[i] of a (0–3) or of b (4–7). */
  f32x4Shuffle(lanes: readonly [number, number, number, number]): this {
    return this.i8x16Shuffle(lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
  }
  /** Lane-wise comparisons: all ones where true, zeros where false (a mask for v128Bitselect). */
  f32x4Lt(): this { return this.simd(V.f32x4Lt); }
  f32x4Ge(): this { return this.simd(V.f32x4Ge); }
  /** Pops a, b, mask: the bits of a where mask is 1, of b where it is 0. */
  v128Bitselect(): this { return this.simd(V.bitselect); }
  /** Round to nearest integer, ties to even (still f32). */
  f32x4Nearest(): this { return this.simd(V.f32x4Nearest); }
  i32x4TruncSatF32x4S(): this { return this.simd(V.i32x4TruncSatF32x4S); }
  f32x4ConvertI32x4S(): this { return this.simd(V.f32x4ConvertI32x4S); }
  /** Pops a v128 and an i32 shift count. */
  i32x4Shl(): this { return this.simd(V.i32x4Shl); }
  i32x4Add(): this { return this.simd(V.i32x4Add); }
  f32x4ExtractLane(lane: number): this { return this.simd(V.f32x4ExtractLane, lane); }
  f32x4ReplaceLane(lane: number): this { return this.simd(V.f32x4ReplaceLane, lane); }
  f32x4Abs(): this { return this.simd(V.f32x4Abs); }
  f32x4Neg(): this { return this.simd(V.f32x4Neg); }
  f32x4Sqrt(): this { return this.simd(V.f32x4Sqrt); }
  f32x4Add(): this { return this.simd(V.f32x4Add); }
  f32x4Sub(): this { return this.simd(V.f32x4Sub); }
  f32x4Mul(): this { return this.simd(V.f32x4Mul); }
  f32x4Div(): this { return this.simd(V.f32x4Div); }
  f32x4Min(): this { return this.simd(V.f32x4Min); }
  f32x4Max(): this { return this.simd(V.f32x4Max); }
  /** Pops a, b, c; pushes a·b + c in one instruction (relaxed SIMD: rounded once or twice, the
   *  engine's choice). Only where `useFusedMultiplyAdd()` (support.ts) says the engine has it. */
  f32x4RelaxedMadd(): this { return this.simd(V.f32x4RelaxedMadd); }
  /** acc ← acc + a·b on four f32 lanes, where `a` and `b` each emit code that pushes one v128: one
   *  f32x4.relaxed_madd when `fused`, else f32x4.mul then f32x4.add (two instructions, two roundings). */
  f32x4MulAddInto(acc: Local, fused: boolean, a: () => void, b: () => void): this {
    if (fused) {
      a(); b(); this.get(acc).f32x4RelaxedMadd();
    } else {
      this.get(acc); a(); b(); this.f32x4Mul().f32x4Add();
    }
    return this.set(acc);
  }
}
