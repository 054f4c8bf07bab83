// The i3 configuration implied by a state dict's names and shapes (spec §3.5, §4.4): vocabulary and
// width from embed.weight, context from pos_embed.weight, the block kind of each layer from its
// keys, d_state from hybrid.A, the FFN multiplier from the first FFN weight. The number of heads
// leaves no trace in the shapes, so it is given.

import { validateConfig, type I3Config } from '../model/config.ts';
import type { BlockKind } from '../nn/blocks.ts';
import type { Tensor } from '../tensor/tensor.ts';

/**
 * The I3Config a state dict implies (sizes from tensor shapes, block kinds from key names); `nHeads` must
 * be given since no shape records it, `source` names the file in errors.
 */
export function configFromStateDict(tensors: ReadonlyMap<string, Tensor>, nHeads: number, source: string): I3Config {
  const shape = (key: string): number[] => {
    const t = tensors.get(key);
    if (!t) throw new Error(`${source}: no '${key}', so this is not an i3 state dict (keys: ${[...tensors.keys()].slice(0, 5).join(', ')}, …)`);
    return t.shape as number[];
  };
  const [V, C] = shape('embed.weight');
  const blocks: BlockKind[] = [];
  for (let i = 0; tensors.has(`layers.${i}.ln1.weight`); i++) {
    blocks.push(tensors.has(`layers.${i}.hybrid.A`) ? 'hybrid' : tensors.has(`layers.${i}.att.time_decay`) ? 'rwkv4' : 'attention');
  }
  const hybrid = blocks.indexOf('hybrid');
  const ffn = blocks[0] === 'rwkv4' ? shape('layers.0.ffn.key.weight') : shape('layers.0.ffn.0.weight');
  const config: I3Config = {
    vocab_size: V, d_model: C, n_heads: nHeads, d_state: hybrid >= 0 ? shape(`layers.${hybrid}.hybrid.A`)[0] : 32,
    ffn_mult: ffn[0] / C, max_seq_len: shape('pos_embed.weight')[0], block_types: blocks,
  };
  validateConfig(config);
  return config;
}
