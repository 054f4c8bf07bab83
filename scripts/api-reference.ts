// Writes docs/API.md: every exported symbol of src/ and kernels/, grouped by module, with its
// signature and TSDoc comment. The extraction is in scripts/api-extract.ts.
//
//   npm run api-reference            regenerate docs/API.md
//   npm run api-reference -- --check list the exported symbols with no TSDoc (exit 1 if any)
//
// test/docs/api-reference.test.ts fails when docs/API.md is out of date or an exported symbol lacks a
// doc comment, and prints which.

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { extractFile, type ApiFile, type ApiSymbol } from './api-extract.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
export const API_PATH = 'docs/API.md';

/** Modules in reading order (docs/READING.md): what a newcomer meets first comes first. */
const MODULE_ORDER = [
  'src/tensor', 'src/backend', 'src/autograd', 'src/ops', 'src/testing', 'src/nn', 'src/model', 'src/optim',
  'src/data', 'src/train', 'src/generate', 'src/io', 'src/tokenizer', 'src/cli', 'src',
  'kernels', 'kernels/cpu', 'kernels/gpu', 'kernels/wasm',
];

function tsFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).sort().flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(root, path)).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every file of src/ and kernels/ with its exported symbols. */
export function collectApi(): ApiFile[] {
  return ['src', 'kernels'].flatMap(tsFiles).map((path) => extractFile(path, readFileSync(join(root, path), 'utf8')));
}

/** The exported symbols without a TSDoc comment, as `path:line kind name`. */
export function undocumented(files: readonly ApiFile[]): string[] {
  return files
    .flatMap((f) => f.symbols.filter((s) => s.doc === null).map((s) => `${f.path}:${s.line} ${s.kind} ${s.name}`));
}

const moduleOf = (path: string): string => path.slice(0, path.lastIndexOf('/'));
const rank = (module: string): number => {
  const i = MODULE_ORDER.indexOf(module);
  return i >= 0 ? i : MODULE_ORDER.length;
};
/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export const slug = (heading: string): string => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');

function renderSymbol(s: ApiSymbol): string[] {
  const out = [`#### \`${s.name}\` (${s.kind})`, '', '```ts', s.signature, '```', ''];
  out.push(s.doc ?? '*Not documented yet.*', '');
  const members = s.members.filter((m) => m.name !== 'constructor' || m.doc !== null || m.signature.length > 'constructor()'.length);
  if (members.length > 0) {
    out.push('| member | |', '|---|---|');
    for (const m of members) out.push(`| \`${m.signature.replace(/\|/g, '\\|')}\` | ${(m.doc ?? '').replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|')} |`);
    out.push('');
  }
  return out;
}

/** docs/API.md as text. */
export function renderApi(files: readonly ApiFile[]): string {
  const withSymbols = files.filter((f) => f.symbols.length > 0);
  const modules = [...new Set(withSymbols.map((f) => moduleOf(f.path)))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const count = withSymbols.reduce((n, f) => n + f.symbols.length, 0);
  const out = [
    '# API reference',
    '',
    `Every exported symbol of \`src/\` and \`kernels/\` (${count} in ${withSymbols.length} files), in reading order, with its`,
    'signature and doc comment. **Generated** by `npm run api-reference` from the source (scripts/api-reference.ts);',
    'do not edit by hand. Re-exports (`src/index.ts`, each folder\'s `index.ts`) are listed where the symbol is defined.',
    'For a guided tour, read [READING.md](READING.md) first.',
    '',
    '## Modules',
    '',
    ...modules.map((m) => `- [${m}/](#${slug(m)}) — ${withSymbols.filter((f) => moduleOf(f.path) === m).map((f) => `[${f.path.slice(m.length + 1)}](#${slug(f.path)})`).join(', ')}`),
    '',
  ];
  for (const m of modules) {
    out.push(`## ${m}`, '');
    for (const f of withSymbols.filter((x) => moduleOf(x.path) === m)) {
      out.push(`### ${f.path}`, '', `Source: [${f.path}](../${f.path})${f.summary ? ` — ${f.summary}` : ''}`, '');
      for (const s of f.symbols) out.push(...renderSymbol(s));
    }
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const files = collectApi();
  if (process.argv.includes('--check')) {
    const missing = undocumented(files);
    console.log(missing.length === 0 ? 'every exported symbol of src/ and kernels/ has a doc comment' : `${missing.length} exported symbols have no doc comment:\n${missing.join('\n')}`);
    process.exitCode = missing.length === 0 ? 0 : 1;
  } else {
    writeFileSync(join(root, API_PATH), renderApi(files));
    const missing = undocumented(files);
    console.log(`wrote ${relative(process.cwd(), join(root, API_PATH)) || API_PATH}: ${files.reduce((n, f) => n + f.symbols.length, 0)} symbols; ${missing.length} without a doc comment (npm run api-reference -- --check lists them)`);
  }
}
