// Builds the playground into playground/dist/, a static folder that can be hosted as is:
//   TypeScript's emitter (tsconfig.json here) → the page, the worker and the engine modules they import
//   index.html, style.css, gpu.js's browser build, the bundled model and the TinyStories sample
// Modules with a browser twin (BROWSER_TWINS) are replaced by a re-export of the twin, as a bundler's
// "browser" field would: the gpu backend opens its device through Node's headless-gl and Dawn in
// src/backend/gpu-device-node.ts, and through gpu.js's browser build in gpu-device-browser.ts; the wasm
// kernels turn on Node 20's relaxed-SIMD flag in kernels/wasm/engine-flags-node.ts, a page cannot.
// Then it follows the imports from the page and the worker and fails on any bare specifier (node:fs,
// an npm package …): those must never be in the browser's module graph (model folders are read by src/io/model-files.ts, which does no IO).

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
/** The built folder. */
export const DIST = join(HERE, 'dist');
/** The model the page loads at start; `i3 generate` defaults to it too. */
export const MODEL_DIR = join(ROOT, 'models', 'tiny-stories');

/** Emitted module → the module the browser gets in its place (both are listed in tsconfig.json's files, so both are type-checked and emitted). */
const BROWSER_TWINS: Record<string, string> = {
  'src/backend/gpu-device-node.js': './gpu-device-browser.js',
  'kernels/wasm/engine-flags-node.js': './engine-flags-browser.js',
};

const IMPORT = /\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;

/** The modules the browser loads from `entries`, following static and dynamic imports (tsc emits files that only type imports reach; those are never loaded). */
function moduleGraph(entries: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const queue = [...entries];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (graph.has(file)) continue;
    const specifiers = [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]!);
    graph.set(file, specifiers);
    queue.push(...specifiers.filter((s) => s.startsWith('.')).map((s) => join(dirname(file), s)));
  }
  return graph;
}

/**
 * Builds `out` (default dist/) from scratch and returns it; throws with the compiler's output, or naming a
 * module that imports a bare specifier. Tests build into a temporary folder, so parallel runs do not collide.
 */
export function buildPlayground(out = DIST): string {
  if (!existsSync(join(MODEL_DIR, 'model.safetensors'))) throw new Error(`playground build: ${relative(ROOT, MODEL_DIR)}/ has no model.safetensors; the bundled model is part of the repository, check out the whole tree`);
  rmSync(out, { recursive: true, force: true });
  try {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(HERE, 'tsconfig.json'), '--outDir', out], { cwd: ROOT, stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: Buffer; message: string };
    throw new Error(`playground build: tsc failed:\n${e.stdout?.toString() || e.message}`);
  }
  for (const [module, twin] of Object.entries(BROWSER_TWINS)) {
    if (!existsSync(join(out, module))) throw new Error(`playground build: BROWSER_TWINS names ${module}, which tsc did not emit (renamed or no longer imported?); update BROWSER_TWINS in playground/build.ts`);
    writeFileSync(join(out, module), `// The browser build's stand-in for ${module} (playground/build.ts): its browser twin.\nexport * from '${twin}';\n`);
  }
  const entries = ['main.js', 'worker.js'].map((f) => join(out, 'playground', 'src', f));
  for (const [file, specifiers] of moduleGraph(entries)) {
    const bare = specifiers.find((s) => !s.startsWith('.'));
    if (bare) throw new Error(`playground build: ${relative(out, file)} imports '${bare}', which a browser cannot load (Node built-ins and npm packages are not served); give the page a module without it`);
  }
  for (const f of ['index.html', 'style.css']) cpSync(join(HERE, f), join(out, f));
  mkdirSync(join(out, 'vendor'), { recursive: true });
  cpSync(join(ROOT, 'node_modules', 'gpu.js', 'dist', 'gpu-browser.min.js'), join(out, 'vendor', 'gpu-browser.min.js'));
  cpSync(MODEL_DIR, join(out, 'models', 'tiny-stories'), { recursive: true });
  mkdirSync(join(out, 'data'), { recursive: true });
  cpSync(join(ROOT, 'data', 'tinystories', 'TinyStories-train.sample.txt'), join(out, 'data', 'sample.txt'));
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`built ${relative(process.cwd(), buildPlayground())}/`);
}
