// The README tells the truth: its coverage matrix is the one the op table produces now.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import '../src/index.ts';
import { coverageMarkdown } from '../src/ops/coverage.ts';

const t = suite('README');

t('the op coverage matrix in README.md is current (regenerate with npx i3 ops)', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const m = /<!-- coverage:start -->\n([\s\S]*?)\n<!-- coverage:end -->/.exec(readme);
  assert.ok(m, 'README.md has the coverage markers');
  assert.fixture(m[1], coverageMarkdown());
});

t('every op has float32 and float64 CPU kernels and a checked gradient (or none by design)', () => {
  const md = coverageMarkdown();
  assert.not.match(md, /✗/);
});

t.run();
