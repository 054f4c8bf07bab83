// Training: the loop, checkpoints, recipes (the card's and small ones) and a whole run from data specs.
export { trainLoop, evaluate, type LanguageModel, type LoopHooks, type LoopOptions, type LoopResult } from './loop.ts';
export { saveCheckpoint, loadCheckpoint, hasCheckpoint, type Checkpoint, type TrainerState } from './checkpoint.ts';
export { RECIPES, recipe, modelConfig, type Recipe } from './presets.ts';
export { runTraining, type RunOptions, type RunResult } from './session.ts';
export { greedySample, type TextCodec } from './sample.ts';
export { silentLogger, type Logger, type StepReport, type EvalReport } from './logger.ts';
