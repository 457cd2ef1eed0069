/**
 * Messages between the extension (training client) and the trainer child process, as in
 * DESIGN.md. Both ends import this module; `isToTrainer` / `isFromTrainer` are the runtime checks.
 */
import type { CorpusConfig, TrainConfig } from '../core/config';

/**
 * Start training. The trainer walks the folders itself (so the extension host does no file I/O
 * beyond this message) applying the corpus rules: `corpus` settings plus VS Code's
 * `files.exclude` globs (`filesExclude`, only the patterns set to true).
 */
export interface StartMessage {
  type: 'start';
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
export interface StopMessage {
  type: 'stop';
}
/** Hold the run between two steps until `resume` (the process stays, with its model in memory). */
export interface PauseMessage {
  type: 'pause';
}
export interface ResumeMessage {
  type: 'resume';
}
export type ToTrainer = StartMessage | StopMessage | PauseMessage | ResumeMessage;

export interface ReadyMessage {
  type: 'ready';
  backend: string;
  threads: number;
  /** The trainer's scheduling priority (nice value on Unix), when known. */
  priority?: number;
}
export interface CorpusMessage {
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
export interface ProgressMessage {
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
export interface SampleMessage {
  type: 'sample';
  text: string;
  step: number;
}
export interface CheckpointMessage {
  type: 'checkpoint';
  path: string;
  valLoss: number;
  step: number;
}
/** The mixture was fitted on the validation split (after the n-gram stage and LSTM checkpoints). */
export interface MixtureMessage {
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
}
export type DoneReason = 'completed' | 'stopped' | 'time-limit' | 'early-stop' | 'diverged';
export interface DoneMessage {
  type: 'done';
  reason: DoneReason;
  /** Best validation loss (bits per character), if any validation ran. */
  bestValLoss?: number;
  checkpointPath?: string;
}
export interface ErrorMessage {
  type: 'error';
  message: string;
}
export interface LogMessage {
  type: 'log';
  message: string;
}
/** The answer to pause / resume: whether the run is now held. */
export interface PausedMessage {
  type: 'paused';
  paused: boolean;
}
export type FromTrainer =
  | ReadyMessage
  | CorpusMessage
  | ProgressMessage
  | SampleMessage
  | CheckpointMessage
  | MixtureMessage
  | DoneMessage
  | ErrorMessage
  | LogMessage
  | PausedMessage;

const isObj = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null;
const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const str = (v: unknown) => typeof v === 'string';

export function isToTrainer(m: unknown): m is ToTrainer {
  if (!isObj(m)) return false;
  if (m.type === 'stop' || m.type === 'pause' || m.type === 'resume') return true;
  return (
    m.type === 'start' &&
    isObj(m.config) &&
    Array.isArray(m.folders) &&
    m.folders.every(str) &&
    isObj(m.corpus) &&
    str(m.checkpointDir) &&
    typeof m.resume === 'boolean' &&
    (m.threads === undefined || (num(m.threads) && (m.threads as number) >= 0)) &&
    (m.lowPriority === undefined || typeof m.lowPriority === 'boolean')
  );
}

export function isFromTrainer(m: unknown): m is FromTrainer {
  if (!isObj(m)) return false;
  switch (m.type) {
    case 'ready':
      return str(m.backend) && num(m.threads);
    case 'corpus':
      return num(m.files) && num(m.bytes) && num(m.vocabSize);
    case 'progress':
      return num(m.step) && num(m.epoch) && num(m.totalSteps) && typeof m.loss === 'number' &&
        (m.valLoss === undefined || typeof m.valLoss === 'number') && num(m.charsPerSec);
    case 'sample':
      return str(m.text) && num(m.step);
    case 'checkpoint':
      return str(m.path) && typeof m.valLoss === 'number';
    case 'mixture':
      return num(m.step) && str(m.experts) && isObj(m.bitsPerChar) && num(m.minConfidence) && num(m.precision);
    case 'done':
      return str(m.reason);
    case 'error':
    case 'log':
      return str(m.message);
    case 'paused':
      return typeof m.paused === 'boolean';
    default:
      return false;
  }
}
