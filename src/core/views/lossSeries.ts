/**
 * The loss chart's data: the saved history (meta.json) and a run's progress events as aligned
 * columns, one index per training step, and the latest event of each kind for the progress view.
 * Pure: built by the panel host for a new panel, extended by the webview as events arrive.
 */
import type { CheckpointEvent, CorpusEvent, OriginEvent, DoneEvent, ErrorEvent, ProgressEvent, ReadyEvent, SampleEvent } from '../contracts/trainEvents';

/** The chart's x axis. */
export type XAxis = 'step' | 'chars';

/** A point of the saved history (HistoryPoint of src/core/store/checkpoint.ts) or a progress event. */
export interface HistoryPointLike {
  step: number;
  charsSeen: number;
  /** Bits per character. */
  loss: number;
  /** Bits per character, on validation steps. */
  valLoss?: number;
  /** The mixture's held-out bits per character, where it was fitted. */
  mixLoss?: number;
}

/**
 * Column-oriented loss series, aligned: index i is one training step. `valLoss[i]` is null except
 * on validation steps; a loss that is not finite (a diverged run) is null (a gap in the chart).
 * Arrays only grow at the end (amortised O(1) per point) except when a new run rewinds the steps.
 */
export interface LossSeries {
  step: number[];
  chars: number[];
  loss: (number | null)[];
  valLoss: (number | null)[];
  mixLoss: (number | null)[];
}

export function emptySeries(): LossSeries {
  return { step: [], chars: [], loss: [], valLoss: [], mixLoss: [] };
}

const orNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** First index whose step is >= `step` (binary search; steps are increasing). */
function lowerBound(steps: readonly number[], step: number): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid] < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export type AppendResult = 'appended' | 'merged' | 'rewound' | 'ignored';

/**
 * Adds one point. A point at the last step is merged into it (a validation result arriving for a
 * step already reported). A point at an earlier step means a new run (fresh: step 1; continued
 * from the best checkpoint: that checkpoint's step): the series is cut back to the steps before it
 * and the point appended, so the chart never shows two runs folded onto each other.
 */
export function appendPoint(s: LossSeries, p: HistoryPointLike): AppendResult {
  if (typeof p.step !== 'number' || !Number.isFinite(p.step)) return 'ignored';
  const n = s.step.length;
  const loss = orNull(p.loss);
  const val = orNull(p.valLoss);
  const mix = orNull(p.mixLoss);
  const chars = typeof p.charsSeen === 'number' && Number.isFinite(p.charsSeen) ? p.charsSeen : n ? s.chars[n - 1] : 0;
  let result: AppendResult = 'appended';
  if (n > 0 && p.step <= s.step[n - 1]) {
    if (p.step === s.step[n - 1]) {
      if (loss !== null) s.loss[n - 1] = loss;
      if (val !== null) s.valLoss[n - 1] = val;
      if (mix !== null) s.mixLoss[n - 1] = mix;
      s.chars[n - 1] = chars;
      return 'merged';
    }
    const cut = lowerBound(s.step, p.step);
    s.step.length = cut;
    s.chars.length = cut;
    s.loss.length = cut;
    s.valLoss.length = cut;
    s.mixLoss.length = cut;
    result = 'rewound';
  }
  s.step.push(p.step);
  s.chars.push(chars);
  s.loss.push(loss);
  s.valLoss.push(val);
  s.mixLoss.push(mix);
  return result;
}

/** The saved history (meta.json) as a series. Tolerates unsorted or malformed entries. */
export function historyToSeries(history: readonly HistoryPointLike[] | undefined): LossSeries {
  const s = emptySeries();
  if (!Array.isArray(history)) return s;
  let sorted = true;
  for (let i = 1; i < history.length; i++) {
    if (!(history[i].step >= history[i - 1].step)) {
      sorted = false;
      break;
    }
  }
  const points = sorted ? history : [...history].filter((p) => p && Number.isFinite(p.step)).sort((a, b) => a.step - b.step);
  for (const p of points) {
    if (p && typeof p === 'object') appendPoint(s, p);
  }
  return s;
}

/** The events a run snapshot keeps in order (the chart and the samples need all of them). */
export type RunStreamEvent = ProgressEvent | SampleEvent | CheckpointEvent;

/** What is known about the current (or last) run; TrainingClient's snapshot fits it. */
export interface RunSnapshot {
  running: boolean;
  ready?: ReadyEvent;
  corpus?: CorpusEvent;
  origin?: OriginEvent;
  progress?: ProgressEvent;
  /** Set when the run is a continuation of the saved model, false for a fresh run. */
  resume?: boolean;
  done?: DoneEvent;
  error?: ErrorEvent;
  /** The run's stream of progress, sample and checkpoint events, oldest first (the latest of the
   *  other kinds are the fields above). */
  events: readonly RunStreamEvent[];
}

/**
 * The chart's series for a freshly opened panel: the saved history, then the events of the
 * current (or last) run, which cut the history back where they start (see appendPoint). For a
 * run known to be fresh (`resume === false`) while it runs, the old model's history is left out.
 */
export function buildSeries(history: readonly HistoryPointLike[] | undefined, snapshot: RunSnapshot | undefined): LossSeries {
  const fresh = snapshot !== undefined && snapshot.running && snapshot.resume === false;
  const s = fresh ? emptySeries() : historyToSeries(history);
  for (const e of snapshot?.events ?? []) {
    if (e.type === 'progress') appendPoint(s, e);
  }
  return s;
}

/** The uPlot data for one x axis: [x, train loss, validation loss, mixture (held out)]. */
export function chartColumns(s: LossSeries, axis: XAxis): [number[], (number | null)[], (number | null)[], (number | null)[]] {
  return [axis === 'chars' ? s.chars : s.step, s.loss, s.valLoss, s.mixLoss];
}

/** Latest events of each kind found in a snapshot (for the progress and sample views). */
export interface LatestEvents {
  ready?: ReadyEvent;
  corpus?: CorpusEvent;
  origin?: OriginEvent;
  progress?: ProgressEvent;
  sample?: SampleEvent;
  done?: DoneEvent;
  error?: ErrorEvent;
}

export function latestEvents(snapshot: RunSnapshot | undefined): LatestEvents {
  if (!snapshot) return {};
  let sample: SampleEvent | undefined;
  for (let i = snapshot.events.length - 1; i >= 0 && !sample; i--) {
    const e = snapshot.events[i];
    if (e.type === 'sample') sample = e;
  }
  const { ready, corpus, origin, progress, done, error } = snapshot;
  // A run that is going has not ended, whatever the previous run's end said.
  const ended = snapshot.running ? {} : { done, error };
  return Object.fromEntries(Object.entries({ ready, corpus, origin, progress, sample, ...ended }).filter(([, v]) => v !== undefined)) as LatestEvents;
}
