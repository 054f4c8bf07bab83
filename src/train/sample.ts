// Greedy continuation of a prompt, for progress samples during training: encode, run the prompt
// through model.step, then repeatedly feed the most likely next token with the carried state (one
// position per token). Stops at <EOS> or at the model's max_seq_len (no sliding window here).
// Everything runs in one scope, so all states and logits are freed when the text is returned.

import { noGrad } from '../autograd/grad-mode.ts';
import { scope } from '../backend/memory.ts';
import { tensor } from '../tensor/create.ts';
import type { I3Model, ModelState } from '../model/i3-model.ts';

export interface TextCodec {
  encode(text: string): number[];
  decode(ids: number[]): string;
}

export function greedySample(model: I3Model, codec: TextCodec, prompt: string, maxNew: number, eosId: number): string {
  const V = model.config.vocab_size;
  return scope(() => noGrad(() => {
    const out: number[] = [];
    let state: ModelState | null = null;
    let input = codec.encode(prompt);
    const limit = Math.min(maxNew, model.config.max_seq_len - input.length);
    for (let i = 0; i < limit; i++) {
      const step: { logits: { data(): ArrayLike<number> }; state: ModelState } = model.step(tensor(Int32Array.from(input), { dtype: 'int32', shape: [1, input.length] }), state);
      state = step.state;
      const logits = step.logits.data();
      const base = (input.length - 1) * V; // the last position's logits
      let best = 0;
      for (let v = 1; v < V; v++) if (logits[base + v] > logits[base + best]) best = v;
      if (best === eosId) break;
      out.push(best);
      input = [best];
    }
    return codec.decode(out);
  }));
}
