/**
 * "CharRNN: Train on workspace", "Stop training", "Pause training" and "Resume training": asks
 * what to do when a model exists or a run is going, starts the trainer, and shows progress in a
 * cancellable notification.
 */
import * as vscode from 'vscode';
import type { TrainingClient } from './trainingClient';
import type { ModelStore } from './modelStore';
import { readCorpusConfig, readTrainConfig, readTrainerManners } from './settings';
import type { FromTrainer } from '../protocol/trainer';
import { formatDuration } from '../core/util/format';
import { shownPercent } from '../core/views/runProgress';
import { combinationProblem } from '../core/contracts/config';
import type { CheckpointMeta } from '../core/store/checkpoint';
import { inspectModelFolder, readLock } from '../core/store/modelFolder';
import { continueProblem } from './statusModel';

const cap = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);

export interface TrainArgs {
  /** Skip the question when a model exists (used by the panel and by tests). */
  mode?: 'fresh' | 'continue';
  /** No notification with progress (the panel shows it). */
  quiet?: boolean;
  /**
   * What a `continue` does when the saved model cannot be continued (its shape is not the one
   * the settings ask for), without asking: 'fresh' trains a new model, 'cancel' starts nothing
   * (automation, tests). Unset: a dialog asks (quiet runs: nothing starts).
   */
  ifCannotContinue?: 'fresh' | 'cancel';
}

export class TrainCommand {
  constructor(
    private readonly client: TrainingClient,
    private readonly store: ModelStore,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Returns true when training started. */
  async train(args: TrainArgs = {}): Promise<boolean> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('CharRNN trains only in trusted workspaces, because it reads every file of the workspace.');
      return false;
    }
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    if (folders.length === 0) {
      void vscode.window.showErrorMessage('CharRNN: open a folder to train on its files.');
      return false;
    }
    if (this.client.running) {
      const pick = await vscode.window.showInformationMessage('CharRNN is already training.', 'Show panel', 'Stop training');
      if (pick === 'Show panel') await vscode.commands.executeCommand('charrnn.showPanel');
      if (pick === 'Stop training') await this.stop();
      return false;
    }
    const dir = this.store.dir;
    if (!dir) {
      void vscode.window.showErrorMessage('CharRNN: VS Code gives this window no workspace storage to keep the model in.');
      return false;
    }
    if (!this.checkModelFolder(dir)) return false;
    const config = readTrainConfig();
    const combination = combinationProblem(config.value);
    if (combination) {
      void vscode.window.showErrorMessage(`CharRNN: ${combination} (charrnn.training.epochs, charrnn.training.maxMinutes)`);
      return false;
    }
    const corpus = readCorpusConfig();
    const manners = readTrainerManners();
    for (const w of [...config.warnings, ...corpus.warnings, ...manners.warnings]) {
      this.log.warn(w);
      void vscode.window.showWarningMessage(`CharRNN: ${w}`);
    }

    let resume = args.mode === 'continue';
    let meta: CheckpointMeta | undefined;
    try {
      meta = this.store.meta();
    } catch (e) {
      this.log.warn(`the saved model's meta.json cannot be read (${(e as Error).message}): a fresh run replaces the model`);
    }
    if (meta && args.mode === undefined) {
      const sameShape = meta.config.lstmSize === config.value.lstmSize && meta.config.numLayers === config.value.numLayers;
      const cont = 'Continue training';
      const fresh = 'Start fresh';
      const detail = sameShape
        ? `A ${meta.config.lstmSize}x${meta.config.numLayers} model trained for ${meta.step} steps exists` +
          (meta.bestValLoss !== null ? ` (validation ${meta.bestValLoss.toFixed(3)} bits/char).` : '.')
        : `The saved model is ${meta.config.lstmSize}x${meta.config.numLayers}; the settings ask for ` +
          `${config.value.lstmSize}x${config.value.numLayers}, which needs a fresh run.`;
      const pick = await vscode.window.showInformationMessage(
        'CharRNN: a model exists for this workspace.',
        { modal: true, detail },
        ...(sameShape ? [cont, fresh] : [fresh]),
      );
      if (!pick) return false;
      resume = pick === cont;
    } else if (!meta) {
      resume = false;
    } else if (args.mode === 'continue') {
      // The menu, the panel or a keybinding asked to continue: as the question above, a new shape
      // needs a fresh run (the trainer would refuse the saved weights).
      const problem = continueProblem(meta.config, config.value);
      if (problem) {
        this.log.warn(`cannot continue: ${problem}`);
        const fresh = 'Start fresh';
        const answer = args.ifCannotContinue
          ?? (args.quiet
            ? 'cancel'
            : (await vscode.window.showWarningMessage('CharRNN: the saved model cannot be continued.', { modal: true, detail: `${cap(problem)}.` }, fresh)) === fresh
              ? 'fresh'
              : 'cancel');
        if (answer !== 'fresh') {
          if (args.quiet && !args.ifCannotContinue) void vscode.window.showWarningMessage(`CharRNN: ${cap(problem)}.`);
          return false;
        }
        resume = false;
      }
    }

