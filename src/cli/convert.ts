// `i3 convert pytorch_model.bin --out DIR --tokenizer tokenizer.json`: an original PyTorch checkpoint
// (torch.save state dict, plain or {'model_state_dict': …}) into a model folder (src/io/model-folder.ts).
// The layer layout, sizes and d_state come from the weights; the head count from --heads or the
// original config.json (--config), since no shape records it.

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { I3Model } from '../model/i3-model.ts';
import { configFromStateDict } from '../io/infer-config.ts';
import { saveModelFolder } from '../io/model-folder.ts';
import { parseTokenizerFile } from '../io/tokenizer-file.ts';
import { readTorchCheckpoint } from '../io/torch-pickle.ts';
import type { Command } from './main.ts';

const USAGE = `usage: i3 convert CHECKPOINT --out DIR --tokenizer FILE (--heads N | --config config.json)
      CHECKPOINT          a torch.save file (pytorch_model.bin, model_iter_N.pt)
      --out DIR           the model folder to write (config.json, model.safetensors, tokenizer.json)
      --tokenizer FILE    the model's tokenizer.json (BPE or chunk)
      --heads N           attention heads (the i3-80M and i3-200M have 16, the v2 reading 12)
      --config FILE       the original config.json, for n_heads (its d_state is ignored: spec §3.6)`;

/** `i3 convert`. */
export const convertCommand: Command = {
  summary: 'convert an original PyTorch checkpoint into a model folder',
  async run(args: string[]): Promise<void> {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: {
      out: { type: 'string' }, tokenizer: { type: 'string' }, heads: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    } });
    if (values.help) { console.log(USAGE); return; }
    if (positionals.length !== 1) throw new Error(`give exactly one CHECKPOINT file (got ${positionals.length})`);
    if (!values.out) throw new Error('--out DIR is required');
    if (!values.tokenizer) throw new Error('--tokenizer FILE is required (the checkpoint holds no tokenizer)');
    const heads = values.heads !== undefined ? Number(values.heads)
      : values.config !== undefined ? (JSON.parse(await readFile(values.config, 'utf8')) as { n_heads?: number }).n_heads : undefined;
    if (!Number.isInteger(heads) || heads! < 1) throw new Error('the number of heads is needed: --heads N, or --config with an n_heads field');
    const [path] = positionals;
    const weights = readTorchCheckpoint(await readFile(path), path);
    const model = new I3Model(configFromStateDict(weights, heads!, path), { randomInit: false });
    model.loadStateDict(weights);
    const tokenizer = parseTokenizerFile(await readFile(values.tokenizer, 'utf8'));
    await saveModelFolder(values.out, model, tokenizer);
    console.error(`wrote ${values.out}: ${model.config.block_types.join(' ')}, ${model.numParameters().toLocaleString('en-US')} parameters`);
  },
};
