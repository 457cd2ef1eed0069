/**
 * One status bar item that says where the model stands: no model (click: train), training n%
 * or paused (click: panel), ready, snoozed or off (click: menu), error (click: log). Its tooltip
 * ends with the last completion decision (what was shown, or why nothing was).
 */
import * as vscode from 'vscode';
import type { TrainingClient } from './trainingClient';
import type { Snooze } from './snooze';
import { readCompletionConfig } from './settings';

export type ModelStatus =
  | { kind: 'no-model' }
  | { kind: 'training'; percent?: number; loss?: number; paused?: boolean }
  | { kind: 'ready' }
  | { kind: 'snoozed'; until: number }
  | { kind: 'off' }
  | { kind: 'error'; message: string };

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('charrnn.status', vscode.StatusBarAlignment.Right, 100);
  private current: ModelStatus = { kind: 'no-model' };
  /** What answers completions, for the tooltip ("n-gram + cache + LSTM (step 1200)"). */
  private serving: string | undefined;
  private tooltip = '';
  private detail: string | undefined;

  constructor() {
    this.item.name = 'CharRNN';
    this.set({ kind: 'no-model' });
    this.item.show();
  }

  get status(): ModelStatus {
    return this.current;
  }

  get servingText(): string | undefined {
    return this.serving;
  }

  /** Says in the tooltip which model answers completions. */
  setServing(text: string | undefined): void {
    this.serving = text;
    this.item.tooltip = this.tooltipText;
  }

  /** The tooltip as shown (status, what serves, then the last decision). */
  get tooltipText(): string {
    const serving = this.serving && this.current.kind !== 'no-model' ? `\nCompletions from: ${this.serving}` : '';
    return `${this.tooltip}${serving}${this.detail ? `\n\nLast completion: ${this.detail}` : ''}`;
  }

  set(status: ModelStatus): void {
    this.current = status;
    const item = this.item;
    item.backgroundColor = undefined;
    switch (status.kind) {
      case 'no-model':
        item.text = '$(circle-slash) CharRNN: no model';
        this.tooltip = 'No trained model for this workspace. Click to train one.';
        item.command = 'charrnn.train';
        break;
      case 'training': {
        const pct = status.percent !== undefined ? ` ${Math.floor(status.percent)}%` : '';
        const loss = status.loss !== undefined && Number.isFinite(status.loss) ? ` loss ${status.loss.toFixed(2)}` : '';
        item.text = status.paused ? `$(debug-pause) CharRNN: paused${pct}` : `$(sync~spin) CharRNN: training${pct}${loss}`;
        this.tooltip = status.paused
          ? 'Training is paused ("CharRNN: Resume training" goes on). Click to show the training panel.'
          : 'Training the CharRNN on this workspace. Click to show the training panel.';
        item.command = 'charrnn.showPanel';
        break;
      }
      case 'ready':
        item.text = '$(sparkle) CharRNN';
        this.tooltip = 'CharRNN completions are on. Click for options.';
        item.command = 'charrnn.menu';
        break;
      case 'snoozed': {
        const until = new Date(status.until).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
        item.text = `$(bell-slash) CharRNN: snoozed`;
        this.tooltip = `CharRNN completions are snoozed until ${until}. Click for options.`;
        item.command = 'charrnn.menu';
        break;
      }
      case 'off':
        item.text = '$(circle-slash) CharRNN: off';
        this.tooltip = 'CharRNN completions are off. Click for options.';
        item.command = 'charrnn.menu';
        break;
      case 'error':
        item.text = '$(error) CharRNN: error';
        this.tooltip = `${status.message}\nClick to show the log.`;
        item.command = 'charrnn.showLog';
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
    }
    item.tooltip = this.tooltipText;
  }

  private flashed: vscode.Disposable | undefined;
  private flashedText: string | undefined;

  /** A message in the status bar for a few seconds (the last one replaces the one before). */
  flash(text: string, ms = 8000): void {
    this.flashed?.dispose();
    this.flashedText = text;
    this.flashed = vscode.window.setStatusBarMessage(text, ms);
  }

  /** The last message flashed (tests). */
  get lastFlash(): string | undefined {
    return this.flashedText;
  }

  /** The last completion decision, in words (appended to the tooltip). */
  setDetail(detail: string | undefined): void {
    if (detail === this.detail) return;
    this.detail = detail;
    this.item.tooltip = this.tooltipText;
  }

  dispose(): void {
    this.flashed?.dispose();
    this.item.dispose();
  }
}

/**
 * Keeps the status bar in step with the trainer (progress, errors, end of a run) and with the
 * completions setting. `hasModel` says whether a checkpoint exists.
 */
export function followModelStatus(
  status: StatusBar,
  training: Pick<TrainingClient, 'running' | 'pausedByUser' | 'onEvent' | 'onDidChangeRunning' | 'onDidChangePaused'>,
  hasModel: () => boolean,
  snooze?: Pick<Snooze, 'endsAt' | 'onDidChange'>,
): vscode.Disposable & { refresh(): void } {
  let last: { percent?: number; loss?: number } = {};
  const refresh = () => {
    if (training.running) return;
    const until = snooze?.endsAt;
    if (!hasModel()) status.set({ kind: 'no-model' });
    else if (!readCompletionConfig().value.enabled) status.set({ kind: 'off' });
    else if (until !== undefined) status.set({ kind: 'snoozed', until });
    else status.set({ kind: 'ready' });
  };
  refresh();
  const subs = vscode.Disposable.from(
    training.onEvent((e) => {
      if (e.type === 'progress') {
        const percent = e.totalSteps > 0 ? (100 * e.step) / e.totalSteps : undefined;
        last = { percent, loss: e.loss };
        status.set({ kind: 'training', ...last, paused: training.pausedByUser });
      } else if (e.type === 'error') {
        status.set({ kind: 'error', message: e.message });
      }
    }),
    training.onDidChangeRunning((running) => {
      last = {};
      if (running) status.set({ kind: 'training' });
      else if (status.status.kind !== 'error') refresh();
    }),
    // Only a pause the user asked for shows: the short pauses while typing would flicker.
    training.onDidChangePaused(() => {
      if (training.running) status.set({ kind: 'training', ...last, paused: training.pausedByUser });
    }),
    ...(snooze ? [snooze.onDidChange(() => refresh())] : []),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('charrnn.completion.enabled') || e.affectsConfiguration('charrnn.modelPath')) refresh();
    }),
  );
  return { refresh, dispose: () => subs.dispose() };
}
