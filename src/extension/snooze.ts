/**
 * Snoozing completions for a while ("CharRNN: Snooze completions"): until a time, kept in the
 * workspace state so that a window reload does not bring the ghost text back early. Ends by
 * itself (onDidChange fires) or with "CharRNN: Resume completions".
 */
import * as vscode from 'vscode';

const KEY = 'charrnn.snoozedUntil';
/** setTimeout's limit (about 24.8 days); longer snoozes are re-armed when the timer fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Snooze implements vscode.Disposable {
  private until: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly emitter = new vscode.EventEmitter<boolean>();
  /** Fires true when a snooze starts, false when it ends (by itself or cancelled). */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly memento: vscode.Memento) {
    const saved = memento.get<number>(KEY);
    if (typeof saved === 'number' && saved > Date.now()) {
      this.until = saved;
      this.arm();
    }
  }

  get active(): boolean {
    return this.until !== undefined && this.until > Date.now();
  }

  /** When the snooze ends (ms since the epoch), if one is on. */
  get endsAt(): number | undefined {
    return this.active ? this.until : undefined;
  }

  snooze(minutes: number): void {
    this.until = Date.now() + Math.max(0, minutes) * 60_000;
    void this.memento.update(KEY, this.until);
    this.arm();
    this.emitter.fire(true);
  }

  cancel(): void {
    if (this.until === undefined) return;
    this.clear();
    this.emitter.fire(false);
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    const left = (this.until ?? 0) - Date.now();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.active) this.arm();
      else this.cancel();
    }, Math.min(Math.max(0, left), MAX_TIMER_MS));
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.until = undefined;
    void this.memento.update(KEY, undefined);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.emitter.dispose();
  }
}
