// Generation on carried state equals the original's method (the whole window through forward for
// every token), across the window slide; tokens stream one at a time, each costing one position
// until the window is full; memory stays flat; text stops at stop strings and <EOS>.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../src/index.ts';
import { generateTokens, streamTokens } from '../../src/generate/generate.ts';
import { generateByWindow } from '../../src/generate/original.ts';
import { generateText } from '../../src/generate/text.ts';
import { tinyModel, tinyTokenizer, TINY } from '../io/helpers.ts';

const t = suite('generation');
const prompt = [5, 9, 200, 3, 17, 40, 41, 42, 100, 7];

t('greedy on step state = greedy by re-running the window (float64), past max_seq_len too', () => {
  const model = new I.I3Model(TINY, { dtype: 'float64', generator: new I.Generator(4) }).eval();
  const o = { maxNewTokens: 40, temperature: 0 }; // 10 + 40 > 32: the window slides 18 times
  const ours = [...generateTokens(model, prompt, o)];
  assert.is(ours.length, 40);
  assert.equal(ours, generateByWindow(model, prompt, o));
  assert.ok(new Set(ours).size > 3, `a degenerate continuation proves little: ${ours}`);
});

t('seeded sampling with every filter gives the same tokens as the window method', () => {
  const model = new I.I3Model(TINY, { dtype: 'float64', generator: new I.Generator(6) }).eval();
  const o = { maxNewTokens: 30, temperature: 1.3, topK: 50, topP: 0.95, minP: 0.01, repetitionPenalty: 1.2, seed: 11 };
  assert.equal([...generateTokens(model, prompt, o)], generateByWindow(model, prompt, o));
  assert.not.equal([...generateTokens(model, prompt, { ...o, seed: 12 })], [...generateTokens(model, prompt, o)]);
});

t('float32: the same greedy tokens as the window method', () => {
  const model = tinyModel(8);
  const o = { maxNewTokens: 30, temperature: 0 };
  assert.equal([...generateTokens(model, prompt, o)], generateByWindow(model, prompt, o));
});

t('each token is yielded as soon as it exists, and costs one position until the window is full', () => {
  const model = tinyModel(2);
  const lengths: Array<[number, boolean]> = []; // (tokens run, fresh state?)
  const step = model.step.bind(model);
  model.step = (ids, state) => { lengths.push([ids.shape[1], state === null]); return step(ids, state); };
  const it = generateTokens(model, prompt, { maxNewTokens: 30 });
  it.next();
  assert.equal(lengths, [[10, true]], 'the first token needs only the prompt prefill');
  for (let r = it.next(); !r.done; r = it.next());
  // 10 prompt + 22 single steps fill 32 positions; the last 7 tokens each re-prefill a window of 32
  assert.equal(lengths, [[10, true], ...Array(22).fill([1, false]), ...Array(7).fill([32, true])]);
});

t('no tensors leak, also when the consumer stops early', async () => {
  const model = tinyModel(2);
  const before = I.memory().cpu?.tensors ?? 0;
  [...generateTokens(model, prompt, { maxNewTokens: 40 })];
  for await (const _ of streamTokens(model, prompt, { maxNewTokens: 40 })) break;
  assert.is(I.memory().cpu?.tensors ?? 0, before);
});

t('<EOS> ends generation and is not yielded', () => {
  const model = tinyModel(2);
  const [first, second] = generateTokens(model, prompt, { maxNewTokens: 2, temperature: 0 });
  assert.equal([...generateTokens(model, prompt, { maxNewTokens: 5, temperature: 0, eosId: first })], []);
  assert.equal([...generateTokens(model, prompt, { maxNewTokens: 5, temperature: 0, eosId: second })], [first]);
});

t('text: streamed pieces join to the decoded continuation; a stop string ends it, excluded', async () => {
  const model = tinyModel(3), tokenizer = await tinyTokenizer();
  const o = { maxNewTokens: 25, temperature: 0 };
  const pieces = [];
  for await (const p of generateText(model, tokenizer, 'Once upon a time', o)) pieces.push(p);
  const ids = [...generateTokens(model, tokenizer.encode('Once upon a time'), { ...o, eosId: tokenizer.tokenToId('<EOS>') })];
  const full = tokenizer.decode(ids);
  assert.is(pieces.map((p) => p.text).join(''), full);
  assert.ok(pieces.length >= 2, 'streamed in more than one piece');
  const stop = full.slice(6, 8); // a stop string taken from the middle of the output
  let stopped = '';
  for await (const p of generateText(model, tokenizer, 'Once upon a time', { ...o, stop: [stop] })) stopped += p.text;
  assert.is(stopped, full.slice(0, full.indexOf(stop)));
});

t('empty prompt, prompt longer than the context, bad ids and bad counts are clear errors', () => {
  const model = tinyModel(1);
  assert.throws(() => [...generateTokens(model, [], { maxNewTokens: 1 })], /the prompt is empty/);
  assert.throws(() => [...generateTokens(model, Array(33).fill(1), { maxNewTokens: 1 })], /the prompt is 33 tokens but the model's context is 32; shorten it/);
  assert.throws(() => [...generateTokens(model, [300], { maxNewTokens: 1 })], /prompt id 300 \(at 0\) is not in the vocabulary 0\.\.299/);
  assert.throws(() => [...generateTokens(model, [1], { maxNewTokens: 0 })], /max new tokens is 0/);
});

t.run();
