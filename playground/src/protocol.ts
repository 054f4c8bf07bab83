// The messages between the page (main.ts) and the worker (worker.ts). Everything the engine does runs
// in the worker, so the page stays responsive while a token or a training step is computed.

/**
 * What the worker computes on: the cpu backend with one of its float32 kernel sets (kernels/wasm/support.ts:
 * WebAssembly SIMD or TypeScript), or the gpu backend (src/backend/gpu.ts; gpu.js's browser build, a real
 * GPU API required): 'gpu' is gpu.js's own choice (WebGL2 on the worker's OffscreenCanvas), 'webgpu' WebGPU.
 */
export type Compute = 'wasm' | 'ts' | 'gpu' | 'webgpu';

/** The gpu.js path the gpu backend opened (src/backend/gpu-device.ts). */
export interface GpuInfo { kernelClass: string; description: string }

/** The three files of a model folder, as fetched from the server or read from a dropped folder. */
export interface FolderFiles { config: string; weights: Uint8Array; tokenizer: string; source: string }

export interface GenerateRequest { prompt: string; maxNewTokens: number; temperature: number; topK: number; topP: number; seed: number }
/** `sampleTokens`: how long the trained model's greedy continuation of 'Once upon a time' is. */
export interface TrainRequest { text: string; steps: number; batch: number; seqLen: number; lr: number; sampleTokens: number }

/** Page → worker. */
export type Request =
  | { kind: 'load'; files: FolderFiles }
  | { kind: 'generate'; request: GenerateRequest }
  | { kind: 'train'; request: TrainRequest }
  | { kind: 'stop' };

/** Worker → page. */
export type Reply =
  | { kind: 'ready'; compute: Compute; backend: string; simd: boolean; gpu: GpuInfo | null }
  | { kind: 'unavailable'; compute: Compute; message: string }
  | { kind: 'loaded'; source: string; parameters: number; vocab: number; notes: string[] }
  | { kind: 'token'; text: string }
  | { kind: 'generated'; tokens: number; seconds: number }
  | { kind: 'trainStart'; parameters: number; tokens: number }
  | { kind: 'step'; step: number; steps: number; loss: number; tokensPerSecond: number; seconds: number }
  | { kind: 'trained'; step: number; sample: string }
  | { kind: 'error'; message: string };
