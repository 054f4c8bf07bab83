// Generation throughput on the CPU, float32, randomly initialised models: tokens/s after the prompt
// on the recurrent state and key/value caches (src/generate/generate.ts) with i3 generate's default
// sampling (temperature 0.8, top-k 50), the prompt's prefill time, and the original's method (the
// whole window re-run for every token, src/generate/original.ts) for the speed-up. The TypeScript and
// the WebAssembly SIMD kernels run in interleaved rounds in this one process (bench/kernel-sets.ts),
// the SIMD ones twice: with weights resident in wasm memory (the default, kernels/wasm/resident.ts)
// and with them copied into wasm memory for every product (I3_RESIDENT_MB=0), for the residency's gain.
// Run: npm run bench -- generate
import { generateTokens } from '../src/generate/generate.ts';
import { generateByWindow } from '../src/generate/original.ts';
import { preset } from '../src/model/config.ts';
import { I3Model } from '../src/model/i3-model.ts';
import { Generator } from '../src/tensor/random.ts';
import { cpuKernels } from '../src/backend/cpu-kernels.ts';
import { kernelSets, useKernels, type KernelSet } from './kernel-sets.ts';
import type { BenchResult } from './result.ts';

const CASES = [
  { name: 'i3-tiny', prompt: 64, tokens: 64, windowTokens: 16, rounds: 3 },
  { name: 'i3-200m', prompt: 192, tokens: 32, windowTokens: 3, rounds: 2 },
];
const SAMPLING = { temperature: 0.8, topK: 50 };

/** The SIMD kernel set with weight residency off (weights copied into wasm memory for every product). */
function copyingSet(): KernelSet {
  const saved = process.env.I3_RESIDENT_MB;
  process.env.I3_RESIDENT_MB = '0';
  try {
    return { name: 'wasm (weights copied per product)', kernels: cpuKernels() };
  } finally {
    if (saved === undefined) delete process.env.I3_RESIDENT_MB;
    else process.env.I3_RESIDENT_MB = saved;
  }
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const twoSets = kernelSets();
  // Copying set before the default one, so the default (resident) set is what stays registered.
  const sets = twoSets.length === 2 ? [twoSets[0], copyingSet(), twoSets[1]] : twoSets;
  for (const c of CASES) {
    const config = preset(c.name);
    const model = new I3Model(config, { generator: new Generator(0) });
    const g = new Generator(1);
    const prompt = Array.from({ length: c.prompt }, () => g.int(config.vocab_size));
    const best = new Map<string, { tokensPerSecond: number; prefillMs: number; windowTokensPerSecond: number }>();
    for (let round = 0; round < c.rounds; round++) {
      for (const set of sets) {
        useKernels(set);
        if (round === 0) [...generateTokens(model, prompt.slice(0, 8), { ...SAMPLING, maxNewTokens: 4 })]; // warm-up
        const started = performance.now();
        let prefillMs = 0, count = 0;
        for (const _ of generateTokens(model, prompt, { ...SAMPLING, maxNewTokens: c.tokens })) if (count++ === 0) prefillMs = performance.now() - started;
        const tokensPerSecond = ((count - 1) * 1000) / (performance.now() - started - prefillMs);
        const windowStarted = performance.now();
        const window = generateByWindow(model, prompt, { ...SAMPLING, maxNewTokens: c.windowTokens });
        const windowTokensPerSecond = (window.length * 1000) / (performance.now() - windowStarted);
        const b = best.get(set.name);
        best.set(set.name, {
          tokensPerSecond: Math.max(tokensPerSecond, b?.tokensPerSecond ?? 0), prefillMs: Math.min(prefillMs, b?.prefillMs ?? Infinity),
          windowTokensPerSecond: Math.max(windowTokensPerSecond, b?.windowTokensPerSecond ?? 0),
        });
      }
    }
    const label = `${c.name} (${(model.numParameters() / 1e6).toFixed(2)}M params, prompt ${c.prompt})`;
    for (const set of sets) {
      const b = best.get(set.name)!;
      results.push({ name: `${label} ${set.name} kernels: tokens/s after the prompt (top-k 50)`, metric: 'tokens/s', value: +b.tokensPerSecond.toFixed(1) });
      results.push({ name: `${label} ${set.name} kernels: prompt prefill`, metric: 'ms', value: +b.prefillMs.toFixed(0) });
      results.push({
        name: `${label} ${set.name} kernels: state vs the original's window re-run`, metric: 'tokens/s', value: +b.tokensPerSecond.toFixed(1),
        peer: 'window re-run', peerValue: +b.windowTokensPerSecond.toFixed(2), ratio: +(b.tokensPerSecond / b.windowTokensPerSecond).toFixed(1),
      });
    }
    if (sets.length === 3) {
      const [ts, copying, simd] = sets.map((s) => best.get(s.name)!.tokensPerSecond);
      results.push({ name: `${label} wasm vs ts kernels`, metric: 'tokens/s', value: +simd.toFixed(1), peer: 'ts kernels', peerValue: +ts.toFixed(1), ratio: +(simd / ts).toFixed(2) });
      results.push({
        name: `${label} wasm: weights resident vs copied per product`, metric: 'tokens/s', value: +simd.toFixed(1),
        peer: 'copied per product', peerValue: +copying.toFixed(1), ratio: +(simd / copying).toFixed(2),
      });
    }
    model.dispose();
  }
  useKernels(sets[sets.length - 1]);
  return results;
}
