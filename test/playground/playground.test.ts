// End-to-end: build the playground, serve it, drive it in headless Chromium. The page must load
// without console errors, generate text from the bundled model, lower the loss over a few training
// steps, switch the kernel set (a new worker, the model reloaded), switch to the gpu backend (gpu.js's
// browser build in the worker, WebGL2 and WebGPU, against the cpu backend), say why when a browser has
// no GPU API, and a screenshot is saved to runs/playground/. Tokens/s per backend are printed.

import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { BrowserContext, Page } from 'playwright-core';
import { buildPlayground } from '../../playground/build.ts';
import { serveFolder } from '../../playground/server.ts';
import { chromiumProblem, launch } from './browser.ts';

const t = suite('playground in headless Chromium');
const problem = chromiumProblem();
const state: { context?: BrowserContext; page?: Page; close?: () => void; url?: string; errors: string[] } = { errors: [] };

/** New tokens in the gpu tests (few: the first tokens on gpu compile every kernel they use). */
const TOKENS = 2;

const generate = async (page: Page, { tokens = 40, temperature = 0.8 } = {}) => {
  await page.fill('#max-tokens', String(tokens));
  await page.fill('#temperature', String(temperature));
  await page.click('#generate');
  await page.waitForFunction(() => document.getElementById('gen-speed')!.textContent !== '' && !(document.getElementById('generate') as HTMLButtonElement).disabled, null, { timeout: 120_000 }); // a hang guard: gpu compiles shaders first
  return { output: await page.textContent('#output'), speed: await page.textContent('#gen-speed'), pieces: Number(await page.getAttribute('#output', 'data-pieces')) };
};

/** Trains a fresh model on the bundled sample with the page's controls; the per-step losses and the greedy sample. */
const train = async (page: Page, { steps, batch, window }: { steps: number; batch: number; window: number }) => {
  if ((await page.inputValue('#train-text')).length < 1000) {
    await page.click('#use-sample');
    await page.waitForFunction(() => (document.getElementById('train-text') as HTMLTextAreaElement).value.length > 1000);
  }
  for (const [id, v] of [['steps', steps], ['batch', batch], ['window', window]] as const) await page.fill(`#${id}`, String(v));
  await page.evaluate(() => { document.getElementById('train-sample')!.textContent = ''; });
  await page.click('#train');
  await page.waitForFunction(() => document.getElementById('train-sample')!.textContent !== '', null, { timeout: 120_000 });
  return { losses: JSON.parse((await page.getAttribute('#train-log', 'data-losses'))!) as number[], sample: (await page.textContent('#train-sample'))! };
};

