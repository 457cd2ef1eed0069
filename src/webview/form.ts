/**
 * The settings form: one field per PANEL_SETTING_KEYS entry (model shape first), checked as the
 * user types with the ranges of SETTINGS (src/core/contracts/config.ts, the same as the manifest's). The
 * extension checks everything again before writing the workspace settings.
 *
 * `applied` holds the settings as the extension last reported them; `drafts` the texts the user
 * typed that differ from them. A settings change made elsewhere (settings.json, Settings UI)
 * replaces the fields whose applied value changed and keeps the user's other drafts.
 */
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import { BACKENDS, SETTINGS } from '../core/contracts/config';
import { PANEL_SETTING_KEYS, checkSettingsCombination, defaultPanelSettings, parseSettingInput, type PanelSettingKey, type PanelSettings, type SettingErrors } from '../protocol/panelSettings';

interface FieldInfo {
  label: string;
  hint: string;
}

const FIELDS: Record<PanelSettingKey, FieldInfo> = {
  'model.lstmSize': { label: 'LSTM size (lstm_size)', hint: 'Units per layer' },
  'model.numLayers': { label: 'Layers (num_layers)', hint: 'Stacked LSTM layers' },
  'training.batchSize': { label: 'Batch size (batch_size)', hint: 'Parallel streams' },
  'training.numSteps': { label: 'Unrolled steps (num_steps)', hint: 'Characters per batch row' },
  'training.learningRate': { label: 'Learning rate', hint: 'Adam' },
  'training.dropout': { label: 'Dropout', hint: 'Between layers; 0 = none' },
  'training.epochs': { label: 'Epochs', hint: '0 = no limit' },
  'training.maxMinutes': { label: 'Max minutes', hint: '0 = no limit' },
  'training.backend': { label: 'Backend', hint: 'TensorFlow.js backend' },
};

function rangeText(key: PanelSettingKey): string {
  const spec = SETTINGS[key];
  return spec.type === 'string' ? '' : `${spec.minimum}–${spec.maximum}`;
}

type Control = VscodeTextfield | VscodeSingleSelect;

interface Field {
  key: PanelSettingKey;
  control: Control;
  message: HTMLElement;
  defaultHint: string;
}

export interface FormValues {
  /** Values that differ from the applied settings (valid ones only). */
  changes: Partial<PanelSettings>;
  /** The applied settings with every valid draft on top (what the model would be). */
  merged: PanelSettings;
  /** Per-field problems (and `combination` for a cross-field one). */
  errors: Partial<Record<PanelSettingKey | 'combination', string>>;
  dirty: boolean;
}

export class SettingsForm {
  private applied: PanelSettings = defaultPanelSettings();
  private drafts: Partial<Record<PanelSettingKey, string>> = {};
  /** Problems the extension reported (e.g. a bad value in settings.json), shown until edited. */
  private external: SettingErrors = {};
  private readonly fields = new Map<PanelSettingKey, Field>();
  /** Called after every edit and every update from the extension. */
  onChange: (() => void) | undefined;

  constructor(form: HTMLFormElement, drafts: Partial<Record<PanelSettingKey, string>> | undefined) {
    for (const key of PANEL_SETTING_KEYS) {
      const id = `f-${key.replace('.', '-')}`;
      const wrap = document.createElement('div');
      wrap.className = 'field';
      const label = document.createElement('vscode-label');
      label.htmlFor = id;
      label.textContent = FIELDS[key].label;
      let control: Control;
      if (key === 'training.backend') {
        const select = document.createElement('vscode-single-select');
        for (const b of BACKENDS) {
          const opt = document.createElement('vscode-option');
          opt.value = b;
          opt.textContent = b;
          select.appendChild(opt);
        }
        control = select;
      } else {
        const tf = document.createElement('vscode-textfield');
        // type=number validates against an implicit step of 1 (0.002 would show as invalid), so
        // decimal settings are text fields; the form's own check applies to both.
        tf.type = SETTINGS[key].type === 'integer' ? 'number' : 'text';
        control = tf;
      }
      control.id = id;
      control.setAttribute('name', key);
      const message = document.createElement('div');
      message.className = 'field-message';
      message.id = `${id}-msg`;
      const range = rangeText(key);
      const defaultHint = range ? `${FIELDS[key].hint} · ${range}` : FIELDS[key].hint;
      message.textContent = defaultHint;
      control.setAttribute('aria-describedby', message.id);
      wrap.append(label, control, message);
      form.appendChild(wrap);
      const field: Field = { key, control, message, defaultHint };
      this.fields.set(key, field);
      const edited = () => {
        this.drafts[key] = control.value;
        delete this.external[key];
        this.refresh();
        this.onChange?.();
      };
      control.addEventListener('input', edited);
      control.addEventListener('change', edited);
    }
    // Enter in a field must not submit (and reload) the page.
    form.addEventListener('submit', (e) => e.preventDefault());
    this.drafts = { ...(drafts ?? {}) };
    this.writeControls();
    this.refresh();
  }

