/**
 * Wires the parts together and nothing else: the log, the status bar, the training client, the
 * commands, the training panel, the completion provider and its controls. No model work happens
 * here; the trainer process starts on "Train on workspace", the completion worker on the first
 * request.
 */
import * as vscode from 'vscode';
import * as path from 'path';
import { TrainingClient } from './trainingClient';
import { ModelStore } from './modelStore';
import { StatusBar, followModelStatus } from './statusBar';
import { currentMenuEntries, registerStatusMenu, type MenuState } from './statusMenu';
import { continueProblem, type MenuEntry } from './statusModel';
import type { CheckpointMeta } from '../core/checkpoint';
import { TrainCommand, type TrainArgs } from './trainCommand';
import { readCompletionConfig, readTrainConfig, readTrainerManners } from './settings';
import { registerTrainingPanel, panelTestApi, type PanelDeps, type PanelTestApi } from './panel';
import { sampleModel } from './sampleViaCli';
import { CompletionClient } from './completionClient';
import { SavedFiles } from './savedFiles';
import { registerCompletions, type CharRnnCompletionProvider } from './completionProvider';
import { TypingYield } from './typingYield';
import { Snooze } from './snooze';
import { registerControlCommands } from './controlCommands';
import { registerModelCommands } from './modelCommands';
import { AcceptTracker } from './acceptTracker';
import { reasonText } from './decision';
import { followContextKeys } from './contextKeys';
import { StatsStore, statsView } from '../core/stats';

export interface CharRnnApi {
  training: TrainingClient;
  store: ModelStore;
  status: StatusBar;
  panel: PanelTestApi;
  completions: { client: CompletionClient; provider: CharRnnCompletionProvider };
  snooze: Snooze;
  stats: StatsStore;
  /** The status menu's entries as they would show now. */
  menu(): MenuEntry[];
}

