// The SIMD packing functions (kernels/wasm/pack-kernel.ts) against the JavaScript packers of
// kernels/wasm/pack.ts, the reference: on random blocks of every layout (lines by rows and by
// columns, for A's panels of 4 rows and B's panels of 8 columns), kc not a multiple of 4, gaps
// between the lines, the result must be the same panels bit for bit (packing is a copy), and
// nothing outside the panels may be written.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { packPanelsOfColumns, packPanelsOfRows } from '../../kernels/wasm/pack.ts';
import { packModule, type PackExports } from '../../kernels/wasm/pack-kernel.ts';
import { rng } from './matmul-check.ts';

const t = suite('wasm simd packing');

const memory = new WebAssembly.Memory({ initial: 16 });
const mem = new Float32Array(memory.buffer);
const pack = packModule().instantiate<PackExports>(memory);

type Name = keyof PackExports;
/** Per function: panel width, and the JavaScript packer of the same block reading the copy at `src`
 *  whose lines are `ld` floats apart, into `out` from 0. */
const CASES: [Name, number, (out: Float32Array, src: number, ld: number, panels: number, kc: number) => void][] = [
  ['rowsFromRows', 4, (out, src, ld, panels, kc) => packPanelsOfRows(out, 0, mem, src, ld, 1, 4 * panels, kc, 4)],
  ['rowsFromColumns', 4, (out, src, ld, panels, kc) => packPanelsOfRows(out, 0, mem, src, 1, ld, 4 * panels, kc, 4)],
  ['columnsFromRows', 8, (out, src, ld, panels, kc) => packPanelsOfColumns(out, 0, mem, src, ld, 1, kc, 8 * panels, 8)],
  ['columnsFromColumns', 8, (out, src, ld, panels, kc) => packPanelsOfColumns(out, 0, mem, src, 1, ld, kc, 8 * panels, 8)],
];

/** Packs with the SIMD function `name` and with its JavaScript twin; asserts equal bits, and that the
 *  guard floats around the SIMD function's output are untouched. */
function compare(name: Name, width: number, reference: typeof CASES[number][2], panels: number, kc: number, gap: number, src: number, seed: number): void {
  // The copy's lines: width·panels lines of kc floats (by rows) or kc lines of width·panels (by columns).
  const byLines = name === 'rowsFromRows' || name === 'columnsFromColumns';
  const len = byLines ? kc : width * panels, lines = byLines ? width * panels : kc, ld = len + gap;
  const random = rng(seed), copyFloats = lines * ld, dst = src + copyFloats + 8, out = width * panels * kc;
  for (let i = 0; i < dst + out + 8; i++) mem[i] = random() * 2 - 1;
  const guard = Float32Array.from(mem.subarray(dst - 8, dst + out + 8));
  const want = new Float32Array(out);
  reference(want, src, ld, panels, kc);
  pack[name](4 * src, 4 * ld, 4 * dst, panels, kc);
  const where = `${name} panels=${panels} kc=${kc} gap=${gap} src=${src}`;
  assert.equal(new Uint32Array(mem.slice(dst, dst + out).buffer), new Uint32Array(want.buffer), where);
  for (let i = 0; i < 8; i++) {
    assert.is(mem[dst - 8 + i], guard[i], `${where}: wrote before the panels`);
    assert.is(mem[dst + out + i], guard[8 + out + i], `${where}: wrote after the panels`);
  }
}

t('each function equals its JavaScript twin on small blocks (kc 1..9, one to three panels, gaps)', () => {
  for (const [name, width, reference] of CASES) {
    for (const panels of [1, 2, 3]) for (let kc = 1; kc <= 9; kc++) for (const gap of [0, 3]) compare(name, width, reference, panels, kc, gap, 5, kc);
  }
});

t('property: random panels, kc, gaps and (unaligned) addresses', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 300 }), fc.nat(20), fc.nat(33), fc.nat(1e6),
    (which, panels, kc, gap, src, seed) => {
      const [name, width, reference] = CASES[which];
      compare(name, width, reference, panels, kc, gap, src, seed);
    }), { numRuns: 300, seed: 20260514 });
});

t.run();
