/**
 * Reads the `charrnn.*` settings in one place and validates them against the table in
 * src/core/contracts/config.ts. An invalid value falls back to its default with a warning, so a typo in
 * settings.json never stops the extension.
 */
import * as vscode from 'vscode';
import {
  TRAIN_FIELD_SETTING,
  TRAIN_INTERNAL_DEFAULTS,
  settingOrDefault,
  type CompletionConfig,
  type CompletionTrigger,
  type CompletionLength,
  type CorpusConfig,
  type SettingKey,
  type TrainConfig,
  type TrainerManners,
} from '../core/contracts/config';

export interface Read<T> {
  value: T;
  warnings: string[];
}

function reader(scope?: vscode.ConfigurationScope) {
  const cfg = vscode.workspace.getConfiguration('charrnn', scope);
  const warnings: string[] = [];
  const get = <T>(key: SettingKey): T => {
    const { value, problem } = settingOrDefault(key, cfg.get<unknown>(key));
    if (problem) warnings.push(`charrnn.${problem}`);
    return value as T;
  };
  return { get, warnings };
}

/** True when the user (or workspace) gave the setting a value of its own. */
function isSet(scope: vscode.ConfigurationScope | undefined, key: SettingKey): boolean {
  const i = vscode.workspace.getConfiguration('charrnn', scope).inspect(key);
  return !!i && [i.globalValue, i.workspaceValue, i.workspaceFolderValue, i.globalLanguageValue, i.workspaceLanguageValue, i.workspaceFolderLanguageValue]
    .some((v) => v !== undefined);
}

export function readTrainConfig(): Read<TrainConfig> {
  const { get, warnings } = reader();
  const config = { ...TRAIN_INTERNAL_DEFAULTS } as Record<string, unknown>;
  for (const [field, key] of Object.entries(TRAIN_FIELD_SETTING) as [string, SettingKey][]) {
    config[field] = get(key);
  }
  config.init = get('model.init');
  return { value: config as unknown as TrainConfig, warnings };
}

export function readCorpusConfig(): Read<CorpusConfig & { filesExclude: string[] }> {
  const { get, warnings } = reader();
  const filesExclude = Object.entries(vscode.workspace.getConfiguration('files').get<Record<string, unknown>>('exclude') ?? {})
    .filter(([, on]) => on === true)
    .map(([glob]) => glob);
  return {
    value: {
      include: get<string[]>('training.include'),
      exclude: get<string[]>('training.exclude'),
      maxFileBytes: get<number>('training.maxFileBytes'),
      maxCorpusBytes: get<number>('training.maxCorpusBytes'),
      filesExclude,
    },
    warnings,
  };
}

export function readCompletionConfig(scope?: vscode.ConfigurationScope): Read<CompletionConfig> {
  const { get, warnings } = reader(scope);
  return {
    value: {
      enabled: get<boolean>('completion.enabled'),
      disabledLanguages: get<string[]>('completion.disabledLanguages'),
      maxChars: get<number>('completion.maxChars'),
      // Unset: the model's calibrated threshold applies.
      minConfidence: isSet(scope, 'completion.minConfidence') ? get<number>('completion.minConfidence') : undefined,
      debounceMs: get<number>('completion.debounceMs'),
      contextChars: get<number>('completion.contextChars'),
      inComments: get<boolean>('completion.inComments'),
      inStrings: get<boolean>('completion.inStrings'),
      trigger: get<CompletionTrigger>('completion.trigger'),
      length: get<CompletionLength>('completion.length'),
      maxContinuationChars: get<number>('completion.maxContinuationChars'),
      // Unset: the model's calibrated one.
      continuationMinConfidence: isSet(scope, 'completion.continuationMinConfidence') ? get<number>('completion.continuationMinConfidence') : undefined,
    },
    warnings,
  };
}

export function readTrainerManners(): Read<TrainerManners> {
  const { get, warnings } = reader();
  return {
    value: {
      threads: get<number>('training.threads'),
      lowPriority: get<boolean>('training.lowPriority'),
      yieldWhileTyping: get<boolean>('training.yieldWhileTyping'),
    },
    warnings,
  };
}

/** `charrnn.modelPath` as written (trimmed; '' when unset). */
export function readModelPath(): string {
  const { get } = reader();
  return get<string>('modelPath').trim();
}

/**
 * Writes a charrnn.* setting where it is set now (workspace folder, workspace, else user), so a
 * workspace value does not hide a change made at the user level.
 */
export async function updateWhereSet(key: SettingKey, value: unknown): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('charrnn');
  const where = cfg.inspect(key);
  const target = where?.workspaceFolderValue !== undefined
    ? vscode.ConfigurationTarget.WorkspaceFolder
    : where?.workspaceValue !== undefined
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
  await cfg.update(key, value, target);
}