export function activate(context: vscode.ExtensionContext): CharRnnApi {
  const log = vscode.window.createOutputChannel('CharRNN', { log: true });
  const store = new ModelStore(context);
  const status = new StatusBar();
  const training = new TrainingClient(context.asAbsolutePath('dist/trainer.js'), log);
  const trainCommand = new TrainCommand(training, store, log);
  const snooze = new Snooze(context.workspaceState);
  const stats = new StatsStore(context.storageUri?.scheme === 'file' ? path.join(context.storageUri.fsPath, 'stats.json') : undefined);
  const statsChanged = new vscode.EventEmitter<void>();
  const stopStatsEvents = stats.onDidChange(() => statsChanged.fire());
  context.subscriptions.push(log, status, training, snooze, statsChanged, stopStatsEvents, stats);

  const menuState: MenuState = {
    training: () => training.running,
    pausedByUser: () => training.pausedByUser,
    snoozed: () => snooze.active,
    hasModel: () => store.exists() || store.servingExists(),
    continueProblem: () => {
      let meta: CheckpointMeta | undefined;
      try {
        meta = store.meta();
      } catch {
        return 'the saved model cannot be read';
      }
      return continueProblem(meta?.config, readTrainConfig().value);
    },
    wantedShape: () => {
      const c = readTrainConfig().value;
      return `${c.lstmSize}x${c.numLayers}`;
    },
  };
  const contextKeys = followContextKeys({ training, hasModel: () => store.servingExists(), snooze });
  const statusFollower = followModelStatus(status, training, () => store.servingExists(), snooze);
  context.subscriptions.push(
    statusFollower,
    contextKeys,
    new TypingYield(training, () => readTrainerManners().value.yieldWhileTyping),
    vscode.commands.registerCommand('charrnn.train', (args?: TrainArgs) => trainCommand.train(args)),
    vscode.commands.registerCommand('charrnn.stop', () => trainCommand.stop()),
    vscode.commands.registerCommand('charrnn.pauseTraining', () => trainCommand.pause()),
    vscode.commands.registerCommand('charrnn.resumeTraining', () => trainCommand.resume()),
    vscode.commands.registerCommand('charrnn.resetStatistics', async (arg?: { confirmed?: boolean }) => {
      const ok = arg?.confirmed || (await vscode.window.showWarningMessage('Reset the CharRNN completion statistics of this workspace?', { modal: true }, 'Reset')) === 'Reset';
      if (ok) stats.reset();
      return ok;
    }),
    vscode.commands.registerCommand('charrnn.showLog', () => log.show()),
    registerStatusMenu(menuState),
  );

  // Completions: the worker starts on the first request and reloads when a checkpoint lands.
  const completionClient = new CompletionClient({
    modelDir: () => (store.servingExists() ? store.servingDir() : undefined),
    log: (m) => log.info(`[completion] ${m}`),
    onWorkerDied: (m) => {
      void vscode.window.showWarningMessage(`CharRNN completions: ${m}`, 'Show log').then((pick) => pick && log.show());
    },
    onLoaded: (info) => status.setServing(`${info.experts}${info.lstmStep > 0 ? ` (LSTM step ${info.lstmStep})` : ''}`),
    onModelError: (m) => {
      // A model deleted (or replaced) meanwhile is no error: the status follows the files.
      if (!store.servingExists()) {
        log.info(`[completion] ignored a load error of a model that is gone: ${m}`);
        statusFollower.refresh();
        return;
      }
      status.set({ kind: 'error', message: m });
      void vscode.window.showErrorMessage(`CharRNN: ${m}`, 'Show log').then((pick) => pick && log.show());
    },
    onUnloaded: () => {
      status.setServing(undefined);
      statusFollower.refresh();
    },
  });
  context.subscriptions.push(completionClient);
  const tracker = new AcceptTracker(stats);
  context.subscriptions.push(tracker);
  const provider = registerCompletions(context, {
    client: completionClient,
    settings: () => readCompletionConfig().value,
    log: (m) => log.info(`[completion] ${m}`),
    snoozedUntil: () => snooze.endsAt,
    hasModel: () => store.servingExists(),
    tracking: tracker,
    onDecision: (d) => status.setDetail(reasonText(d)),
    // An explicit request that shows nothing says why where the user looks: the status bar.
    say: (text) => status.flash(`CharRNN: ${text}`),
  });
  // A new checkpoint reaches the worker one way only: the client's look at meta.json (see
  // CompletionClient). Here only what the window shows follows.
  const modelChanged = () => {
    completionClient.modelChanged();
    contextKeys.refresh();
    statusFollower.refresh();
  };
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('charrnn.modelPath')) {
        modelChanged();
        warnAboutModelPath(store, log);
      }
    }),
    ...registerControlCommands({ snooze, provider, client: completionClient, log }),
    ...registerModelCommands({ store, training, onModelChanged: modelChanged, log }),
  );
  warnAboutModelPath(store, log);

  const savedFiles = new SavedFiles((docKey, text) => completionClient.learn(docKey, text), training.onEvent);
  context.subscriptions.push(savedFiles);

  const panelDeps: PanelDeps = {
    onTrainerEvent: training.onEvent,
    onDidChangeRunning: training.onDidChangeRunning,
    isRunning: () => training.running,
    getSnapshot: () => training.snapshot(),
    loadModelMeta: () => store.meta(),
    startTraining: (resume) => trainCommand.train({ mode: resume ? 'continue' : 'fresh', quiet: true }),
    stopTraining: () => training.stop(),
    sample: (o) => {
      const dir = store.servingDir();
      if (!dir || !store.servingExists()) return Promise.reject(new Error('there is no trained model yet'));
      return sampleModel(context.asAbsolutePath('dist/cli.js'), dir, o);
    },
    log: (m) => log.info(m),
    pauseTraining: () => training.pause('user'),
    resumeTraining: () => training.resume('user'),
    isPausedByUser: () => training.pausedByUser,
    onDidChangePaused: training.onDidChangePaused,
    stats: () => statsView(stats.snapshot),
    onDidChangeStats: statsChanged.event,
    resetStats: () => stats.reset(),
    savedSinceModel: () => savedFiles.count,
    onDidChangeSaved: savedFiles.onDidChange,
  };
  context.subscriptions.push(registerTrainingPanel(context, panelDeps));

  return {
    training,
    store,
    status,
    panel: panelTestApi,
    completions: { client: completionClient, provider },
    snooze,
    stats,
    menu: () => currentMenuEntries(menuState),
  };
}

/** A charrnn.modelPath that holds no checkpoint gets one warning (at start and when it changes). */
function warnAboutModelPath(store: ModelStore, log: vscode.LogOutputChannel): void {
  const p = store.modelPath();
  if (!p) return;
  if (store.servingExists()) {
    log.info(`completions use the model in charrnn.modelPath: ${p}`);
    return;
  }
  log.warn(`charrnn.modelPath: no checkpoint (meta.json + weights.bin) in ${p}`);
  void vscode.window.showWarningMessage(`CharRNN: charrnn.modelPath points at ${p}, which holds no CharRNN checkpoint; there are no completions until it does.`);
}

export function deactivate(): void {}
