/**
 * What the status bar item says, decided without VS Code (pure, unit-tested): the state of the
 * model and of completions for the active editor, and the item's text, tooltip and click for it.
 */

export type ModelStatus =
  | { kind: 'no-model' }
  | {
    kind: 'training';
    percent?: number;
    loss?: number;
    /** Held by the user (Pause), or while the user types (charrnn.training.yieldWhileTyping). */
    held?: 'user' | 'typing';
  }
  | { kind: 'ready' }
  /** No model of this workspace yet: the shipped base model answers. */
  | { kind: 'base' }
  | { kind: 'manual' }
  | { kind: 'language-off'; languageId: string }
  | { kind: 'snoozed'; until: number }
  | { kind: 'off' }
  | { kind: 'error'; message: string };

/** What the idle status (no run going) follows. */
export interface IdleInputs {
  hasModel: boolean;
  /** The shipped base model can answer (media/base): completions before any training. */
  hasBase?: boolean;
  /** charrnn.completion.enabled */
  enabled: boolean;
  /** When completions are snoozed: the end of the snooze (ms since the epoch). */
  snoozedUntil?: number;
  /** The language of the active editor, if any. */
  languageId?: string;
  /** charrnn.completion.disabledLanguages */
  disabledLanguages: readonly string[];
  /** charrnn.completion.trigger */
  trigger: 'automatic' | 'manual';
}

/** The status when no run is going: the first of no model, off, snoozed, off for this language, manual, ready. */
export function idleStatus(i: IdleInputs): ModelStatus {
  if (!i.hasModel && !i.hasBase) return { kind: 'no-model' };
  if (!i.enabled) return { kind: 'off' };
  if (i.snoozedUntil !== undefined) return { kind: 'snoozed', until: i.snoozedUntil };
  if (i.languageId !== undefined && i.disabledLanguages.includes(i.languageId)) return { kind: 'language-off', languageId: i.languageId };
  if (i.trigger === 'manual') return { kind: 'manual' };
  return i.hasModel ? { kind: 'ready' } : { kind: 'base' };
}

export interface StatusLook {
  text: string;
  tooltip: string;
  /** The command a click runs. */
  command: string;
  error: boolean;
}

const clock = (ms: number) => new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

export function statusLook(status: ModelStatus): StatusLook {
  const menu = 'charrnn.menu';
  switch (status.kind) {
    case 'no-model':
      // A click opens the menu (Train is its first entry): training is minutes of CPU, never started by a stray click.
      return { text: '$(circle-slash) CharRNN: no model', tooltip: 'No trained model for this workspace. Click for options (Train on workspace).', command: menu, error: false };
    case 'training': {
      const pct = status.percent !== undefined ? ` ${Math.floor(status.percent)}%` : '';
      const loss = status.loss !== undefined && Number.isFinite(status.loss) ? ` loss ${status.loss.toFixed(2)}` : '';
      if (status.held === 'user') {
        return { text: `$(debug-pause) CharRNN: paused${pct}`, tooltip: 'Training is paused ("CharRNN: Resume training" goes on). Click to show the training panel.', command: 'charrnn.showPanel', error: false };
      }
      if (status.held === 'typing') {
        return {
          text: `$(debug-pause) CharRNN: training${pct} · paused while you type`,
          tooltip: 'Training waits while you type and goes on when you stop (charrnn.training.yieldWhileTyping); paused time does not count against the time limit. Click to show the training panel.',
          command: 'charrnn.showPanel',
          error: false,
        };
      }
      return { text: `$(sync~spin) CharRNN: training${pct}${loss}`, tooltip: 'Training the CharRNN on this workspace. Click to show the training panel.', command: 'charrnn.showPanel', error: false };
    }
    case 'ready':
      return { text: '$(sparkle) CharRNN', tooltip: 'CharRNN completions are on. Click for options.', command: menu, error: false };
    case 'base':
      return {
        text: '$(sparkle) CharRNN: base model',
        tooltip: 'Completions from the base model (pretrained on public code) and the open file. Train on this workspace to adapt it: click for options (Train on workspace).',
        command: menu,
        error: false,
      };
    case 'manual':
      return {
        text: '$(sparkle) CharRNN: manual',
        tooltip: 'Manual mode: completions come only when asked (CharRNN: Suggest completion, Ctrl+Alt+Space; charrnn.completion.trigger). Click for options.',
        command: menu,
        error: false,
      };
    case 'language-off':
      return {
        text: `$(circle-slash) CharRNN: off for ${status.languageId}`,
        tooltip: `CharRNN completions are off for ${status.languageId} (charrnn.completion.disabledLanguages). Click for options.`,
        command: menu,
        error: false,
      };
    case 'snoozed':
      return { text: '$(bell-slash) CharRNN: snoozed', tooltip: `CharRNN completions are snoozed until ${clock(status.until)}. Click for options.`, command: menu, error: false };
    case 'off':
      return { text: '$(circle-slash) CharRNN: off', tooltip: 'CharRNN completions are off. Click for options.', command: menu, error: false };
    case 'error':
      return { text: '$(error) CharRNN: error', tooltip: `${status.message}\nClick to show the log.`, command: 'charrnn.showLog', error: true };
  }
}

