/**
 * The user's controls over completions in the real VS Code, with a workspace model (the one an
 * earlier suite left, or one this suite trains): the comment setting, "Explain last completion",
 * snooze, the statistics of an accepted completion, charrnn.modelPath with a checkpoint trained
 * by the CLI, and export / delete of the model.
 */
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { CharRnnApi } from '../../../src/extension/extension';
import type { InitMessage, ToPanel } from '../../../src/protocol/panel';
import { totals } from '../../../src/core/views/stats';
import { isOurCheckpoint } from '../../../src/core/store/modelFolder';
import { REPO_ROOT, configure, editorWith, ensureWorkspaceModel, fixtureUri, getExtensionExports, triggerAndCommit, waitFor } from './helpers';

const SETTINGS: Record<string, unknown> = {
  'completion.minConfidence': 0.05,
  'completion.debounceMs': 0,
  // These tests assert the token a commit inserts (the ghost past it: completion.test.ts).
  'completion.length': 'token',
};
const PREFIX = 'const total = order.itemQu';

/**
 * Types `text` at the cursor. VS Code asks the provider again on an explicit trigger only when the
 * text changed since its last answer (an earlier "nothing" at the same place is kept), as a user
 * who types on would see it.
 */
async function type(editor: vscode.TextEditor, text: string): Promise<void> {
  await editor.edit((b) => b.insert(editor.selection.active, text));
}

