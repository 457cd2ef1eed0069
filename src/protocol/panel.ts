/**
 * Messages between the extension (panel host, src/extension/panel.ts) and the training panel's
 * webview (src/webview/main.ts), with the runtime checks and the pure data conversions both sides
 * use. No `vscode`, no Node and no DOM imports: bundled into the webview and unit-tested in Node.
 *
 * Webview → extension messages are `{command: ...}` (as in the webview samples) and are untrusted:
 * `checkFromPanel` checks every field's type and range, and anything else is refused.
 * Extension → webview messages are `{type: ...}`.
 */
import { BACKENDS, SETTINGS, checkSetting, settingOrDefault, type Backend, type SettingKey } from '../core/config';
import { parameterCount } from '../core/weights';
import type { StatsView } from '../core/statsData';
import type {
  CorpusMessage,
  DoneMessage,
  ErrorMessage,
  FromTrainer,
  ProgressMessage,
  ReadyMessage,
  SampleMessage,
} from './trainer';

// ---------------------------------------------------------------------------------------------
// Settings edited in the panel

/** The settings of the panel's form, in the order shown (model shape first). */
export const PANEL_SETTING_KEYS = [
  'model.lstmSize',
  'model.numLayers',
  'training.batchSize',
  'training.numSteps',
  'training.learningRate',
  'training.dropout',
  'training.epochs',
  'training.maxMinutes',
  'training.backend',
] as const satisfies readonly SettingKey[];

export type PanelSettingKey = (typeof PANEL_SETTING_KEYS)[number];

export interface PanelSettings {
  'model.lstmSize': number;
  'model.numLayers': number;
  'training.batchSize': number;
  'training.numSteps': number;
  'training.learningRate': number;
  'training.dropout': number;
  'training.epochs': number;
  'training.maxMinutes': number;
  'training.backend': Backend;
}

export type SettingErrors = Partial<Record<PanelSettingKey, string>>;

const PANEL_KEY_SET: ReadonlySet<string> = new Set(PANEL_SETTING_KEYS);

export function isPanelSettingKey(k: unknown): k is PanelSettingKey {
  return typeof k === 'string' && PANEL_KEY_SET.has(k);
}

export function defaultPanelSettings(): PanelSettings {
  const out: Record<string, unknown> = {};
  for (const k of PANEL_SETTING_KEYS) out[k] = SETTINGS[k].default;
  return out as unknown as PanelSettings;
}

/**
 * Reads the panel's settings through `get` (e.g. `workspace.getConfiguration('charrnn').get`).
 * A value that fails its check (a typo in settings.json) is replaced by the default and reported
 * in `errors`, so the form always holds valid values and says what was wrong.
 */
export function readPanelSettings(get: (key: PanelSettingKey) => unknown): { settings: PanelSettings; errors: SettingErrors } {
  const settings = defaultPanelSettings() as unknown as Record<string, unknown>;
  const errors: SettingErrors = {};
  for (const k of PANEL_SETTING_KEYS) {
    const { value, problem } = settingOrDefault(k, get(k));
    settings[k] = value;
    if (problem) errors[k] = problem;
  }
  return { settings: settings as unknown as PanelSettings, errors };
}

/** Checks a partial set of values: unknown keys, wrong types and out-of-range values are errors. */
export function checkPanelValues(values: unknown): { values: Partial<PanelSettings>; errors: Record<string, string> } {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    return { values: {}, errors: { values: 'values must be an object' } };
  }
  // Collected as entries and built with Object.fromEntries, which defines own properties: a key
  // such as "__proto__" (JSON.parse makes it an own key) cannot reach a prototype setter.
  const errors: [string, string][] = [];
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(values)) {
    if (!isPanelSettingKey(k)) {
      errors.push([k, `${k.slice(0, 60)} is not a setting of the panel`]);
      continue;
    }
    const problem = checkSetting(k, v);
    if (problem) errors.push([k, problem]);
    else out.push([k, v]);
  }
  return { values: Object.fromEntries(out) as Partial<PanelSettings>, errors: Object.fromEntries(errors) };
}

/** Checks that holds across settings; returns an error message or undefined. */
export function checkSettingsCombination(s: PanelSettings): string | undefined {
  if (s['training.epochs'] === 0 && s['training.maxMinutes'] === 0) {
    return 'Epochs and Max minutes are both 0: training would never stop. Set one of them.';
  }
  return undefined;
}

