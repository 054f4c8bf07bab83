// docs/API.md is generated from the source, so it must match what the generator writes now, and
// every exported symbol of src/ and kernels/ must carry a TSDoc comment. Also checks the line-based extractor
// on small sources, since the reference is only as good as what it reads.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { extractFile, newScanState, scanLine } from '../../scripts/api-extract.ts';
import { API_PATH, collectApi, renderApi, undocumented } from '../../scripts/api-reference.ts';

const t = suite('API reference');
const root = new URL('../../', import.meta.url);

t('the extractor finds exports with their TSDoc, signatures and public class members', () => {
  const source = [
    '// A module.', '//   x = 1   (a formula)', '// more', '',
    '/** Adds. */',
    'export function add(a: number,', '  b = 1): { sum: number } {', '  return { sum: a + b };', '}',
    'const hidden = `x ${`y ${1}`} }`; // braces in templates do not count',
    'export const re = /[}{]/; // nor in a regex',
    '// a line comment is not TSDoc',
    'export interface Shape {', '  /** Width. */', '  w: number;', '}',
    '/** A box. */',
    'export class Box extends Base {', '  /** Its width. */', '  readonly w = 1;', '  private secret = 2;',
    '  constructor(readonly h = 3) { super(); }', '  get area(): number { return this.w * this.h; }', '  inner() {', '    const o = { a: 1 };', '  }', '  pick(): { a: number } {', '    return { a: 1 };', '  }', '}',
    'export type Pair =', '  | [number, number]', '  | { a: number };',
    'function local(): void {}', 'export { local };',
    '/** Overloaded. */', 'export function over(): number;', 'export function over(x: string): string;', 'export function over(x?: string): number | string {', '  return x ?? 0;', '}',
  ].join('\n');
  const f = extractFile('m.ts', source);
  assert.is(f.summary, 'A module. …');
  assert.equal(f.symbols.map((s) => [s.name, s.kind, s.doc]), [
    ['add', 'function', 'Adds.'], ['re', 'const', null], ['Shape', 'interface', null], ['Box', 'class', 'A box.'],
    ['Pair', 'type', null], ['local', 'function', null], ['over', 'function', 'Overloaded.'],
  ]);
  assert.is(f.symbols[6].signature, 'function over(): number\nfunction over(x: string): string\nfunction over(x?: string): number | string');
  assert.is(f.symbols[0].signature, 'function add(a: number,\n  b = 1): { sum: number }');
  assert.is(f.symbols[2].signature, 'interface Shape {\n  /** Width. */\n  w: number;\n}');
  assert.is(f.symbols[4].signature, 'type Pair =\n  | [number, number]\n  | { a: number }');
  assert.equal(f.symbols[3].members.map((m) => [m.signature, m.doc]), [
    ['readonly w', 'Its width.'], ['constructor(readonly h = 3)', null], ['get area(): number', null], ['inner()', null], ['pick(): { a: number }', null],
  ]);
});

t("an op without TSDoc is documented by its doc string in the op table", () => {
  const f = extractFile('ops.ts', [
    "export const neg = unaryOp('neg', '−x');",
    'export const sum = defineOp(', "  { name: 'sum', doc: 'sum over axes', kernels: ['sum'] },", '  (x) => x,', ');',
    '/** Own words win. */', "export const exp = unaryOp('exp', 'eˣ');",
  ].join('\n'));
  assert.equal(f.symbols.map((s) => s.doc), ['The `neg` op: −x.', 'The `sum` op: sum over axes.', 'Own words win.']);
});

t('scanLine keeps state across lines for block comments and template literals', () => {
  const state = newScanState();
  assert.equal(scanLine('const s = `a {', state), { paren: 0, brace: 0 });
  assert.equal(scanLine('  ${f({})} }` + g(x) /* {', state), { paren: 0, brace: 0 });
  assert.equal(scanLine('} */ if (x) {', state), { paren: 0, brace: 1 });
});

t(`${API_PATH} is current (regenerate with: npm run api-reference)`, () => {
  const written = readFileSync(new URL(API_PATH, root), 'utf8');
  assert.ok(written === renderApi(collectApi()), `${API_PATH} differs from what the source gives now; run npm run api-reference`);
});

t('every exported symbol of src/ and kernels/ has a TSDoc comment', () => {
  const missing = undocumented(collectApi());
  assert.ok(missing.length === 0, `${missing.length} exported symbols have no /** */ comment:\n  ${missing.join('\n  ')}`);
});

t.run();
