// Test runner: imports every `*.test.ts` under test/ into one uvu queue, runs it, and ends with the
// plain line `N passed, M failed` that CI reads (uvu's own summary is not recognised there).
// Usage: npm test [-- <substring filter on file paths>]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

type SuiteRun = () => Promise<[string | true, number, number, number]>;
const g = globalThis as unknown as { UVU_DEFER: number; UVU_QUEUE: Array<Array<string | SuiteRun | null>>; UVU_INDEX: number };

function findTests(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const root = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const files = findTests(root).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));

const started = performance.now();
g.UVU_DEFER = 1;
g.UVU_QUEUE = [];
await import('uvu');
for (const [index, file] of files.entries()) {
  g.UVU_INDEX = index;
  g.UVU_QUEUE.push([relative(root, file)]);
  await import(pathToFileURL(file).href);
}

let passed = 0, failed = 0, skipped = 0;
for (const group of g.UVU_QUEUE) {
  process.stdout.write(`\n${group.shift()}\n`);
  for (const run of group as SuiteRun[]) {
    const [errors, ran, skips, total] = await run();
    passed += ran; failed += total - ran; skipped += skips;
    if (errors !== true) process.stdout.write(`\n${errors}\n`);
  }
}
console.log(`\n${files.length} files in ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exitCode = failed > 0 || files.length === 0 ? 1 : 0;
