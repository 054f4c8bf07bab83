// The original i3's generation loop (spec §3.7, `i3Model.generate`), kept for comparison: for
// every new token the whole cropped window (the last max_seq_len tokens) goes through `forward`,
// so a token costs a full window instead of one position. Same sampling, same seeded generator as
// generate.ts, so with equal options both produce the same tokens.

import { noGrad } from '../autograd/grad-mode.ts';
import { scope } from '../backend/memory.ts';
import type { I3Model } from '../model/i3-model.ts';
import { tensor } from '../tensor/create.ts';
import { Generator } from '../tensor/random.ts';
import { checkGenerateOptions, lastRow, type GenerateOptions } from './generate.ts';
import { sampleToken } from './sampling.ts';

/**
 * The original i3's generation: the whole cropped window through forward for every token (for comparison
 * with generateTokens).
 */
export function generateByWindow(model: I3Model, prompt: readonly number[], o: GenerateOptions): number[] {
  checkGenerateOptions(model, prompt, o);
  const generator = new Generator(o.seed ?? 0);
  const tokens = [...prompt], out: number[] = [];
  for (let n = 0; n < o.maxNewTokens; n++) {
    const window = tokens.slice(-model.config.max_seq_len);
    const logits = noGrad(() => scope(() => lastRow(model.forward(tensor([window], { dtype: 'int32' })))));
    const id = sampleToken(logits, tokens, o, generator);
    if (id === o.eosId) break;
    out.push(id);
    tokens.push(id);
  }
  return out;
}
