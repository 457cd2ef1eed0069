/**
 * Inline completions in the real VS Code: nothing breaks without a model; with a small model
 * trained on the fixture workspace, trigger + commit inserts the token it has learnt; with
 * completions toggled off nothing is inserted.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { CharRnnApi } from '../../../src/extension/extension';
import type { FromTrainer } from '../../../src/protocol/trainer';
import * as fs from 'fs';
import { latestEvents } from '../../../src/core/views/lossSeries';
import { originText } from '../../../src/webview/format';
import { configure, editorWith, fixtureUri, getExtensionExports, trainFresh, triggerAndCommit, waitFor } from './helpers';

const MODEL: Record<string, unknown> = {
  'model.lstmSize': 64,
  'model.numLayers': 1,
  'training.batchSize': 8,
  'training.numSteps': 32,
  'training.epochs': 15,
  'training.maxMinutes': 4,
  'training.learningRate': 0.01,
  'completion.minConfidence': 0.05,
  'completion.debounceMs': 0,
  // The tests below assert the token a commit inserts; the ghost past the token has its own test.
  'completion.length': 'token',
};

suite('Inline completions', function () {
  this.timeout(400_000);
  let api: CharRnnApi;

  suiteSetup(async () => {
    api = await getExtensionExports<CharRnnApi>();
    await configure(MODEL);
  });
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await configure(Object.fromEntries(Object.keys(MODEL).map((k) => [k, undefined])));
  });

  test('with no workspace model, the shipped base model completes from the open file (issue 18)', async () => {
    // Whatever an earlier suite left: no workspace model.
    if (api.store.exists()) assert.strictEqual(await vscode.commands.executeCommand('charrnn.deleteModel', { confirmed: true }), true);
    assert.strictEqual(api.store.exists(), false);
    const editor = await editorWith('base.ts', 'const totalInvoiceAmount = 1;\nconsole.log(totalInvoiceAmount);\nexport default totalInv');
    const text = await triggerAndCommit(editor, 20);
    assert.match(text, /export default totalInvoiceAmount$/, text);
    assert.strictEqual(api.status.status.kind, 'base');
  });

  test('a run of the base model\'s shape fine-tunes the base, and the panel\'s data names it (issue 18)', async () => {
    await configure({ 'model.lstmSize': 256, 'model.numLayers': 2, 'training.maxMinutes': 0.2, 'training.epochs': 1 });
    try {
      const end = await trainFresh(api);
      assert.strictEqual(end.type, 'done', JSON.stringify(end));
      const origin = latestEvents(api.training.snapshot()).origin;
      assert.ok(origin && origin.from === 'base' && origin.base === 'charrnn-base-256x2', JSON.stringify(origin));
      assert.ok(origin.valBits !== undefined && origin.valBits < 4, `the base on the fixture: ${origin.valBits} bits/char`);
      assert.match(originText(origin), /^base model charrnn-base-256x2 · \d\.\d{3} bits\/char on this workspace before training$/);
    } finally {
      await configure({ 'model.lstmSize': MODEL['model.lstmSize'], 'model.numLayers': MODEL['model.numLayers'], 'training.maxMinutes': MODEL['training.maxMinutes'], 'training.epochs': MODEL['training.epochs'] });
    }
  });

  test('a model trained on the workspace completes a learnt identifier', async () => {
    const end = await trainFresh(api);
    assert.strictEqual(end.type, 'done', JSON.stringify(end));
    assert.ok(api.store.exists());
    const editor = await editorWith('learnt.ts', 'const total = order.itemQu');
    const text = await triggerAndCommit(editor, 20);
    assert.strictEqual(text, 'const total = order.itemQuantity');
  });

  test('where the document repeats a call, the ghost goes past the identifier: Tab takes all of it, accept-next-word a word and leaves the rest (issue 23)', async () => {
    await configure({ 'completion.length': 'line', 'completion.continuationMinConfidence': 0.3 });
    try {
      const call = "logger.info(formatMessage(user, 'created'));";
      const body = `${call}\n`.repeat(5);
      const lastLine = (e: vscode.TextEditor) => e.document.lineAt(e.document.lineCount - 1).text;
      // A token that is an opening bracket comes with its closer, as typing it would (a ghost past the token does not).
      const written = (line: string) => (call.startsWith(line) ? line : line.replace(/\)$/, ''));
      // Tab (commit) inserts the identifier and what follows it.
      const whole = await editorWith('line-whole.ts', body + 'logger.inf');
      await triggerAndCommit(whole, 20);
      const taken = written(lastLine(whole));
      assert.ok(call.startsWith(taken) && taken.length > 'logger.info('.length, `Tab took ${JSON.stringify(lastLine(whole))}`);
      assert.ok(!whole.document.getText().slice(body.length).includes('\n'), 'the ghost never crosses the line');
      // Accept next word: a first part goes in, the rest stays shown (a commit without a new trigger takes it).
      const parts = await editorWith('line-words.ts', body + 'logger.inf');
      await waitFor(async () => {
        await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
        await new Promise((r) => setTimeout(r, 500));
        const d = api.completions.provider.lastDecision;
        return d?.code === 'shown' && d.docKey === parts.document.uri.toString() && (d.completion ?? '').length > 1;
      }, { timeoutMs: 30_000, message: 'no ghost past the identifier' });
      await vscode.commands.executeCommand('editor.action.inlineSuggest.acceptNextWord');
      await waitFor(() => lastLine(parts) !== 'logger.inf', { timeoutMs: 5000, message: 'accept-next-word inserted nothing' });
      const first = lastLine(parts);
      assert.ok(call.startsWith(first) && first.length < taken.length, `one word: ${JSON.stringify(first)} of ${JSON.stringify(taken)}`);
      await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
      await waitFor(() => lastLine(parts) !== first, { timeoutMs: 5000, message: 'the rest was not shown after the first word' });
      const rest = written(lastLine(parts));
      assert.ok(call.startsWith(rest) && rest.length > first.length, JSON.stringify(lastLine(parts)));
    } finally {
      await configure({ 'completion.length': MODEL['completion.length'], 'completion.continuationMinConfidence': undefined });
    }
  });

  test('an identifier that occurs only in the open, unsaved document is completed from the document cache', async () => {
    const doc = await vscode.workspace.openTextDocument({
      language: 'typescript',
      content: 'const zebraQuaggaCount = 3;\nconst next = zebraQuaggaCount + 1;\nconsole.log(zebraQ',
    });
    const editor = await vscode.window.showTextDocument(doc);
    const end = doc.positionAt(doc.getText().length);
    editor.selection = new vscode.Selection(end, end);
    assert.ok(doc.isUntitled, 'the document is not saved anywhere');
    const text = await triggerAndCommit(editor, 10);
    assert.ok(text.endsWith('console.log(zebraQuaggaCount'), JSON.stringify(text.slice(-40)));
    const corpus = (fs.readdirSync(fixtureUri().fsPath, { recursive: true }) as string[])
      .map((f) => fixtureUri(f).fsPath)
      .filter((f) => fs.statSync(f).isFile())
      .map((f) => fs.readFileSync(f, 'latin1'))
      .join('\n');
    assert.ok(!corpus.includes('zebraQuagga'), 'the workspace files never mention it');
  });

  test('a file saved after training is counted: its new identifier completes in another file', async () => {
    const saved = await editorWith('zoo.ts', '');
    await saved.edit((b) => b.insert(new vscode.Position(0, 0), 'export function quaggaZebraCount(): number {\n  return 1;\n}\n'));
    assert.ok(await saved.document.save());
    const doc = await vscode.workspace.openTextDocument({ language: 'typescript', content: 'const n = quaggaZ' });
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(doc.positionAt(doc.getText().length), doc.positionAt(doc.getText().length));
    const text = await triggerAndCommit(editor, 10);
    assert.strictEqual(text, 'const n = quaggaZebraCount');
  });

  test('with completions toggled off nothing is inserted', async () => {
    await vscode.commands.executeCommand('charrnn.toggleCompletions');
    try {
      assert.strictEqual(vscode.workspace.getConfiguration('charrnn').get('completion.enabled'), false);
      const editor = await editorWith('off.ts', 'const total = order.itemQu');
      const text = await triggerAndCommit(editor, 3);
      assert.strictEqual(text, 'const total = order.itemQu');
      assert.strictEqual(api.status.status.kind, 'off');
    } finally {
      await vscode.commands.executeCommand('charrnn.toggleCompletions');
    }
    assert.strictEqual(vscode.workspace.getConfiguration('charrnn').get('completion.enabled'), true);
  });

  test('right after training starts, before any LSTM checkpoint, the n-gram stage serves ghost text', async () => {
    // A large LSTM: its first checkpoint (100 steps) is minutes away on this machine.
    await configure({ 'model.lstmSize': 512, 'model.numLayers': 2, 'training.batchSize': 32, 'training.numSteps': 64, 'training.maxMinutes': 10 });
    // A fresh run never writes its n-gram stage over a trained LSTM (issue 20: the old model serves
    // until the new run's first LSTM checkpoint): start from an empty model folder.
    assert.strictEqual(await vscode.commands.executeCommand('charrnn.deleteModel', { confirmed: true }), true);
    const events: FromTrainer[] = [];
    const sub = api.training.onEvent((e) => events.push(e));
    try {
      assert.strictEqual(await vscode.commands.executeCommand('charrnn.train', { mode: 'fresh', quiet: true }), true);
      await waitFor(() => events.some((e) => e.type === 'checkpoint'), { timeoutMs: 60_000, message: 'no n-gram-stage checkpoint' });
      const first = events.find((e) => e.type === 'checkpoint');
      assert.strictEqual(first?.type === 'checkpoint' && first.step, 0);
      // Delete let the previous model go (no worker runs): the next request loads the new
      // checkpoint. Ask until the worker serves it, not the previous test's model.
      const editor = await editorWith('ngram-stage.ts', 'const total = order.itemQu');
      await waitFor(async () => {
        await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
        await new Promise((r) => setTimeout(r, 300));
        return api.status.servingText === 'n-gram + cache';
      }, { timeoutMs: 30_000, message: `still serving ${api.status.servingText}` });
      const text = await triggerAndCommit(editor, 20);
      assert.strictEqual(text, 'const total = order.itemQuantity');
      // Served by the n-gram + cache alone: no LSTM checkpoint has landed yet.
      assert.ok(!events.some((e) => e.type === 'checkpoint' && e.step > 0), 'an LSTM checkpoint landed first: the test proves nothing');
      assert.strictEqual(api.status.servingText, 'n-gram + cache');
      assert.ok(api.training.running);
    } finally {
      sub.dispose();
      if (api.training.running) {
        const stopped = new Promise<void>((resolve) => {
          const s = api.training.onDidChangeRunning((running) => running || (s.dispose(), resolve()));
        });
        await vscode.commands.executeCommand('charrnn.stop');
        await stopped;
      }
    }
  });
});