/**
 * Why the saved model cannot be continued with the settings as they are (undefined: it can).
 * A continued run keeps the saved weights, so it needs the same lstmSize x numLayers.
 */
export function continueProblem(
  saved: { lstmSize: number; numLayers: number } | undefined,
  wanted: { lstmSize: number; numLayers: number },
): string | undefined {
  if (!saved) return 'there is no saved model to continue';
  if (saved.lstmSize !== wanted.lstmSize || saved.numLayers !== wanted.numLayers) {
    return `the saved model is ${saved.lstmSize}x${saved.numLayers} and the settings ask for ${wanted.lstmSize}x${wanted.numLayers}, which needs a fresh run`;
  }
  return undefined;
}

/** What the status menu knows when it opens. */
export interface MenuInputs {
  hasModel: boolean;
  training: boolean;
  pausedByUser: boolean;
  snoozed: boolean;
  enabled: boolean;
  /** The active editor's language, and whether completions are off for it. */
  languageId?: string;
  languageOff: boolean;
  /** continueProblem() for the saved model and the settings (undefined: Continue can work). */
  continueProblem?: string;
  /** The shape the settings ask for, e.g. "128x2". */
  wantedShape: string;
}

export interface MenuEntry {
  label: string;
  /** A separator's label has no command. */
  command?: string;
  args?: unknown;
  detail?: string;
}

/** The status menu's entries, as they apply now: only what can work is offered. */
export function menuEntries(m: MenuInputs): MenuEntry[] {
  const training: MenuEntry[] = m.training
    ? [
      m.pausedByUser
        ? { label: '$(debug-continue) Resume training', command: 'charrnn.resumeTraining' }
        : { label: '$(debug-pause) Pause training', command: 'charrnn.pauseTraining' },
      { label: '$(debug-stop) Stop training', command: 'charrnn.stop' },
    ]
    : !m.hasModel
      ? [{ label: '$(play) Train on workspace', command: 'charrnn.train', args: { mode: 'fresh' }, detail: 'Minutes of CPU in the background (lowest priority); completions start after a few seconds.' }]
      : [
        ...(m.continueProblem === undefined ? [{ label: '$(debug-continue) Continue training', command: 'charrnn.train', args: { mode: 'continue' } }] : []),
        {
          label: m.continueProblem === undefined ? '$(refresh) Train a fresh model' : `$(refresh) Train a fresh ${m.wantedShape} model`,
          command: 'charrnn.train',
          args: { mode: 'fresh' },
          ...(m.continueProblem !== undefined ? { detail: `Continue is not offered: ${m.continueProblem}.` } : {}),
        },
      ];
  return [
    ...(m.hasModel || m.training
      ? [
        { label: 'Completions' },
        { label: m.enabled ? '$(circle-slash) Turn inline completions off' : '$(sparkle) Turn inline completions on', command: 'charrnn.toggleCompletions' },
        m.snoozed
          ? { label: '$(bell) Resume completions now', command: 'charrnn.unsnooze' }
          : { label: '$(bell-slash) Snooze completions…', command: 'charrnn.snooze' },
        ...(m.languageId ? [{ label: m.languageOff ? `$(check) Turn completions on for ${m.languageId}` : `$(circle-slash) Turn completions off for ${m.languageId}`, command: 'charrnn.toggleLanguage' }] : []),
        { label: '$(question) Explain last completion', command: 'charrnn.explain' },
      ]
      : []),
    { label: 'Training' },
    ...(m.hasModel || m.training ? [] : training),
    { label: '$(graph-line) Show training panel', command: 'charrnn.showPanel' },
    ...(m.hasModel || m.training ? training : []),
    ...(m.hasModel
      ? [
        { label: 'Model' },
        { label: '$(folder-opened) Reveal the model', command: 'charrnn.revealModel' },
        { label: '$(export) Export the model…', command: 'charrnn.exportModel' },
        { label: '$(trash) Delete the model…', command: 'charrnn.deleteModel' },
      ]
      : []),
    { label: '$(output) Show log', command: 'charrnn.showLog' },
  ];
}
