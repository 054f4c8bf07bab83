// The WebAssembly emitter (kernels/wasm/module.ts, body.ts, leb128.ts): LEB128 against the
// specification's examples and a decoder, every module we emit passes WebAssembly.validate, each
// SIMD instruction computes what its pure-TypeScript twin computes, and the arena keeps results
// right when it replaces its memory (without detaching the old buffer).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { WasmArena } from '../../kernels/wasm/arena.ts';
import { gemmModule, type GemmExports } from '../../kernels/wasm/gemm-kernel.ts';
import { matvecModule } from '../../kernels/wasm/matvec-kernel.ts';
import { packModule } from '../../kernels/wasm/pack-kernel.ts';
import { ModuleBuilder, sleb128, uleb128, type FunctionBody } from '../../kernels/wasm/module.ts';
import { useFusedMultiplyAdd, kernelChoice, wasmSimdSupported } from '../../kernels/wasm/support.ts';

const t = suite('wasm emitter');

/** Decodes LEB128 (independently of the encoder): returns the value. */
function decode(bytes: number[], signed: boolean): number {
  let result = 0, shift = 0, byte = 0, i = 0;
  do {
    byte = bytes[i++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  assert.is(i, bytes.length, 'no bytes after the last one');
  if (signed && byte & 0x40) result -= 2 ** shift;
  return result;
}

/** The multiply-add flavours of the matmul modules: f32x4.mul + f32x4.add, and relaxed SIMD's madd
 *  where the engine has it (asking also turns Node 20's flag on, which the fused modules need). */
const FLAVOURS = useFusedMultiplyAdd({}) ? [false, true] : [false];

t('LEB128: the specification examples and a round trip over the i32/u32 range', () => {
  assert.equal(uleb128(624485), [0xe5, 0x8e, 0x26]); // DWARF / Wikipedia example
  assert.equal(sleb128(-123456), [0xc0, 0xbb, 0x78]);
  assert.equal(uleb128(0), [0]);
  assert.equal(sleb128(-1), [0x7f]);
  assert.equal(sleb128(64), [0xc0, 0x00], '64 needs a second byte: bit 6 would read as a sign');
  fc.assert(fc.property(fc.nat({ max: 0xffffffff }), (n) => decode(uleb128(n), false) === n));
  fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => decode(sleb128(n), true) === n));
  assert.throws(() => uleb128(-1), /not a u32/);
  assert.throws(() => sleb128(2 ** 31), /not an i32/);
});

t('the kernel modules validate', () => {
  assert.ok(wasmSimdSupported(), 'Node ≥ 16.4 supports WebAssembly SIMD');
  for (const fused of FLAVOURS) {
    for (const [mr, nr] of [[4, 8], [1, 4], [6, 8], [3, 16]]) assert.ok(WebAssembly.validate(gemmModule(mr, nr, fused).bytes()), `gemm ${mr}×${nr} fused ${fused}`);
    assert.ok(WebAssembly.validate(matvecModule(fused).bytes()), `matvec fused ${fused}`);
  }
  assert.ok(WebAssembly.validate(packModule().bytes()), 'pack');
  assert.throws(() => gemmModule(4, 6), /multiple of 4/);
});

t('malformed bodies are refused with a readable error', () => {
  assert.throws(() => new ModuleBuilder().func('f', [], [], (f) => { f.block(); }).bytes(), /not closed/);
  assert.throws(() => new ModuleBuilder().func('f', [], [], (f) => { f.end(); }), /without an open block/);
  assert.throws(() => new ModuleBuilder().func('f', ['i32'], [], (f) => { f.param(1); }), /parameter 1 out of range/);
  // A type error (f32x4.add on i32 operands) passes our builder but not the engine's validator.
  const bad = new ModuleBuilder().func('f', ['i32'], [], (f) => { f.get(f.param(0)).get(f.param(0)).f32x4Add().v128Store(); });
  assert.not.ok(WebAssembly.validate(bad.bytes()));
  assert.throws(() => bad.instantiate(new WebAssembly.Memory({ initial: 1 })), /does not validate: .*f32x4\.add/);
});

