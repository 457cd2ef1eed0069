/**
 * Chooses the trainer's wasm thread count from measured step times (issue 10). The load average
 * lags by a minute, so a machine that was busy a moment ago looks busy now (and the reverse):
 * instead, the trainer runs a few real training steps with each thread count, keeps the faster,
 * and re-checks now and then. Pure logic: the trainer feeds it step times and asks which thread
 * count the next step should run with; switching (re-initialising the backend) is the caller's.
 *
 * A trial of a thread count: `warmup` steps not timed (the first steps after a switch build the
 * kernels' caches), then `trialSteps` timed; their median is the count's step time. The count in
 * use is timed from its recent steps (the last `trialSteps`). A re-check tries the other counts
 * and keeps one only if it is faster by more than `margin` (a switch costs a re-initialisation).
 */

export interface ThreadChoiceOptions {
  /** Thread counts to choose from, e.g. [1, 2]. */
  candidates: number[];
  /** The count in use at the start. */
  initial: number;
  warmup?: number;
  trialSteps?: number;
  /** Re-check after this many milliseconds of training since the last choice. */
  recheckMs?: number;
  /** A challenger must be faster by more than this share to replace the count in use. */
  margin?: number;
}

export interface ThreadDecision {
  threads: number;
  /** Median ms per step of each count measured in the last trial. */
  msPerStep: Record<number, number>;
  /** Why the choice was made (for the trainer's log). */
  reason: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The faster of the measured counts; the one in use unless another beats it by more than `margin`. */
export function pickThreads(current: number, msPerStep: Record<number, number>, margin: number): number {
  const cur = msPerStep[current];
  let best = current;
  let bestMs = cur ?? Infinity;
  for (const [k, ms] of Object.entries(msPerStep)) {
    const n = Number(k);
    if (n === current || !Number.isFinite(ms)) continue;
    if (ms < bestMs && (cur === undefined || ms < cur * (1 - margin))) {
      best = n;
      bestMs = ms;
    }
  }
  return best;
}

export class ThreadChooser {
  private readonly candidates: number[];
  private readonly warmup: number;
  private readonly trialSteps: number;
  private readonly recheckMs: number;
  private readonly margin: number;
  /** The count chosen (the one used outside trials). */
  private chosen: number;
  /** Recent step times of the chosen count. */
  private recent: number[] = [];
  /** Counts still to try in the current trial, the one being tried first. */
  private queue: number[] = [];
  private trialTimes: number[] = [];
  private skipped = 0;
  private measured: Record<number, number> = {};
  private sinceChoiceMs = 0;
  /** Set when a trial ends; read (and cleared) by takeDecision(). */
  private decision: ThreadDecision | undefined;

  constructor(o: ThreadChoiceOptions) {
    this.candidates = [...new Set(o.candidates)].filter((n) => Number.isInteger(n) && n >= 1);
    this.chosen = o.initial;
    this.warmup = o.warmup ?? 1;
    this.trialSteps = Math.max(1, o.trialSteps ?? 3);
    this.recheckMs = o.recheckMs ?? 180_000;
    this.margin = o.margin ?? 0.05;
    // The first check: right after the count in use has been timed.
    this.sinceChoiceMs = this.recheckMs;
  }

  /** The thread count the next step should run with. */
  next(): number {
    return this.queue.length ? this.queue[0] : this.chosen;
  }

  /** Records the duration of a step that ran with `threads` threads. */
  record(threads: number, ms: number): void {
    if (this.queue.length) {
      if (threads !== this.queue[0]) return;
      if (this.skipped < this.warmup) {
        this.skipped++;
        return;
      }
      this.trialTimes.push(ms);
      if (this.trialTimes.length < this.trialSteps) return;
      this.measured[threads] = median(this.trialTimes);
      this.queue.shift();
      this.trialTimes = [];
      this.skipped = 0;
      if (!this.queue.length) this.finishTrial();
      return;
    }
    if (threads !== this.chosen) return;
    this.recent.push(ms);
    if (this.recent.length > this.trialSteps) this.recent.shift();
    this.sinceChoiceMs += ms;
    if (this.sinceChoiceMs >= this.recheckMs && this.recent.length >= this.trialSteps && this.candidates.length > 1) {
      this.measured = { [this.chosen]: median(this.recent) };
      this.queue = this.candidates.filter((n) => n !== this.chosen);
      this.skipped = 0;
      this.trialTimes = [];
    }
  }

  /** The decision of the trial that just ended, once (undefined otherwise). */
  takeDecision(): ThreadDecision | undefined {
    const d = this.decision;
    this.decision = undefined;
    return d;
  }

  private finishTrial(): void {
    const before = this.chosen;
    this.chosen = pickThreads(before, this.measured, this.margin);
    const parts = Object.entries(this.measured).map(([n, ms]) => `${n} thread${n === '1' ? '' : 's'} ${ms.toFixed(0)} ms/step`);
    this.decision = {
      threads: this.chosen,
      msPerStep: { ...this.measured },
      reason: `${parts.join(', ')}: ${this.chosen === before ? 'keeping' : 'switching to'} ${this.chosen}`,
    };
    if (this.chosen !== before) this.recent = [];
    this.sinceChoiceMs = 0;
  }
}
