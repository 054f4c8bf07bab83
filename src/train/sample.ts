// Greedy continuation of a prompt, for progress samples during training: generation at temperature 0
// on the carried recurrent state (src/generate/), stopping at <EOS>. Logits are read asynchronously, so
// this works on every backend (WebGPU included).

import { streamTokens } from '../generate/generate.ts';
import type { I3Model } from '../model/i3-model.ts';

/** Text to ids and back. */
export interface TextCodec {
  encode(text: string): number[];
  decode(ids: number[]): string;
}

/** The greedy continuation of `prompt` (at most `maxNew` tokens, stopping at `eosId`), as text. */
export async function greedySample(model: I3Model, codec: TextCodec, prompt: string, maxNew: number, eosId: number): Promise<string> {
  const ids = codec.encode(prompt).slice(-model.config.max_seq_len);
  if (ids.length === 0) return '';
  const out: number[] = [];
  for await (const id of streamTokens(model, ids, { maxNewTokens: maxNew, temperature: 0, eosId })) out.push(id);
  return codec.decode(out);
}
