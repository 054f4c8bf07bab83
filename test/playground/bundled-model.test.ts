// The model shipped in models/tiny-stories/: it loads, it is the size its README says, and
// `i3 generate` without --model uses it (the same text as naming the folder explicitly).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BUNDLED_MODEL } from '../../src/cli/generate.ts';
import { loadModelFolder } from '../../src/io/model-folder.ts';

const t = suite('bundled model (models/tiny-stories)');
const I3 = fileURLToPath(new URL('../../bin/i3.js', import.meta.url));
const i3 = (args: string[]) => spawnSync(process.execPath, [I3, ...args], { encoding: 'utf8', timeout: 60_000 });

t('loads, with the parameter count and vocabulary its README states', async () => {
  const { model, tokenizer } = await loadModelFolder(BUNDLED_MODEL);
  const readme = readFileSync(`${BUNDLED_MODEL}/README.md`, 'utf8');
  assert.ok(readme.includes(`${model.numParameters().toLocaleString('en')} parameters`), `README should state ${model.numParameters()} parameters`);
  assert.is(tokenizer.vocabSize, 1024);
  model.dispose();
});

t('i3 generate without --model uses it, and says so', () => {
  const args = ['--prompt', 'Once upon a time', '--max-new-tokens', '16', '--seed', '1'];
  const implicit = i3(['generate', ...args]), explicit = i3(['generate', '--model', BUNDLED_MODEL, ...args]);
  assert.is(implicit.status, 0, implicit.stderr);
  assert.ok(implicit.stderr.includes(`model: ${BUNDLED_MODEL} (the bundled one`), implicit.stderr);
  assert.ok(implicit.stdout.length > 'Once upon a time\n'.length, implicit.stdout);
  assert.is(implicit.stdout, explicit.stdout);
});

t.run();
