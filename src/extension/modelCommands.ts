/**
 * Managing the model: reveal its folder, delete the workspace's model (after a modal question,
 * and only a folder that is one of our checkpoints), export the model in use to a folder of the
 * user's choice (to share it, or to use it elsewhere through `charrnn.modelPath`).
 */
import * as vscode from 'vscode';
import * as path from 'path';
import { checkpointExists } from '../core/store/checkpoint';
import { deleteCheckpoint, exportCheckpoint } from '../core/store/modelFiles';
import { isOurCheckpoint, META_FILE } from '../core/store/modelFolder';
import type { ModelStore } from './modelStore';
import type { TrainingClient } from './trainingClient';

export interface ModelCommandDeps {
  store: ModelStore;
  training: Pick<TrainingClient, 'running'>;
  /** The model files changed (deleted): reload the worker, refresh the status. */
  onModelChanged: () => void;
  log: vscode.LogOutputChannel;
}

/** The default folder name of an export. */
export const EXPORT_FOLDER = 'charrnn-model';

export function registerModelCommands(deps: ModelCommandDeps): vscode.Disposable[] {
  const { store, log } = deps;
  return [
    vscode.commands.registerCommand('charrnn.revealModel', async () => {
      const dir = store.servingDir();
      if (!dir || !checkpointExists(dir)) {
        void vscode.window.showInformationMessage('CharRNN: there is no model yet. Train one with "CharRNN: Train on workspace".');
        return undefined;
      }
      if (vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop) {
        await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(path.join(dir, META_FILE)));
      } else {
        // The folder is on the remote machine: no file manager to show it in.
        void vscode.window.showInformationMessage(`CharRNN: the model is in ${dir}`, 'Copy path').then((pick) => {
          if (pick) void vscode.env.clipboard.writeText(dir);
        });
      }
      return dir;
    }),

    // { confirmed: true } skips the question (automation, tests).
    vscode.commands.registerCommand('charrnn.deleteModel', async (arg?: { confirmed?: boolean }) => {
      const dir = store.dir;
      if (deps.training.running) {
        void vscode.window.showWarningMessage('CharRNN: stop the training run before deleting the model.');
        return false;
      }
      if (!dir || !isOurCheckpoint(dir)) {
        const note = store.modelPath() ? ' (completions use charrnn.modelPath, which this command never deletes)' : '';
        void vscode.window.showInformationMessage(`CharRNN: this workspace has no trained model to delete${note}.`);
        return false;
      }
      if (!arg?.confirmed) {
        const pick = await vscode.window.showWarningMessage(
          'Delete the CharRNN model trained in this workspace?',
          { modal: true, detail: `${dir}\n\nIts weights and training history are removed; completions stop until you train again.` },
          'Delete',
        );
        if (pick !== 'Delete') return false;
      }
      let left: string[];
      try {
        left = deleteCheckpoint(dir);
      } catch (e) {
        void vscode.window.showErrorMessage(`CharRNN: ${(e as Error).message}`);
        return false;
      }
      log.info(`model deleted: ${dir}${left.length ? ` (the folder stays: it holds other files, ${left.slice(0, 3).join(', ')}${left.length > 3 ? ', …' : ''})` : ''}`);
      deps.onModelChanged();
      void vscode.window.setStatusBarMessage('CharRNN model deleted', 3000);
      return true;
    }),

    // { to: folder } exports there without asking (automation, tests).
    vscode.commands.registerCommand('charrnn.exportModel', async (arg?: { to?: string }) => {
      const from = store.servingDir();
      if (!from || !isOurCheckpoint(from)) {
        void vscode.window.showInformationMessage('CharRNN: there is no model to export yet.');
        return undefined;
      }
      let to = arg?.to;
      if (!to) {
        const picked = await vscode.window.showOpenDialog({
          canSelectFolders: true,
          canSelectFiles: false,
          canSelectMany: false,
          openLabel: 'Export here',
          title: `Export the CharRNN model (a "${EXPORT_FOLDER}" folder is created inside the folder you choose)`,
        });
        if (!picked?.[0]) return undefined;
        to = path.join(picked[0].fsPath, EXPORT_FOLDER);
      }
      try {
        exportCheckpoint(from, to);
      } catch (e) {
        void vscode.window.showErrorMessage(`CharRNN: could not export the model: ${(e as Error).message}`);
        return undefined;
      }
      log.info(`model exported from ${from} to ${to}`);
      void vscode.window.showInformationMessage(`CharRNN: model exported to ${to}. Point charrnn.modelPath at it to complete with it elsewhere.`);
      return to;
    }),
  ];
}
