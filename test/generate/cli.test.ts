// `i3 generate` and `i3 chat`, spawned on a tiny model folder in a temporary directory.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CHAT_STOP, fitConversation, formatConversation } from '../../src/generate/chat-format.ts';
import { tinyFolder, tinyTokenizer } from '../io/helpers.ts';

const t = suite('i3 generate / i3 chat (command line)');
const I3 = fileURLToPath(new URL('../../bin/i3.js', import.meta.url));
const i3 = (args: string[], input = '') => spawnSync(process.execPath, [I3, ...args], { input, encoding: 'utf8', timeout: 60_000 });
let folder = '';
t.before(async () => { folder = await tinyFolder(5); });
t.after(() => rmSync(dirname(folder), { recursive: true, force: true }));

t('--help lists the options', () => {
  for (const command of ['generate', 'chat']) {
    const r = i3([command, '--help']);
    assert.is(r.status, 0, r.stderr);
    for (const flag of ['--model DIR', '--temperature', '--top-p', '--min-p', '--repetition-penalty', '--seed', '--backend cpu|gpu']) assert.ok(r.stdout.includes(flag), `${command}: ${flag}`);
  }
});

t('generate prints the prompt and a seeded continuation, the same every run', () => {
  const args = ['generate', '--model', folder, '--prompt', 'Once upon a time', '--max-new-tokens', '12', '--seed', '3'];
  const a = i3(args), b = i3(args);
  assert.is(a.status, 0, a.stderr);
  assert.ok(a.stdout.startsWith('Once upon a time'), a.stdout);
  assert.ok(a.stdout.length > 'Once upon a time\n'.length, 'something was generated');
  assert.is(a.stdout, b.stdout);
  assert.match(a.stderr, /^\d+ tokens in [\d.]+ s \([\d.]+ tokens\/s\)/);
});

t('generate --profile prints the cost of a token after the prompt', () => {
  const r = i3(['generate', '--model', folder, '--prompt', 'Once upon a time', '--max-new-tokens', '8', '--seed', '3', '--profile']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /profile: \d+ tokens?, [\d.]+ ms per token; matmul kernel [\d.]+ % of the time/);
  assert.match(r.stderr, /\nop +forward ms +calls +total ms +share\n/);
  for (const row of ['matmul', 'time per kernel', 'all kernels']) assert.ok(r.stderr.includes(`\n${row}`), row);
});

const failures: Array<[string, string[], RegExp]> = [
  ['a missing folder', ['--model', '/nonexistent/model', '--prompt', 'hi'], /i3 generate: model folder '\/nonexistent\/model' does not exist/],
  ['an empty prompt', ['--prompt', '  '], /i3 generate: --prompt is empty/],
  ['a prompt longer than the context', ['--prompt', 'cat '.repeat(40)], /i3 generate: the prompt is \d+ tokens but the model's context is 32; shorten it/],
  ['an unknown backend', ['--prompt', 'hi', '--backend', 'tpu'], /--backend: 'tpu' is not cpu or gpu/],
  ['a bad number', ['--prompt', 'hi', '--top-p', 'lots'], /--top-p: 'lots' is not a number/],
];
for (const [what, args, message] of failures) {
  t(`generate: ${what} is a readable error with exit 1`, () => {
    const r = i3(['generate', '--model', folder, ...args]);
    assert.is(r.status, 1);
    assert.match(r.stderr, message);
  });
}

t('generate: a corrupt folder names the file', () => {
  writeFileSync(join(folder, '..', 'broken'), '');
  const r = i3(['generate', '--model', join(folder, '..'), '--prompt', 'hi']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /has no config\.json, model\.safetensors, tokenizer\.json/);
});

t('chat answers each piped line and ends cleanly at end of input (Ctrl-D)', () => {
  const r = i3(['chat', '--model', folder, '--max-new-tokens', '5'], 'Hello!\nHi\n');
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.match(/i3> /g)?.length, 2, r.stdout);
  assert.ok(r.stdout.includes('context 32 tokens'));
});

t('chat: a message too long for the context is reported and the chat goes on', () => {
  const r = i3(['chat', '--model', folder, '--max-new-tokens', '5'], `${'cat '.repeat(40)}\nHello!\n`);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /i3 chat: the message is \d+ tokens with its \[INST\] markers, more than the 27 the context leaves/);
  assert.is(r.stdout.match(/i3> /g)?.length, 1);
});

t('the conversation format keeps turns in [INST] … [/INST] and drops the oldest first', async () => {
  const turns = [{ user: 'hi', reply: 'hello' }, { user: 'how are you', reply: 'fine' }];
  assert.is(formatConversation(turns, 'bye'), '[INST] hi [/INST] hello [INST] how are you [/INST] fine [INST] bye [/INST]');
  assert.is(CHAT_STOP, '[INST]');
  const tokenizer = await tinyTokenizer();
  const all = tokenizer.encode(formatConversation(turns, 'bye')).length;
  assert.equal(fitConversation(tokenizer, turns, 'bye', all), { text: formatConversation(turns, 'bye'), kept: 2 });
  assert.equal(fitConversation(tokenizer, turns, 'bye', all - 1), { text: formatConversation(turns.slice(1), 'bye'), kept: 1 });
});

t.run();
