"""Make the Python-trained oracle fixtures for test/tokenizer/ (issue 4).

The i3-200M tokenizer was trained with the Python `tokenizers` library (spec §4.5). Our TypeScript
trainer must give the same vocabulary and merges on the same text and settings, so this script
trains with that library and writes what it produced, for the tests to compare against:

  bpe-tinystories-8000.json   tokenizer.json, TinyStories sample, vocab 8000, min_frequency 0,
                              no seeded alphabet (exactly the i3 settings, smaller vocabulary)
  bpe-wikitext-seeded.json    tokenizer.json, WikiText-2 train prefix, full 256-byte alphabet
                              seeded, vocab 30000 but min_frequency 40 stops it earlier
  bpe-tiny-cases.json         many tiny random corpora over a 4-letter alphabet, where count ties
                              are common: docs, settings, vocab, merges
  bpe-tiny-special-cases.json the same with special tokens such as "ab" or "c", which merges can
                              re-create: then a merge yields an existing token, the case where HF's
                              queue bookkeeping (an entry per pair *and* word set) shows; also the
                              ids of a few texts, where such specials are cut out before BPE
  bpe-python-encodings.json   ids the library gives for WikiText / TinyStories text, awkward
                              strings and random Unicode, under both trained tokenizers

Documents follow the rule in src/tokenizer/documents.ts: split on the separator, strip ASCII
whitespace (space \\t \\n \\r \\f \\v) from both ends, skip empty ones.

Usage (tokenizers 0.23.2 was used; the GPU machine has it):
  python3 scripts/make-tokenizer-fixture.py <tinystories.txt> <wiki.train.txt> <wiki.valid.raw> <out-dir>
"""
import json
import os
import random
import sys

import tokenizers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

SPECIALS = ["<UNK>", "<PAD>", "<BOS>", "<EOS>"]
ASCII_WS = " \t\n\r\f\v"


def documents(path, separator):
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    for doc in text.split(separator):
        doc = doc.strip(ASCII_WS)
        if doc:
            yield doc


def train(docs, vocab_size, min_frequency, seeded, specials=SPECIALS):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet() if seeded else [],
        show_progress=False,
    )
    tok.train_from_iterator(docs, trainer)
    return tok


def random_unicode(rng, n):
    # Ranges chosen to hit the regex's classes (letters, numbers, spaces of several kinds,
    # punctuation), multi-byte UTF-8 of every length, combining marks and emoji. No surrogates:
    # a Python str holding one cannot reach the Rust library.
    ranges = [(0x20, 0x7E), (0x09, 0x0D), (0x80, 0xFF), (0x300, 0x36F), (0x391, 0x3C9),
              (0x660, 0x669), (0x2000, 0x206F), (0x3000, 0x303F), (0x4E00, 0x4E80),
              (0xAC00, 0xAC40), (0xFEFF, 0xFEFF), (0x1F300, 0x1F64F), (0x1D400, 0x1D420)]
    out = []
    for _ in range(n):
        length = rng.randint(0, 24)
        chars = []
        for _ in range(length):
            lo, hi = rng.choice(ranges)
            chars.append(chr(rng.randint(lo, hi)))
        out.append("".join(chars))
    return out


def tiny_cases(rng, count, special_pool=None):
    cases = []
    for _ in range(count):
        docs = ["".join(rng.choice("aab c") for _ in range(rng.randint(0, 30)))
                for _ in range(rng.randint(1, 12))]
        docs = [d.strip(ASCII_WS) for d in docs if d.strip(ASCII_WS)]
        vocab_size = rng.randint(8, 60)
        min_frequency = rng.choice([0, 0, 1, 2, 3])
        specials = SPECIALS if special_pool is None else [t for t in special_pool if rng.random() < 0.4]
        tok = train(iter(docs), vocab_size, min_frequency, False, specials)
        model = json.loads(tok.to_str())["model"]
        case = {"docs": docs, "vocab_size": vocab_size, "min_frequency": min_frequency,
                "vocab": model["vocab"], "merges": model["merges"]}
        if special_pool is not None:
            # Specials such as "ab" and "aab" are also cut out of text, leftmost-longest.
            case["special_tokens"] = specials
            texts = docs + ["abab aab ba c", "aabab bbab", "<EOS>c"]
            case["encodings"] = {"texts": texts, "ids": [tok.encode(t).ids for t in texts]}
        cases.append(case)
    return cases


def main():
    tinystories, wiki_train, wiki_valid, out = sys.argv[1:5]
    os.makedirs(out, exist_ok=True)
    print("tokenizers", tokenizers.__version__)

    stories = train(documents(tinystories, "<|endoftext|>"), 8000, 0, False)
    stories.save(os.path.join(out, "bpe-tinystories-8000.json"))
    wiki = train(documents(wiki_train, "\n"), 30000, 40, True)
    wiki.save(os.path.join(out, "bpe-wikitext-seeded.json"))

    rng = random.Random(4)
    with open(os.path.join(out, "bpe-tiny-cases.json"), "w", encoding="utf-8") as f:
        json.dump({"tokenizers": tokenizers.__version__, "cases": tiny_cases(rng, 200)}, f)

    with open(os.path.join(out, "bpe-tiny-special-cases.json"), "w", encoding="utf-8") as f:
        pool = ["ab", "ba", "aab", "abab", "c", "bb", "<EOS>", "aa", "bab"]
        json.dump({"tokenizers": tokenizers.__version__,
                   "cases": tiny_cases(random.Random(5), 300, pool)}, f)

    with open(wiki_valid, encoding="utf-8", newline="") as f:
        wiki_text = f.read()[:60000]
    with open(tinystories, encoding="utf-8", newline="") as f:
        story_text = f.read()[-30000:]
    awkward = ["", " ", "  ", "\n\n", "a\u0085b", "\u0085", "x\ufeffy", "\ufeff", "a\u3000b",
               "hello\u2028world", "  hello  world  ", "I'm you'll we've 'S 'LL", "1234567 ½ ٣",
               "<EOS>", "a<EOS>b<BOS>", "<EOS><EOS>", "<EO S>", "e\u0301\u0302", "👩‍👩‍👧 🇫🇷",
               "漢字かなカナ", "@-@ 1 @,@ 000", "tab\there\r\nCRLF", "naïve café"]
    texts = [wiki_text, story_text] + awkward + random_unicode(rng, 300)
    encodings = {name: [tok.encode(t).ids for t in texts]
                 for name, tok in [("tinystories-8000", stories), ("wikitext-seeded", wiki)]}
    with open(os.path.join(out, "bpe-python-encodings.json"), "w", encoding="utf-8") as f:
        json.dump({"tokenizers": tokenizers.__version__, "texts": texts, "ids": encodings}, f)


if __name__ == "__main__":
    main()