/** Parses the text of a form field into a setting value; returns the value or an error. */
export function parseSettingInput(key: PanelSettingKey, text: string): { value: number | string } | { error: string } {
  const spec = SETTINGS[key];
  if (spec.type === 'string') {
    const e = checkSetting(key, text);
    return e ? { error: e } : { value: text };
  }
  const t = text.trim();
  if (t === '') return { error: 'required' };
  // Number('') is 0 and Number('0x10') is 16: accept plain decimal notation only.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return { error: 'not a number' };
  const value = Number(t);
  if (spec.type === 'integer' && !Number.isInteger(value)) return { error: 'must be a whole number' };
  if (value < spec.minimum || value > spec.maximum) return { error: `must be between ${spec.minimum} and ${spec.maximum}` };
  return { value };
}

// ---------------------------------------------------------------------------------------------
// Webview → extension

export const SAMPLE_LIMITS = {
  temperature: { min: 0.05, max: 2, default: 0.8 },
  length: { min: 1, max: 2000, default: 400 },
  /** Longest prime text accepted, in UTF-16 code units. */
  primeMaxLength: 1000,
} as const;

export type XAxis = 'step' | 'chars';

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
// The current model

/** The fields of CheckpointMeta (src/core/checkpoint.ts) the panel reads; CheckpointMeta fits it. */
export interface ModelMetaLike {
  config: { lstmSize: number; numLayers: number };
  /** 'ngram': only the n-gram + cache serve (no LSTM yet). */
  stage?: 'ngram' | 'lstm';
  mixer?: { experts: readonly string[]; bitsPerChar?: Partial<Record<string, number>> };
  calibration?: { minConfidence: number; precision: number };
  vocab: { chars: readonly string[] };
  history: readonly HistoryPointLike[];
  corpus: { files: number; bytes: number };
  backend: string;
  updatedAt: string;
  bestValLoss: number | null;
  step: number;
  epoch: number;
}

export interface ModelInfo {
  lstmSize: number;
  numLayers: number;
  vocabSize: number;
  parameters: number;
  step: number;
  epoch: number;
  bestValLoss: number | null;
  backend: string;
  updatedAt: string;
  corpusFiles: number;
  corpusBytes: number;
  /** What answers completions: "n-gram + cache", "n-gram + cache + LSTM (step 1,200)", ... */
  serving: string;
  /** Held-out bits/char of each expert and of the mixture, when fitted. */
  expertBpc?: Partial<Record<string, number>>;
  /** The calibrated show/abstain threshold and its held-out precision. */
  threshold?: { minConfidence: number; precision: number };
  /** Workspace files saved since the model's corpus was read: the LSTM has not seen them. */
  savedSince?: number;
}

/** "n-gram + cache + LSTM (step 1,200)" from what a checkpoint holds. */
export function servingText(m: Pick<ModelMetaLike, 'stage' | 'mixer' | 'step'>): string {
  const lstm = m.stage !== 'ngram';
  const experts = m.mixer ? m.mixer.experts.filter((e) => e !== 'lstm' || lstm) : lstm ? ['cache', 'lstm'] : [];
  const names = experts.map((e) => (e === 'ngram' ? 'n-gram' : e === 'lstm' ? 'LSTM' : e));
  return `${names.join(' + ') || 'LSTM'}${lstm ? ` (step ${m.step.toLocaleString('en-US')})` : ''}`;
}

export function modelInfo(meta: ModelMetaLike): ModelInfo {
  const vocabSize = meta.vocab?.chars?.length ?? 0;
  return {
    lstmSize: meta.config.lstmSize,
    numLayers: meta.config.numLayers,
    vocabSize,
    parameters: parameterCount(vocabSize, meta.config.lstmSize, meta.config.numLayers),
    step: meta.step,
    epoch: meta.epoch,
    bestValLoss: meta.bestValLoss,
    backend: meta.backend,
    updatedAt: meta.updatedAt,
    corpusFiles: meta.corpus?.files ?? 0,
    corpusBytes: meta.corpus?.bytes ?? 0,
    serving: servingText(meta),
    ...(meta.mixer?.bitsPerChar ? { expertBpc: meta.mixer.bitsPerChar } : {}),
    ...(meta.calibration ? { threshold: { minConfidence: meta.calibration.minConfidence, precision: meta.calibration.precision } } : {}),
  };
}

