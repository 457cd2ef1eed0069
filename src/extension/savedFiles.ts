/**
 * Follows saves of workspace files: each saved file's text goes to the completion worker, where it
 * joins the workspace counts until the next training run (src/core/lm/mixture.ts, `learn`); and
 * the files saved since the last run read the corpus are counted, so the panel can say that the
 * LSTM has not seen them.
 */
import * as vscode from 'vscode';
import { SETTINGS } from '../core/contracts/config';
import { looksBinary } from '../core/text/tokens';
import type { FromTrainer } from '../protocol/trainer';
import { countsAsCode } from './workspaceFiles';

export class SavedFiles implements vscode.Disposable {
  private readonly since = new Set<string>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly subs: vscode.Disposable[];
  /** Fires when the count of files saved since the model's corpus changes. */
  readonly onDidChange = this.changed.event;

  constructor(learn: (docKey: string, text: string) => void, onTrainerEvent: vscode.Event<FromTrainer>) {
    this.subs = [
      vscode.workspace.onDidSaveTextDocument((doc) => {
        if (doc.uri.scheme !== 'file' || !vscode.workspace.getWorkspaceFolder(doc.uri)) return;
        // The panel's Apply writes .vscode/settings.json: that is no code the model learns.
        if (!countsAsCode(vscode.workspace.asRelativePath(doc.uri, false))) return;
        const text = doc.getText();
        if (text.length > SETTINGS['training.maxFileBytes'].default || looksBinary(text.slice(0, 4096))) return;
        const key = doc.uri.toString();
        learn(key, text);
        if (!this.since.has(key)) {
          this.since.add(key);
          this.changed.fire();
        }
      }),
      // A run that has read the corpus has seen every file saved before.
      onTrainerEvent((e) => {
        if (e.type === 'corpus' && this.since.size > 0) {
          this.since.clear();
          this.changed.fire();
        }
      }),
      this.changed,
    ];
  }

  /** Workspace files saved since the last training run read the corpus. */
  get count(): number {
    return this.since.size;
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}
