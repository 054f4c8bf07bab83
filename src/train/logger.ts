// What the training loop reports, and to whom. The library never prints (only src/cli/ does): it
// calls a Logger, and the caller decides how to show it (a progress line, JSON, nothing in tests).

/** What the loop reports after each iteration. */
export interface StepReport {
  /** Iterations done (1-based after the first) and the run's total. */
  step: number;
  steps: number;
  /** Mean training loss over the iteration's micro-batches (nats per token). */
  loss: number;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  tokensPerSecond: number;
  /** Seconds left at the current speed. */
  etaSeconds: number;
}

/** Validation loss and perplexity at a step. */
export interface EvalReport { step: number; loss: number; perplexity: number }

/** Where training reports go (the CLI prints them; tests collect them). */
export interface Logger {
  step(report: StepReport): void;
  evaluation(report: EvalReport): void;
  sample(step: number, prompt: string, text: string): void;
  checkpoint(step: number, path: string, reason: 'interval' | 'end' | 'interrupted'): void;
  /** Anything else worth a line (data loaded, tokenizer reused, resumed from …). */
  info(message: string): void;
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { step() {}, evaluation() {}, sample() {}, checkpoint() {}, info() {} };
