// The conversation format of i3's chat data (TinyChat, spec §3.8): each user turn is wrapped as
// "[INST] … [/INST]" and the model's reply follows it; turns are joined by spaces. The model
// ends a reply by starting the next "[INST]" (or with <EOS> where the tokenizer has one), so that
// string is the stop string. When the conversation outgrows the context, the oldest turns go first.

import type { Tokenizer } from '../io/tokenizer-file.ts';

/** One exchange of a conversation. */
export interface Turn { user: string; reply: string }

/** Generation stops here: the model starts the next user turn. */
export const CHAT_STOP = '[INST]';

/** The prompt for the next reply: past turns and the new message in the [INST] … [/INST] format. */
export function formatConversation(turns: readonly Turn[], next: string): string {
  return [...turns.map((t) => `[INST] ${t.user} [/INST] ${t.reply}`), `[INST] ${next} [/INST]`].join(' ');
}

/** The prompt for `next` after as many recent turns as fit in `budget` tokens. */
export function fitConversation(tokenizer: Tokenizer, turns: readonly Turn[], next: string, budget: number): { text: string; kept: number } {
  for (let first = 0; first <= turns.length; first++) {
    const text = formatConversation(turns.slice(first), next);
    if (tokenizer.encode(text).length <= budget) return { text, kept: turns.length - first };
  }
  throw new Error(`the message is ${tokenizer.encode(formatConversation([], next)).length} tokens with its [INST] markers, more than the ${budget} the context leaves; shorten it`);
}
