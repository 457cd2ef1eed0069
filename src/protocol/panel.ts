/**
 * Messages between the extension (panel host, src/extension/panel.ts) and the training panel's
 * webview (src/webview/main.ts), with their runtime checks. No `vscode`, no Node and no DOM
 * imports: bundled into the webview and unit-tested in Node.
 *
 * Webview → extension messages are `{command: ...}` (as in the webview samples) and are untrusted:
 * `checkFromPanel` checks every field's type and range, and anything else is refused.
 * Extension → webview messages are `{type: ...}`.
 */
import type { LatestEvents, LossSeries } from '../core/views/lossSeries';
import type { ModelInfo } from '../core/views/modelSummary';
import type { StatsView } from '../core/views/statsData';
import { checkPanelValues, type PanelSettings, type SettingErrors } from './panelSettings';
import type { FromTrainer } from './trainer';

// ---------------------------------------------------------------------------------------------
// Webview → extension

export const SAMPLE_LIMITS = {
  temperature: { min: 0.05, max: 2, default: 0.8 },
  length: { min: 1, max: 2000, default: 400 },
  /** Longest prime text accepted, in UTF-16 code units. */
  primeMaxLength: 1000,
} as const;

export type FromPanel =
  /** The webview's script has loaded and wants the full state. */
  | { command: 'ready' }
  /** Write these values to the workspace settings. */
  | { command: 'applySettings'; values: Partial<PanelSettings> }
  /** Start training: fresh (`resume` false) or continue the current model; `values` are applied first. */
  | { command: 'start'; resume: boolean; values?: Partial<PanelSettings> }
  | { command: 'stop' }
  /** Generate text from the current model. */
  | { command: 'sample'; temperature: number; length: number; prime: string }
  /** Open the Settings UI on this extension's settings. */
  | { command: 'openSettings' }
  /** Show the extension's log. */
  | { command: 'showLog' }
  /** Hold the run between two steps / let it go on. */
  | { command: 'pause' }
  | { command: 'resume' }
  /** Empty the local completion statistics. */
  | { command: 'resetStats' };

export type PanelCommand = FromPanel['command'];

export type CheckResult =
  | { ok: true; message: FromPanel }
  | { ok: false; reason: string; command?: PanelCommand; fieldErrors?: Record<string, string> };

const isObj = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null && !Array.isArray(m);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function onlyKeys(m: Record<string, unknown>, allowed: readonly string[]): string | undefined {
  const extra = Object.keys(m).filter((k) => !allowed.includes(k));
  return extra.length ? `unexpected field${extra.length > 1 ? 's' : ''} ${extra.join(', ')}` : undefined;
}

