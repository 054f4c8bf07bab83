// Runs every bench/*.bench.ts (each exports `run(): Promise<BenchResult[]>`), prints the results and
// records them in bench/results.json with the date, Node version and CPU model. Files not run this
// time keep their previous entry there.
// Usage: npm run bench [-- <substring of the file name, e.g. matmul>]
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { BenchResult } from './result.ts';

/** otherCpus: how many CPUs other processes of this machine kept busy, on average, while the file ran
 *  (Linux only). Load from outside a virtual machine (a neighbour on the sibling hyperthread) does not
 *  show there, so cpuSpeed also records a fixed scalar loop's speed before and after the file, in
 *  millions of iterations per second: when it is low, so is every figure of that file. */
interface FileEntry {
  date: string; node: string; cpu: string; seconds: number; otherCpus: number | null; cpuSpeed: [number, number]; results: BenchResult[];
}
interface ResultsFile { updated: string; files: Record<string, FileEntry> }

const dir = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort()
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error(`no bench/*.bench.ts matches ${JSON.stringify(filters)}`);
  process.exit(1);
}

/** CPU-seconds spent by all processes so far, from /proc/stat (null where that does not exist). */
function systemBusySeconds(): number | null {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) / 100; // USER_HZ = 100 on Linux
  } catch {
    return null;
  }
}
const ownBusySeconds = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

/** A fixed floating-point loop (best of 3 runs of 5·10^7 iterations), in millions of iterations/s. */
function cpuSpeed(): number {
  let best = Infinity, sink = 0;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    let x = 0;
    for (let i = 0; i < 5e7; i++) x += (i & 7) * 1e-9;
    sink += x;
    best = Math.min(best, performance.now() - started);
  }
  return sink > 0 ? Math.round(5e7 / best / 1e3) : 0;
}

const resultsPath = join(dir, 'results.json');
const saved: ResultsFile = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')) : { updated: '', files: {} };
const cpu = cpus()[0]?.model ?? 'unknown';
console.log(`node ${process.version}, ${cpu}, ${cpus().length} logical CPUs`);

for (const file of files) {
  console.log(`\n== ${file}`);
  const speedBefore = cpuSpeed();
  const started = performance.now(), systemBefore = systemBusySeconds(), ownBefore = ownBusySeconds();
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { run: () => Promise<BenchResult[]> };
  const results = await mod.run();
  const seconds = (performance.now() - started) / 1000;
  console.table(results.map((r) => ({
    name: r.name, metric: r.metric, value: r.value, peer: r.peer ?? '', 'peer value': r.peerValue ?? '', ratio: r.ratio ?? '',
  })));
  const systemAfter = systemBusySeconds();
  const otherCpus = systemBefore === null || systemAfter === null ? null
    : Math.max(0, Math.round(((systemAfter - systemBefore) - (ownBusySeconds() - ownBefore)) / seconds * 100) / 100);
  const speed: [number, number] = [speedBefore, cpuSpeed()];
  console.log(`${file}: ${results.length} results in ${seconds.toFixed(1)} s; other processes kept ${otherCpus ?? '?'} CPUs busy; `
    + `scalar loop at ${speed[0]} → ${speed[1]} M iterations/s`);
  saved.files[file] = { date: new Date().toISOString(), node: process.version, cpu, seconds: Math.round(seconds), otherCpus, cpuSpeed: speed, results };
  saved.updated = new Date().toISOString();
  writeFileSync(resultsPath, JSON.stringify(saved, null, 2) + '\n');
}
console.log(`\nwrote ${resultsPath}`);
