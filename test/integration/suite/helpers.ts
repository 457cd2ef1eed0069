/**
 * Utilities for integration tests (they run inside VS Code's extension host, real `vscode` API).
 */
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { CharRnnApi } from '../../../src/extension/extension';
import type { FromTrainer } from '../../../src/protocol/trainer';
import type { Decision } from '../../../src/extension/decision';

/** `publisher.name` from package.json. */
export const EXTENSION_ID = 'charrnn.charrnn-complete';

/** The repository root (this file is compiled to out/test/integration/suite/). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

/** The fixture workspace as it is in the repository: read it, never write to it. */
export const FIXTURE_SOURCE = path.join(REPO_ROOT, 'test', 'fixtures', 'workspace');

/**
 * The folder open in this VS Code: the runner's private COPY of test/fixtures/workspace, so tests
 * may change files there. Throws when no folder is open.
 */
export function fixtureWorkspacePath(): string {
  return fixtureFolder().uri.fsPath;
}

/** The open workspace folder (the fixture copy). */
export function fixtureFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open (the runner opens a copy of test/fixtures/workspace)');
  return folder;
}

/**
 * A file of the open fixture workspace, as a Uri with the folder's own scheme (`file` in a desktop
 * VS Code, `vscode-remote` under code-server): use it with openTextDocument / workspace.fs.
 */
