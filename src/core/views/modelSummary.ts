/**
 * What the panel says about a checkpoint (its meta.json): shape, size, step, what serves
 * completions, each expert's held-out bits/char and the calibrated threshold.
 */
import type { HistoryPointLike } from './lossSeries';
import type { ThresholdPromise } from '../contracts/trainEvents';
import { parameterCount } from '../lstm/weights';

/** What a threshold promises, from its calibration's held-out check (none when it showed nothing). */
function promiseOf(check: { precision: number; shown: number; positions: number } | undefined): { promise?: ThresholdPromise } {
  return check && Number.isFinite(check.precision) && check.shown > 0 ? { promise: { precision: check.precision, positions: check.positions } } : {};
}

/** "threshold 0.42 · about 91% of ghosts right (measured on 3,000 positions of your code)". */
export function thresholdText(t: { minConfidence: number; precision: number; promise?: ThresholdPromise }): string {
  return `threshold ${t.minConfidence.toFixed(2)} · ` + (t.promise
    ? `about ${Math.round(100 * t.promise.precision)}% of ghosts right (measured on ${t.promise.positions.toLocaleString('en-US')} positions of your code)`
    : `${Math.round(100 * t.precision)}% precision at calibration`);
}

/** The fields of CheckpointMeta (src/core/store/checkpoint.ts) the panel reads; CheckpointMeta fits it. */
export interface ModelMetaLike {
  config: { lstmSize: number; numLayers: number };
  /** 'ngram': only the n-gram + cache serve (no LSTM yet). */
  stage?: 'ngram' | 'lstm';
  mixer?: { experts: readonly string[]; bitsPerChar?: Partial<Record<string, number>> };
  calibration?: { minConfidence: number; precision: number; check?: { precision: number; shown: number; positions: number } };
  vocab: { chars: readonly string[] };
  history: readonly HistoryPointLike[];
  corpus: { files: number; bytes: number };
  backend: string;
  updatedAt: string;
  bestValLoss: number | null;
  step: number;
  epoch: number;
}

export interface ModelInfo {
  lstmSize: number;
  numLayers: number;
  vocabSize: number;
  parameters: number;
  step: number;
  epoch: number;
  bestValLoss: number | null;
  backend: string;
  updatedAt: string;
  corpusFiles: number;
  corpusBytes: number;
  /** What answers completions: "n-gram + cache", "n-gram + cache + LSTM (step 1,200)", ... */
  serving: string;
  /** Held-out bits/char of each expert and of the mixture, when fitted. */
  expertBpc?: Partial<Record<string, number>>;
  /** The calibrated show/abstain threshold, its precision and what it promises (held-out folds). */
  threshold?: { minConfidence: number; precision: number; promise?: ThresholdPromise };
  /** Workspace files saved since the model's corpus was read: the LSTM has not seen them. */
  savedSince?: number;
}

/** "n-gram + cache + LSTM (step 1,200)" from what a checkpoint holds. */
export function servingText(m: Pick<ModelMetaLike, 'stage' | 'mixer' | 'step'>): string {
  const lstm = m.stage !== 'ngram';
  const experts = m.mixer ? m.mixer.experts.filter((e) => e !== 'lstm' || lstm) : lstm ? ['cache', 'lstm'] : [];
  const names = experts.map((e) => (e === 'ngram' ? 'n-gram' : e === 'lstm' ? 'LSTM' : e));
  return `${names.join(' + ') || 'LSTM'}${lstm ? ` (step ${m.step.toLocaleString('en-US')})` : ''}`;
}

export function modelInfo(meta: ModelMetaLike): ModelInfo {
  const vocabSize = meta.vocab?.chars?.length ?? 0;
  return {
    lstmSize: meta.config.lstmSize,
    numLayers: meta.config.numLayers,
    vocabSize,
    parameters: parameterCount(vocabSize, meta.config.lstmSize, meta.config.numLayers),
    step: meta.step,
    epoch: meta.epoch,
    bestValLoss: meta.bestValLoss,
    backend: meta.backend,
    updatedAt: meta.updatedAt,
    corpusFiles: meta.corpus?.files ?? 0,
    corpusBytes: meta.corpus?.bytes ?? 0,
    serving: servingText(meta),
    ...(meta.mixer?.bitsPerChar ? { expertBpc: meta.mixer.bitsPerChar } : {}),
    ...(meta.calibration ? { threshold: { minConfidence: meta.calibration.minConfidence, precision: meta.calibration.precision, ...promiseOf(meta.calibration.check) } } : {}),
  };
}
