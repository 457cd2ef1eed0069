/**
 * Context keys for the manifest's `when` clauses (command palette, menus, walkthrough):
 * charrnn.training, charrnn.trainingPaused (by the user), charrnn.hasModel, charrnn.snoozed.
 */
import * as vscode from 'vscode';
import type { TrainingClient } from './trainingClient';
import type { Snooze } from './snooze';

export interface ContextSources {
  training: Pick<TrainingClient, 'running' | 'pausedByUser' | 'onDidChangeRunning' | 'onDidChangePaused' | 'onEvent'>;
  hasModel: () => boolean;
  snooze: Pick<Snooze, 'active' | 'onDidChange'>;
}

/** Follows the sources; call `refresh()` after a change they do not announce (model deleted). */
export function followContextKeys(src: ContextSources): vscode.Disposable & { refresh(): void } {
  const last = new Map<string, boolean>();
  const set = (key: string, value: boolean) => {
    if (last.get(key) === value) return;
    last.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  };
  const refresh = () => {
    set('charrnn.training', src.training.running);
    set('charrnn.trainingPaused', src.training.pausedByUser);
    set('charrnn.hasModel', src.hasModel());
    set('charrnn.snoozed', src.snooze.active);
  };
  refresh();
  const subs = vscode.Disposable.from(
    src.training.onDidChangeRunning(refresh),
    src.training.onDidChangePaused(refresh),
    src.training.onEvent((e) => {
      if (e.type === 'checkpoint') refresh();
    }),
    src.snooze.onDidChange(refresh),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('charrnn.modelPath')) refresh();
    }),
  );
  return { refresh, dispose: () => subs.dispose() };
}
