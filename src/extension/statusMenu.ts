/**
 * The status bar item's menu (`charrnn.menu`): one quick pick that offers the other commands as
 * they apply now (statusModel.ts's menuEntries: train when there is no model; completions on /
 * off, snooze, language, explain; panel, pause / resume, or continue (only when the saved model's
 * shape is the one the settings ask for) / fresh training; model files; log). It runs the picked
 * command and owns none.
 */
import * as vscode from 'vscode';
import { readCompletionConfig } from './settings';
import { menuEntries, type MenuEntry } from './statusModel';

/** What the menu needs to know to offer the right entries. */
export interface MenuState {
  training(): boolean;
  pausedByUser(): boolean;
  snoozed(): boolean;
  hasModel(): boolean;
  /** Why Continue cannot work now (see continueProblem), or undefined. */
  continueProblem(): string | undefined;
  /** The shape the settings ask for, e.g. "128x2". */
  wantedShape(): string;
}

/** The entries the menu shows now (the integration tests read them). */
export function currentMenuEntries(state: MenuState): MenuEntry[] {
  const c = readCompletionConfig().value;
  const lang = vscode.window.activeTextEditor?.document.languageId;
  const hasModel = state.hasModel();
  return menuEntries({
    hasModel,
    training: state.training(),
    pausedByUser: state.pausedByUser(),
    snoozed: state.snoozed(),
    enabled: c.enabled,
    languageId: lang,
    languageOff: lang !== undefined && c.disabledLanguages.includes(lang),
    continueProblem: hasModel ? state.continueProblem() : undefined,
    wantedShape: state.wantedShape(),
  });
}

export function registerStatusMenu(state: MenuState): vscode.Disposable {
  return vscode.commands.registerCommand('charrnn.menu', async () => {
    type Item = vscode.QuickPickItem & { entry: MenuEntry };
    const items: Item[] = currentMenuEntries(state).map((entry) => (entry.command
      ? { label: entry.label, detail: entry.detail, entry }
      : { label: entry.label, kind: vscode.QuickPickItemKind.Separator, entry }));
    const pick = await vscode.window.showQuickPick(items, { title: 'CharRNN' });
    if (pick?.entry.command) await vscode.commands.executeCommand(pick.entry.command, pick.entry.args);
  });
}
