/**
 * Noticing a training run that the window took down with it. A run leaves a small marker file in
 * the workspace's storage while it goes (written when it starts, removed when it ends: done,
 * stopped, or failed with an error the user was shown). When the window reloads or closes, the
 * extension host stops the trainer (it saves its best checkpoint) but no end reaches this window:
 * the marker stays, and the next activation tells the user and offers to continue
 * (interruptedNotice). No `vscode` import: unit-tested in plain Node.
 */
import * as fs from 'fs';
import * as path from 'path';

export const RUN_MARKER_FILE = 'training-run.json';

export interface RunMarker {
  /** When the run started (ISO time). */
  startedAt: string;
  /** Whether it continued the saved model. */
  resume: boolean;
  /** The trainer's process id (it may still be saving when the next window starts). */
  pid?: number;
}

/** Something that is disposed. */
interface Disposable {
  dispose(): unknown;
}

/** What the marker follows: TrainingClient. */
export interface RunSource {
  readonly pid: number | undefined;
  snapshot(): { resume?: boolean };
  onDidChangeRunning(listener: (running: boolean) => unknown): Disposable;
}

export class RunMarkerFile implements Disposable {
  private readonly sub: Disposable | undefined;

  /** `file`: the marker's path (in the workspace storage); `source`: the runs to follow. */
  constructor(readonly file: string, source?: RunSource, private readonly now: () => Date = () => new Date()) {
    // Only the ends this window sees remove it: when the extension host goes away the
    // subscription is disposed first, and the marker stays for the next window.
    this.sub = source?.onDidChangeRunning((running) => {
      if (running) this.write({ startedAt: this.now().toISOString(), resume: source.snapshot().resume === true, pid: source.pid });
      else this.clear();
    });
  }

  read(): RunMarker | undefined {
    try {
      const m = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<RunMarker>;
      return typeof m.startedAt === 'string' ? { startedAt: m.startedAt, resume: m.resume === true, ...(typeof m.pid === 'number' ? { pid: m.pid } : {}) } : undefined;
    } catch {
      return undefined;
    }
  }

  write(m: RunMarker): void {
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.writeFileSync(this.file, JSON.stringify(m) + '\n');
    } catch {
      // No storage to write to: an interrupted run goes unnoticed, nothing worse.
    }
  }

  clear(): void {
    fs.rmSync(this.file, { force: true });
  }

  dispose(): void {
    this.sub?.dispose();
  }
}

export const CONTINUE = 'Continue training';
export const TRAIN_AGAIN = 'Train again';
export const TRAIN_FRESH = 'Train a fresh model';
export const SHOW_PANEL = 'Show training panel';

/**
 * What to tell the user about an interrupted run, and what to offer: Continue when the saved
 * model can be continued with the settings as they are, a fresh run when the shape changed, a
 * new run when it ended before its first checkpoint.
 */
export function interruptedNotice(
  m: RunMarker,
  model: { exists: boolean; step?: number; continueProblem?: string },
  clock: (d: Date) => string = (d) => d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }),
): { message: string; actions: string[] } {
  const started = Number.isFinite(Date.parse(m.startedAt)) ? ` started at ${clock(new Date(m.startedAt))}` : '';
  const what = `CharRNN: the training run${started} was interrupted (the window was reloaded or closed).`;
  if (!model.exists) {
    return { message: `${what} It ended before its first checkpoint: nothing was saved.`, actions: [TRAIN_AGAIN] };
  }
  const saved = ` Its best checkpoint so far is saved${model.step ? ` (step ${model.step})` : ''} and serves completions.`;
  if (model.continueProblem) {
    return { message: `${what}${saved} It cannot be continued: ${model.continueProblem}.`, actions: [TRAIN_FRESH, SHOW_PANEL] };
  }
  return { message: `${what}${saved}`, actions: [CONTINUE, SHOW_PANEL] };
}
