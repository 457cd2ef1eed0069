/**
 * What a training run reports, in order: ready (engine chosen), corpus (what was read), progress,
 * sample, checkpoint, mixture (fitted on the validation split), log, then done or error.
 * `runTraining` (train.ts) emits these; the trainer process forwards them to the extension
 * unchanged (src/protocol/trainer.ts), and the CLI prints them. `TrainJob` is what a trainer
 * process is asked to run; `isTrainingEvent` checks an event that arrives from another process.
 */
import type { CorpusConfig, TrainConfig } from './config';

/**
 * A training run as a trainer process is asked for it (the `start` message): the settings, the
 * folders to collect the corpus from and the corpus rules, plus VS Code's `files.exclude` globs
 * (`filesExclude`, only the patterns set to true).
 */
export interface TrainJob {
  config: TrainConfig;
  folders: string[];
  corpus: CorpusConfig & { filesExclude: string[] };
  /** Checkpoint folder to write (and to resume from when `resume` is true). */
  checkpointDir: string;
  resume: boolean;
  /** Threads for the wasm backend (0 or absent: automatic). */
  threads?: number;
  /** Run at the lowest scheduling priority (default true). */
  lowPriority?: boolean;
}

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

const isObj = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null;
const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const str = (v: unknown) => typeof v === 'string';

/** The runtime check of an event that crossed a process boundary (its type and the fields its readers rely on). */
export function isTrainingEvent(m: unknown): m is TrainingEvent {
  if (!isObj(m)) return false;
  switch (m.type) {
    case 'ready':
      return str(m.backend) && num(m.threads);
    case 'corpus':
      return num(m.files) && num(m.bytes) && num(m.vocabSize);
    case 'origin':
      return (m.from === 'base' || m.from === 'scratch' || m.from === 'checkpoint') && str(m.note) &&
        (m.base === undefined || str(m.base)) && (m.valBits === undefined || num(m.valBits));
    case 'progress':
      return num(m.step) && num(m.epoch) && num(m.totalSteps) && typeof m.loss === 'number' &&
        (m.valLoss === undefined || typeof m.valLoss === 'number') && num(m.charsPerSec);
    case 'sample':
      return str(m.text) && num(m.step);
    case 'checkpoint':
      return str(m.path) && (m.valLoss === undefined || typeof m.valLoss === 'number');
    case 'mixture':
      return num(m.step) && str(m.experts) && isObj(m.bitsPerChar) && num(m.minConfidence) && num(m.precision) &&
        (m.promise === undefined || (isObj(m.promise) && num(m.promise.precision) && num(m.promise.positions)));
    case 'done':
      return str(m.reason);
    case 'error':
    case 'log':
      return str(m.message);
    default:
      return false;
  }
}
