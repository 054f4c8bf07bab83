// 05 — Training an i3 language model on TinyStories with the pieces of src/data, src/optim and
// src/train wired by hand (`i3 train` / runTraining do the same from a recipe, plus checkpoints).
// Run: npx tsx examples/05-train-tinystories.ts [--steps N]   (default 30: a quick look, ~20 s)

import * as I from '../src/index.ts';
import { loadCorpus, parseDataSpec, RandomWindows } from '../src/data/index.ts';
import { AdamW, warmupCosine } from '../src/optim/index.ts';
import { greedySample, silentLogger, trainLoop } from '../src/train/index.ts';
import { BpeTokenizer, trainBpe, readDocuments } from '../src/tokenizer/index.ts';

const steps = Number(process.argv[process.argv.indexOf('--steps') + 1]) || 30;
const path = 'data/tinystories/TinyStories-train.sample.txt';

// 1. A byte-level BPE tokenizer with 384 tokens, trained on the stories (<UNK> <PAD> <BOS> <EOS> first).
const tokenizer = new BpeTokenizer(await trainBpe(readDocuments([path], '<|endoftext|>'), { vocabSize: 384 }));
const eos = tokenizer.tokenToId('<EOS>')!;

// 2. Stories → ids with <EOS> after each; 5 % of the stories held out for validation.
const corpus = await loadCorpus([parseDataSpec(path)], { encode: (s) => tokenizer.encode(s), eosId: eos, validationFraction: 0.05 });
console.log(`${corpus.train.length} training tokens, ${corpus.validation.length} validation tokens`);

// 3. A small i3: one block of each kind. Windows of T = 32 tokens (+1 for the targets), 8 per batch.
const model = new I.I3Model({ vocab_size: tokenizer.vocabSize, d_model: 48, n_heads: 4, d_state: 8, ffn_mult: 4, max_seq_len: 64, block_types: ['hybrid', 'rwkv4', 'attention'] }, { generator: new I.Generator(0) });
const train = new RandomWindows(corpus.train, 8, 32, 0), validation = new RandomWindows(corpus.validation, 8, 32, 1);

// 4. AdamW with the card's β, ε and decay; warmup then cosine to 10 % of the peak; clip at 1.0.
const optimizer = new AdamW(model.namedParameters(), { lr: 5e-3, weightDecay: 0.01 });
const result = await trainLoop(model, { train, validation }, optimizer, {
  steps, accumulation: 1, clip: 1, schedule: warmupCosine({ peak: 5e-3, warmup: 5, total: steps }),
  evalEvery: 0, evalBatches: 4, sampleEvery: 0, checkpointEvery: 0,
}, {
  logger: { ...silentLogger, step: (r) => { if (r.step % 10 === 0) console.log(`step ${r.step}  loss ${r.loss.toFixed(3)}  lr ${r.lr.toExponential(1)}  ${r.tokensPerSecond.toFixed(0)} tokens/s`); } },
});
console.log(`validation loss ${result.validation!.loss.toFixed(3)} (perplexity ${result.validation!.perplexity.toFixed(1)}; ln V = ${Math.log(tokenizer.vocabSize).toFixed(3)} is chance)`);
console.log(`greedy: ${JSON.stringify('Once upon a time' + await greedySample(model, { encode: (s) => tokenizer.encode(s), decode: (ids) => tokenizer.decode(ids) }, 'Once upon a time', 24, eos))}`);
console.log(`live tensors: ${I.memory('cpu').tensors} (parameters, their gradients and AdamW's two moments each)`);