/** True when the settings ask for another model shape than the saved model's (fresh run needed). */
export function shapeDiffers(model: Pick<ModelInfo, 'lstmSize' | 'numLayers'> | undefined, s: Pick<PanelSettings, 'model.lstmSize' | 'model.numLayers'>): boolean {
  return model !== undefined && (model.lstmSize !== s['model.lstmSize'] || model.numLayers !== s['model.numLayers']);
}

/** Vocabulary size assumed for the parameter count before any corpus has been read. */
export const TYPICAL_VOCAB_SIZE = 100;

/** Parameter count of the configured model (re-exported so the webview needs one import). */
export function configuredParameters(vocabSize: number, lstmSize: number, numLayers: number): number {
  return parameterCount(vocabSize, lstmSize, numLayers);
}

// ---------------------------------------------------------------------------------------------
// Loss series (the chart's data)

/** A point of the saved history (HistoryPoint of src/core/checkpoint.ts) or a progress event. */
export interface HistoryPointLike {
  step: number;
  charsSeen: number;
  /** Bits per character. */
  loss: number;
  /** Bits per character, on validation steps. */
  valLoss?: number;
  /** The mixture's held-out bits per character, where it was fitted. */
  mixLoss?: number;
}

/**
 * Column-oriented loss series, aligned: index i is one training step. `valLoss[i]` is null except
 * on validation steps; a loss that is not finite (a diverged run) is null (a gap in the chart).
 * Arrays only grow at the end (amortised O(1) per point) except when a new run rewinds the steps.
 */
export interface LossSeries {
  step: number[];
  chars: number[];
  loss: (number | null)[];
  valLoss: (number | null)[];
  mixLoss: (number | null)[];
}

export function emptySeries(): LossSeries {
  return { step: [], chars: [], loss: [], valLoss: [], mixLoss: [] };
}

const orNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** First index whose step is >= `step` (binary search; steps are increasing). */
function lowerBound(steps: readonly number[], step: number): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid] < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export type AppendResult = 'appended' | 'merged' | 'rewound' | 'ignored';

/**
 * Adds one point. A point at the last step is merged into it (a validation result arriving for a
 * step already reported). A point at an earlier step means a new run (fresh: step 1; continued
 * from the best checkpoint: that checkpoint's step): the series is cut back to the steps before it
 * and the point appended, so the chart never shows two runs folded onto each other.
 */
export function appendPoint(s: LossSeries, p: HistoryPointLike): AppendResult {
  if (typeof p.step !== 'number' || !Number.isFinite(p.step)) return 'ignored';
  const n = s.step.length;
  const loss = orNull(p.loss);
  const val = orNull(p.valLoss);
  const mix = orNull(p.mixLoss);
  const chars = typeof p.charsSeen === 'number' && Number.isFinite(p.charsSeen) ? p.charsSeen : n ? s.chars[n - 1] : 0;
  let result: AppendResult = 'appended';
  if (n > 0 && p.step <= s.step[n - 1]) {
    if (p.step === s.step[n - 1]) {
      if (loss !== null) s.loss[n - 1] = loss;
      if (val !== null) s.valLoss[n - 1] = val;
      if (mix !== null) s.mixLoss[n - 1] = mix;
      s.chars[n - 1] = chars;
      return 'merged';
    }
    const cut = lowerBound(s.step, p.step);
    s.step.length = cut;
    s.chars.length = cut;
    s.loss.length = cut;
    s.valLoss.length = cut;
    s.mixLoss.length = cut;
    result = 'rewound';
  }
  s.step.push(p.step);
  s.chars.push(chars);
  s.loss.push(loss);
  s.valLoss.push(val);
  s.mixLoss.push(mix);
  return result;
}

/** The saved history (meta.json) as a series. Tolerates unsorted or malformed entries. */
export function historyToSeries(history: readonly HistoryPointLike[] | undefined): LossSeries {
  const s = emptySeries();
  if (!Array.isArray(history)) return s;
  let sorted = true;
  for (let i = 1; i < history.length; i++) {
    if (!(history[i].step >= history[i - 1].step)) {
      sorted = false;
      break;
    }
  }
  const points = sorted ? history : [...history].filter((p) => p && Number.isFinite(p.step)).sort((a, b) => a.step - b.step);
  for (const p of points) {
    if (p && typeof p === 'object') appendPoint(s, p);
  }
  return s;
}

