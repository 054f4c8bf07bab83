// The messages between the page (main.ts) and the worker (worker.ts). Everything the engine does runs
// in the worker, so the page stays responsive while a token or a training step is computed.

/** The CPU backend's float32 kernel sets (kernels/wasm/support.ts): WebAssembly SIMD or TypeScript. */
export type KernelSet = 'wasm' | 'ts';

/** The three files of a model folder, as fetched from the server or read from a dropped folder. */
export interface FolderFiles { config: string; weights: Uint8Array; tokenizer: string; source: string }

export interface GenerateRequest { prompt: string; maxNewTokens: number; temperature: number; topK: number; topP: number; seed: number }
export interface TrainRequest { text: string; steps: number; batch: number; seqLen: number; lr: number }

/** Page → worker. */
export type Request =
  | { kind: 'load'; files: FolderFiles }
  | { kind: 'generate'; request: GenerateRequest }
  | { kind: 'train'; request: TrainRequest }
  | { kind: 'stop' };

/** Worker → page. */
export type Reply =
  | { kind: 'ready'; backend: string; kernels: KernelSet; simd: boolean }
  | { kind: 'loaded'; source: string; parameters: number; vocab: number; notes: string[] }
  | { kind: 'token'; text: string }
  | { kind: 'generated'; tokens: number; seconds: number }
  | { kind: 'trainStart'; parameters: number; tokens: number }
  | { kind: 'step'; step: number; steps: number; loss: number; tokensPerSecond: number }
  | { kind: 'trained'; step: number; sample: string }
  | { kind: 'error'; message: string };
