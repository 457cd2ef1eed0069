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
 * - While the suggest widget has an item selected, shows only a completion that accepting that
 *   item writes (over its range, as VS Code's contract asks): Tab takes the widget's item then,
 *   so a ghost text that went further would promise what Tab does not give.
 * - An explicit request (Suggest completion, Alt+] / Alt+[) also asks with no threshold: it shows
 *   the best candidate even under the threshold, with the alternatives to cycle through, or says
 *   in the status bar why there is nothing.
 * - Never throws: a missing or broken model, a dead worker, a huge document or a binary-looking
 *   line mean no suggestion and a log line.
 * - Honours the user's controls: off, snoozed, language off, manual mode (only on an explicit
 *   trigger), no completions in comments / strings (src/core/text/syntax.ts). Every call ends in a
 *   Decision (shown, or why not) for "Explain last completion" and the status bar.
 */
import * as vscode from 'vscode';
import { MAX_CACHE_CHARS } from '../core/lm/mixture';
import type { CompletionConfig } from '../core/contracts/config';
import { looksBinary, tokenContext } from '../core/text/tokens';
import { knowsLanguage, syntaxAt } from '../core/text/syntax';
import type { CompletionQuery } from '../core/contracts/completion';
import type { CancelToken, CompletionAnswer } from './completionClient';
import type { CompletionTracking } from './acceptTracker';
import { codeForModelReason, reasonText, type Candidate, type Decision, type DecisionCode } from './decision';
import { agreeWithSelected, autoCloser, completionEdit, distinctTokens, mergeCandidates, type AutoCloseSetting, type LineEdit } from './inlineItems';

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
  /** When completions are snoozed: the time the snooze ends (ms since the epoch), else undefined. */
  snoozedUntil?: () => number | undefined;
  /** Whether there is a model to ask (for a clear "no model" reason); default: assume there is. */
  hasModel?: () => boolean;
  /** Counts shown items and latencies, and gives the command that reports an accept. */
  tracking?: CompletionTracking;
  /** Every decision: an item shown, or why none was. */
  onDecision?: (d: Decision) => void;
  /** Why an explicit request (Suggest completion, Alt+]) shows nothing, in a sentence for the user. */
  say?: (text: string) => void;
  /**
   * The editor's auto-closing settings for a language (editor.autoClosingBrackets / Quotes):
   * an accepted opening bracket or quote then comes with its closer, as typing it would.
   */
  autoClosing?: (languageId: string) => { brackets: AutoCloseSetting; quotes: AutoCloseSetting };
}

/** Documents longer than this (UTF-16 units) get no completions. */
export const MAX_DOCUMENT_CHARS = 50_000_000;
/** Lines longer than this get no completions (minified or generated text). */
export const MAX_LINE_CHARS = 5_000;
/** The comment/string heuristic reads at most this much text before the cursor. */
export const SYNTAX_SCAN_CHARS = 100_000;
const CACHE_SIZE = 16;

export class CharRnnCompletionProvider implements vscode.InlineCompletionItemProvider, vscode.Disposable {
  private readonly cache = new Map<string, CompletionAnswer | undefined>();
  private readonly warned = new Set<string>();
  private last: Decision | undefined;

  constructor(private readonly deps: CompletionProviderDeps) {}

