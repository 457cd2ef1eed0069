/**
 * Wires the parts together and nothing else: the log, the status bar, the training client, the
 * commands, the training panel and the completion provider. No model work happens here; the
 * trainer process starts on "Train on workspace", the completion worker on the first request.
 */
import * as vscode from 'vscode';
import { TrainingClient } from './trainingClient';
import { ModelStore } from './modelStore';
import { StatusBar } from './statusBar';
import { TrainCommand, type TrainArgs } from './trainCommand';
import { readCompletionConfig } from './settings';
import { registerTrainingPanel, panelTestApi, type PanelDeps, type PanelTestApi } from './panel';
import { sampleModel } from './sampler';
import { CompletionClient } from './completionClient';
import { registerCompletions, type CharRnnCompletionProvider } from './completionProvider';

export interface CharRnnApi {
  training: TrainingClient;
  store: ModelStore;
  status: StatusBar;
  panel: PanelTestApi;
  completions: { client: CompletionClient; provider: CharRnnCompletionProvider };
}

export function activate(context: vscode.ExtensionContext): CharRnnApi {
  const log = vscode.window.createOutputChannel('CharRNN', { log: true });
  const store = new ModelStore(context);
  const status = new StatusBar();
  const training = new TrainingClient(context.asAbsolutePath('dist/trainer.js'), log);
  const trainCommand = new TrainCommand(training, store, log);
  context.subscriptions.push(log, status, training);

  const refreshStatus = () => {
    if (training.running) return;
    if (!store.exists()) status.set({ kind: 'no-model' });
    else status.set({ kind: readCompletionConfig().value.enabled ? 'ready' : 'off' });
  };
  refreshStatus();

  context.subscriptions.push(
    training.onEvent((e) => {
      if (e.type === 'progress') {
        const percent = e.totalSteps > 0 ? (100 * e.step) / e.totalSteps : undefined;
        status.set({ kind: 'training', percent, loss: e.loss });
      } else if (e.type === 'error') {
        status.set({ kind: 'error', message: e.message });
      }
    }),
    training.onDidChangeRunning((running) => {
      if (running) status.set({ kind: 'training' });
      else if (status.status.kind !== 'error') refreshStatus();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('charrnn.completion.enabled')) refreshStatus();
    }),
    vscode.commands.registerCommand('charrnn.train', (args?: TrainArgs) => trainCommand.train(args)),
    vscode.commands.registerCommand('charrnn.stop', () => trainCommand.stop()),
    vscode.commands.registerCommand('charrnn.toggleCompletions', async () => {
      const cfg = vscode.workspace.getConfiguration('charrnn');
      const enabled = !cfg.get<boolean>('completion.enabled', true);
      // Change the value where it is set, so a workspace setting does not hide the toggle.
      const where = cfg.inspect<boolean>('completion.enabled');
      const target = where?.workspaceFolderValue !== undefined
        ? vscode.ConfigurationTarget.WorkspaceFolder
        : where?.workspaceValue !== undefined
          ? vscode.ConfigurationTarget.Workspace
          : vscode.ConfigurationTarget.Global;
      await cfg.update('completion.enabled', enabled, target);
      void vscode.window.setStatusBarMessage(`CharRNN completions ${enabled ? 'on' : 'off'}`, 2000);
    }),
    vscode.commands.registerCommand('charrnn.showLog', () => log.show()),
    vscode.commands.registerCommand('charrnn.menu', async () => {
      const enabled = readCompletionConfig().value.enabled;
      const items: (vscode.QuickPickItem & { command: string; args?: unknown })[] = [
        { label: enabled ? '$(circle-slash) Turn inline completions off' : '$(sparkle) Turn inline completions on', command: 'charrnn.toggleCompletions' },
        { label: '$(graph-line) Show training panel', command: 'charrnn.showPanel' },
        { label: '$(debug-continue) Continue training', command: 'charrnn.train', args: { mode: 'continue' } },
        { label: '$(refresh) Train a fresh model', command: 'charrnn.train', args: { mode: 'fresh' } },
        { label: '$(output) Show log', command: 'charrnn.showLog' },
      ];
      const pick = await vscode.window.showQuickPick(items, { title: 'CharRNN' });
      if (pick) await vscode.commands.executeCommand(pick.command, pick.args);
    }),
  );

  // Completions: the worker starts on the first request and reloads when a checkpoint lands.
  const completionClient = new CompletionClient({
    modelDir: () => (store.exists() ? store.dir : undefined),
    log: (m) => log.info(`[completion] ${m}`),
    onWorkerDied: (m) => {
      void vscode.window.showWarningMessage(`CharRNN completions: ${m}`, 'Show log').then((pick) => pick && log.show());
    },
    onModelError: (m) => {
      status.set({ kind: 'error', message: m });
      void vscode.window.showErrorMessage(`CharRNN: ${m}`, 'Show log').then((pick) => pick && log.show());
    },
  });
  context.subscriptions.push(completionClient);
  const provider = registerCompletions(context, {
    client: completionClient,
    settings: () => readCompletionConfig().value,
    log: (m) => log.info(`[completion] ${m}`),
  });
  context.subscriptions.push(
    training.onEvent((e) => {
      if (e.type === 'checkpoint') {
        completionClient.reload();
        provider.clearCache();
      }
    }),
  );

  const panelDeps: PanelDeps = {
    onTrainerEvent: training.onEvent,
    onDidChangeRunning: training.onDidChangeRunning,
    isRunning: () => training.running,
    getSnapshot: () => training.snapshot(),
    loadHistory: () => store.meta(),
    startTraining: (resume) => trainCommand.train({ mode: resume ? 'continue' : 'fresh', quiet: true }),
    stopTraining: () => training.stop(),
    sample: (o) => {
      const dir = store.dir;
      if (!dir || !store.exists()) return Promise.reject(new Error('there is no trained model yet'));
      return sampleModel(context.asAbsolutePath('dist/cli.js'), dir, o);
    },
    log: (m) => log.info(m),
  };
  context.subscriptions.push(registerTrainingPanel(context, panelDeps));

  return { training, store, status, panel: panelTestApi, completions: { client: completionClient, provider } };
}

export function deactivate(): void {}