/** What the panel host knows about the current (or last) run; TrainingClient's snapshot fits it. */
export interface PanelSnapshot {
  running: boolean;
  ready?: ReadyMessage;
  corpus?: CorpusMessage;
  progress?: ProgressMessage;
  /** Set when the run is a continuation of the saved model, false for a fresh run. */
  resume?: boolean;
  done?: DoneMessage;
  error?: ErrorMessage;
  /** Events of the current (or last) run, oldest first (progress and sample at least). */
  events: readonly FromTrainer[];
}

/**
 * The chart's series for a freshly opened panel: the saved history, then the events of the
 * current (or last) run, which cut the history back where they start (see appendPoint). For a
 * run known to be fresh (`resume === false`) while it runs, the old model's history is left out.
 */
export function buildSeries(history: readonly HistoryPointLike[] | undefined, snapshot: PanelSnapshot | undefined): LossSeries {
  const fresh = snapshot !== undefined && snapshot.running && snapshot.resume === false;
  const s = fresh ? emptySeries() : historyToSeries(history);
  for (const e of snapshot?.events ?? []) {
    if (e.type === 'progress') appendPoint(s, e);
  }
  return s;
}

/** The uPlot data for one x axis: [x, train loss, validation loss, mixture (held out)]. */
export function chartColumns(s: LossSeries, axis: XAxis): [number[], (number | null)[], (number | null)[], (number | null)[]] {
  return [axis === 'chars' ? s.chars : s.step, s.loss, s.valLoss, s.mixLoss];
}

/** Latest events of each kind found in a snapshot (for the progress and sample views). */
export interface LatestEvents {
  ready?: ReadyMessage;
  corpus?: CorpusMessage;
  progress?: ProgressMessage;
  sample?: SampleMessage;
  done?: DoneMessage;
  error?: ErrorMessage;
}

export function latestEvents(snapshot: PanelSnapshot | undefined): LatestEvents {
  const out: LatestEvents = {};
  if (!snapshot) return out;
  for (const e of snapshot.events) {
    if (e.type === 'ready' || e.type === 'corpus' || e.type === 'progress' || e.type === 'sample' || e.type === 'done' || e.type === 'error') {
      (out as Record<string, FromTrainer>)[e.type] = e;
    }
  }
  if (snapshot.ready) out.ready = snapshot.ready;
  if (snapshot.corpus) out.corpus = snapshot.corpus;
  if (snapshot.progress) out.progress = snapshot.progress;
  if (snapshot.done) out.done = snapshot.done;
  if (snapshot.error) out.error = snapshot.error;
  // A run that is going has not ended, whatever an older event says.
  if (snapshot.running) {
    delete out.done;
    delete out.error;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Extension → webview

export interface InitMessage {
  type: 'init';
  running: boolean;
  settings: PanelSettings;
  settingErrors: SettingErrors;
  model?: ModelInfo;
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
  | { type: 'model'; model?: ModelInfo }
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

export { BACKENDS };

// ---------------------------------------------------------------------------------------------
// The page

export const PANEL_VIEW_TYPE = 'charrnn.trainingPanel';
export const PANEL_TITLE = 'CharRNN Training';

/**
 * The panel's page: a strict Content-Security-Policy, one stylesheet from media/, one script
 * from dist/ with a nonce. The webview script builds the rest (no inline handlers, no remote
 * content). Styles of the web components and of the chart are constructed stylesheets.
 */
export function panelHtml(o: { cspSource: string; nonce: string; scriptUri: string; styleUri: string }): string {
  const csp = [
    "default-src 'none'",
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `script-src 'nonce-${o.nonce}'`,
    `img-src ${o.cspSource} data:`,
    `font-src ${o.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${o.styleUri}" nonce="${o.nonce}">
<title>${PANEL_TITLE}</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="loading">Loading the training panel…</p></main>
<script nonce="${o.nonce}" src="${o.scriptUri}"></script>
</body>
</html>`;
}

