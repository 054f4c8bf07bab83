// `i3 chat --model DIR`: an interactive conversation in the TinyChat "[INST] … [/INST]" format
// (src/generate/chat-format.ts). The whole conversation is the prompt of each reply; the oldest
// turns are dropped when it no longer fits the context. Ctrl-C stops a reply being written (and
// quits at an empty prompt); Ctrl-D quits. Input may also be piped, one message per line.

import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CHAT_STOP, fitConversation, type Turn } from '../generate/chat-format.ts';
import { generateText } from '../generate/text.ts';
import { loadFromFlags, SAMPLING_HELP, SAMPLING_OPTIONS, samplingFrom } from './generate.ts';
import type { Command } from './main.ts';

const USAGE = `usage: i3 chat --model DIR [options]
      --model DIR              a model folder: config.json, model.safetensors, tokenizer.json
${SAMPLING_HELP}
Type a message and press Enter. Ctrl-C stops a reply; Ctrl-C on an empty line or Ctrl-D quits.`;

/** `i3 chat`. */
export const chatCommand: Command = {
  summary: 'talk to a model folder in the [INST] … [/INST] chat format',
  async run(args: string[]): Promise<void> {
    const { values } = parseArgs({ args, options: SAMPLING_OPTIONS });
    if (values.help) { console.log(USAGE); return; }
    const options = samplingFrom(values);
    const { model, tokenizer, config } = await loadFromFlags(values);
    // Room for the reply: the prompt may use what max-new-tokens leaves, but at least half the context.
    const budget = Math.max(Math.floor(config.max_seq_len / 2), config.max_seq_len - options.maxNewTokens);
    const turns: Turn[] = [];
    let replying = false, interrupted = false;

    const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'you> ' });
    rl.on('SIGINT', () => {
      if (replying) interrupted = true; // seen between two tokens; the reply so far is kept
      else rl.close();
    });
    console.log(`i3 chat: ${model.numParameters().toLocaleString('en-US')} parameters, context ${config.max_seq_len} tokens. Ctrl-D quits.`);
    rl.prompt();
    for await (const line of rl) {
      const message = line.trim();
      if (message === '') { rl.prompt(); continue; }
      let prompt: string;
      try { prompt = fitConversation(tokenizer, turns, message, budget).text; } catch (err) {
        console.error(`i3 chat: ${(err as Error).message}`);
        rl.prompt();
        continue;
      }
      process.stdout.write('i3> ');
      let reply = '';
      replying = true; interrupted = false;
      for await (const piece of generateText(model, tokenizer, prompt, { ...options, stop: [CHAT_STOP] })) {
        process.stdout.write(piece.text);
        reply += piece.text;
        if (interrupted) break;
      }
      replying = false;
      process.stdout.write(interrupted ? ' [stopped]\n' : '\n');
      turns.push({ user: message, reply: reply.trim() });
      rl.prompt();
    }
    process.stdout.write('\n');
  },
};
