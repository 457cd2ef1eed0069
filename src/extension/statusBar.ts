/**
 * One status bar item that says where the model stands: no model (click: train), training n%
 * (click: panel), ready or off (click: menu), error (click: log).
 */
import * as vscode from 'vscode';
import type { TrainingClient } from './trainingClient';
import { readCompletionConfig } from './settings';

export type ModelStatus =
  | { kind: 'no-model' }
  | { kind: 'training'; percent?: number; loss?: number }
  | { kind: 'ready' }
  | { kind: 'off' }
  | { kind: 'error'; message: string };

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('charrnn.status', vscode.StatusBarAlignment.Right, 100);
  private current: ModelStatus = { kind: 'no-model' };
  /** What answers completions, for the tooltip ("n-gram + cache + LSTM (step 1200)"). */
  private serving: string | undefined;

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
    this.set(this.current);
  }

  set(status: ModelStatus): void {
    this.current = status;
    const item = this.item;
    item.backgroundColor = undefined;
    switch (status.kind) {
      case 'no-model':
        item.text = '$(circle-slash) CharRNN: no model';
        item.tooltip = 'No trained model for this workspace. Click to train one.';
        item.command = 'charrnn.train';
        break;
      case 'training': {
        const pct = status.percent !== undefined ? ` ${Math.floor(status.percent)}%` : '';
        const loss = status.loss !== undefined && Number.isFinite(status.loss) ? ` loss ${status.loss.toFixed(2)}` : '';
        item.text = `$(sync~spin) CharRNN: training${pct}${loss}`;
        item.tooltip = 'Training the CharRNN on this workspace. Click to show the training panel.';
        item.command = 'charrnn.showPanel';
        break;
      }
      case 'ready':
        item.text = '$(sparkle) CharRNN';
        item.tooltip = 'CharRNN completions are on. Click for options.';
        item.command = 'charrnn.menu';
        break;
      case 'off':
        item.text = '$(circle-slash) CharRNN: off';
        item.tooltip = 'CharRNN completions are off. Click for options.';
        item.command = 'charrnn.menu';
        break;
      case 'error':
        item.text = '$(error) CharRNN: error';
        item.tooltip = `${status.message}\nClick to show the log.`;
        item.command = 'charrnn.showLog';
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
    }
    if (this.serving && status.kind !== 'no-model') item.tooltip = `${item.tooltip as string}\nCompletions from: ${this.serving}`;
  }

  dispose(): void {
    this.item.dispose();
  }
}

/**
 * Keeps the status bar in step with the trainer (progress, errors, end of a run) and with the
 * completions setting. `hasModel` says whether a checkpoint exists.
 */
export function followModelStatus(
  status: StatusBar,
  training: Pick<TrainingClient, 'running' | 'onEvent' | 'onDidChangeRunning'>,
  hasModel: () => boolean,
): vscode.Disposable {
  const refresh = () => {
    if (training.running) return;
    if (!hasModel()) status.set({ kind: 'no-model' });
    else status.set({ kind: readCompletionConfig().value.enabled ? 'ready' : 'off' });
  };
  refresh();
  return vscode.Disposable.from(
    training.onEvent((e) => {
      if (e.type === 'progress') {
        const percent = e.totalSteps > 0 ? (100 * e.step) / e.totalSteps : undefined;
        status.set({ kind: 'training', percent, loss: e.loss });
      } else if (e.type === 'error') {
        status.set({ kind: 'error', message: e.message });
      }
    }),
    training.onDidChangeRunning((running) => {
      if (running) status.set({ kind: 'training' });
      else if (status.status.kind !== 'error') refresh();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('charrnn.completion.enabled')) refresh();
    }),
  );
}