type Binary = (f: FunctionBody) => FunctionBody;
const f32x4Ops: [string, Binary, (x: number, y: number) => number][] = [
  ['add', (f) => f.f32x4Add(), (x, y) => x + y],
  ['sub', (f) => f.f32x4Sub(), (x, y) => x - y],
  ['mul', (f) => f.f32x4Mul(), (x, y) => x * y],
  ['div', (f) => f.f32x4Div(), (x, y) => x / y],
  ['min', (f) => f.f32x4Min(), (x, y) => Math.min(x, y)],
  ['max', (f) => f.f32x4Max(), (x, y) => Math.max(x, y)],
  ['abs(x)', (f) => f.set(f.local('v128')).f32x4Abs(), (x) => Math.abs(x)],
  ['neg(x)', (f) => f.set(f.local('v128')).f32x4Neg(), (x) => -x],
  ['sqrt(x)', (f) => f.set(f.local('v128')).f32x4Sqrt(), (x) => Math.sqrt(x)],
  ['splat(lane 2 of y)·x', (f) => f.f32x4ExtractLane(2).f32x4Splat().f32x4Mul(), (x) => x],
  // bitselect(x, y, x < y) is min(x, y); bitselect(x, y, x ≥ y) is max(x, y)
  ['select on lt', (f) => { const [y, x] = [f.local('v128'), f.local('v128')]; return f.set(y).set(x).get(x).get(y).get(x).get(y).f32x4Lt().v128Bitselect(); }, (x, y) => Math.min(x, y)],
  ['select on ge', (f) => { const [y, x] = [f.local('v128'), f.local('v128')]; return f.set(y).set(x).get(x).get(y).get(x).get(y).f32x4Ge().v128Bitselect(); }, (x, y) => Math.max(x, y)],
  ['nearest(x·3)', (f) => f.set(f.local('v128')).f32x4Const(3).f32x4Mul().f32x4Nearest(), (x) => roundHalfEven(Math.fround(x * 3))],
  ['convert(trunc_sat(x·3))', (f) => f.set(f.local('v128')).f32x4Const(3).f32x4Mul().i32x4TruncSatF32x4S().f32x4ConvertI32x4S(), (x) => Math.trunc(Math.fround(x * 3))],
  // adding 1 << 23 to a normal float's bits adds 1 to its exponent: x·2
  ['bits(x) + (1 << 23)', (f) => f.set(f.local('v128')).i32x4Const(1).i32Const(23).i32x4Shl().i32x4Add(), (x) => x * 2],
];

