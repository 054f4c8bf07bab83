// i3.ts — the public API of the engine. Import from here:
//   import { tensor, matmul, scope } from './src/index.ts';
import './backend/cpu.ts';

export { Tensor, type NestedArray } from './tensor/tensor.ts';
export * from './tensor/create.ts';
export { Generator, manualSeed, defaultGenerator } from './tensor/random.ts';
export type { DType, FloatDType, TypedArray } from './tensor/dtype.ts';
export type { Shape } from './tensor/shape.ts';
export { memory, scope, keep } from './backend/memory.ts';
export { getBackend, listBackends, setDefaultBackend, type Backend, type Kernel, type View } from './backend/backend.ts';
export { cpuBackend } from './backend/cpu.ts';
export { noGrad, isGradEnabled, setAnomalyMode, withAnomalyMode } from './autograd/grad-mode.ts';
export { backward, type BackwardOptions } from './autograd/backward.ts';
export * from './ops/index.ts';


// Layers and the i3 model.
export { Module, type InitOptions } from './nn/module.ts';
export { Linear, Embedding, LayerNorm, FeedForward } from './nn/layers.ts';
export { I3Model, type ModelState, type StepOptions } from './model/i3-model.ts';
export { PRESETS, preset, toConfigJson, fromConfigJson, validateConfig, type I3Config } from './model/config.ts';
