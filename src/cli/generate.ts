// `i3 generate [--model DIR] --prompt TEXT`: continues a prompt with a model folder (default: the bundled one), streaming the
// text as it is produced. The library is src/generate/; this file parses arguments and prints.
// Defaults are the original inference.py's (--temp 0.8, --top_k 50, --length 100; spec §3.7).

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateText, type TextOptions } from '../generate/text.ts';
import { selectBackend } from '../backend/gpu-select.ts';
import { loadModelFolder, type LoadedModel } from '../io/model-folder.ts';
import type { Command } from './main.ts';
import { getBackend } from '../backend/backend.ts';
import { Profiler, type ProfileReport } from '../backend/profile.ts';
import { formatProfile } from '../backend/profile-table.ts';

/** The --help text of the sampling options (shared by generate and chat). */
export const SAMPLING_HELP = `      --max-new-tokens N       tokens to generate at most (default 100)
      --temperature T          0 = always the most likely token (default 0.8)
      --top-k K                keep the K most likely tokens, 0 = off (default 50)
      --top-p P                keep the most likely tokens up to probability P, 1 = off (default 1)
      --min-p P                drop tokens below P × the top token's probability (default 0)
      --repetition-penalty R   > 1 discourages repeats (default 1 = off)
      --seed N                 sampling seed, for repeatable output (default 0)
      --backend cpu|gpu        where the model runs (default cpu; gpu: gpu.js, see I3_GPU_MODE in the README)`;

/** The model shipped in the repository (models/tiny-stories/README.md), used when --model is omitted. */
export const BUNDLED_MODEL = fileURLToPath(new URL('../../models/tiny-stories', import.meta.url));

const USAGE = `usage: i3 generate [--model DIR] --prompt TEXT [options]
      --model DIR              a model folder: config.json, model.safetensors, tokenizer.json
                               (default: the bundled models/tiny-stories, a small TinyStories model)
      --prompt TEXT            the text to continue
      --stop S                 stop before the text S (may be repeated); <EOS> always stops
      --profile                at the end, print where each token's time went (after the prompt):
                               per op and kernel, the matmul share and allocations
${SAMPLING_HELP}`;

/** parseArgs options shared by generate and chat. */
export const SAMPLING_OPTIONS = {
  model: { type: 'string' }, 'max-new-tokens': { type: 'string', default: '100' }, temperature: { type: 'string', default: '0.8' },
  'top-k': { type: 'string', default: '50' }, 'top-p': { type: 'string', default: '1' }, 'min-p': { type: 'string', default: '0' },
  'repetition-penalty': { type: 'string', default: '1' }, seed: { type: 'string', default: '0' }, backend: { type: 'string', default: 'cpu' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Reads the sampling flags (ranges are checked by the generator, with the flag's name). */
export function samplingFrom(values: Record<string, string | boolean | string[] | undefined>): Omit<TextOptions, 'stop'> {
  const num = (flag: string): number => {
    const n = Number(values[flag]);
    if (values[flag] === '' || Number.isNaN(n)) throw new Error(`--${flag}: '${values[flag]}' is not a number`);
    return n;
  };
  return {
    maxNewTokens: num('max-new-tokens'), temperature: num('temperature'), topK: num('top-k'), topP: num('top-p'),
    minP: num('min-p'), repetitionPenalty: num('repetition-penalty'), seed: num('seed'),
  };
}

/** Checks --backend and --model, loads the folder and prints the loader's notes to stderr. */
export async function loadFromFlags(values: { model?: string; backend?: string }): Promise<LoadedModel> {
  const backendLine = await selectBackend(values.backend);
  if (backendLine) console.error(backendLine);
  if (!values.model) throw new Error('--model DIR is required (a folder with config.json, model.safetensors, tokenizer.json)');
  const loaded = await loadModelFolder(values.model);
  for (const note of loaded.notes) console.error(`note: ${note}`);
  return loaded;
}

/** `i3 generate`. */
export const generateCommand: Command = {
  summary: 'continue a prompt with a model folder, streaming the text',
  async run(args: string[]): Promise<void> {
    const { values } = parseArgs({ args, options: { ...SAMPLING_OPTIONS, prompt: { type: 'string' }, stop: { type: 'string', multiple: true }, profile: { type: 'boolean' } } });
    if (values.help) { console.log(USAGE); return; }
    if (values.prompt === undefined) throw new Error('--prompt TEXT is required');
    if (values.prompt.trim() === '') throw new Error('--prompt is empty; give some text to continue');
    const options = { ...samplingFrom(values), stop: values.stop };
    if (values.model === undefined) console.error(`model: ${BUNDLED_MODEL} (the bundled one; --model DIR for another)`);
    const { model, tokenizer } = await loadFromFlags({ ...values, model: values.model ?? BUNDLED_MODEL });
    // The profile starts once the first token is out, so it shows the cost of a token, not of the prompt.
    const profiler = values.profile ? new Profiler(getBackend(model.parameters()[0].backend)) : null;
    const started = performance.now();
    let tokens = 0;
    process.stdout.write(values.prompt);
    let profile: ProfileReport | undefined;
    try {
      for await (const piece of generateText(model, tokenizer, values.prompt, options)) {
        if (piece.id !== null && ++tokens === 1) profiler?.resume();
        else if (piece.id !== null && profiler) profiler.steps++;
        process.stdout.write(piece.text);
      }
    } finally {
      profile = profiler?.finish();
    }
    process.stdout.write('\n');
    const seconds = (performance.now() - started) / 1000;
    console.error(`${tokens} tokens in ${seconds.toFixed(2)} s (${(tokens / seconds).toFixed(1)} tokens/s)`);
    if (profile) console.error(`\n${formatProfile(profile, 'token')}`);
  },
};
