/**
 * Long computations written as generators that `yield` now and then (between model steps, fit
 * iterations, positions), so one piece of code can run either to the end at once (`runSteps`:
 * the CLI, the benchmark, tests) or in slices that let the event loop in (`runStepsInSlices`:
 * the trainer, whose Stop arrives as an IPC message that a synchronous fit would keep waiting).
 */

/** A computation that yields between its steps and returns a T. */
export type Steps<T> = Generator<void, T, void>;

/** Runs `steps` to the end, synchronously. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export interface SliceOptions {
  /** Milliseconds of work between two turns of the event loop (default 50). */
  sliceMs?: number;
  /** Asked after each turn of the event loop: true abandons the computation. */
  shouldStop?: () => boolean;
  now?: () => number;
}

/**
 * Runs `steps` in slices of about `sliceMs`, letting the event loop run between them (timers,
 * IPC messages). Returns the result, or undefined when `shouldStop` said so (the generator is
 * closed: its `finally` blocks run).
 */
export async function runStepsInSlices<T>(steps: Steps<T>, o: SliceOptions = {}): Promise<T | undefined> {
  const now = o.now ?? Date.now;
  const slice = o.sliceMs ?? 50;
  let until = now() + slice;
  try {
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      if (now() < until) continue;
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (o.shouldStop?.()) return undefined;
      until = now() + slice;
    }
  } finally {
    steps.return(undefined as never);
  }
}