suite('Completion controls', function () {
  this.timeout(300_000);
  let api: CharRnnApi;
  const why = () => JSON.stringify(api.completions.provider.lastDecision);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-controls-'));

  suiteSetup(async () => {
    api = await getExtensionExports<CharRnnApi>();
    await ensureWorkspaceModel(api);
    await configure(SETTINGS);
  });
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await configure(Object.fromEntries([...Object.keys(SETTINGS), 'completion.inComments', 'modelPath'].map((k) => [k, undefined])));
    api.snooze.cancel();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the comment setting suppresses completions inside a // comment, and Explain names the reason', async () => {
    const editor = await editorWith('comment.ts', `// ${PREFIX.slice(0, -1)}`);
    await type(editor, PREFIX.slice(-1));
    assert.strictEqual(await triggerAndCommit(editor, 3), `// ${PREFIX}`, 'nothing inserted in a comment');
    assert.strictEqual(api.completions.provider.lastDecision?.code, 'in-comment');
    const explanation = await vscode.commands.executeCommand<string>('charrnn.explain', { quiet: true });
    assert.match(explanation, /in a comment/);
    assert.match(api.status.tooltipText, /Last completion: The cursor is in a comment/);

    await configure({ 'completion.inComments': true });
    try {
      await type(editor, 'a');
      const text = await triggerAndCommit(editor, 10);
      assert.strictEqual(text, `// ${PREFIX}antity`, `with inComments on, the same place completes; last decision ${why()}`);
    } finally {
      await configure({ 'completion.inComments': undefined });
    }
  });

  test('Explain names the threshold and the best candidate with its probability when the model abstains', async () => {
    await configure({ 'completion.minConfidence': 0.999 });
    try {
      const editor = await editorWith('threshold.ts', PREFIX);
      // As while typing (an automatic request): an explicit one would show the candidate anyway.
      await waitFor(async () => {
        const src = new vscode.CancellationTokenSource();
        const items = await api.completions.provider.provideInlineCompletionItems(
          editor.document, editor.selection.active, { triggerKind: vscode.InlineCompletionTriggerKind.Automatic, selectedCompletionInfo: undefined }, src.token);
        src.dispose();
        assert.strictEqual(items, undefined, 'nothing shown under the threshold while typing');
        return api.completions.provider.lastDecision?.code !== 'no-answer';
      }, { message: `an answer from the worker; last decision ${why()}` });
      assert.strictEqual(api.completions.provider.lastDecision?.code, 'below-threshold', why());
      const explanation = await vscode.commands.executeCommand<string>('charrnn.explain', { quiet: true });
      assert.match(explanation, /Below the threshold: the best candidate "antity" has probability \d+(\.\d)?%, under the threshold 99\.9% /);
      assert.match(explanation, /Candidates: "antity"/);
    } finally {
      await configure({ 'completion.minConfidence': SETTINGS['completion.minConfidence'] });
    }
  });

  test('snooze hides the ghost text, and it comes back after the snooze', async () => {
    assert.strictEqual(await vscode.commands.executeCommand('charrnn.snooze', { minutes: 4 / 60 }), true);
    assert.ok(api.snooze.active);
    assert.strictEqual(api.status.status.kind, 'snoozed');
    const editor = await editorWith('snooze.ts', PREFIX.slice(0, -2));
    await type(editor, 'Q');
    assert.strictEqual(await triggerAndCommit(editor, 2), PREFIX.slice(0, -1), 'nothing inserted while snoozed');
    assert.strictEqual(api.completions.provider.lastDecision?.code, 'snoozed');
    await waitFor(() => !api.snooze.active, { timeoutMs: 30_000, message: 'the snooze to end' });
    assert.strictEqual(api.status.status.kind, 'ready');
    await type(editor, 'u');
    assert.strictEqual(await triggerAndCommit(editor, 10), `${PREFIX}antity`, `last decision ${why()}`);
  });

  test('manual mode completes when asked with "Suggest completion"; the language toggle turns a language off and on', async () => {
    await configure({ 'completion.trigger': 'manual' });
    try {
      const editor = await editorWith('manual.ts', PREFIX.slice(0, -1));
      await type(editor, 'u');
      const text = await triggerAndCommit(editor, 10, { command: 'charrnn.suggest' });
      assert.strictEqual(text, `${PREFIX}antity`, `last decision ${why()}`);
    } finally {
      await configure({ 'completion.trigger': undefined });
    }
    const langs = () => vscode.workspace.getConfiguration('charrnn').get<string[]>('completion.disabledLanguages') ?? [];
    assert.strictEqual(await vscode.commands.executeCommand('charrnn.toggleLanguage', 'typescript'), 'off');
    assert.ok(langs().includes('typescript'));
    assert.strictEqual(await vscode.commands.executeCommand('charrnn.toggleLanguage', 'typescript'), 'on');
    assert.ok(!langs().includes('typescript'));
    await vscode.workspace.getConfiguration('charrnn').update('completion.disabledLanguages', undefined, vscode.ConfigurationTarget.Global);
  });

  test('an accepted completion increments the statistics, which the panel shows and resets', async () => {
    const before = totals(api.stats.snapshot);
    const editor = await editorWith('stats.ts', PREFIX);
    assert.strictEqual(await triggerAndCommit(editor, 10), `${PREFIX}antity`);
    const after = await waitFor(() => {
      const t = totals(api.stats.snapshot);
      return t.accepted === before.accepted + 1 ? t : undefined;
    }, { message: 'the accept to be counted' });
    assert.ok(after.shown >= before.shown + 1, 'shown counted');
    assert.strictEqual(after.charsSaved, before.charsSaved + 'antity'.length);
    assert.strictEqual(api.stats.snapshot.languages.typescript.accepted >= 1, true);
    assert.ok(after.latency.count > before.latency.count, 'latency recorded');

    // The panel shows them, and its Reset empties them.
    await vscode.commands.executeCommand('charrnn.showPanel');
    const panel = await waitFor(() => api.panel.current, { message: 'the panel' });
    const posted: ToPanel[] = [];
    const sub = panel.onDidPost((m) => posted.push(m));
    try {
      await panel.handleMessage({ command: 'ready' });
      const init = posted.find((m): m is InitMessage => m.type === 'init');
      const ts = init?.stats?.rows.find((r) => r.language === 'typescript');
      assert.ok(ts && ts.accepted >= 1 && ts.charsSaved >= 'antity'.length, `the panel's statistics: ${JSON.stringify(init?.stats)}`);
      await panel.handleMessage({ command: 'resetStats' });
      const reset = posted.filter((m) => m.type === 'stats').pop();
      assert.deepStrictEqual(reset?.type === 'stats' && reset.stats.rows, []);
      assert.strictEqual(totals(api.stats.snapshot).shown, 0);
    } finally {
      sub.dispose();
      panel.dispose();
    }
  });

  test('charrnn.modelPath pointing at a checkpoint trained by the CLI serves completions', async () => {
    // The CLI trains on the fixture's code plus a file with an identifier the workspace never
    // has: only the CLI's model can complete it.
    const ZANZIBAR = 'export const zanzibarQuotient = 42;\nexport const half = zanzibarQuotient / 2;\nconsole.log(zanzibarQuotient, half);\n';
    const src = path.join(tmp, 'cli-data');
    fs.cpSync(fixtureUri('src').fsPath, src, { recursive: true });
    fs.writeFileSync(path.join(src, 'zanzibar.ts'), ZANZIBAR);
    const inWorkspace = (fs.readdirSync(fixtureUri().fsPath, { recursive: true }) as string[])
      .map((f) => fixtureUri(f).fsPath)
      .filter((f) => fs.statSync(f).isFile())
      .some((f) => fs.readFileSync(f, 'latin1').includes('zanzibar'));
    assert.ok(!inWorkspace, 'the workspace never mentions it');
    const out = path.join(tmp, 'cli-model');
    const cli = path.join(REPO_ROOT, 'dist', 'cli.js');
    cp.execFileSync(process.execPath, [cli, 'train', src, '--out', out, '--lstm-size', '48', '--num-layers', '1', '--batch-size', '8',
      '--num-steps', '32', '--learning-rate', '0.01', '--epochs', '15', '--max-minutes', '2', '--json'], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: 'ignore',
      timeout: 180_000,
    });
    assert.ok(isOurCheckpoint(out), 'the CLI wrote a checkpoint');

    // A modelPath without a checkpoint: no completions, although the workspace has its own model.
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    await configure({ modelPath: empty });
    const Z = 'const q = zanzibarQ';
    const editor = await editorWith('modelpath.ts', Z.slice(0, -2));
    await type(editor, 'r');
    assert.strictEqual(await triggerAndCommit(editor, 2), Z.slice(0, -1));
    assert.strictEqual(api.completions.provider.lastDecision?.code, 'no-model');

    try {
      await configure({ modelPath: out });
      assert.strictEqual(api.store.servingDir(), out);
      await type(editor, 'Q');
      const text = await triggerAndCommit(editor, 20);
      assert.strictEqual(text, 'const q = zanzibarQuotient', `the CLI's model completes what only it has seen; last decision ${why()}`);
      assert.strictEqual(api.completions.client.status, 'ready');
    } finally {
      await configure({ modelPath: undefined });
    }
  });

  test('export copies the model; delete (confirmed) removes only the workspace model', async () => {
    const own = api.store.dir!;
    const to = path.join(tmp, 'exported');
    assert.strictEqual(await vscode.commands.executeCommand('charrnn.exportModel', { to }), to);
    assert.ok(isOurCheckpoint(to));
    assert.deepStrictEqual(fs.readdirSync(to).sort(), fs.readdirSync(own).sort());

    assert.strictEqual(await vscode.commands.executeCommand('charrnn.deleteModel', { confirmed: true }), true);
    assert.strictEqual(fs.existsSync(own), false);
    assert.strictEqual(api.store.servingExists(), false);
    await waitFor(() => api.status.status.kind === 'base', { message: 'the status bar to say "base model" (the shipped base answers)' });
    // Put it back for the suites after this one.
    fs.cpSync(to, own, { recursive: true });
    assert.ok(api.store.exists());
  });
});
