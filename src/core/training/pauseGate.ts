/**
 * Pausing a training run between steps. The run awaits `wait()` before each step: it returns at
 * once while the gate is open, and otherwise when `resume()` is called or the run's AbortSignal
 * fires (a paused run can still be stopped). No `vscode`: used by the trainer process.
 */
export class PauseGate {
  private paused = false;
  private waiters: (() => void)[] = [];
  private heldWatchers: (() => void)[] = [];

  /** `now`: the clock the waited time is measured on (the run's own, in tests). */
  constructor(private readonly now: () => number = Date.now) {}

  get isPaused(): boolean {
    return this.paused;
  }

  /** Closes the gate; returns false when it was already closed. */
  pause(): boolean {
    if (this.paused) return false;
    this.paused = true;
    return true;
  }

  /** Opens the gate and releases the waiting run; returns false when it was already open. */
  resume(): boolean {
    if (!this.paused) return false;
    this.paused = false;
    const waiters = this.waiters.splice(0);
    for (const w of waiters) w();
    return true;
  }

  /**
   * Resolves once a run waits at the closed gate (at once if one does now): a test acts on a run
   * that is surely held instead of sleeping and hoping.
   */
  whenHeld(): Promise<void> {
    if (this.waiters.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.heldWatchers.push(resolve));
  }

  /** Resolves with the milliseconds spent waiting (0 when the gate was open). */
  async wait(signal?: AbortSignal): Promise<number> {
    if (!this.paused || signal?.aborted) return 0;
    const t0 = this.now();
    await new Promise<void>((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve();
      };
      this.waiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
      for (const w of this.heldWatchers.splice(0)) w();
    });
    return this.now() - t0;
  }
}