  /** The extension's current settings. Fields whose applied value changed take it. */
  setApplied(settings: PanelSettings, errors: SettingErrors = {}): void {
    const before = this.applied;
    this.applied = { ...settings };
    for (const key of PANEL_SETTING_KEYS) {
      if (before[key] !== settings[key]) delete this.drafts[key];
      const d = this.drafts[key];
      if (d !== undefined && d === String(settings[key])) delete this.drafts[key];
    }
    this.external = { ...errors };
    this.writeControls();
    this.refresh();
    this.onChange?.();
  }

  /** Marks fields with the errors the extension found (after an apply). */
  showErrors(errors: Record<string, string>): void {
    for (const [k, msg] of Object.entries(errors)) {
      if (this.fields.has(k as PanelSettingKey)) this.external[k as PanelSettingKey] = msg;
    }
    this.refresh();
  }

  /** Drops every draft (back to the applied settings). */
  revert(): void {
    this.drafts = {};
    this.external = {};
    this.writeControls();
    this.refresh();
    this.onChange?.();
  }

  get draftTexts(): Partial<Record<PanelSettingKey, string>> {
    return { ...this.drafts };
  }

  values(): FormValues {
    const changes: Record<string, number | string> = {};
    const merged = { ...this.applied } as Record<string, number | string>;
    const errors: FormValues['errors'] = {};
    for (const key of PANEL_SETTING_KEYS) {
      const text = this.drafts[key];
      if (text === undefined) continue;
      const parsed = parseSettingInput(key, text);
      if ('error' in parsed) {
        errors[key] = parsed.error;
        continue;
      }
      if (parsed.value !== this.applied[key]) {
        changes[key] = parsed.value;
        merged[key] = parsed.value;
      }
    }
    const combination = checkSettingsCombination(merged as unknown as PanelSettings);
    if (combination) errors.combination = combination;
    return {
      changes: changes as Partial<PanelSettings>,
      merged: merged as unknown as PanelSettings,
      errors,
      dirty: Object.keys(changes).length > 0,
    };
  }

  private writeControls(): void {
    for (const [key, f] of this.fields) {
      const text = this.drafts[key] ?? String(this.applied[key]);
      if (f.control.value !== text) f.control.value = text;
    }
  }

  /** Shows each field's state: error, changed, or its range. */
  private refresh(): void {
    const { errors, changes } = this.values();
    for (const [key, f] of this.fields) {
      const error = errors[key] ?? this.external[key] ??
        (errors.combination && (key === 'training.epochs' || key === 'training.maxMinutes') ? errors.combination : undefined);
      f.control.invalid = error !== undefined;
      f.message.textContent = error ?? f.defaultHint;
      f.message.classList.toggle('error', error !== undefined);
      f.control.closest('.field')?.classList.toggle('changed', key in changes);
    }
  }

  /** Keyboard focus to the first field with an error (after a refused apply). */
  focusFirstError(): void {
    for (const f of this.fields.values()) {
      if (f.control.invalid) {
        f.control.focus();
        return;
      }
    }
  }
}
