// The README tells the truth: its coverage matrix is the one the op table produces now.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import '../src/index.ts';
import '../src/backend/gpu.ts';
import { coverage, coverageMarkdown } from '../src/ops/coverage.ts';

const t = suite('README');

t('the op coverage matrix in README.md is current (regenerate with npx i3 ops)', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const m = /<!-- coverage:start -->\n([\s\S]*?)\n<!-- coverage:end -->/.exec(readme);
  assert.ok(m, 'README.md has the coverage markers');
  assert.fixture(m[1], coverageMarkdown());
});

t('every op has float32 and float64 CPU kernels and a checked gradient (or none by design)', () => {
  for (const row of coverage()) {
    assert.equal([...row.missing['cpu float32'], ...row.missing['cpu float64']], [], row.op);
    assert.is.not(row.gradient, 'unchecked', row.op);
  }
});

t.run();
