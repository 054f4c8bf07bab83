// 04 — Build the i3-200M model card's architecture (and the 169.85M reading) and print parameter
// tables the way the card presents them. Parameters start at zero here (randomInit: false): we only count.
// Run: npx tsx examples/04-card-model.ts [--layers]   (--layers also prints every parameter)

import { I3Model } from '../src/model/i3-model.ts';
import { preset } from '../src/model/config.ts';

const fmt = (n: number) => n.toLocaleString('en-US');

for (const name of ['i3-200m', 'i3-200m-v2', 'i3-80m']) {
  const config = preset(name);
  const model = new I3Model(config, { randomInit: false });
  const count = (prefix: string) => model.namedParameters().filter(([n]) => n.startsWith(prefix)).reduce((s, [, p]) => s + p.size, 0);
  const kinds = config.block_types.reduce<Record<string, number>>((m, k) => ({ ...m, [k]: (m[k] ?? 0) + 1 }), {});
  console.log(`\n${name}: d_model ${config.d_model}, ${config.n_heads} heads, d_state ${config.d_state}, max_seq_len ${config.max_seq_len}, vocab ${fmt(config.vocab_size)}`);
  console.log(`  blocks: ${Object.entries(kinds).map(([k, n]) => `${n} × ${k}`).join(' + ')}`);
  const rows: Array<[string, number]> = [
    ['token embedding', count('embed.')],
    ['position embedding', count('pos_embed.')],
    ...model.layers.items.map((b, i): [string, number] => [`layer ${String(i).padStart(2)} (${b.kind})`, b.numParameters()]),
    ['final LayerNorm', count('ln_f.')],
    ['output head (untied, with bias)', count('head.')],
  ];
  for (const [label, n] of rows) console.log(`  ${label.padEnd(32)} ${fmt(n).padStart(12)}`);
  console.log(`  ${'total'.padEnd(32)} ${fmt(model.numParameters()).padStart(12)}  (${(model.numParameters() / 1e6).toFixed(2)}M, ${(model.numParameters() * 4 / 1e6).toFixed(0)} MB in float32)`);
  if (process.argv.includes('--layers')) console.log(model.summary());
  model.dispose();
}
