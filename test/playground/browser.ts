// Headless Chromium for the playground tests: Debian's /usr/bin/chromium driven by playwright-core
// (no downloaded browser). Flags: docs in /work/shared/research/gpujs-probe.md §4 — no sandbox (we
// run as root in containers), nothing that reaches the network; WebGL2 and WebGPU on SwiftShader
// (software: this machine has no GPU) opted into explicitly, so the gpu backend can be tested.

import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.I3_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null when Chromium is installed. */
export function chromiumProblem(): string | null {
  if (existsSync(CHROMIUM)) return null;
  return `no Chromium at ${CHROMIUM}: install it with 'apt-get install -y chromium' (or set I3_CHROMIUM to a Chromium binary)`;
}

/**
 * A fresh headless Chromium. `gpuApis: false` gives it neither WebGL (no GPU and no software rasterizer)
 * nor a WebGPU adapter, as a browser on a machine without graphics would be: the page must say so.
 */
export function launch({ gpuApis = true } = {}): Promise<BrowserContext> {
  const graphics = gpuApis
    ? ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--enable-unsafe-webgpu']
    : ['--disable-gpu', '--disable-software-rasterizer'];
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'i3-chromium-')), {
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      '--disable-default-apps', ...graphics],
  });
}
