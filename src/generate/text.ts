// Text in, text out: encodes the prompt, streams the continuation as text, and stops at a stop
// string. Text is decoded from all the new ids each time (not token by token), because a
// byte-level BPE token can end in the middle of a UTF-8 character; an incomplete character
// (decoded as U+FFFD) and any tail that could still grow into a stop string are held back until
// the next token settles them.

import type { I3Model } from '../model/i3-model.ts';
import { eosId, type Tokenizer } from '../io/tokenizer-file.ts';
import { streamTokens, type GenerateOptions } from './generate.ts';

/** GenerateOptions plus stop strings (the tokenizer gives the end-of-sequence id). */
export interface TextOptions extends Omit<GenerateOptions, 'eosId'> {
  /** Generation ends before the first occurrence of any of these (not included in the output). */
  stop?: string[];
}

/** A produced token and the text it makes final ('' while text is held back); id null: the last
 * held-back text, flushed when generation ends without a stop string. */
export interface Piece { id: number | null; text: string }

/**
 * Streams the continuation of `prompt` as text pieces, holding back incomplete characters and possible
 * stop strings.
 */
export async function* generateText(model: I3Model, tokenizer: Tokenizer, prompt: string, o: TextOptions): AsyncGenerator<Piece, void, undefined> {
  const stops = (o.stop ?? []).filter((s) => s !== '');
  const ids: number[] = [];
  let emitted = 0; // characters of the decoded continuation already yielded
  for await (const id of streamTokens(model, tokenizer.encode(prompt), { ...o, eosId: eosId(tokenizer) })) {
    ids.push(id);
    // The model's vocabulary may be larger than the tokenizer's (embedding rows padded, or an
    // untrained model); such an id decodes as <UNK> rather than ending the stream with an error.
    const text = tokenizer.decode(ids, { unknownIds: 'unk' });
    const stopAt = Math.min(...stops.map((s) => text.indexOf(s, Math.max(0, emitted - s.length + 1))).filter((i) => i >= 0));
    if (Number.isFinite(stopAt)) {
      yield { id, text: text.slice(emitted, stopAt) };
      return;
    }
    const settled = text.length - Math.max(heldForStop(text, stops), text.endsWith('\uFFFD') ? 1 : 0);
    yield { id, text: text.slice(emitted, Math.max(emitted, settled)) };
    emitted = Math.max(emitted, settled);
  }
  const rest = tokenizer.decode(ids, { unknownIds: 'unk' }).slice(emitted);
  if (rest) yield { id: null, text: rest };
}

/** Length of the longest tail of `text` that is a proper prefix of a stop string. */
function heldForStop(text: string, stops: string[]): number {
  let held = 0;
  for (const s of stops) for (let n = Math.min(s.length - 1, text.length); n > held; n--) if (text.endsWith(s.slice(0, n))) { held = n; break; }
  return held;
}
