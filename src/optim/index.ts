// Optimization: AdamW, global-norm clipping, the warmup + cosine schedule, gradient accumulation.
export { AdamW, type AdamWOptions } from './adamw.ts';
export { clipGradNorm, clipGradNormAsync } from './clip.ts';
export { warmupCosine, type Schedule, type WarmupCosine } from './schedule.ts';
export { accumulateGradients, accumulateGradientsAsync } from './accumulate.ts';
