import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const notYet = (name: string) => () => void vscode.window.showInformationMessage(`CharRNN: ${name} is not ready yet.`);
  context.subscriptions.push(
    vscode.commands.registerCommand('charrnn.train', notYet('training')),
    vscode.commands.registerCommand('charrnn.stop', notYet('stop')),
    vscode.commands.registerCommand('charrnn.showPanel', notYet('panel')),
    vscode.commands.registerCommand('charrnn.toggleCompletions', async () => {
      const cfg = vscode.workspace.getConfiguration('charrnn');
      await cfg.update('completion.enabled', !cfg.get<boolean>('completion.enabled', true), vscode.ConfigurationTarget.Global);
    }),
  );
}

export function deactivate(): void {}
