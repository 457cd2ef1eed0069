/**
 * Messages between the extension (training client) and the trainer child process (ARCHITECTURE.md,
 * "The processes"): commands in, the run's events (src/core/contracts/trainEvents.ts) out. Both ends import this
 * module; `isToTrainer` / `isFromTrainer` are the runtime checks.
 */
import { isTrainingEvent, type TrainingEvent, type TrainJob } from '../core/contracts/trainEvents';

/**
 * Start training (core's TrainJob). The trainer walks the folders itself (so the extension host
 * does no file I/O beyond this message) applying the corpus rules.
 */
export interface StartMessage extends TrainJob {
  type: 'start';
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
  if (isObj(m) && m.type === 'paused') return typeof m.paused === 'boolean';
  return isTrainingEvent(m);
}
