// Every example runs (in a quick mode) so none rots.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const t = suite('examples');
const root = fileURLToPath(new URL('..', import.meta.url));
const quickArgs: Record<string, string[]> = { '01-autograd-mlp.ts': ['--steps', '60'] };

for (const file of readdirSync(`${root}/examples`).filter((f) => /^\d\d-.*\.ts$/.test(f)).sort()) {
  t(`examples/${file} runs to completion`, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', `examples/${file}`, ...(quickArgs[file] ?? [])], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assert.is(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    assert.ok(r.stdout.length > 0, 'prints something');
  });
}

t.run();
