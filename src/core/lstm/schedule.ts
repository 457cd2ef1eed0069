/**
 * The learning-rate schedule (issue 10): a linear warm-up over the first `warmupSteps` steps to
 * the peak (the learningRate setting), held there, then in the last `decayShare` of the run a
 * linear decay that reaches zero where the run ends ("warmup-stable-decay"): at its time limit
 * (the run knows its deadline) or after its last epoch, whichever comes first.
 * The LSTM learns fastest early with a high rate and settles best with a falling one; decaying to
 * zero exactly at the deadline makes the weights at the time limit the best of the run.
 *
 * Positions are cumulative over the model's life (steps, and seconds of LSTM training with pauses
 * excluded, as the checkpoint's history counts them), so a resumed run continues the schedule it
 * was on (saved in the checkpoint) until that schedule's end; a run resumed after its schedule
 * ended starts a new one (warm-up again, decay to the new run's end).
 */

export type ScheduleKind = 'constant' | 'decay';

export interface LrSchedule {
  kind: ScheduleKind;
  /** The peak learning rate (the learningRate setting). */
  peak: number;
  warmupSteps: number;
  /** The share of the schedule (0..1] over which the rate falls to zero; absent: 1 (from the start). */
  decayShare?: number;
  /** Where the schedule started: cumulative step and training seconds. */
  startStep: number;
  startSec: number;
  /** Where the rate reaches zero (decay only): cumulative seconds and/or step; null when unbounded. */
  endSec: number | null;
  endStep: number | null;
}

/** Default warm-up: long enough for Adam's moment estimates to settle at a higher peak. */
export const DEFAULT_WARMUP_STEPS = 50;
/** Default share of the run spent decaying (BENCHMARKS.md, issue 10). */
export const DEFAULT_DECAY_SHARE = 0.3;

/** How far the schedule has gone, 0..1 (the larger of its time and step fractions; 0 when unbounded). */
export function scheduleProgress(s: LrSchedule, step: number, sec: number): number {
  let p = 0;
  if (s.endSec !== null && s.endSec > s.startSec) p = Math.max(p, (sec - s.startSec) / (s.endSec - s.startSec));
  if (s.endStep !== null && s.endStep > s.startStep) p = Math.max(p, (step - s.startStep) / (s.endStep - s.startStep));
  if ((s.endSec !== null && s.endSec <= s.startSec) || (s.endStep !== null && s.endStep <= s.startStep)) p = 1;
  return Math.min(1, Math.max(0, p));
}

/** The learning rate for the step about to run (`step` steps and `sec` seconds done, cumulative). */
export function learningRateAt(s: LrSchedule, step: number, sec: number): number {
  if (s.kind === 'constant') return s.peak;
  const k = step - s.startStep;
  const warm = s.warmupSteps > 0 ? Math.min(1, Math.max(0, (k + 1) / s.warmupSteps)) : 1;
  const d = Math.min(1, Math.max(1e-9, s.decayShare ?? 1));
  const left = 1 - scheduleProgress(s, step, sec);
  return s.peak * warm * Math.min(1, left / d);
}

/**
 * A saved schedule is continued only when at least this share of the new run's time budget is
 * left of it; with less, the run gets a schedule of its own over its whole budget.
 */
export const MIN_CONTINUED_SHARE = 0.25;

export interface SchedulePlan {
  schedule: LrSchedule;
  /** True when a saved, unfinished schedule is continued. */
  continued: boolean;
  /** Seconds of training this run may use to finish a continued schedule (undefined: its own limit). */
  runSec?: number;
}

/**
 * The schedule of a run starting at cumulative (`step`, `sec`), that may train `runSec` seconds
 * (Infinity: no time limit) and `runSteps` steps (0: no step limit). A saved unfinished schedule
 * of the same kind and peak is continued (the run then trains until that schedule's end) when at
 * least MIN_CONTINUED_SHARE of the run's time budget is left of it.
 */
export function planSchedule(o: {
  kind: ScheduleKind;
  peak: number;
  warmupSteps: number;
  decayShare?: number;
  step: number;
  sec: number;
  runSec: number;
  runSteps: number;
  saved?: LrSchedule;
}): SchedulePlan {
  const s = o.saved;
  if (s && s.kind === o.kind && s.peak === o.peak && o.kind === 'decay' && scheduleProgress(s, o.step, o.sec) < 1) {
    const left = s.endSec !== null ? Math.max(0, s.endSec - o.sec) : undefined;
    // Only a fair part of the old schedule is worth finishing: with a few seconds left of it,
    // "Continue" would train those seconds and stop (issue 22); the new run's budget starts a new one.
    const worthIt = left === undefined || !Number.isFinite(o.runSec) || left >= MIN_CONTINUED_SHARE * o.runSec;
    if (worthIt) return { schedule: { ...s }, continued: true, runSec: left };
  }
  return {
    schedule: {
      kind: o.kind,
      peak: o.peak,
      warmupSteps: Math.max(0, Math.floor(o.warmupSteps)),
      decayShare: o.decayShare ?? DEFAULT_DECAY_SHARE,
      startStep: o.step,
      startSec: o.sec,
      endSec: Number.isFinite(o.runSec) ? o.sec + o.runSec : null,
      endStep: o.runSteps > 0 ? o.step + o.runSteps : null,
    },
    continued: false,
  };
}