export function fixtureUri(...segments: string[]): vscode.Uri {
  return vscode.Uri.joinPath(fixtureFolder().uri, ...segments);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface WaitOptions {
  /** Give up after this long (default 30 s: CI machines can be busy; a met condition returns at once). */
  timeoutMs?: number;
  /** Poll this often (default 50 ms). */
  intervalMs?: number;
  /** Says what was awaited, in the error. */
  message?: string;
}

/**
 * Polls `condition` until it returns a truthy value (sync or async), and returns that value.
 * Exceptions thrown by the condition count as "not yet"; the last one is quoted on timeout.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.message ?? 'a condition'}${why}`);
    }
    await sleep(intervalMs);
  }
}

/** The extension under test; fails the test when VS Code does not know it. */
export function getExtension<T = unknown>(): vscode.Extension<T> {
  const ext = vscode.extensions.getExtension<T>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this VS Code`);
  return ext;
}

/** Activates the extension (if needed) and returns what its activate() returned. */
export async function getExtensionExports<T = unknown>(): Promise<T> {
  const ext = getExtension<T>();
  return ext.isActive ? ext.exports : await ext.activate();
}

/** The extension's manifest (package.json) as VS Code loaded it. */
export function manifest(): {
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    configuration: { properties: Record<string, { default?: unknown }> } | { properties: Record<string, { default?: unknown }> }[];
  };
} & Record<string, unknown> {
  return getExtension().packageJSON;
}

/** Sets (or, with undefined, removes) `charrnn.` workspace settings. */
export async function configure(values: Record<string, unknown>): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('charrnn');
  for (const [k, v] of Object.entries(values)) await cfg.update(k, v, vscode.ConfigurationTarget.Workspace);
}

/** A fresh editor on a new file of the fixture copy, holding `text` with the cursor at its end. */
export async function editorWith(name: string, text: string): Promise<vscode.TextEditor> {
  const uri = fixtureUri('src', name);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(text));
  const doc = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(doc);
  const end = doc.positionAt(doc.getText().length);
  editor.selection = new vscode.Selection(end, end);
  return editor;
}

/**
 * The provider's decisions that are no answer to an explicit request: the worker did not answer
 * (loading), the request was replaced, or (manual mode) a request made while typing.
 */
const UNSETTLED = new Set(['no-answer', 'cancelled', 'manual']);
const SHOWN = new Set(['shown', 'shown-on-request']);
/** How long a try waits for the provider's decision (VS Code may keep an earlier answer and not ask). */
const DECISION_TIMEOUT_MS = 10_000;

/** The provider's last decision, when it was made at the editor's cursor. */
function decisionAtCursor(api: CharRnnApi, editor: vscode.TextEditor): Decision | undefined {
  const d = api.completions.provider.lastDecision;
  const at = editor.selection.active;
  return d && d.docKey === editor.document.uri.toString() && d.line === at.line && d.character === at.character ? d : undefined;
}

/**
 * Asks for the inline suggestion at the cursor (`editor.action.inlineSuggest.trigger`, or
 * `opts.command`) and accepts it. Each try waits for the provider's decision at the cursor (a new
 * one, or one that showed something): when it showed something, accepts until the document
 * changes (VS Code renders the items a moment after the provider returned them); when the worker
 * did not answer yet (loading the model), waits for it to be ready and tries again, up to `tries`
 * times; any other decision (nothing to show, and why) ends the tries. Returns the document's text.
 */
export async function triggerAndCommit(editor: vscode.TextEditor, tries: number, opts: { command?: string } = {}): Promise<string> {
  const api = await getExtensionExports<CharRnnApi>();
  const doc = editor.document;
  const before = doc.getText();
  for (let i = 0; i < tries && doc.getText() === before; i++) {
    const since = api.completions.provider.lastDecision;
    await vscode.commands.executeCommand(opts.command ?? 'editor.action.inlineSuggest.trigger');
    const decision = await waitFor(() => {
      const d = decisionAtCursor(api, editor);
      return d && (d !== since || SHOWN.has(d.code)) ? d : undefined;
    }, { timeoutMs: DECISION_TIMEOUT_MS }).catch(() => undefined);
    if (decision && SHOWN.has(decision.code)) {
      await waitFor(async () => {
        await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
        return doc.getText() !== before;
      }, { timeoutMs: 5_000 }).catch(() => undefined);
    } else if (decision?.code === 'no-answer') {
      await waitFor(() => api.completions.client.status === 'ready', { message: 'the completion worker to load its model' }).catch(() => undefined);
    } else if (decision && !UNSETTLED.has(decision.code)) {
      break;
    }
  }
  return doc.getText();
}

/** Settings of a small model that trains in a minute or two on the fixture (its n-gram knows the fixture's identifiers). */
const SMALL_MODEL: Record<string, unknown> = {
  'model.lstmSize': 32,
  'model.numLayers': 1,
  'training.batchSize': 8,
  'training.numSteps': 32,
  'training.epochs': 1,
  'training.maxMinutes': 2,
  'training.learningRate': 0.01,
};

/**
 * Trains a small model on the fixture workspace unless it has one: a suite that needs a model
 * does not depend on an earlier suite having left one (suites run alone with CHARRNN_TEST_GREP,
 * and in any order).
 */
export async function ensureWorkspaceModel(a: CharRnnApi): Promise<void> {
  if (a.store.exists()) return;
  await configure(SMALL_MODEL);
  try {
    const end = await trainFresh(a);
    assert.strictEqual(end.type, 'done', JSON.stringify(end));
  } finally {
    await configure(Object.fromEntries(Object.keys(SMALL_MODEL).map((k) => [k, undefined])));
  }
  assert.ok(a.store.exists(), 'a model was trained');
}

/** Collects trainer events until `until` returns true (or the timeout passes). */
export function collect(a: CharRnnApi, until: (e: FromTrainer) => boolean, timeoutMs: number): Promise<FromTrainer[]> {
  return new Promise((resolve, reject) => {
    const events: FromTrainer[] = [];
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out; events so far: ${events.map((e) => e.type).join(',')}`));
    }, timeoutMs);
    const sub = a.training.onEvent((e) => {
      events.push(e);
      if (until(e)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(events);
      }
    });
  });
}

/** Resolves when no run is going. */
export const whenStopped = (a: CharRnnApi): Promise<void> =>
  a.training.running ? new Promise<void>((r) => { const s = a.training.onDidChangeRunning((run) => { if (!run) { s.dispose(); r(); } }); }) : Promise.resolve();

/** Runs "Train on workspace" as a fresh run and resolves with its end (its done or error event). */
export async function trainFresh(a: CharRnnApi): Promise<FromTrainer> {
  const end = new Promise<FromTrainer>((resolve) => {
    const sub = a.training.onEvent((e) => {
      if (e.type === 'done' || e.type === 'error') {
        sub.dispose();
        resolve(e);
      }
    });
  });
  assert.strictEqual(await vscode.commands.executeCommand('charrnn.train', { mode: 'fresh', quiet: true }), true);
  return end;
}
