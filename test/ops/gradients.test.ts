// Every differentiable op in the table: autograd gradient == central finite differences in float64,
// over random shapes (size-1 dims, every broadcasting combination the domain allows) and values.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OP_TABLE } from '../../src/index.ts';
import { propertyGradcheck } from '../../src/testing/property.ts';

const t = suite('op gradients (property, float64 finite differences)');

t('every differentiable op declares a test domain', () => {
  const missing = [...OP_TABLE.values()].filter((op) => op.differentiable && !op.domain).map((op) => op.name);
  assert.equal(missing, []);
});

for (const op of OP_TABLE.values()) {
  if (!op.domain) continue;
  const domain = op.domain;
  t(`${op.name} gradient equals float64 finite differences on random inputs`, () => {
    propertyGradcheck(domain, { numRuns: 30 });
  });
}

t.run();
