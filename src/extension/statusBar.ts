/**
 * One status bar item that says where the model stands: no model, training n% (or paused, by
 * the user or while they type; click: panel), ready, manual, off for this language, snoozed or off
 * (click: menu), error (click: log); the words are statusModel.ts's. Its tooltip
 * ends with the last completion decision (what was shown, or why nothing was).
 */
import * as vscode from 'vscode';
import type { TrainingClient } from './trainingClient';
import type { Snooze } from './snooze';
import { readCompletionConfig } from './settings';
import { idleStatus, statusLook, type ModelStatus } from './statusModel';
import { runPercent } from '../core/views/runProgress';

export type { ModelStatus };

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
    const look = statusLook(status);
    this.item.text = look.text;
    this.tooltip = look.tooltip;
    this.item.command = look.command;
    this.item.backgroundColor = look.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.tooltip = this.tooltipText;
  }

  /** What the item shows now, and the command a click runs (tests). */
  get text(): string {
    return this.item.text;
  }

  get command(): string | undefined {
    return typeof this.item.command === 'string' ? this.item.command : this.item.command?.command;
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
  training: Pick<TrainingClient, 'running' | 'paused' | 'pausedByUser' | 'onEvent' | 'onDidChangeRunning' | 'onDidChangePaused'>,
  hasModel: () => boolean,
  snooze?: Pick<Snooze, 'endsAt' | 'onDidChange'>,
  hasBase: () => boolean = () => false,
): vscode.Disposable & { refresh(): void } {
  let last: { percent?: number; loss?: number } = {};
  const held = (): 'user' | 'typing' | undefined => (training.pausedByUser ? 'user' : training.paused ? 'typing' : undefined);
  const refresh = () => {
    if (training.running) return;
    const c = readCompletionConfig().value;
    status.set(idleStatus({
      hasModel: hasModel(),
      hasBase: hasBase(),
      enabled: c.enabled,
      snoozedUntil: snooze?.endsAt,
      languageId: vscode.window.activeTextEditor?.document.languageId,
      disabledLanguages: c.disabledLanguages,
      trigger: c.trigger,
    }));
  };
  refresh();
  const subs = vscode.Disposable.from(
    training.onEvent((e) => {
      if (e.type === 'progress') {
        // Against what ends the run (its time limit or its epochs); never backwards within a run.
        const p = runPercent(e);
        last = { percent: p === undefined ? last.percent : Math.max(p, last.percent ?? 0), loss: e.loss };
        status.set({ kind: 'training', ...last, held: held() });
      } else if (e.type === 'error') {
        status.set({ kind: 'error', message: e.message });
      }
    }),
    training.onDidChangeRunning((running) => {
      last = {};
      if (running) status.set({ kind: 'training' });
      else if (status.status.kind !== 'error') refresh();
    }),
    // A pause the user asked for, and the trainer holding the run while the user types.
    training.onDidChangePaused(() => {
      if (training.running) status.set({ kind: 'training', ...last, held: held() });
    }),
    ...(snooze ? [snooze.onDidChange(() => refresh())] : []),
    vscode.window.onDidChangeActiveTextEditor(() => refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('charrnn.completion') || e.affectsConfiguration('charrnn.modelPath')) refresh();
    }),
  );
  return { refresh, dispose: () => subs.dispose() };
}
