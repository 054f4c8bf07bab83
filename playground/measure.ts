// Generation speed in headless Chromium, as the page measures it: builds and serves the playground,
// then alternates the kernel sets (WebAssembly SIMD, TypeScript) for a few rounds, each round one
// generation of N tokens with the bundled model, and prints the page's tokens/s per round and the
// median per kernel set. Interleaved rounds so both sets see the same machine load.
//   npx tsx playground/measure.ts [rounds=3] [tokens=60]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlayground } from './build.ts';
import { serveFolder } from './server.ts';
import { launch } from '../test/playground/browser.ts';

const rounds = Number(process.argv[2] ?? 3), tokens = Number(process.argv[3] ?? 60);
const dir = mkdtempSync(join(tmpdir(), 'i3-playground-'));
const { server, url } = await serveFolder(buildPlayground(dir), 0);
const context = await launch();
const page = await context.newPage();
await page.goto(url);
const results: Record<string, number[]> = { wasm: [], ts: [] };
try {
  for (let r = 0; r < rounds; r++) {
    for (const kernels of ['wasm', 'ts']) {
      if ((await page.inputValue('#kernels')) !== kernels) await page.selectOption('#kernels', kernels);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
      await page.fill('#max-tokens', String(tokens));
      await page.fill('#seed', String(r));
      await page.evaluate(() => { document.getElementById('gen-speed')!.textContent = ''; });
      await page.click('#generate');
      await page.waitForFunction(() => document.getElementById('gen-speed')!.textContent !== '', null, { timeout: 60_000 });
      const line = (await page.textContent('#gen-speed'))!;
      console.log(`round ${r + 1} ${kernels}: ${line}`);
      results[kernels]!.push(Number(/([\d.]+) tokens\/s/.exec(line)![1]));
    }
  }
} finally {
  await context.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [k, xs] of Object.entries(results)) console.log(`${k}: median ${median(xs).toFixed(1)} tokens/s over ${xs.length} rounds`);