    const elsewhere = this.store.modelPath();
    if (elsewhere) {
      const note = `completions use the model in charrnn.modelPath (${elsewhere}); the model trained now goes to this workspace's storage and serves once that setting is cleared`;
      this.log.info(note);
      if (!args.quiet) void vscode.window.showInformationMessage(`CharRNN: ${note}.`);
    }
    this.client.start({
      config: config.value,
      folders: folders.map((f) => f.uri.fsPath),
      corpus: corpus.value,
      checkpointDir: dir,
      resume,
      threads: manners.value.threads,
      lowPriority: manners.value.lowPriority,
    });
    if (!args.quiet) void this.showProgress();
    // A run started from the panel (quiet) still says how it ended.
    else this.reportEndOnly();
    return true;
  }

  /**
   * One writer per model: another process (a second VS Code window on this workspace, or
   * `charrnn train --out` on this folder) may hold the model folder's lock. The trainer would
   * refuse too; this says it before anything starts, and offers the panel when the run is ours.
   */
  private checkModelFolder(dir: string): boolean {
    const owner = readLock(dir);
    if (owner) {
      if (owner.pid === this.client.pid) {
        void vscode.window.showInformationMessage('CharRNN is already training.', 'Show panel').then((pick) => {
          if (pick) void vscode.commands.executeCommand('charrnn.showPanel');
        });
      } else {
        this.log.warn(`model folder ${dir} is locked by pid ${owner.pid} (${owner.command ?? 'unknown'}) since ${owner.startedAt}`);
        void vscode.window.showWarningMessage(
          `CharRNN: this workspace's model is being trained by another process (pid ${owner.pid}${owner.command ? `, ${owner.command}` : ''}, ` +
            'e.g. another VS Code window on this workspace). Wait for it to finish or stop it there.',
        );
      }
      return false;
    }
    const state = inspectModelFolder(dir);
    if (state.kind === 'foreign') {
      void vscode.window.showErrorMessage(`CharRNN: the model folder ${dir} cannot be written: ${state.reason}. Move those files away and train again.`);
      return false;
    }
    return true;
  }

  async stop(): Promise<void> {
    if (!this.client.running) {
      void vscode.window.showInformationMessage('CharRNN is not training.');
      return;
    }
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'CharRNN: stopping and saving the best model…' },
      () => this.client.stop(),
    );
  }

  pause(): void {
    if (!this.client.running) {
      void vscode.window.showInformationMessage('CharRNN is not training.');
      return;
    }
    this.client.pause('user');
  }

  resume(): void {
    if (!this.client.running) {
      void vscode.window.showInformationMessage('CharRNN is not training.');
      return;
    }
    this.client.resume('user');
  }

  /** Tells how the run ended (a toast), for runs that show no progress notification. */
  private reportEndOnly(): void {
    const subs: vscode.Disposable[] = [];
    const finish = () => subs.forEach((s) => s.dispose());
    subs.push(
      this.client.onEvent((e) => {
        if (e.type === 'done') {
          finish();
          void vscode.window.showInformationMessage(`CharRNN: ${endText(e)}`);
        } else if (e.type === 'error') {
          finish();
        }
      }),
      this.client.onDidChangeRunning((running) => {
        if (!running) finish();
      }),
    );
  }

  /** A cancellable notification that follows the run until it ends, then reports how it ended. */
  private showProgress(): Thenable<void> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'CharRNN', cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          let lastPct = 0;
          const subs: vscode.Disposable[] = [];
          const finish = () => {
            subs.forEach((s) => s.dispose());
            resolve();
          };
          token.onCancellationRequested(() => void this.client.stop());
          progress.report({ message: 'collecting the workspace files…' });
          subs.push(
            this.client.onEvent((e: FromTrainer) => {
              switch (e.type) {
                case 'corpus':
                  progress.report({ message: `training on ${e.files} files (${(e.chars / 1e6).toFixed(2)} M characters)…` });
                  break;
                case 'progress': {
                  // The status bar's number (whole percents against what ends the run), so the
                  // notification's bar and the status item never differ by one.
                  const pct = shownPercent(e);
                  const inc = pct !== undefined && pct > lastPct ? pct - lastPct : undefined;
                  if (inc !== undefined) lastPct = pct!;
                  const eta = e.etaSec >= 0 ? `, ${formatDuration(e.etaSec)} left` : '';
                  const held = this.client.paused && !this.client.pausedByUser ? ' (paused while you type)' : '';
                  progress.report({
                    increment: inc,
                    message: `${pct !== undefined ? `${pct}%, ` : ''}step ${e.step}${e.totalSteps ? `/${e.totalSteps}` : ''}, loss ${e.loss.toFixed(2)} bits/char, ${Math.round(e.charsPerSec)} chars/s${eta}${held}`,
                  });
                  break;
                }
                case 'done':
                  finish();
                  void vscode.window.showInformationMessage(`CharRNN: ${endText(e)}`);
                  break;
                case 'error':
                  finish();
                  void vscode.window.showErrorMessage(`CharRNN: ${e.message}`, 'Show log').then((pick) => {
                    if (pick) this.log.show();
                  });
                  break;
              }
            }),
            this.client.onDidChangeRunning((running) => {
              if (!running) finish();
            }),
            this.client.onDidChangePaused((paused) => {
              if (!paused) return;
              progress.report({
                message: this.client.pausedByUser ? 'paused (CharRNN: Resume training goes on)' : 'paused while you type (goes on when you stop)',
              });
            }),
          );
        }),
    );
  }
}

/** How a run ended, in a sentence. */
export function endText(e: Extract<FromTrainer, { type: 'done' }>): string {
  const best = e.bestValLoss !== undefined ? ` Best validation loss: ${e.bestValLoss.toFixed(3)} bits/char.` : '';
  const what: Record<string, string> = {
    completed: 'Training finished.',
    stopped: 'Training stopped; the best model so far is saved.',
    'time-limit': 'Training reached its time limit.',
    'early-stop': 'Training stopped early: the validation loss stopped improving.',
    diverged: 'Training stopped: the loss diverged. Try a lower learning rate.',
  };
  return `${what[e.reason] ?? e.reason}${best}`;
}
