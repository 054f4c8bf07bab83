// Mixing several document streams with weights. Each next document comes from a source drawn with
// probability weight / (sum of the weights of the sources not yet exhausted), from a generator seeded
// once, so the interleaving is the same on every run with the same seed. An exhausted source drops
// out and the others go on, so every document of every source is read exactly once.

import { Generator } from '../tensor/random.ts';

/** A stream of documents and its weight in the mix (> 0). */
export interface WeightedDocuments {
  documents: AsyncIterable<string>;
  weight: number;
}

/**
 * Interleaves the sources: each next document comes from a source drawn with probability proportional to
 * its weight among those not yet exhausted; every document is read exactly once, in the same order for the
 * same seed.
 */
export async function* mixDocuments(sources: readonly WeightedDocuments[], seed: number): AsyncGenerator<string> {
  for (const s of sources) if (!(s.weight > 0)) throw new Error(`mixDocuments: weights must be > 0, got ${s.weight}`);
  const live = sources.map((s) => ({ weight: s.weight, it: s.documents[Symbol.asyncIterator]() }));
  const gen = new Generator(seed);
  while (live.length > 0) {
    let r = gen.uniform() * live.reduce((sum, s) => sum + s.weight, 0);
    let i = 0;
    while (i < live.length - 1 && r >= live[i].weight) r -= live[i++].weight;
    const next = await live[i].it.next();
    if (next.done) live.splice(i, 1);
    else yield next.value;
  }
}
