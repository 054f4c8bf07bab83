// Generation speed in headless Chromium, as the page measures it: builds and serves the playground,
// then alternates the backends (cpu with WebAssembly SIMD kernels, cpu with TypeScript kernels, gpu
// with gpu.js on WebGL2 or on WebGPU in the worker) for a few rounds. Each switch starts a new worker,
// so each round first runs one generation of N tokens that is not counted (it compiles: WebAssembly modules, and on
// gpu one shader per kernel and shape, since every new cache length is a new shape), then the measured
// one, with the bundled model. Prints the page's tokens/s per round, the median per backend, and the
// uncounted first generation's time. Interleaved rounds, so all backends see the same machine load.
//   npx tsx playground/measure.ts [rounds=3] [tokens=60] [backends=wasm,ts,gpu,webgpu]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildPlayground } from './build.ts';
import { serveFolder } from './server.ts';
import { launch } from '../test/playground/browser.ts';

const rounds = Number(process.argv[2] ?? 3), tokens = Number(process.argv[3] ?? 60);
const backends = (process.argv[4] ?? 'wasm,ts,gpu,webgpu').split(',');
const dir = mkdtempSync(join(tmpdir(), 'i3-playground-'));
const { server, url } = await serveFolder(buildPlayground(dir), 0);
const context = await launch();
const page = await context.newPage();
await page.goto(url);

/** One generation of `tokens` tokens with `seed`; the page's speed line. */
async function generate(p: Page, seed: number): Promise<string> {
  await p.fill('#max-tokens', String(tokens));
  await p.fill('#seed', String(seed));
  await p.evaluate(() => { document.getElementById('gen-speed')!.textContent = ''; });
  await p.click('#generate');
  await p.waitForFunction(() => document.getElementById('gen-speed')!.textContent !== '' || document.getElementById('status')!.textContent!.startsWith('error'), null, { timeout: 600_000 });
  const line = await p.textContent('#gen-speed');
  if (!line) throw new Error(`generation failed: ${await p.textContent('#status')}`);
  return line;
}

const results: Record<string, number[]> = Object.fromEntries(backends.map((b) => [b, []]));
try {
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  for (let r = 0; r < rounds; r++) {
    for (const backend of backends) {
      await page.evaluate(() => { document.body.dataset.ready = ''; });
      await page.selectOption('#backend', backend === 'wasm' ? 'ts' : 'wasm'); // a fresh worker even when the choice stays
      await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
      await page.selectOption('#backend', backend);
      await page.waitForSelector('body[data-ready="true"], body[data-ready="unavailable"]', { timeout: 60_000 });
      if ((await page.getAttribute('body', 'data-ready')) === 'unavailable') throw new Error(`${backend}: ${await page.textContent('#gpu-info')}`);
      if (r === 0) console.log(`${backend}: ${await page.textContent('#backend-info')}${backend === 'gpu' || backend === 'webgpu' ? ` — ${await page.textContent('#gpu-info')}` : ''}`);
      const first = await generate(page, r);
      const line = await generate(page, r);
      console.log(`round ${r + 1} ${backend}: ${line}   (uncounted first generation: ${/in ([\d.]+ s)/.exec(first)![1]})`);
      results[backend]!.push(Number(/([\d.]+) tokens\/s/.exec(line)![1]));
    }
  }
} finally {
  await context.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [k, xs] of Object.entries(results)) console.log(`${k}: median ${median(xs).toFixed(1)} tokens/s over ${xs.length} rounds`);
