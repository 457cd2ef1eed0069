/**
 * The training panel inside the real VS Code: the command opens one panel (and reveals it when it
 * is open), its webview script loads under the panel's CSP and asks for its state, settings posted
 * from the panel land in the workspace configuration (and bad ones do not), settings changed
 * elsewhere reach the panel, and start / stop from the panel drive the trainer, with a panel
 * reopened during training getting the run's points back.
 *
 * Messages "from the webview" are handed to TrainingPanel.handleMessage, the method the webview's
 * messages go through; the extension exposes the panel as `exports.panel` (a PanelTestApi).
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { PanelTestApi, TrainingPanel } from '../../../src/extension/panel';
import type { InitMessage, ToPanel } from '../../../src/protocol/panel';
import { getExtensionExports, waitFor } from './helpers';

const TITLE = 'CharRNN Training';
const VIEW_TYPE = 'charrnn.trainingPanel';

async function panelApi(): Promise<PanelTestApi> {
  const exports = await getExtensionExports<{ panel?: PanelTestApi }>();
  assert.ok(exports && exports.panel, 'activate() must return { panel: panelTestApi } (src/extension/panel.ts)');
  return exports.panel;
}

function panelTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.label === TITLE && t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(VIEW_TYPE));
}

async function openPanel(): Promise<TrainingPanel> {
  const api = await panelApi();
  await vscode.commands.executeCommand('charrnn.showPanel');
  return waitFor(() => api.current, { message: 'the panel to exist' });
}

/** Resolves with the first message the host posts that matches. */
function nextPost<T extends ToPanel>(panel: TrainingPanel, match: (m: ToPanel) => m is T, timeoutMs: number, what: string): Promise<T>;
function nextPost(panel: TrainingPanel, match: (m: ToPanel) => boolean, timeoutMs: number, what: string): Promise<ToPanel>;
function nextPost(panel: TrainingPanel, match: (m: ToPanel) => boolean, timeoutMs: number, what: string): Promise<ToPanel> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; posted: ${seen.slice(-20).join(', ') || 'nothing'}`));
    }, timeoutMs);
    const sub = panel.onDidPost((m) => {
      seen.push(m.type === 'trainer' ? `trainer:${m.event.type}` : m.type);
      if (match(m)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(m);
      }
    });
  });
}

const isInit = (m: ToPanel): m is InitMessage => m.type === 'init';

async function closePanel(): Promise<void> {
  const api = await panelApi();
  api.current?.dispose();
  await waitFor(() => panelTabs().length === 0, { message: 'the panel tab to close' });
}

function workspaceValue(key: string): unknown {
  return vscode.workspace.getConfiguration('charrnn').inspect(key)?.workspaceValue;
}

async function setWorkspace(values: Record<string, unknown>): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('charrnn');
  for (const [k, v] of Object.entries(values)) await cfg.update(k, v, vscode.ConfigurationTarget.Workspace);
}

const TINY: Record<string, unknown> = {
  'model.lstmSize': 32,
  'model.numLayers': 1,
  'training.batchSize': 8,
  'training.numSteps': 32,
  'training.epochs': 50,
  'training.maxMinutes': 3,
  'training.learningRate': 0.01,
};

describe('Training panel', function () {
  this.timeout(120_000);

  after(async () => {
    await setWorkspace(Object.fromEntries([...Object.keys(TINY), 'training.dropout'].map((k) => [k, undefined])));
    await closePanel();
  });

  it('"CharRNN: Show training panel" opens one panel, and reveals it when it is open', async () => {
    await closePanel();
    const panel = await openPanel();
    await waitFor(() => panelTabs().length === 1, { message: `a "${TITLE}" tab` });
    await vscode.commands.executeCommand('charrnn.showPanel');
    const api = await panelApi();
    assert.strictEqual(api.current, panel, 'the same panel');
    assert.strictEqual(panelTabs().length, 1, 'one panel at a time');
    const html = panel.webview.html;
    assert.match(html, /default-src 'none'/);
    assert.match(html, /<script nonce="[A-Za-z0-9]+" src="[^"]+dist\/webview\.js"/);
    assert.strictEqual(panel.webview.options.enableScripts, true);
    const roots = (panel.webview.options.localResourceRoots ?? []).map((u) => u.path.split('/').pop());
    assert.deepStrictEqual(roots.sort(), ['dist', 'media']);
  });

  it('its webview script loads under the CSP and gets the state', async () => {
    await closePanel();
    const api = await panelApi();
    await vscode.commands.executeCommand('charrnn.showPanel');
    const panel = await waitFor(() => api.current);
    // `init` is the answer to the webview's `ready`: it proves dist/webview.js ran in the webview.
    const init = await nextPost(panel, isInit, 60_000, 'the webview to say ready');
    assert.strictEqual(typeof init.settings['model.lstmSize'], 'number');
    assert.ok(Array.isArray(init.series.step));
  });

  it('a settings change posted from the panel lands in the workspace configuration', async () => {
    const panel = await openPanel();
    const applied = nextPost(panel, (m) => m.type === 'applied', 30_000, 'the answer to applySettings');
    await panel.handleMessage({ command: 'applySettings', values: { 'model.lstmSize': 48, 'training.dropout': 0.25 } });
    const answer = await applied;
    assert.ok(answer.type === 'applied' && answer.ok, JSON.stringify(answer));
    assert.strictEqual(workspaceValue('model.lstmSize'), 48);
    assert.strictEqual(workspaceValue('training.dropout'), 0.25);
    assert.strictEqual(vscode.workspace.getConfiguration('charrnn').get('model.lstmSize'), 48);
  });

  it('refuses out-of-range values, bad types and unknown commands without writing anything', async () => {
    const panel = await openPanel();
    await setWorkspace({ 'model.numLayers': 2 });
    const refused = nextPost(panel, (m) => m.type === 'applied', 30_000, 'the refusal');
    await panel.handleMessage({ command: 'applySettings', values: { 'model.numLayers': 99, 'model.lstmSize': 64 } });
    const answer = await refused;
    assert.ok(answer.type === 'applied' && !answer.ok && 'model.numLayers' in answer.errors, JSON.stringify(answer));
    assert.strictEqual(workspaceValue('model.numLayers'), 2, 'nothing written');
    assert.notStrictEqual(workspaceValue('model.lstmSize'), 64, 'not even the valid part');

    await panel.handleMessage({ command: 'applySettings', values: { 'model.numLayers': '3' } });
    await panel.handleMessage({ command: 'applySettings', values: { 'completion.enabled': false } });
    await panel.handleMessage({ command: 'runShell', line: 'rm -rf /' });
    await panel.handleMessage('start');
    assert.strictEqual(workspaceValue('model.numLayers'), 2);
    assert.strictEqual(vscode.workspace.getConfiguration('charrnn').inspect('completion.enabled')?.workspaceValue, undefined);
    await setWorkspace({ 'model.numLayers': undefined });
  });

  it('follows settings changed elsewhere (settings.json, Settings UI)', async () => {
    const panel = await openPanel();
    const posted = nextPost(
      panel,
      (m) => m.type === 'settings' && m.settings['training.batchSize'] === 17,
      30_000,
      'a settings message with the new batch size',
    );
    await setWorkspace({ 'training.batchSize': 17 });
    await posted;
    await setWorkspace({ 'training.batchSize': undefined });
  });

  it('start and stop from the panel drive the trainer; a panel reopened during training gets the run back', async function () {
    this.timeout(300_000);
    // A run that only the stop ends (no epoch limit, a time limit far away): it is surely still
    // going when the panel is reopened.
    await setWorkspace({ ...TINY, 'training.epochs': 0, 'training.maxMinutes': 30 });
    let panel = await openPanel();
    const steps: number[] = [];
    const progress = nextPost(panel, (m) => m.type === 'trainer' && m.event.type === 'progress', 240_000, 'a progress event');
    const sub = panel.onDidPost((m) => m.type === 'trainer' && m.event.type === 'progress' && steps.push(m.event.step));
    await panel.handleMessage({ command: 'start', resume: false });
    const first = await progress;
    assert.ok(first.type === 'trainer' && first.running, 'running while it reports progress');
    sub.dispose();

    // Close and reopen during training: the new webview's init carries the run and its points.
    await closePanel();
    const api = await panelApi();
    await vscode.commands.executeCommand('charrnn.showPanel');
    panel = await waitFor(() => api.current);
    const init = await nextPost(panel, isInit, 60_000, 'the reopened webview to say ready');
    assert.strictEqual(init.running, true, 'the reopened panel knows the run is going');
    for (const step of steps) assert.ok(init.series.step.includes(step), `the reopened chart has step ${step} of the run: ${init.series.step.join(',')}`);
    assert.ok(init.latest.progress && init.latest.progress.step >= Math.max(...steps), `the latest progress of the run: ${JSON.stringify(init.latest.progress)}`);
    const ended = nextPost(
      panel,
      (m) => m.type === 'trainer' && (m.event.type === 'done' || m.event.type === 'error'),
      120_000,
      'the run to end after stop',
    );
    await panel.handleMessage({ command: 'stop' });
    const end = await ended;
    assert.ok(end.type === 'trainer' && end.event.type === 'done' && end.event.reason === 'stopped', JSON.stringify(end));
    await waitFor(() => nextPostIdle(panel), { timeoutMs: 60_000, message: 'the trainer to stop' });
  });
});

/** True once the panel's host says no run is going (asks with a stop, which is a no-op then). */
async function nextPostIdle(panel: TrainingPanel): Promise<boolean> {
  const answer = nextPost(panel, (m) => m.type === 'running', 20_000, 'a running message');
  await panel.handleMessage({ command: 'stop' });
  const m = await answer;
  return m.type === 'running' && !m.running;
}
