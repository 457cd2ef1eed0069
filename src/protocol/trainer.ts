/**
 * Messages between the extension (training client) and the trainer child process (ARCHITECTURE.md,
 * "The processes"): commands in, the run's events (src/core/trainEvents.ts) out. Both ends import this
 * module; `isToTrainer` / `isFromTrainer` are the runtime checks.
 */
import type { CorpusConfig, TrainConfig } from '../core/config';
import type { TrainingEvent } from '../core/trainEvents';

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

/** The answer to pause / resume: whether the run is now held. */
export interface PausedMessage {
  type: 'paused';
  paused: boolean;
}
/** Everything the trainer process sends: the run's events, and the answer to pause / resume. */
export type FromTrainer = TrainingEvent | PausedMessage;

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
    case 'paused':
      return typeof m.paused === 'boolean';
    default:
      return false;
  }
}
