// Runs every bench/*.bench.ts (each exports `run(): Promise<BenchResult[]>`), prints the results and
// records them in bench/results.json with the date, Node version and CPU model. Files not run this
// time keep their previous entry there.
// Usage: npm run bench [-- <substring of the file name, e.g. matmul>]
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { BenchResult } from './result.ts';

interface FileEntry { date: string; node: string; cpu: string; results: BenchResult[] }
interface ResultsFile { updated: string; files: Record<string, FileEntry> }

const dir = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort()
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error(`no bench/*.bench.ts matches ${JSON.stringify(filters)}`);
  process.exit(1);
}

const resultsPath = join(dir, 'results.json');
const saved: ResultsFile = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')) : { updated: '', files: {} };
const cpu = cpus()[0]?.model ?? 'unknown';
console.log(`node ${process.version}, ${cpu}, ${cpus().length} logical CPUs`);

for (const file of files) {
  console.log(`\n== ${file}`);
  const started = performance.now();
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { run: () => Promise<BenchResult[]> };
  const results = await mod.run();
  const seconds = (performance.now() - started) / 1000;
  console.table(results.map((r) => ({
    name: r.name, metric: r.metric, value: r.value, peer: r.peer ?? '', 'peer value': r.peerValue ?? '', ratio: r.ratio ?? '',
  })));
  console.log(`${file}: ${results.length} results in ${seconds.toFixed(1)} s`);
  saved.files[file] = { date: new Date().toISOString(), node: process.version, cpu, results };
  saved.updated = new Date().toISOString();
  writeFileSync(resultsPath, JSON.stringify(saved, null, 2) + '\n');
}
console.log(`\nwrote ${resultsPath}`);
