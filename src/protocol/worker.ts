/**
 * Messages between the extension (CompletionClient) and the completion worker thread
 * (src/worker/main.ts). Both ends import this module; `isToWorker` / `isFromWorker` are the
 * runtime checks.
 *
 * Cancellation has two paths: a `cancel` message (drops a request still queued), and a shared
 * Int32Array (workerData.control, see CONTROL_*) that the worker polls while it computes, so a
 * superseded or cancelled request stops mid-way without waiting for the message queue.
 */
import type { CompleteResult, CompletionQuery, CompletionSettings } from '../core/contracts/completion';

export type EngineChoice = 'auto' | 'wasm' | 'js';

export interface WorkerData {
  /** SharedArrayBuffer of CONTROL_SIZE Int32 slots. */
  control: SharedArrayBuffer;
  engine: EngineChoice;
}
/** Slot: id of the newest request sent; every request with a lower id is superseded. */
export const CONTROL_NEWEST = 0;
/** Slot: id of the latest explicitly cancelled request. */
export const CONTROL_CANCELLED = 1;
export const CONTROL_SIZE = 2;

/** (Re)load the checkpoint in `modelDir` (drops every cached state); `base`: modelDir is the shipped base model's folder (media/base), which serves with the document cache before any training. */
export interface LoadRequest {
  type: 'load';
  modelDir: string;
  base?: boolean;
}
/** A completion request (core's CompletionQuery), numbered: a higher id supersedes it. */
export type CompleteRequestMessage = { type: 'complete'; id: number } & CompletionQuery;
export interface CancelRequest {
  type: 'cancel';
  id: number;
}
/** The document was closed: drop its cached states. */
export interface ForgetRequest {
  type: 'forget';
  docKey: string;
}
/** A workspace file was saved: its text joins the workspace counts until the next training run. */
export interface LearnRequest {
  type: 'learn';
  docKey: string;
  text: string;
}
export type ToWorker = LoadRequest | CompleteRequestMessage | CancelRequest | ForgetRequest | LearnRequest;

export interface LoadedMessage {
  type: 'loaded';
  modelDir: string;
  engine: string;
  lstmSize: number;
  numLayers: number;
  vocabSize: number;
  ms: number;
  /** What answers, e.g. "n-gram + cache + LSTM", and the LSTM's training step (0: none yet). */
  experts: string;
  lstmStep: number;
  /** The base model answers (no workspace model yet). */
  base?: boolean;
}
export interface LoadFailedMessage {
  type: 'loadFailed';
  modelDir: string;
  message: string;
}
/** The answer to request `id` (core's CompleteResult) and the engine time in the worker, ms. */
export type ResultMessage = { type: 'result'; id: number; ms: number } & CompleteResult;
export interface WorkerLogMessage {
  type: 'log';
  message: string;
}
export type FromWorker = LoadedMessage | LoadFailedMessage | ResultMessage | WorkerLogMessage;

const isObj = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null;
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const str = (v: unknown): v is string => typeof v === 'string';

export function isCompletionSettings(s: unknown): s is CompletionSettings {
  return isObj(s) && num(s.maxChars) && s.maxChars >= 1 && (s.minConfidence === undefined || num(s.minConfidence)) && num(s.contextChars) && s.contextChars >= 1 &&
    (s.length === undefined || s.length === 'token' || s.length === 'line') &&
    (s.maxContinuationChars === undefined || (num(s.maxContinuationChars) && s.maxContinuationChars >= 1)) &&
    (s.continuationMinConfidence === undefined || num(s.continuationMinConfidence));
}

export function isToWorker(m: unknown): m is ToWorker {
  if (!isObj(m)) return false;
  switch (m.type) {
    case 'load':
      return str(m.modelDir) && (m.base === undefined || typeof m.base === 'boolean');
    case 'complete':
      return num(m.id) && str(m.docKey) && num(m.offset) && m.offset >= 0 && str(m.prefix) && str(m.suffix) &&
        isCompletionSettings(m.settings);
    case 'cancel':
      return num(m.id);
    case 'forget':
      return str(m.docKey);
    case 'learn':
      return str(m.docKey) && str(m.text);
    default:
      return false;
  }
}

export function isFromWorker(m: unknown): m is FromWorker {
  if (!isObj(m)) return false;
  switch (m.type) {
    case 'loaded':
      return str(m.modelDir) && str(m.engine) && num(m.lstmSize) && num(m.numLayers) && num(m.vocabSize) && num(m.ms) &&
        str(m.experts) && num(m.lstmStep) && (m.base === undefined || typeof m.base === 'boolean');
    case 'loadFailed':
      return str(m.modelDir) && str(m.message);
    case 'result':
      return num(m.id) && str(m.completion) && num(m.confidence) && num(m.typedLength) && num(m.ms) &&
        num(m.charsRead) && num(m.decodeSteps) &&
        (m.reason === undefined || str(m.reason)) && (m.cancelled === undefined || typeof m.cancelled === 'boolean') &&
        (m.threshold === undefined || num(m.threshold)) &&
        (m.alternatives === undefined || (Array.isArray(m.alternatives) && m.alternatives.every((a) => isObj(a) && str(a.completion) && num(a.confidence)))) &&
        (m.continuation === undefined || (str(m.continuation) && !/[\r\n]/.test(m.continuation))) &&
        (m.continuationConfidence === undefined || num(m.continuationConfidence));
    case 'log':
      return str(m.message);
    default:
      return false;
  }
}
