/**
 * Counts what happens to the completions shown, for the local statistics (src/core/views/stats.ts):
 *  - shown: each distinct item the provider returns (the same item again while the user types
 *    into it, or after a partial accept, is not counted twice);
 *  - accepted: VS Code runs the item's command (`charrnn._accepted`) after inserting all of it;
 *  - partially accepted: the stable API has no event for word-by-word accept, so the document's
 *    edits are watched: an insertion of 2+ characters at the cursor that continues the shown
 *    completion is an accepted part (one typed character is typing);
 *  - characters saved: the characters inserted by accepting, fully or in parts.
 */
import * as vscode from 'vscode';
import type { StatsStore } from '../core/views/stats';

/** Internal (the `_` keeps it out of the manifest); registered with this literal id below. */
export const ACCEPTED_COMMAND = 'charrnn._accepted';

export interface ShownItem {
  docKey: string;
  languageId: string;
  line: number;
  /** Where the item's range starts (the start of the typed part of the token). */
  startCh: number;
  /** Where the cursor was: the ghost text starts here. */
  cursorCh: number;
  /** insertText of the item: the typed part plus the completion. */
  insertText: string;
}

interface Tracked extends ShownItem {
  id: number;
  /** Characters of the completion (after cursorCh) in the document by now. */
  consumed: number;
  /** Of those, inserted by accepting (not typed). */
  acceptedChars: number;
  partialCounted: boolean;
  /** No more edits are followed (the item went away, or an edit did not continue it). */
  done: boolean;
  /** The accept command came (counted once). */
  accepted: boolean;
}

export interface CompletionTracking {
  /** The provider returns this item now; the command to put on it. */
  shown(item: ShownItem): vscode.Command;
  /** A request answered by the model took `ms`. */
  latency(languageId: string, ms: number): void;
  /**
   * The provider shows nothing now (e.g. the suggest list took over, or the model abstained):
   * edits from here on are not accepts of the item shown before (a suggest-list item inserted
   * over it is the list's, not ours).
   */
  hidden(): void;
}

export class AcceptTracker implements CompletionTracking, vscode.Disposable {
  private current: Tracked | undefined;
  private nextId = 1;
  private readonly subs: vscode.Disposable[];

  constructor(private readonly stats: StatsStore) {
    this.subs = [
      vscode.commands.registerCommand('charrnn._accepted', (id: unknown) => this.onAccepted(id)),
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)),
    ];
  }

  shown(item: ShownItem): vscode.Command {
    const c = this.current;
    const same = c && !c.done && c.docKey === item.docKey && c.line === item.line && c.startCh === item.startCh && c.insertText === item.insertText;
    if (!same) {
      this.current = { ...item, id: this.nextId++, consumed: 0, acceptedChars: 0, partialCounted: false, done: false, accepted: false };
      this.stats.record(item.languageId, 'shown');
    }
    return { command: ACCEPTED_COMMAND, title: 'Accepted', arguments: [this.current!.id] };
  }

  latency(languageId: string, ms: number): void {
    this.stats.recordLatency(languageId, ms);
  }

  hidden(): void {
    if (this.current) this.current.done = true;
  }

  private onAccepted(id: unknown): void {
    const c = this.current;
    // Counted even when the accept's edit came in a shape the watcher stopped at (a snippet's
    // delete-then-insert): the command itself says the item was accepted.
    if (!c || c.id !== id || c.accepted) return;
    c.accepted = true;
    c.done = true;
    const total = c.insertText.length - (c.cursorCh - c.startCh);
    // Whatever the edit watcher did not see as accepted (e.g. the edit came in another shape).
    const missed = Math.max(0, total - c.consumed);
    this.stats.record(c.languageId, c.partialCounted ? 'partialBecameAccepted' : 'accepted', missed);
  }

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    const c = this.current;
    if (!c || c.done || e.contentChanges.length === 0 || e.document.uri.toString() !== c.docKey) return;
    if (e.contentChanges.length !== 1) {
      c.done = true;
      return;
    }
    const ch = e.contentChanges[0];
    const at = c.cursorCh + c.consumed;
    const completion = c.insertText.slice(c.cursorCh - c.startCh);
    let text = ch.text;
    if (ch.range.start.line !== c.line || ch.range.end.line !== c.line) {
      c.done = true;
      return;
    }
    // VS Code may replace the whole range (typed part + what is in the document) with insertText.
    if (ch.range.start.character === c.startCh && ch.range.end.character === at) {
      const already = c.insertText.slice(0, at - c.startCh);
      if (!text.startsWith(already)) {
        c.done = true;
        return;
      }
      text = text.slice(already.length);
    } else if (!(ch.range.isEmpty && ch.range.start.character === at)) {
      c.done = true;
      return;
    }
    const rest = completion.slice(c.consumed);
    if (text === '' || !rest.startsWith(text)) {
      c.done = true;
      return;
    }
    c.consumed += text.length;
    if (text.length < 2 && text !== rest) return; // typed into the ghost text
    c.acceptedChars += text.length;
    if (c.consumed < completion.length) {
      if (!c.partialCounted) {
        c.partialCounted = true;
        this.stats.record(c.languageId, 'partial', text.length);
      } else {
        this.stats.addChars(c.languageId, text.length);
      }
    } else {
      // All of it is in: the accept command (if this was a full accept) only counts the accept.
      this.stats.addChars(c.languageId, text.length);
    }
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}
