// 03 — The byte-level BPE tokenizer on one sentence: train a small vocabulary on the bundled
// TinyStories sample, then follow a sentence through pre-tokenization, bytes, merges and back.
// Also the i3-80M chunk tokenizer on the same sentence, for contrast.
// Run: npx tsx examples/03-tokenizer.ts [--vocab N] [--text "your sentence"]   (default 512 tokens, ~5 s)

import { parseArgs } from 'node:util';
import {
  BpeTokenizer, ChunkTokenizer, I3_SPECIAL_TOKENS, preTokenize, readDocuments, toByteLevel, trainBpe,
} from '../src/tokenizer/index.ts';

const { values } = parseArgs({ options: {
  vocab: { type: 'string', default: '512' },
  text: { type: 'string', default: "Lily's cat can't find the big red ball… 🐈<EOS>" },
} });
const path = 'data/tinystories/TinyStories-train.sample.txt';
const text = values.text!;

// 1. Training: count pre-tokens, then repeatedly merge the most frequent adjacent pair (Sennrich et
//    al. 2016). The vocabulary is 4 specials, 256 byte characters, then one token per merge.
const t0 = performance.now();
const model = await trainBpe(readDocuments([path], '<|endoftext|>'), { vocabSize: Number(values.vocab) });
const tokenizer = new BpeTokenizer(model);
console.log(`trained ${tokenizer.vocabSize} tokens (${I3_SPECIAL_TOKENS.length} specials + 256 bytes + ${model.merges.length} merges) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
console.log(`first merges: ${model.merges.slice(0, 8).map(([a, b]) => `${a}+${b}`).join('  ')}`);
console.log(`last merges:  ${model.merges.slice(-4).map(([a, b]) => `${a}+${b}`).join('  ')}`);

// 2. Pre-tokenization: specials are cut out whole, the rest is split by GPT-2's rule (letters,
//    numbers, other symbols, each with one leading space; contractions apart). Merges never cross
//    these boundaries.
console.log(`\ntext:          ${JSON.stringify(text)}`);
console.log(`pre-tokens:    ${preTokenize(text.replace('<EOS>', '')).map((w) => JSON.stringify(w)).join(' ')}   (+ the special <EOS>)`);

// 3. Bytes shown as characters: every UTF-8 byte becomes one printable character (space = Ġ),
//    so the emoji's 4 bytes become 4 characters, and "…" 3.
console.log(`byte-level:    ${toByteLevel(' ball… 🐈')}   (for " ball… 🐈")`);

// 4. Encoding: each pre-token's bytes are merged in rank order; the ids index the vocabulary.
const ids = tokenizer.encode(text);
const tokenOf = new Map([...model.vocab, ...model.addedTokens.map((t): [string, number] => [t.content, t.id])].map(([token, id]) => [id, token]));
const pieces = ids.map((id) => tokenOf.get(id)!);
console.log(`\n${ids.length} BPE tokens for ${new TextEncoder().encode(text).length} bytes:`);
console.log(pieces.map((p, i) => `${p}=${ids[i]}`).join(' '));

// 5. Decoding reverses it exactly: tokens → bytes → UTF-8 (the alphabet is seeded, so even bytes
//    never seen in training, like the emoji's, round-trip).
const back = tokenizer.decode(ids);
console.log(`decoded:       ${JSON.stringify(back)}  round-trip ${back === text ? 'exact' : 'DIFFERS'}`);
console.log(`without specials: ${JSON.stringify(tokenizer.decode(ids, { skipSpecialTokens: true }))}`);
if (back !== text) process.exitCode = 1;

// 6. The i3-80M chunk tokenizer: lower-cased 2-3 character chunks, a vocabulary of every chunk seen.
const chunks = await ChunkTokenizer.build(readDocuments([path], '<|endoftext|>'), { maxSamples: 500 });
const chunkIds = chunks.encode(text);
console.log(`\nchunk tokenizer (${chunks.vocabSize} chunks from 500 stories): ${chunkIds.length} tokens`);
console.log(chunkIds.map((id) => JSON.stringify(chunks.chunks[id])).join(' '));
console.log(`decoded: ${JSON.stringify(chunks.decode(chunkIds))}  (lower case; unseen characters became <UNK>)`);
