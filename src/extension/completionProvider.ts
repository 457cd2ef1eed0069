/**
 * The inline completion provider: the model's completion of the token at the cursor as ghost
 * text. Dependencies are injected (a client that talks to the worker, a settings getter, a
 * logger) so extension.ts wires it with `registerCompletions(context, deps)`.
 *
 * - The item's range covers the part of the token already typed and its text is that part plus
 *   the completion, so VS Code keeps the same item while the user types into it and its
 *   word-by-word accept does not flicker.
 * - Debounced (`completion.debounceMs`), cancellable (VS Code's token → cancel message), with a
 *   small cache so a re-request at the same spot (same document version) answers at once.
 * - Abstains when the suggest widget's selection disagrees with the completion, and never
 *   throws: a missing or broken model, a dead worker, a huge document or a binary-looking line
 *   mean no suggestion and a log line.
 */
import { MAX_CACHE_CHARS } from '../core/lm/mixture';
import * as vscode from 'vscode';
import type { CompletionConfig } from '../core/config';
import { looksBinary, tokenContext } from '../core/infer/tokens';
import type { CancelToken, CompletionAnswer, CompletionQuery } from './completionClient';

export interface CompletionSource {
  complete(q: CompletionQuery, token?: CancelToken): Promise<CompletionAnswer | undefined>;
  forget?(docKey: string): void;
  /** Changes whenever earlier answers may be stale (new model). */
  readonly generation?: number;
}

export interface CompletionProviderDeps {
  client: CompletionSource;
  /** Current completion settings (charrnn.completion.*), validated. */
  settings: () => CompletionConfig;
  log: (message: string) => void;
}

/** Documents longer than this (UTF-16 units) get no completions. */
export const MAX_DOCUMENT_CHARS = 50_000_000;
/** Lines longer than this get no completions (minified or generated text). */
export const MAX_LINE_CHARS = 5_000;
const CACHE_SIZE = 16;

export class CharRnnCompletionProvider implements vscode.InlineCompletionItemProvider, vscode.Disposable {
  private readonly cache = new Map<string, CompletionAnswer | undefined>();
  private readonly warned = new Set<string>();

  constructor(private readonly deps: CompletionProviderDeps) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    try {
      const s = this.deps.settings();
      if (!s.enabled || s.disabledLanguages.includes(document.languageId)) return undefined;
      const line = document.lineAt(position.line).text;
      const docKey = document.uri.toString();
      if (line.length > MAX_LINE_CHARS) return this.skip(docKey, `line ${position.line + 1} is too long`);
      if (looksBinary(line)) return this.skip(docKey, `line ${position.line + 1} looks binary`);
      const before = line.slice(0, position.character);
      const after = line.slice(position.character);
      if (tokenContext(before, after).mode === 'none') return undefined;
      const offset = document.offsetAt(position);
      const endOffset = document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
      if (endOffset > MAX_DOCUMENT_CHARS) return this.skip(docKey, 'the document is too large');

      const key = `${this.deps.client.generation ?? 0}|${docKey}|${document.version}|${offset}|${s.maxChars}|${s.minConfidence}`;
      let answer: CompletionAnswer | undefined;
      if (this.cache.has(key)) {
        answer = this.cache.get(key);
      } else {
        if (s.debounceMs > 0 && !(await delay(s.debounceMs, token))) return undefined;
        if (token.isCancellationRequested) return undefined;
        // The whole text before the cursor: the model's document cache counts all of it.
        const prefix = document.getText(new vscode.Range(document.positionAt(Math.max(0, offset - MAX_CACHE_CHARS)), position));
        answer = await this.deps.client.complete({
          docKey,
          offset,
          prefix,
          suffix: after,
          settings: { maxChars: s.maxChars, minConfidence: s.minConfidence, contextChars: s.contextChars },
        }, token);
        if (token.isCancellationRequested) return undefined;
        // Only real answers are cached (undefined = cancelled, superseded, no worker).
        if (answer) this.remember(key, answer);
      }
      if (!answer || !answer.completion) return undefined;
      const item = toItem(line, position, answer, context.selectedCompletionInfo);
      return item ? [item] : undefined;
    } catch (e) {
      this.deps.log(`inline completion failed: ${(e as Error).stack ?? String(e)}`);
      return undefined;
    }
  }

  /** Drops remembered answers (e.g. after a new model). */
  clearCache(): void {
    this.cache.clear();
  }

  dispose(): void {
    this.cache.clear();
  }

  private remember(key: string, answer: CompletionAnswer): void {
    this.cache.delete(key);
    this.cache.set(key, answer);
    while (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
  }

  /** No suggestion; one log line per document and reason. */
  private skip(docKey: string, reason: string): undefined {
    const k = `${docKey}|${reason}`;
    if (!this.warned.has(k)) {
      this.warned.add(k);
      this.deps.log(`no inline completions in ${docKey}: ${reason}`);
    }
    return undefined;
  }
}

/**
 * The item: the typed part of the token plus the completion, over the typed part. Undefined when
 * the suggest widget's selected item disagrees (our text must extend what it would insert).
 */
export function toItem(
  line: string,
  position: vscode.Position,
  answer: CompletionAnswer,
  selected: vscode.SelectedCompletionInfo | undefined,
): vscode.InlineCompletionItem | undefined {
  const typedLength = Math.min(answer.typedLength, position.character);
  const startCh = position.character - typedLength;
  const insertText = line.slice(startCh, position.character) + answer.completion;
  const range = new vscode.Range(position.line, startCh, position.line, position.character);
  if (selected && !agrees(line, startCh, insertText, selected, position.line)) return undefined;
  return new vscode.InlineCompletionItem(insertText, range);
}

function agrees(line: string, startCh: number, insertText: string, sel: vscode.SelectedCompletionInfo, lineNo: number): boolean {
  if (sel.range.start.line !== lineNo || sel.range.end.line !== lineNo) return false;
  const from = Math.min(startCh, sel.range.start.character);
  const theirs = line.slice(from, sel.range.start.character) + sel.text;
  const ours = line.slice(from, startCh) + insertText;
  return ours.startsWith(theirs);
}

/** Waits `ms`; false when the token was cancelled meanwhile. */
function delay(ms: number, token: vscode.CancellationToken): Promise<boolean> {
  return new Promise((resolve) => {
    if (token.isCancellationRequested) return resolve(false);
    const sub = token.onCancellationRequested(() => {
      clearTimeout(timer);
      sub.dispose();
      resolve(false);
    });
    const timer = setTimeout(() => {
      sub.dispose();
      resolve(!token.isCancellationRequested);
    }, ms);
  });
}

/**
 * Registers the provider for file and untitled documents, and tells the client when a document
 * closes (its cached states are dropped). Everything is disposed with the extension.
 */
export function registerCompletions(context: vscode.ExtensionContext, deps: CompletionProviderDeps): CharRnnCompletionProvider {
  const provider = new CharRnnCompletionProvider(deps);
  context.subscriptions.push(
    vscode.languages.registerInlineCompletionItemProvider([{ scheme: 'file' }, { scheme: 'untitled' }], provider),
    vscode.workspace.onDidCloseTextDocument((doc) => deps.client.forget?.(doc.uri.toString())),
    provider,
  );
  return provider;
}


