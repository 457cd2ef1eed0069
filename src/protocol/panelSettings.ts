/**
 * The training settings edited in the panel: which ones, in what order, how a form field's text
 * becomes a value, and the checks the extension applies again to what the webview sends. Shared
 * by the panel host (src/extension/panel.ts) and the webview (src/webview/form.ts).
 */
import { SETTINGS, checkSetting, combinationProblem, settingOrDefault, type Backend, type SettingKey } from '../core/contracts/config';

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

/** The panel's values against the settings that cannot be combined (core/contracts/config.ts, one rule). */
export function checkSettingsCombination(s: PanelSettings): string | undefined {
  return combinationProblem({ epochs: s['training.epochs'], maxMinutes: s['training.maxMinutes'] });
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

/** True when the settings ask for another model shape than the saved model's (fresh run needed). */
export function shapeDiffers(model: { lstmSize: number; numLayers: number } | undefined, s: Pick<PanelSettings, 'model.lstmSize' | 'model.numLayers'>): boolean {
  return model !== undefined && (model.lstmSize !== s['model.lstmSize'] || model.numLayers !== s['model.numLayers']);
}

/** Vocabulary size assumed for the parameter count before any corpus has been read. */
export const TYPICAL_VOCAB_SIZE = 100;

