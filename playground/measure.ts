// Generation speed in headless Chromium, as the page measures it: builds and serves the playground,
// then alternates the backends (cpu with WebAssembly SIMD kernels, cpu with TypeScript kernels, gpu
// with gpu.js on WebGL2 or on WebGPU in the worker) for a few rounds. Each switch starts a new worker,
// so each round first runs one generation of N tokens that is not counted (it compiles: WebAssembly modules, and on
// gpu one shader per kernel and shape, including the attention kernels of each cache capacity), then the measured
// one, with the bundled model. Prints the page's tokens/s per round, the median per backend, and the
// uncounted first generation's time. Interleaved rounds, so all backends see the same machine load.
// With trainSteps > 0, each round then also trains a fresh i3 in the same worker (the page's batch 8 ×
// window 64 on the bundled sample) and reports training tokens/s over steps 2…trainSteps (step 1
// compiles on gpu; its time is printed apart).
//   npx tsx playground/measure.ts [rounds=3] [tokens=60] [backends=wasm,ts,gpu,webgpu] [trainSteps=0]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildPlayground } from './build.ts';
import { serveFolder } from './server.ts';
import { launch } from '../test/playground/browser.ts';

const rounds = Number(process.argv[2] ?? 3), tokens = Number(process.argv[3] ?? 60);
const backends = (process.argv[4] ?? 'wasm,ts,gpu,webgpu').split(',');
const trainSteps = Number(process.argv[5] ?? 0), BATCH = 8, WINDOW = 64;
if (trainSteps === 1 || !Number.isInteger(trainSteps) || trainSteps < 0) throw new Error(`trainSteps ${process.argv[5]}: 0 (no training) or at least 2 (step 1 is not counted)`);
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

/** Trains a fresh model for trainSteps steps; tokens/s over steps 2…trainSteps, and step 1's seconds. */
async function train(p: Page): Promise<{ tokensPerSecond: number; firstStep: number }> {
  if ((await p.inputValue('#train-text')).length === 0) {
    await p.click('#use-sample');
    await p.waitForFunction(() => (document.getElementById('train-text') as HTMLTextAreaElement).value.length > 0);
  }
  for (const [id, v] of [['steps', trainSteps], ['batch', BATCH], ['window', WINDOW], ['max-tokens', 1]] as const) await p.fill(`#${id}`, String(v));
  await p.evaluate(() => { document.getElementById('train-sample')!.textContent = ''; });
  await p.click('#train');
  await p.waitForFunction(() => document.getElementById('train-sample')!.textContent !== '' || document.getElementById('status')!.textContent!.startsWith('error'), null, { timeout: 600_000 });
  const seconds = JSON.parse((await p.getAttribute('#train-log', 'data-seconds')) ?? '[]') as number[];
  if (seconds.length !== trainSteps) throw new Error(`training ran ${seconds.length} of ${trainSteps} steps: ${await p.textContent('#status')}`);
  return { tokensPerSecond: ((trainSteps - 1) * BATCH * WINDOW) / (seconds.at(-1)! - seconds[0]!), firstStep: seconds[0]! };
}

const results: Record<string, number[]> = Object.fromEntries(backends.map((b) => [b, []]));
const training: Record<string, number[]> = Object.fromEntries(backends.map((b) => [b, []]));
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
      if (trainSteps > 0) {
        const { tokensPerSecond, firstStep } = await train(page);
        console.log(`round ${r + 1} ${backend} training: ${tokensPerSecond.toFixed(1)} tokens/s over steps 2-${trainSteps} (batch ${BATCH} × ${WINDOW}; step 1: ${firstStep.toFixed(2)} s)`);
        training[backend]!.push(tokensPerSecond);
      }
    }
  }
} finally {
  await context.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [k, xs] of Object.entries(results)) console.log(`${k}: median ${median(xs).toFixed(1)} tokens/s over ${xs.length} rounds`);
for (const [k, xs] of Object.entries(training)) if (xs.length) console.log(`${k} training: median ${median(xs).toFixed(1)} tokens/s over ${xs.length} rounds`);