/** Rounds to the nearest integer, ties to even (f32x4.nearest's rule). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

t('each f32x4 instruction computes what its TypeScript twin computes (lane by lane, float32 rounding)', () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const mem = new Float32Array(memory.buffer);
  const random = fc.sample(fc.float({ min: 0.25, max: 4, noNaN: true }), { numRuns: 8, seed: 3 });
  for (const [name, op, twin] of f32x4Ops) {
    // out[0..4) = op(x[0..4), y[4..8)) at byte 64
    const m = new ModuleBuilder().func('f', ['i32'], [], (f) => {
      const p = f.param(0);
      f.get(p).get(p).v128Load(0).get(p).v128Load(16);
      op(f);
      f.v128Store(64);
    });
    const { f } = m.instantiate<{ f(p: number): void }>(memory);
    mem.set([...random.slice(0, 4).map((x, i) => (i % 2 ? -x : x)), ...random.slice(4, 8)], 0);
    f(0);
    for (let lane = 0; lane < 4; lane++) {
      const [x, y] = [mem[lane], mem[4 + lane]];
      const want = name.startsWith('splat') ? Math.fround(x * mem[4 + 2]) : Math.fround(twin(x, y));
      const got = mem[16 + lane]; // NaN (sqrt of a negative lane) must match NaN
      assert.ok(got === want || (Number.isNaN(got) && Number.isNaN(want)), `${name} lane ${lane}: ${got} vs ${want}`);
    }
  }
});

t('i8x16.shuffle picks bytes of a‖b by their immediate lanes; f32x4Shuffle by float lanes', () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const bytes = new Uint8Array(memory.buffer);
  const shuffle = (emit: (f: FunctionBody) => void): ((p: number) => void) => new ModuleBuilder().func('f', ['i32'], [], (f) => {
    const p = f.param(0);
    f.get(p).get(p).v128Load(0).get(p).v128Load(16);
    emit(f);
    f.v128Store(32);
  }).instantiate<{ f(p: number): void }>(memory).f;
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 31 }), { minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 32, maxLength: 32 }),
    (lanes, ab) => {
      bytes.set(ab, 0);
      shuffle((f) => f.i8x16Shuffle(lanes))(0);
      assert.equal([...bytes.subarray(32, 48)], lanes.map((l) => ab[l]));
    }), { numRuns: 20, seed: 5 });
  const floats = new Float32Array(memory.buffer);
  floats.set([10, 11, 12, 13, 20, 21, 22, 23], 0); // a = 10..13, b = 20..23
  shuffle((f) => f.f32x4Shuffle([0, 4, 3, 6]))(0);
  assert.equal([...floats.subarray(8, 12)], [10, 20, 13, 22]);
  assert.throws(() => new ModuleBuilder().func('f', [], [], (f) => { f.i8x16Shuffle([0, 1, 2]); }), /16 byte lanes in 0\.\.31/);
  assert.throws(() => new ModuleBuilder().func('f', [], [], (f) => { f.f32x4Shuffle([0, 1, 2, 8]); }), /16 byte lanes in 0\.\.31/);
});

t('scalar f32, control flow and memory offsets: a sum loop and its TypeScript twin', () => {
  // sum(p, n) = Σ mem[p + 4i], i < n, with a block/loop/br_if and f32.load/f32.add, returned as f32.
  const m = new ModuleBuilder().func('sum', ['i32', 'i32'], ['f32'], (f) => {
    const [p, n] = [f.param(0), f.param(1)];
    const s = f.local('f32');
    f.f32Const(0.5).set(s);
    f.block().loop();
    f.get(n).i32Eqz().brIf(1);
    f.get(s).get(p).f32Load().f32Add().set(s);
    f.get(p).i32Const(4).i32Add().set(p);
    f.get(n).i32Const(1).i32Sub().set(n);
    f.br(0).end().end();
    f.get(s);
  });
  const memory = new WebAssembly.Memory({ initial: 1 });
  const mem = new Float32Array(memory.buffer);
  const { sum } = m.instantiate<{ sum(p: number, n: number): number }>(memory);
  const xs = [1.25, -3, 7.5, 0.125, 100];
  mem.set(xs, 3);
  let twin = Math.fround(0.5);
  for (const x of xs) twin = Math.fround(twin + x);
  assert.is(sum(12, xs.length), twin);
  assert.is(sum(12, 0), 0.5);
});

t('relaxed SIMD: found (Node 20 after turning its flag on), used as one instruction, I3_FMA=off refuses it', () => {
  assert.ok(useFusedMultiplyAdd({}), 'Node 20 has f32x4.relaxed_madd behind a flag that engine-flags-node.ts turns on');
  assert.is(useFusedMultiplyAdd({ I3_FMA: 'off' }), false);
  assert.throws(() => useFusedMultiplyAdd({ I3_FMA: 'on' }), /I3_FMA='on' is not one of off, auto/);
  // relaxed_madd is 0xfd 0x85 0x02 (opcode 0x105 as LEB128); mul + add are 0xfd 0xe6 0x01, 0xfd 0xe4 0x01
  const count = (bytes: Uint8Array, op: number[]) => bytes.reduce((n, _, i) => n + +op.every((b, j) => bytes[i + j] === b), 0);
  const [fused, plain] = [gemmModule(4, 8, true).bytes(), gemmModule(4, 8, false).bytes()];
  assert.is(count(fused, [0xfd, 0x85, 0x02]), 4 * 2, 'one madd per accumulator of the 4×8 tile');
  assert.is(count(fused, [0xfd, 0xe6, 0x01]), 0, 'no f32x4.mul left');
  assert.is(count(plain, [0xfd, 0x85, 0x02]), 0);
});

t('the gemm micro-kernel equals its TypeScript twin on packed panels (both multiply-add flavours; adding into C, overwriting C)', () => {
  for (const fused of FLAVOURS) for (const overwrite of [false, true]) gemmMatchesTwin(fused, overwrite);
});

function gemmMatchesTwin(fused: boolean, overwrite: boolean): void {
  const arena = new WasmArena(1 << 16);
  const { gemm } = arena.register<GemmExports>(gemmModule(4, 8, fused).bytes()).exports();
  const [mc, nc, kc] = [8, 16, 5];
  const mem = arena.f32;
  const A = Array.from({ length: mc * kc }, (_, i) => ((i * 7) % 11) - 5), B = Array.from({ length: kc * nc }, (_, i) => ((i * 5) % 13) - 6);
  mem.set(A, 0); mem.set(B, 256);
  mem.fill(1, 512, 512 + mc * nc); // C starts at 1: the kernel adds to it, or overwrites it
  gemm(0, 4 * 256, 4 * 512, mc, nc, kc, 4 * nc, overwrite ? 1 : 0);
  for (let i = 0; i < mc; i++) for (let j = 0; j < nc; j++) {
    // A panel i/4, row i%4: A[(i/4)·4·kc + k·4 + i%4]; B panel j/8, column j%8: B[(j/8)·8·kc + k·8 + j%8]
    let s = overwrite ? 0 : 1;
    for (let k = 0; k < kc; k++) s += A[Math.floor(i / 4) * 4 * kc + k * 4 + (i % 4)] * B[Math.floor(j / 8) * 8 * kc + k * 8 + (j % 8)];
    assert.is(mem[512 + i * nc + j], s, `C[${i},${j}] fused ${fused} overwrite ${overwrite}`); // small integers: exact either way
  }
}

t('the arena replaces a too-small memory, re-binds the modules, and detaches nothing', () => {
  const arena = new WasmArena(1 << 16);
  const sumModule = new ModuleBuilder().func('first', ['i32'], ['f32'], (f) => { f.get(f.param(0)).f32Load(); });
  const exports = arena.register<{ first(p: number): number }>(sumModule.bytes()).exports;
  const old = arena.f32;
  arena.ensure(5 << 20);
  assert.ok(arena.bytes >= 5 << 20);
  assert.is(old.length, (1 << 16) / 4, 'the old buffer is still attached');
  arena.f32[1 << 20] = 42;
  assert.is(exports().first(4 << 20), 42, 'the module reads the new memory');
});

t('I3_KERNELS chooses the kernels; bad values are errors', () => {
  assert.is(kernelChoice({ I3_KERNELS: 'ts' }), 'ts');
  assert.is(kernelChoice({ I3_KERNELS: 'wasm' }), 'wasm');
  assert.is(kernelChoice({}), 'wasm');
  assert.throws(() => kernelChoice({ I3_KERNELS: 'simd' }), /I3_KERNELS='simd' is not one of ts, wasm, auto/);
});

t.run();
