/**
 * Wires the parts together and nothing else: the log, the status bar, the training client, the
 * commands, the training panel and the completion provider. No model work happens here; the
 * trainer process starts on "Train on workspace", the completion worker on the first request.
 */
import * as vscode from 'vscode';
import { TrainingClient } from './trainingClient';
import { ModelStore } from './modelStore';
import { StatusBar, followModelStatus } from './statusBar';
import { registerSettingsCommands } from './settingsCommands';
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

  context.subscriptions.push(
    followModelStatus(status, training, () => store.exists()),
    vscode.commands.registerCommand('charrnn.train', (args?: TrainArgs) => trainCommand.train(args)),
    vscode.commands.registerCommand('charrnn.stop', () => trainCommand.stop()),
    ...registerSettingsCommands(log),
  );

  // Completions: the worker starts on the first request and reloads when a checkpoint lands.
  const completionClient = new CompletionClient({
    modelDir: () => (store.exists() ? store.dir : undefined),
    log: (m) => log.info(`[completion] ${m}`),
    onWorkerDied: (m) => {
      void vscode.window.showWarningMessage(`CharRNN completions: ${m}`, 'Show log').then((pick) => pick && log.show());
    },
    onLoaded: (info) => status.setServing(`${info.experts}${info.lstmStep > 0 ? ` (LSTM step ${info.lstmStep})` : ''}`),
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
