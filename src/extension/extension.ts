/**
 * Wires the parts together and nothing else: the log, the status bar, the training client, the
 * commands, the training panel, the completion provider and its controls. No model work happens
 * here; the trainer process starts on "Train on workspace", the completion worker on the first
 * request.
 */
import * as vscode from 'vscode';
import { defaultBaseDir } from '../core/store/baseModel';
import * as path from 'path';
import { TrainingClient } from './trainingClient';
import { ModelStore } from './modelStore';
import { StatusBar, followModelStatus } from './statusBar';
import { currentMenuEntries, registerStatusMenu, type MenuState } from './statusMenu';
import { continueProblem, type MenuEntry } from './statusModel';
import { hasLstm, loadMeta, type CheckpointMeta } from '../core/store/checkpoint';
import { readLock } from '../core/store/modelFolder';
import { CONTINUE, RUN_MARKER_FILE, RunMarkerFile, SHOW_PANEL, TRAIN_AGAIN, TRAIN_FRESH, interruptedNotice } from './runMarker';
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
import type { AutoCloseSetting } from './inlineItems';
import { followContextKeys } from './contextKeys';
import { StatsStore, statsView } from '../core/views/stats';

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
  /** The marker of the run going (see runMarker.ts), and the check activation makes. */
  runs: { marker: RunMarkerFile | undefined; checkInterrupted(opts?: CheckOptions): Promise<InterruptedResult | undefined> };
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
  // The base model shipped in the extension (media/base) answers until the workspace has a model;
  // not in place of a charrnn.modelPath that names no model (that choice is the user's).
  const shippedBase = defaultBaseDir();
  const baseDir = () => (store.modelPath() === undefined ? shippedBase : undefined);
  const statusFollower = followModelStatus(status, training, () => store.servingExists(), snooze, () => baseDir() !== undefined);
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
    baseDir,
    log: (m) => log.info(`[completion] ${m}`),
    onWorkerDied: (m) => {
      void vscode.window.showWarningMessage(`CharRNN completions: ${m}`, 'Show log').then((pick) => pick && log.show());
    },
    onLoaded: (info) => status.setServing(info.base ? 'the base model and the open file (train on this workspace to adapt it)' : `${info.experts}${info.lstmStep > 0 ? ` (LSTM step ${info.lstmStep})` : ''}`),
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
    hasModel: () => store.servingExists() || baseDir() !== undefined,
    tracking: tracker,
    onDecision: (d) => status.setDetail(reasonText(d)),
    // An explicit request that shows nothing says why where the user looks: the status bar.
    say: (text) => status.flash(`CharRNN: ${text}`),
    autoClosing: (languageId) => {
      const editor = vscode.workspace.getConfiguration('editor', { languageId });
      return {
        brackets: editor.get<AutoCloseSetting>('autoClosingBrackets', 'languageDefined'),
        quotes: editor.get<AutoCloseSetting>('autoClosingQuotes', 'languageDefined'),
      };
    },
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

  // A run the last window took down with it (reloaded or closed mid-training): say so, offer Continue.
  const storage = context.storageUri?.scheme === 'file' ? context.storageUri.fsPath : undefined;
  const marker = storage ? new RunMarkerFile(path.join(storage, RUN_MARKER_FILE)) : undefined;
  const checkInterrupted = (opts: CheckOptions = {}) => checkInterruptedRun(marker, { store, training, log }, opts);
  void checkInterrupted();
  // Followed from here on (after the check: the marker read is the last window's).
  const runMarker = storage ? new RunMarkerFile(path.join(storage, RUN_MARKER_FILE), training) : undefined;
  if (runMarker) context.subscriptions.push(runMarker);

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
      if (!dir || !store.servingExists()) return Promise.reject(new Error('There is no trained model yet: Start a run, and Generate works once the LSTM has its first checkpoint.'));
      const problem = sampleProblem(dir);
      if (problem) return Promise.reject(new Error(problem));
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
    runs: { marker: runMarker, checkInterrupted },
  };
}

export interface CheckOptions {
  /** The button to press without asking (tests); undefined: the notification asks. */
  answer?: string;
}

export interface InterruptedResult {
  message: string;
  actions: string[];
  picked?: string;
  /** Whether a run started from the answer. */
  started: boolean;
}

/**
 * Looks for the marker a run leaves while it goes (runMarker.ts): one found at activation, with no
 * run going, is a run the last window took down. It is removed, the user is told and offered to
 * continue; Continue waits for the old trainer to finish saving (it holds the model folder's lock
 * for a few seconds after the window went away).
 */
async function checkInterruptedRun(
  marker: RunMarkerFile | undefined,
  deps: { store: ModelStore; training: TrainingClient; log: vscode.LogOutputChannel },
  opts: CheckOptions,
): Promise<InterruptedResult | undefined> {
  const m = marker?.read();
  if (!marker || !m || deps.training.running) return undefined;
  marker.clear();
  const dir = deps.store.dir;
  let meta: CheckpointMeta | undefined;
  try {
    meta = deps.store.meta();
  } catch {
    meta = undefined;
  }
  const notice = interruptedNotice(m, {
    exists: meta !== undefined,
    step: meta?.step,
    continueProblem: meta ? continueProblem(meta.config, readTrainConfig().value) : undefined,
  });
  deps.log.warn(notice.message);
  const picked = opts.answer ?? (await vscode.window.showWarningMessage(notice.message, ...notice.actions));
  let started = false;
  if (picked === CONTINUE || picked === TRAIN_AGAIN || picked === TRAIN_FRESH) {
    if (dir && readLock(dir)) {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'CharRNN: waiting for the interrupted run to finish saving…' },
        () => waitUntil(() => !readLock(dir), 90_000),
      );
    }
    started = (await vscode.commands.executeCommand<boolean>('charrnn.train', { mode: picked === CONTINUE ? 'continue' : 'fresh' })) === true;
  } else if (picked === SHOW_PANEL) {
    await vscode.commands.executeCommand('charrnn.showPanel');
  }
  return { ...notice, picked, started };
}

function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const tick = () => (cond() || Date.now() > deadline ? resolve() : setTimeout(tick, 250));
    tick();
  });
}

/**
 * Why Generate cannot write text with the checkpoint in `dir`, or undefined: during the count
 * stage the checkpoint holds the n-gram and no LSTM, and only the LSTM generates.
 */
function sampleProblem(dir: string): string | undefined {
  try {
    if (!hasLstm(loadMeta(dir))) {
      return 'The LSTM has no checkpoint yet: completions come from the count models (n-gram + cache) for now, and Generate works once the LSTM saves its first checkpoint.';
    }
  } catch {
    // An unreadable meta.json: the CLI says what is wrong with it.
  }
  return undefined;
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