if (problem && process.env.CI) {
  t('Chromium is installed (CI must run the browser tests)', () => { throw new Error(problem); });
} else if (problem) {
  t(`skipped: ${problem}`, () => console.log(`  playground browser tests skipped: ${problem}`));
} else {
  t.before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'i3-playground-'));
    const { server, url } = await serveFolder(buildPlayground(dir), 0);
    state.close = () => { server.close(); rmSync(dir, { recursive: true, force: true }); };
    state.url = url;
    state.context = await launch();
    state.page = await state.context.newPage();
    state.page.on('console', (m) => { if (m.type() === 'error') state.errors.push(m.text()); });
    state.page.on('pageerror', (e) => state.errors.push(e.message));
    await state.page.goto(url);
    await state.page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  });
  t.after(async () => { await state.context?.close(); state.close?.(); });

  t('the page loads the bundled model without console errors', async () => {
    const page = state.page!;
    assert.match((await page.textContent('#model-info'))!, /models\/tiny-stories: [\d,]+ parameters, 1024 tokens/);
    assert.match((await page.textContent('#backend-info'))!, /backend cpu · float32 kernels: WebAssembly SIMD/);
    assert.equal(state.errors, []);
  });

  t('generation streams text after the prompt, and the page reports tokens/s', async () => {
    const page = state.page!;
    const prompt = await page.inputValue('#prompt');
    const { output, speed, pieces } = await generate(page);
    assert.ok(output!.startsWith(prompt) && output!.length > prompt.length, `output: ${output}`);
    const tokens = Number(/^(\d+) tokens/.exec(speed!)?.[1]);
    assert.ok(tokens < 3 || pieces > 1, `${tokens} tokens arrived in ${pieces} message(s): the text should stream in`);
    assert.match(speed!, /^\d+ tokens in [\d.]+ s · [\d.]+ tokens\/s \(wasm kernels\)/);
    console.log(`  page, wasm kernels: ${speed}`);
  });

  t('a few training steps on the bundled sample lower the loss', async () => {
    const page = state.page!;
    const { losses } = await train(page, { steps: 12, batch: 8, window: 64 });
    assert.is(losses.length, 12);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(losses.slice(-3)) < mean(losses.slice(0, 3)) - 0.3, `losses ${losses.map((l) => l.toFixed(3)).join(' ')}`);
    assert.ok(Math.abs(losses[0]! - Math.log(1024)) < 0.5, `first loss ${losses[0]} should be near ln 1024 = 6.93 (fresh model)`);
    console.log(`  page training: ${await page.textContent('#train-log')}`);
  });

  t('Stop ends training early, and the page is usable again', async () => {
    const page = state.page!;
    await page.fill('#steps', '500');
    await page.click('#train');
    await page.waitForFunction(() => JSON.parse(document.getElementById('train-log')!.dataset.losses ?? '[]').length >= 2);
    await page.click('#stop');
    await page.waitForFunction(() => document.getElementById('train-sample')!.textContent !== '', null, { timeout: 30_000 });
    const losses = JSON.parse((await page.getAttribute('#train-log', 'data-losses'))!) as number[];
    assert.ok(losses.length >= 2 && losses.length < 500, `${losses.length} steps ran`);
    assert.not.ok(await page.isDisabled('#generate'));
  });

  t('switching to the TypeScript kernels starts a new worker that reloads the model and generates', async () => {
    const page = state.page!;
    const before = (await generate(page)).output;
    await page.selectOption('#backend', 'ts');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    assert.match((await page.textContent('#backend-info'))!, /float32 kernels: TypeScript/);
    const { output, speed } = await generate(page);
    assert.match(speed!, /\(ts kernels\)/);
    // Same seed and model: the two kernel sets agree to float32 rounding, so the sampled text is the same.
    assert.is(output, before);
    console.log(`  page, ts kernels: ${speed}`);
  });

  t('a chosen model folder is loaded; one missing a file is a readable error', async () => {
    const page = state.page!;
    const partial = join(mkdtempSync(join(tmpdir(), 'i3-playground-')), 'partial');
    mkdirSync(partial);
    for (const f of ['config.json', 'tokenizer.json']) copyFileSync(`models/tiny-stories/${f}`, join(partial, f));
    await page.setInputFiles('#folder-input', partial);
    rmSync(dirname(partial), { recursive: true, force: true }); // the page has read the files
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('error'));
    assert.match((await page.textContent('#status'))!, /the dropped folder has no model\.safetensors/);
    await page.setInputFiles('#folder-input', 'models/tiny-stories'); // a directory, as the folder picker gives it
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'ready' && document.getElementById('model-info')!.textContent!.startsWith('tiny-stories:'), null, { timeout: 30_000 });
    assert.match((await page.textContent('#model-info'))!, /^tiny-stories: 274,816 parameters, 1024 tokens/);
  });

  // The gpu backend in the worker against the cpu backend: the same greedy text, and on WebGL2 (gpu.js's
  // own choice, GLSL ES 3.0: a path only a browser has) the same training losses. On WebGPU only the
  // text: its WGSL kernels train in test/gpu/ on Dawn, what the browser adds is opening the device and
  // asynchronous reads, which generation covers. Small on purpose: every new shape compiles shaders
  // (about 1 s each for WebGL2 on SwiftShader), which is nearly all of the time here.
  const small = async (page: Page, training: boolean) => ({
    text: (await generate(page, { tokens: TOKENS, temperature: 0 })).output,
    ...(training ? await train(page, { steps: 2, batch: 2, window: 16 }) : { losses: [], sample: '' }),
  });
  let cpu: Awaited<ReturnType<typeof small>>;
  for (const [choice, api] of [['gpu', 'WebGL2'], ['webgpu', 'WebGPU']] as const) {
    const training = choice === 'gpu';
    t(`switching to gpu (${api}) runs gpu.js on a GPU API in the worker: greedy text${training ? ' and training losses' : ''} as on the cpu backend`, async () => {
      const page = state.page!;
      const started = performance.now();
      cpu ??= await small(page, true); // the TypeScript kernels, as an earlier test left the page
      await page.selectOption('#backend', choice);
      await page.waitForSelector('body[data-ready="true"], body[data-ready="unavailable"]', { timeout: 60_000 });
      if ((await page.getAttribute('body', 'data-ready')) === 'unavailable') {
        const why = (await page.textContent('#gpu-info'))!;
        // CI's Chromium has SwiftShader WebGL2 and WebGPU (browser.ts's flags), so there this is a failure, not a skip.
        if (process.env.CI) throw new Error(`the gpu backend (${api}) should open in CI's Chromium, but the page says: ${why}`);
        assert.match(why, /^gpu backend( \(webgpu\))?: /);
        console.log(`  gpu (${api}) not available in this Chromium, as the page says: ${why}`);
        return;
      }
      const kernelClass = /^backend gpu · gpu\.js (\w+) in the worker$/.exec((await page.textContent('#backend-info'))!)?.[1];
      assert.is(kernelClass, choice === 'gpu' ? 'WebGL2Kernel' : 'WebGPUKernel');
      assert.match((await page.textContent('#gpu-info'))!, new RegExp(`^gpu\\.js ${kernelClass} \\(mode ${choice === 'gpu' ? 'auto' : 'webgpu'}, .+\\)$`));
      const gpu = await small(page, training);
      assert.match((await page.textContent('#gen-speed'))!, new RegExp(`\\(gpu, ${kernelClass}\\)$`));
      assert.is(gpu.text, cpu.text);
      if (training) {
        assert.is(gpu.losses.length, 2);
        gpu.losses.forEach((loss, i) => assert.ok(Math.abs(loss - cpu.losses[i]!) < 1e-3, `step ${i + 1}: gpu loss ${loss}, cpu ${cpu.losses[i]}`));
        assert.ok(gpu.losses[1]! < gpu.losses[0]!, `losses ${gpu.losses}`);
        assert.is(gpu.sample, cpu.sample);
      }
      console.log(`  page, ${await page.textContent('#gpu-info')}${training ? `: training ${await page.textContent('#train-log')}` : ''} (this test: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    });
  }

  t('in a Chromium without WebGL or WebGPU, choosing gpu says exactly why, and the cpu backend still works', async () => {
    const context = await launch({ gpuApis: false });
    const errors: string[] = [];
    try {
      const page = await context.newPage();
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(state.url!);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
      const reasons = {
        gpu: /^gpu backend: a real GPU path was required, but this browser gives a Web Worker \(OffscreenCanvas\) no WebGL2 or WebGL context/,
        webgpu: /^gpu backend \(webgpu\): navigator\.gpu\.requestAdapter\(\) found no adapter/,
      };
      for (const [choice, why] of Object.entries(reasons)) {
        await page.selectOption('#backend', choice);
        await page.waitForSelector('body[data-ready="unavailable"]', { timeout: 30_000 });
        assert.is(await page.textContent('#backend-info'), `${choice} is not available in this browser`);
        assert.match((await page.textContent('#gpu-info'))!, why);
        assert.ok(await page.isDisabled('#generate') && await page.isDisabled('#train'));
      }
      await page.selectOption('#backend', 'wasm');
      await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
      assert.match((await generate(page, { tokens: 4 })).speed!, /\(wasm kernels\)$/);
    } finally {
      await context.close();
    }
    assert.equal(errors, []);
  });

  t('no console errors after all of it; screenshot saved', async () => {
    mkdirSync('runs/playground', { recursive: true });
    await state.page!.screenshot({ path: 'runs/playground/playground.png', fullPage: true });
    assert.equal(state.errors, []);
  });
}

t.run();
