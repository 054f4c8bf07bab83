// Every relative link in README.md and docs/**/*.md points to a file that exists, and every
// #anchor to a heading of the target Markdown file (GitHub's heading slugs).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { slug } from '../../scripts/api-reference.ts';

const t = suite('documentation links');
const root = fileURLToPath(new URL('../../', import.meta.url));

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? markdownFiles(path) : name.endsWith('.md') ? [path] : [];
  });
}

/** The text outside fenced code blocks and inline code, where a link is a link. */
const prose = (text: string): string => text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');

/** The anchors GitHub gives a file's headings: slugs, with -1, -2, … on repeats. */
function anchors(path: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(readFileSync(path, 'utf8')).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1].replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

t('slug follows GitHub: lower case, punctuation dropped, spaces become hyphens', () => {
  assert.is(slug('src/tensor/create.ts'), 'srctensorcreatets');
  assert.is(slug('1. A tensor is a view: `src/tensor/tensor.ts`'), '1-a-tensor-is-a-view-srctensortensorts');
  assert.is(slug('GPU backend (gpu.js)'), 'gpu-backend-gpujs');
});

/** The relative links of `text` (the contents of `file`) that do not resolve, with the reason. */
function brokenLinks(file: string, text: string): string[] {
  const broken: string[] = [];
  for (const m of prose(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // https:, mailto:
    const [path, anchor] = target.split('#');
    const resolved = path === '' ? file : join(dirname(file), decodeURIComponent(path));
    if (!existsSync(resolved)) broken.push(`${target} (no such file: ${relative(root, resolved)})`);
    else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) broken.push(`${target} (no heading #${anchor})`);
  }
  return broken;
}

t('a missing file and a missing heading are reported; code spans are not links', () => {
  const file = join(root, 'docs', 'READING.md');
  assert.equal(brokenLinks(file, '[a](../README.md#op-coverage) [b](nope.md) [c](../README.md#nope) `[d](x.md)`'), [
    'nope.md (no such file: docs/nope.md)', '../README.md#nope (no heading #nope)',
  ]);
});

/** Source files under src/ and kernels/ that mention `docs/derivations/<name>`. */
function codeCiting(name: string): string[] {
  const walk = (dir: string): string[] => readdirSync(join(root, dir)).sort().flatMap((f) => {
    const path = `${dir}/${f}`;
    return statSync(join(root, path)).isDirectory() ? walk(path) : f.endsWith('.ts') ? [path] : [];
  });
  return ['src', 'kernels'].flatMap(walk).filter((path) => readFileSync(join(root, path), 'utf8').includes(`docs/derivations/${name}`));
}

for (const name of readdirSync(join(root, 'docs', 'derivations')).filter((f) => f.endsWith('.md')).sort()) {
  t(`derivations/${name} is cited by the code it derives, and links back to each citing file`, () => {
    const citing = codeCiting(name);
    assert.ok(citing.length > 0, `no file under src/ or kernels/ mentions docs/derivations/${name}`);
    const text = readFileSync(join(root, 'docs', 'derivations', name), 'utf8');
    const unlinked = citing.filter((path) => !text.includes(`](../../${path})`));
    assert.ok(unlinked.length === 0, `docs/derivations/${name} does not link back to ${unlinked.join(', ')}`);
  });
}

for (const file of [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))]) {
  const name = relative(root, file);
  t(`${name}: every relative link resolves`, () => {
    const broken = brokenLinks(file, readFileSync(file, 'utf8'));
    assert.ok(broken.length === 0, `broken links in ${name}:\n  ${broken.join('\n  ')}`);
  });
}

t.run();