  /** The last decision (what was shown, or why nothing was). */
  get lastDecision(): Decision | undefined {
    return this.last;
  }

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const docKey = document.uri.toString();
    const base = { docKey, languageId: document.languageId, line: position.line, character: position.character };
    const decide = (code: DecisionCode, extra: Partial<Decision> = {}): undefined => {
      this.last = { at: Date.now(), code, ...base, ...extra };
      this.deps.onDecision?.(this.last);
      // Nothing shown now: what VS Code showed before is gone (a request that moved on, or one
      // not answered, leaves it be: the user may be typing into it).
      if (code !== 'shown' && code !== 'shown-on-request' && code !== 'cancelled' && code !== 'no-answer') this.deps.tracking?.hidden();
      // Asked for and nothing to show: say why (a request that moved on needs no answer).
      if (context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke && code !== 'shown' && code !== 'shown-on-request' && code !== 'cancelled') {
        this.deps.say?.(reasonText(this.last));
      }
      return undefined;
    };
    try {
      const s = this.deps.settings();
      if (!s.enabled) return decide('disabled');
      const until = this.deps.snoozedUntil?.();
      if (until !== undefined) return decide('snoozed', { until });
      if (s.disabledLanguages.includes(document.languageId)) return decide('language-off');
      if (s.trigger === 'manual' && context.triggerKind !== vscode.InlineCompletionTriggerKind.Invoke) return decide('manual');
      if (this.deps.hasModel && !this.deps.hasModel()) return decide('no-model');
      const line = document.lineAt(position.line).text;
      if (line.length > MAX_LINE_CHARS) {
        this.skip(docKey, `line ${position.line + 1} is too long`);
        return decide('line-too-long');
      }
      if (looksBinary(line)) {
        this.skip(docKey, `line ${position.line + 1} looks binary`);
        return decide('binary');
      }
      const before = line.slice(0, position.character);
      const after = line.slice(position.character);
      const tc = tokenContext(before, after);
      if (tc.mode === 'none') return decide('no-token', { detail: tc.reason });
      const offset = document.offsetAt(position);
      const endOffset = document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
      if (endOffset > MAX_DOCUMENT_CHARS) {
        this.skip(docKey, 'the document is too large');
        return decide('document-too-large');
      }
      if ((!s.inComments || !s.inStrings) && knowsLanguage(document.languageId)) {
        const where = syntaxAt(document.languageId, textForSyntax(document, position, offset));
        if (where === 'comment' && !s.inComments) return decide('in-comment');
        if (where === 'string' && !s.inStrings) return decide('in-string');
      }

      const explicit = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke;
      // Only real answers are cached (undefined = cancelled, superseded, no worker).
      let ms: number | undefined;
      const keyFor = (minConfidence: number | undefined) =>
        `${this.deps.client.generation ?? 0}|${docKey}|${document.version}|${offset}|${s.maxChars}|${minConfidence}|${s.length}|${s.maxContinuationChars}|${s.continuationMinConfidence}`;
      const ask = async (minConfidence: number | undefined): Promise<CompletionAnswer | undefined> => {
        const key = keyFor(minConfidence);
        if (this.cache.has(key)) return this.cache.get(key);
        // The whole text before the cursor: the model's document cache counts all of it.
        const prefix = document.getText(new vscode.Range(document.positionAt(Math.max(0, offset - MAX_CACHE_CHARS)), position));
        const t0 = performance.now();
        const a = await this.deps.client.complete({
          docKey,
          offset,
          prefix,
          suffix: after,
          settings: { maxChars: s.maxChars, minConfidence, contextChars: s.contextChars, length: s.length, maxContinuationChars: s.maxContinuationChars, continuationMinConfidence: s.continuationMinConfidence },
        }, token);
        if (a && !token.isCancellationRequested) {
          const took = performance.now() - t0;
          ms = (ms ?? 0) + took;
          this.remember(key, a);
          this.deps.tracking?.latency(document.languageId, took);
        }
        return a;
      };
      // The debounce waits out typing; a request the user made is answered at once.
      if (!explicit && s.debounceMs > 0 && !this.cache.has(keyFor(s.minConfidence))) {
        if (!(await delay(s.debounceMs, token))) return decide('cancelled');
      }
      if (token.isCancellationRequested) return decide('cancelled');
      const answer = await ask(s.minConfidence);
      if (token.isCancellationRequested) return decide('cancelled');
      const threshold = answer?.threshold ?? s.minConfidence;
      if (!answer) return decide('no-answer', { threshold });
      // Asked for (Suggest completion, Alt+] / Alt+[): the same place with no threshold, for the
      // best candidate even under it and for the alternatives to cycle through.
      const wide = explicit ? await ask(0) : undefined;
      if (token.isCancellationRequested) return decide('cancelled');
      // The ghost: the token and what follows it on the line (the token alone stays a candidate,
      // for the suggest list's item to agree with).
      const ghost = ghostOf(answer);
      const shown = ghost ? [ghost] : [];
      const tokenAlone = answer.completion && ghost?.completion !== answer.completion ? [{ completion: answer.completion, confidence: answer.confidence }] : [];
      const candidates = mergeCandidates(shown, tokenAlone, answer.alternatives, wide?.completion ? [{ completion: wide.completion, confidence: wide.confidence }] : [], wide?.alternatives);
      if (candidates.length === 0 || (!ghost && !explicit)) {
        return decide(codeForModelReason(answer.reason ?? wide?.reason), { detail: answer.reason ?? wide?.reason, threshold, ms, candidates: candidates.length ? candidates : answer.alternatives });
      }
      const selected = context.selectedCompletionInfo;
      const edits = (selected ? candidates : distinctTokens(candidates)).map((c) => {
        const e = completionEdit(line, position.character, answer.typedLength, c.completion);
        return { c, e: selected ? agreeWith(line, e, selected, position.line) : e };
      });
      const agreeing = edits.filter((x): x is { c: Candidate; e: LineEdit } => x.e !== undefined);
      const first = agreeing[0];
      if (!first) {
        const best = candidates[0];
        return decide('suggest-widget', { completion: best.completion, confidence: best.confidence, threshold, ms, candidates, detail: selected?.text });
      }
      const found = { completion: first.c.completion, confidence: first.c.confidence, threshold, ms, candidates };
      // An opening bracket or quote comes with its closer where typing it would (not with the
      // suggest list open: the item must be what the list's item writes).
      const closing = !selected ? this.deps.autoClosing?.(document.languageId) : undefined;
      const syntaxText = closing ? textForSyntax(document, position, offset) : '';
      // A ghost past the token goes in as shown (plain text, so that it can be taken word by word):
      // the brackets it opens stay open, as in the ghost.
      const pastToken = (c: Candidate) => !!answer.continuation && c.completion === ghost?.completion;
      const closers = agreeing.map(({ c }) => (closing && !pastToken(c) ? autoCloser(document.languageId, c.completion, syntaxText, after, closing) : undefined));
      const items = agreeing.map(({ e }, k) => {
        const range = new vscode.Range(position.line, e.start, position.line, e.end);
        const close = closers[k];
        return new vscode.InlineCompletionItem(close ? new vscode.SnippetString().appendText(e.text).appendTabstop(0).appendText(close) : e.text, range);
      });
      if (this.deps.tracking) {
        // Statistics follow the first item only.
        items[0].command = this.deps.tracking.shown({
          docKey,
          languageId: document.languageId,
          line: position.line,
          startCh: first.e.start,
          cursorCh: position.character,
          insertText: first.e.text + (closers[0] ?? ''),
        });
      }
      // Under the threshold only because it was asked for (an answer over it is 'shown').
      const onRequest = first.c.completion !== ghost?.completion && first.c.confidence < (threshold ?? 0);
      decide(onRequest ? 'shown-on-request' : 'shown', found);
      // The other candidates are VS Code's next/previous inline suggestions.
      return items;
    } catch (e) {
      this.deps.log(`inline completion failed: ${(e as Error).stack ?? String(e)}`);
      return decide('error', { detail: (e as Error).message });
    }
  }

  dispose(): void {
    this.cache.clear();
  }

  private remember(key: string, answer: CompletionAnswer): void {
    this.cache.delete(key);
    this.cache.set(key, answer);
    while (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
  }

  /** One log line per document and reason. */
  private skip(docKey: string, reason: string): void {
    const k = `${docKey}|${reason}`;
    if (!this.warned.has(k)) {
      this.warned.add(k);
      this.deps.log(`no inline completions in ${docKey}: ${reason}`);
    }
  }
}

