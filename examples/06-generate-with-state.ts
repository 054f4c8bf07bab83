// Generation with carried state versus the original's method.
//
// The original i3 (spec §3.7) runs the whole window through the model for every new token. Our
// generator runs the prompt once and then one position per token, carrying the hybrid / RWKV state
// and the attention key/value caches (src/generate/generate.ts). Both give the same tokens; this
// example checks that and times both on a randomly initialised model.
//
//   npx tsx examples/06-generate-with-state.ts                          (quick: i3-tiny)
//   npx tsx examples/06-generate-with-state.ts --preset i3-200m --prompt-tokens 192 --new-tokens 64
import { parseArgs } from 'node:util';
import * as I from '../src/index.ts';
import { generateTokens } from '../src/generate/generate.ts';
import { generateByWindow } from '../src/generate/original.ts';

const { values } = parseArgs({ options: {
  preset: { type: 'string', default: 'i3-tiny' }, 'prompt-tokens': { type: 'string', default: '64' }, 'new-tokens': { type: 'string', default: '64' },
} });
const config = I.preset(values.preset!);
const promptLength = Number(values['prompt-tokens']), maxNewTokens = Number(values['new-tokens']);
const model = new I.I3Model(config, { generator: new I.Generator(0) }).eval();
const g = new I.Generator(1);
const prompt = Array.from({ length: promptLength }, () => g.int(config.vocab_size));
const options = { maxNewTokens, temperature: 0 }; // greedy, so both methods must agree token for token

const time = <T>(fn: () => T): [T, number] => { const t0 = performance.now(); const r = fn(); return [r, (performance.now() - t0) / 1000]; };
generateByWindow(model, prompt.slice(0, 4), { maxNewTokens: 2 }); // warm up (JIT, kernel caches)
const [ours, oursSeconds] = time(() => [...generateTokens(model, prompt, options)]);
const [theirs, theirsSeconds] = time(() => generateByWindow(model, prompt, options));

console.log(`${values.preset} (${model.numParameters().toLocaleString('en-US')} parameters), prompt ${promptLength} tokens, ${maxNewTokens} new tokens, context up to ${Math.min(promptLength + maxNewTokens, config.max_seq_len)} of ${config.max_seq_len}`);
console.log(`step state (ours):       ${(ours.length / oursSeconds).toFixed(1).padStart(8)} tokens/s  (${oursSeconds.toFixed(2)} s, prompt prefill included)`);
console.log(`window re-run (original):${(theirs.length / theirsSeconds).toFixed(1).padStart(8)} tokens/s  (${theirsSeconds.toFixed(2)} s)`);
console.log(`speed-up: ${(theirsSeconds / oursSeconds).toFixed(1)}×; same tokens: ${ours.join(',') === theirs.join(',')}`);
if (ours.join(',') !== theirs.join(',')) process.exitCode = 1;
