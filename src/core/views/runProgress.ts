/**
 * How far a training run is, against what will actually end it: its time limit or its epochs,
 * whichever comes first (the trainer's `etaSec` is already the sooner of the two), so that a
 * time-limited run reaches 100% when it ends instead of "done at 14%" of an epoch plan it never
 * meant to finish. Pure (no Node): the status bar, the progress notification and the panel's bar
 * all read it, so they show the same number.
 */
import type { ProgressEvent } from '../contracts/trainEvents';

/**
 * Percent of the run done (0 to 100), or undefined when nothing says how long the run will be.
 * `elapsedSec` and `etaSec` are both the run's training clock (pauses excluded), so the share is
 * the share of the training time; with no ETA, the steps against the epoch plan.
 */
export function runPercent(e: Pick<ProgressEvent, 'step' | 'totalSteps' | 'elapsedSec' | 'etaSec'>): number | undefined {
  if (Number.isFinite(e.etaSec) && e.etaSec >= 0 && Number.isFinite(e.elapsedSec) && e.elapsedSec >= 0) {
    const total = e.elapsedSec + e.etaSec;
    if (total > 0) return clamp((100 * e.elapsedSec) / total);
    return e.step > 0 ? 100 : 0;
  }
  if (e.totalSteps > 0 && Number.isFinite(e.step)) return clamp((100 * e.step) / e.totalSteps);
  return undefined;
}

/** The whole percent shown (floored: a run is never "100%" before it ends). */
export function shownPercent(e: Pick<ProgressEvent, 'step' | 'totalSteps' | 'elapsedSec' | 'etaSec'>): number | undefined {
  const p = runPercent(e);
  return p === undefined ? undefined : Math.floor(p);
}

function clamp(p: number): number {
  return Math.max(0, Math.min(100, p));
}
