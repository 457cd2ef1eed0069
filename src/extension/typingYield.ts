/**
 * Training yields while the user types (`charrnn.training.yieldWhileTyping`, on by default): the
 * first edit of a burst pauses the run, and it resumes once no edit came for IDLE_MS. Only edits of
 * the documents shown in editors count (not output channels, not files changed on disk).
 */
import * as vscode from 'vscode';
import type { TrainingClient } from './trainingClient';

/** Quiet time after the last keystroke before training resumes. */
export const YIELD_IDLE_MS = 1500;

export class TypingYield implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private readonly subs: vscode.Disposable[];

  constructor(
    private readonly training: Pick<TrainingClient, 'running' | 'pause' | 'resume' | 'onDidChangeRunning'>,
    private readonly enabled: () => boolean,
    private readonly idleMs = YIELD_IDLE_MS,
  ) {
    this.subs = [
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0 || !isEdited(e.document)) return;
        this.onKeystroke();
      }),
      training.onDidChangeRunning((running) => {
        if (!running) this.clearTimer();
      }),
    ];
  }

  private onKeystroke(): void {
    if (!this.training.running || !this.enabled()) return;
    // pause() does nothing when typing already holds the run: one message per burst.
    this.training.pause('typing');
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.training.resume('typing');
    }, this.idleMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.clearTimer();
    for (const s of this.subs) s.dispose();
  }
}

function isEdited(doc: vscode.TextDocument): boolean {
  if (doc.uri.scheme === 'output' || doc.uri.scheme === 'vscode-scm') return false;
  return vscode.window.visibleTextEditors.some((e) => e.document === doc);
}
