/**
 * The status bar item's menu (`charrnn.menu`): one quick pick that offers the other commands as
 * they apply now (completions on / off, snooze, language, explain; panel, pause / resume or
 * continue / fresh training; model files; log). It runs the picked command and owns none.
 */
import * as vscode from 'vscode';
import { readCompletionConfig } from './settings';

/** What the menu needs to know to offer the right entries. */
export interface MenuState {
  training(): boolean;
  pausedByUser(): boolean;
  snoozed(): boolean;
}

export function registerStatusMenu(state?: MenuState): vscode.Disposable {
  return vscode.commands.registerCommand('charrnn.menu', async () => {
    const enabled = readCompletionConfig().value.enabled;
    const lang = vscode.window.activeTextEditor?.document.languageId;
    const langOff = lang !== undefined && readCompletionConfig().value.disabledLanguages.includes(lang);
    const training = state?.training() ?? false;
    type Item = vscode.QuickPickItem & { command: string; args?: unknown };
    const sep = (label: string): Item => ({ label, kind: vscode.QuickPickItemKind.Separator, command: '' });
    const items: Item[] = [
      sep('Completions'),
      { label: enabled ? '$(circle-slash) Turn inline completions off' : '$(sparkle) Turn inline completions on', command: 'charrnn.toggleCompletions' },
      state?.snoozed()
        ? { label: '$(bell) Resume completions now', command: 'charrnn.unsnooze' }
        : { label: '$(bell-slash) Snooze completions…', command: 'charrnn.snooze' },
      ...(lang ? [{ label: langOff ? `$(check) Turn completions on for ${lang}` : `$(circle-slash) Turn completions off for ${lang}`, command: 'charrnn.toggleLanguage' }] : []),
      { label: '$(question) Explain last completion', command: 'charrnn.explain' },
      sep('Training'),
      { label: '$(graph-line) Show training panel', command: 'charrnn.showPanel' },
      ...(training
        ? [state?.pausedByUser()
          ? { label: '$(debug-continue) Resume training', command: 'charrnn.resumeTraining' }
          : { label: '$(debug-pause) Pause training', command: 'charrnn.pauseTraining' },
        { label: '$(debug-stop) Stop training', command: 'charrnn.stop' }]
        : [{ label: '$(debug-continue) Continue training', command: 'charrnn.train', args: { mode: 'continue' } },
          { label: '$(refresh) Train a fresh model', command: 'charrnn.train', args: { mode: 'fresh' } }]),
      sep('Model'),
      { label: '$(folder-opened) Reveal the model', command: 'charrnn.revealModel' },
      { label: '$(export) Export the model…', command: 'charrnn.exportModel' },
      { label: '$(trash) Delete the model…', command: 'charrnn.deleteModel' },
      { label: '$(output) Show log', command: 'charrnn.showLog' },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: 'CharRNN' });
    if (pick) await vscode.commands.executeCommand(pick.command, pick.args);
  });
}
