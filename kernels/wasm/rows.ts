// Row kernels in WebAssembly SIMD (layer norm, softmax, wkv, column sum): a (rows, C) float32 matrix
// is copied into wasm memory a block of rows at a time, each row padded to C4 = C rounded up to a
// multiple of 4 so that it is whole v128s. Before a reduction, a kernel writes a neutral value into a row's padding
// lanes (fillPadding): 0 for a sum, −∞ for a max, the mean for a sum of squared deviations.
// Here: the JavaScript side (dense check, block size, copies in and out) and the emitted loops
// every row kernel shares (eachVector also drives the elementwise ones: relu.ts, binary.ts;
// eachVectorGroup the ones built on exp: gelu.ts, softmax.ts, cross-entropy.ts).

import type { View } from '../../src/backend/backend.ts';
import { isContiguousLayout } from '../../src/tensor/shape.ts';
import { sharedArena } from './arena.ts';
import type { FunctionBody, Local } from './body.ts';

/** Floats per row-block operand: blocks of rows are copied in and out at a time (64 KiB each). */
export const ROW_BLOCK = 16384;

/** C rounded up to a multiple of 4. */
export const padded = (C: number): number => Math.ceil(C / 4) * 4;

/** Rows of C4 floats per block (at least one row, at most `rows`). */
export const blockRows = (C4: number, rows: number): number => Math.max(1, Math.min(rows, Math.floor(ROW_BLOCK / C4)));

/** The float32 array behind a view (its storage's, not a copy: index it from v.offset). */
export const f32 = (v: View): Float32Array => v.storage.data as Float32Array;

/** Whether every view is float32 and contiguous (offset anywhere). */
export const denseF32 = (views: readonly View[]): boolean => views.every((v) => v.dtype === 'float32' && isContiguousLayout(v.shape, v.strides));

/** Copies rows [r0, r0 + n) of the (rows, C) view v into wasm memory at byte `at`, row stride C4. */
export function copyRowsIn(v: View, r0: number, n: number, C: number, C4: number, at: number): void {
  const src = f32(v), mem = sharedArena.f32, o = v.offset + r0 * C, a = at / 4;
  if (C === C4) mem.set(src.subarray(o, o + n * C), a);
  else for (let r = 0; r < n; r++) mem.set(src.subarray(o + r * C, o + (r + 1) * C), a + r * C4);
}

/** Copies n rows of stride C4 at byte `at` back into rows [r0, r0 + n) of v. */
export function copyRowsOut(v: View, r0: number, n: number, C: number, C4: number, at: number): void {
  const dst = f32(v), mem = sharedArena.f32, o = v.offset + r0 * C, a = at / 4;
  if (C === C4) dst.set(mem.subarray(a, a + n * C), o);
  else for (let r = 0; r < n; r++) dst.set(mem.subarray(a + r * C4, a + r * C4 + C), o + r * C);
}

/** Emits: store the f32 local `value` at row[C .. C4), the padding lanes of one row. */
export function fillPadding(f: FunctionBody, row: Local, C: Local, C4: Local, value: Local): void {
  const j = f.local('i32');
  f.get(C).set(j);
  f.block().loop();
  f.get(j).get(C4).i32GeS().brIf(1);
  f.get(row).get(j).i32Const(2).i32Shl().i32Add().get(value).f32Store();
  f.get(j).i32Const(1).i32Add().set(j);
  f.br(0).end().end();
}

/** Emits: for (o = 0; o < 4·C4; o += 16) body(o), the byte offsets of one row's vectors. */
export function eachVector(f: FunctionBody, C4: Local, body: (o: Local) => void): void {
  const o = f.local('i32'), end = f.local('i32');
  f.i32Const(0).set(o).get(C4).i32Const(2).i32Shl().set(end);
  f.block().loop();
  f.get(o).get(end).i32GeS().brIf(1);
  body(o);
  f.get(o).i32Const(16).i32Add().set(o);
  f.br(0).end().end();
}

/** Vectors per loop turn of eachVectorGroup: enough independent chains for the out-of-order core. */
export const GROUP = 4;

/** Emits: for the byte offsets o of 4·C4 floats' vectors, body(o, GROUP) while GROUP whole vectors are
 *  left (the body handles o, o + 16, … o + 16·(GROUP − 1): immediate offsets 16·i), then body(o, 1)
 *  for the rest. For bodies that interleave independent dependency chains (simd-math.ts). */
export function eachVectorGroup(f: FunctionBody, C4: Local, body: (o: Local, count: number) => void): void {
  const o = f.local('i32'), end = f.local('i32'), groupsEnd = f.local('i32');
  f.i32Const(0).set(o).get(C4).i32Const(2).i32Shl().set(end);
  f.get(end).i32Const(-16 * GROUP).i32And().set(groupsEnd); // 16·GROUP is a power of two
  for (const [stop, count] of [[groupsEnd, GROUP], [end, 1]] as const) {
    f.block().loop();
    f.get(o).get(stop).i32GeS().brIf(1);
    body(o, count);
    f.get(o).i32Const(16 * count).i32Add().set(o);
    f.br(0).end().end();
  }
}

/** Emits: for (r = 0; r < rows; r++) { body(); each pointer += 4·C4 }: one row per iteration.
 *  `backwards`: each pointer −= 4·C4 instead (pointers start at the last row: a scan from the end). */
export function eachRow(f: FunctionBody, rows: Local, C4: Local, pointers: readonly Local[], body: () => void, backwards = false): void {
  const r = f.local('i32'), rowBytes = f.local('i32');
  f.get(C4).i32Const(2).i32Shl().set(rowBytes);
  f.block().loop();
  f.get(r).get(rows).i32GeS().brIf(1);
  body();
  for (const p of pointers) f.get(p).get(rowBytes)[backwards ? 'i32Sub' : 'i32Add']().set(p);
  f.get(r).i32Const(1).i32Add().set(r);
  f.br(0).end().end();
}

/** Emits: push the f32 maximum of `initial` and the 4·C4 floats at byte address `row`, over GROUP
 *  running maxima: f32x4.max is several instructions (its NaN and ±0 rules), so one chain of them
 *  would bound the loop by their latency. */
export function emitRowMax(f: FunctionBody, row: Local, C4: Local, initial: number): void {
  const acc = f.localList('v128', GROUP);
  for (const a of acc) f.f32x4Const(initial).set(a);
  eachVectorGroup(f, C4, (o, count) => {
    for (let i = 0; i < count; i++) f.get(acc[i]).get(row).get(o).i32Add().v128Load(16 * i).f32x4Max().set(acc[i]);
  });
  for (let i = 1; i < GROUP; i++) f.get(acc[0]).get(acc[i]).f32x4Max().set(acc[0]);
  laneMax(f, acc[0]);
}

/** Emits: push the f32 maximum of the four lanes of v. */
export function laneMax(f: FunctionBody, v: Local): void {
  f.get(v).f32x4ExtractLane(0).get(v).f32x4ExtractLane(1).f32Max();
  f.get(v).f32x4ExtractLane(2).get(v).f32x4ExtractLane(3).f32Max().f32Max();
}

/** Emits: push the f32 sum of the four lanes of v. */
export function laneSum(f: FunctionBody, v: Local): void {
  f.get(v).f32x4ExtractLane(0).get(v).f32x4ExtractLane(1).f32Add();
  f.get(v).f32x4ExtractLane(2).get(v).f32x4ExtractLane(3).f32Add().f32Add();
}
