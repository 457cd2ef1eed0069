/**
 * The small commands around the model: toggle inline completions, show the log, and the status
 * bar's menu (toggle, panel, continue or fresh training, log).
 */
import * as vscode from 'vscode';
import { readCompletionConfig } from './settings';

export function registerSettingsCommands(log: vscode.LogOutputChannel): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('charrnn.toggleCompletions', async () => {
      const cfg = vscode.workspace.getConfiguration('charrnn');
      const enabled = !cfg.get<boolean>('completion.enabled', true);
      // Change the value where it is set, so a workspace setting does not hide the toggle.
      const where = cfg.inspect<boolean>('completion.enabled');
      const target = where?.workspaceFolderValue !== undefined
        ? vscode.ConfigurationTarget.WorkspaceFolder
        : where?.workspaceValue !== undefined
          ? vscode.ConfigurationTarget.Workspace
          : vscode.ConfigurationTarget.Global;
      await cfg.update('completion.enabled', enabled, target);
      void vscode.window.setStatusBarMessage(`CharRNN completions ${enabled ? 'on' : 'off'}`, 2000);
    }),
    vscode.commands.registerCommand('charrnn.showLog', () => log.show()),
    vscode.commands.registerCommand('charrnn.menu', async () => {
      const enabled = readCompletionConfig().value.enabled;
      const items: (vscode.QuickPickItem & { command: string; args?: unknown })[] = [
        { label: enabled ? '$(circle-slash) Turn inline completions off' : '$(sparkle) Turn inline completions on', command: 'charrnn.toggleCompletions' },
        { label: '$(graph-line) Show training panel', command: 'charrnn.showPanel' },
        { label: '$(debug-continue) Continue training', command: 'charrnn.train', args: { mode: 'continue' } },
        { label: '$(refresh) Train a fresh model', command: 'charrnn.train', args: { mode: 'fresh' } },
        { label: '$(output) Show log', command: 'charrnn.showLog' },
      ];
      const pick = await vscode.window.showQuickPick(items, { title: 'CharRNN' });
      if (pick) await vscode.commands.executeCommand(pick.command, pick.args);
    }),
  ];
}