/**
 * What an answer shows at the cursor: its token and the continuation after it (the continuation
 * alone when the typed token looks complete), with the probability that all of it is right.
 */
export function ghostOf(a: Pick<CompletionAnswer, 'completion' | 'confidence' | 'continuation' | 'continuationConfidence'>): Candidate | undefined {
  if (a.continuation) return { completion: a.completion + a.continuation, confidence: a.continuationConfidence ?? 0 };
  return a.completion ? { completion: a.completion, confidence: a.confidence } : undefined;
}

/** Our edit as the suggest widget's selected item allows it (see agreeWithSelected), or undefined. */
function agreeWith(line: string, ours: LineEdit, sel: vscode.SelectedCompletionInfo, lineNo: number): LineEdit | undefined {
  if (sel.range.start.line !== lineNo || sel.range.end.line !== lineNo) return undefined;
  return agreeWithSelected(line, ours, { start: sel.range.start.character, end: sel.range.end.character, text: sel.text });
}

/**
 * The text before the cursor the comment/string heuristic reads: from the document's start, or,
 * in a long document, from the first line start in the last SYNTAX_SCAN_CHARS characters.
 */
function textForSyntax(document: vscode.TextDocument, position: vscode.Position, offset: number): string {
  if (offset <= SYNTAX_SCAN_CHARS) return document.getText(new vscode.Range(new vscode.Position(0, 0), position));
  const from = document.positionAt(offset - SYNTAX_SCAN_CHARS);
  return document.getText(new vscode.Range(new vscode.Position(from.line + 1, 0), position));
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


