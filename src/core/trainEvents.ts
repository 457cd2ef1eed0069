/**
 * What a training run reports, in order: ready (engine chosen), corpus (what was read), progress,
 * sample, checkpoint, mixture (fitted on the validation split), log, then done or error.
 * `runTraining` (train.ts) emits these; the trainer process forwards them to the extension
 * unchanged (src/protocol/trainer.ts), and the CLI prints them.
 */
export interface ReadyEvent {
  type: 'ready';
  backend: string;
  threads: number;
  /** The trainer's scheduling priority (nice value on Unix), when known. */
  priority?: number;
}
export interface CorpusEvent {
  type: 'corpus';
  files: number;
  bytes: number;
  chars: number;
  vocabSize: number;
  trainChars: number;
  valChars: number;
  skipped: Record<string, number>;
  parameters: number;
}
export interface ProgressEvent {
  type: 'progress';
  step: number;
  epoch: number;
  totalSteps: number;
  /** Training loss in bits per character (smoothed over recent steps). */
  loss: number;
  /** Validation loss in bits per character, present on validation steps. */
  valLoss?: number;
  charsPerSec: number;
  etaSec: number;
  elapsedSec: number;
  /** Characters trained on so far. */
  charsSeen: number;
}
export interface SampleEvent {
  type: 'sample';
  text: string;
  step: number;
}
export interface CheckpointEvent {
  type: 'checkpoint';
  path: string;
  /** Held-out bits/char of what was saved (the LSTM's, else the mixture's); absent when nothing was validated yet. */
  valLoss?: number;
  step: number;
}
/**
 * Where the LSTM's weights start: the shipped base model (fine-tuning), random weights, or the
 * saved checkpoint (--resume / Continue). `valBits`: the starting weights' bits per character on
 * this workspace's validation text, before the first step (base and checkpoint starts).
 */
export interface OriginEvent {
  type: 'origin';
  from: 'base' | 'scratch' | 'checkpoint';
  /** The base model's name, when from is 'base'. */
  base?: string;
  /** One line for people: what the run starts from and why. */
  note: string;
  valBits?: number;
}
/** The mixture was fitted on the validation split (after the n-gram stage and LSTM checkpoints). */
export interface MixtureEvent {
  type: 'mixture';
  /** LSTM step of the weights mixed (0: no LSTM yet). */
  step: number;
  /** What answers, e.g. "n-gram + cache + LSTM". */
  experts: string;
  /** Held-out bits/char of each expert and of the mixture. */
  bitsPerChar: { ngram?: number; cache?: number; lstm?: number; mixture?: number };
  /** Calibrated show/abstain threshold and the precision it gives on held-out positions. */
  minConfidence: number;
  precision: number;
  /**
   * What it promises: the precision measured on held-out folds of the validation files (each at
   * the threshold chosen without it) and on how many positions. Absent when too few to tell.
   */
  promise?: ThresholdPromise;
}

/** "About N% of ghosts right, measured on K positions of your code." */
export interface ThresholdPromise {
  precision: number;
  positions: number;
}
export type DoneReason = 'completed' | 'stopped' | 'time-limit' | 'early-stop' | 'diverged';
export interface DoneEvent {
  type: 'done';
  reason: DoneReason;
  /** Best validation loss (bits per character), if any validation ran. */
  bestValLoss?: number;
  checkpointPath?: string;
}
export interface ErrorEvent {
  type: 'error';
  message: string;
}
export interface LogEvent {
  type: 'log';
  message: string;
}
export type TrainingEvent =
  | ReadyEvent
  | CorpusEvent
  | OriginEvent
  | ProgressEvent
  | SampleEvent
  | CheckpointEvent
  | MixtureEvent
  | DoneEvent
  | ErrorEvent
  | LogEvent;