/** Validates a message from the webview (type and range of every field). */
export function checkFromPanel(m: unknown): CheckResult {
  if (!isObj(m)) return { ok: false, reason: 'message is not an object' };
  const command = m.command;
  if (typeof command !== 'string') return { ok: false, reason: 'message has no command' };
  const bad = (reason: string, fieldErrors?: Record<string, string>): CheckResult => ({
    ok: false,
    reason,
    command: command as PanelCommand,
    fieldErrors,
  });
  switch (command) {
    case 'ready':
    case 'stop':
    case 'openSettings':
    case 'showLog':
    case 'pause':
    case 'resume':
    case 'resetStats': {
      const extra = onlyKeys(m, ['command']);
      if (extra) return bad(`${command}: ${extra}`);
      return { ok: true, message: { command } };
    }
    case 'applySettings':
    case 'start': {
      const extra = onlyKeys(m, command === 'start' ? ['command', 'resume', 'values'] : ['command', 'values']);
      if (extra) return bad(`${command}: ${extra}`);
      if (command === 'start' && typeof m.resume !== 'boolean') return bad('start: resume must be true or false');
      if (command === 'applySettings' || m.values !== undefined) {
        const { values, errors } = checkPanelValues(m.values);
        if (Object.keys(errors).length) return bad(`${command}: ${Object.values(errors).join('; ')}`, errors);
        if (command === 'applySettings') return { ok: true, message: { command, values } };
        return { ok: true, message: { command, resume: m.resume as boolean, values } };
      }
      return { ok: true, message: { command: 'start', resume: m.resume as boolean } };
    }
    case 'sample': {
      const extra = onlyKeys(m, ['command', 'temperature', 'length', 'prime']);
      if (extra) return bad(`sample: ${extra}`);
      const { temperature, length, prime } = m;
      const T = SAMPLE_LIMITS.temperature;
      const L = SAMPLE_LIMITS.length;
      if (!finite(temperature) || temperature < T.min || temperature > T.max) {
        return bad(`sample: temperature must be a number between ${T.min} and ${T.max}`, { temperature: `between ${T.min} and ${T.max}` });
      }
      if (!finite(length) || !Number.isInteger(length) || length < L.min || length > L.max) {
        return bad(`sample: length must be a whole number between ${L.min} and ${L.max}`, { length: `between ${L.min} and ${L.max}` });
      }
      if (typeof prime !== 'string' || prime.length > SAMPLE_LIMITS.primeMaxLength) {
        return bad(`sample: prime must be a string of at most ${SAMPLE_LIMITS.primeMaxLength} characters`, { prime: 'too long' });
      }
      return { ok: true, message: { command, temperature, length, prime } };
    }
    default:
      return { ok: false, reason: `unknown command ${JSON.stringify(command).slice(0, 60)}` };
  }
}

// ---------------------------------------------------------------------------------------------
// Extension → webview

export interface InitMessage {
  type: 'init';
  running: boolean;
  settings: PanelSettings;
  settingErrors: SettingErrors;
  model?: ModelInfo;
  /** Why the model folder's meta.json cannot be read (then `model` is undefined). */
  modelError?: string;
  series: LossSeries;
  latest: LatestEvents;
  /** False when no folder is open: settings go to the user settings then. */
  hasWorkspace: boolean;
  /** The user paused the run. */
  paused?: boolean;
  /** Local completion statistics. */
  stats?: StatsView;
}

export type ToPanel =
  | InitMessage
  /** A trainer event as it arrives, with whether a run is going after it. */
  | { type: 'trainer'; event: FromTrainer; running: boolean }
  | { type: 'running'; running: boolean }
  /** The settings changed (from the panel, settings.json or the Settings UI). */
  | { type: 'settings'; settings: PanelSettings; settingErrors: SettingErrors }
  /** The answer to applySettings (and to the settings part of start). */
  | { type: 'applied'; ok: boolean; errors: Record<string, string>; message?: string }
  /** The current model changed (checkpoint written, run done). */
  | { type: 'model'; model?: ModelInfo; modelError?: string }
  | { type: 'sampleResult'; ok: boolean; text: string; temperature: number; error?: string }
  /** A message for the user (start refused, trainer failed to start, ...). */
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; message: string }
  /** The user paused the run (true) or let it go on (false). */
  | { type: 'paused'; paused: boolean }
  /** The local completion statistics changed. */
  | { type: 'stats'; stats: StatsView };

/** The webview's light check of what the host sends (the host is trusted; this guards bugs). */
export function isToPanel(m: unknown): m is ToPanel {
  if (!isObj(m) || typeof m.type !== 'string') return false;
  switch (m.type) {
    case 'init':
      return isObj(m.settings) && isObj(m.series) && typeof m.running === 'boolean';
    case 'trainer':
      return isObj(m.event) && typeof m.running === 'boolean';
    case 'running':
      return typeof m.running === 'boolean';
    case 'settings':
      return isObj(m.settings);
    case 'applied':
      return typeof m.ok === 'boolean';
    case 'model':
      return m.model === undefined || isObj(m.model);
    case 'sampleResult':
      return typeof m.ok === 'boolean' && typeof m.text === 'string';
    case 'notice':
      return typeof m.message === 'string';
    case 'paused':
      return typeof m.paused === 'boolean';
    case 'stats':
      return isObj(m.stats) && Array.isArray(m.stats.rows);
    default:
      return false;
  }
}
