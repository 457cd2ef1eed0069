/**
 * Every user-facing setting, in one table: its key under `charrnn.`, type, default, bounds and
 * description. The manifest's `contributes.configuration` is checked against this table by a unit
 * test; the extension, the panel and the CLI validate values with `validateTrainConfig`.
 * No `vscode` import: shared by the extension, the trainer, the worker, the CLI and the webview.
 */

export type Backend = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKENDS: readonly Backend[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export interface ModelConfig {
  /** Units per LSTM layer (`lstm_size`). */
  lstmSize: number;
  /** Stacked LSTM layers (`num_layers`). */
  numLayers: number;
}

export interface TrainConfig extends ModelConfig {
  batchSize: number;
  numSteps: number;
  learningRate: number;
  dropout: number;
  gradClip: number;
  /** 0 = no epoch limit (then maxMinutes must bound the run). */
  epochs: number;
  /** 0 = no time limit. */
  maxMinutes: number;
  /** Share of the corpus held out for validation (whole files when possible). */
  valFraction: number;
  /** Validate (and maybe checkpoint) every this many training steps. */
  evalEvery: number;
  /** Stop after this many validations without improvement (0 = never). */
  patience: number;
  /** Seed for initialisation and batching; runs with the same seed and data are reproducible. */
  seed: number;
  backend: Backend;
  /** Learning-rate schedule (../lstm/schedule.ts): 'decay' (warm-up, then linear to zero at the run's end) or 'constant'; absent: DEFAULT_LR_SCHEDULE. */
  lrSchedule?: 'constant' | 'decay';
  /** Warm-up steps of the 'decay' schedule; absent: DEFAULT_WARMUP_STEPS. */
  warmupSteps?: number;
  /** Share of the run over which the 'decay' schedule falls to zero (absent: DEFAULT_DECAY_SHARE). */
  decayShare?: number;
  /** A fresh model's output bias starts at the unigram log-frequencies (default true; false: zeros). */
  unigramBias?: boolean;
  /** A fresh model's first input kernel is Glorot's times this (default: DEFAULT_INPUT_SCALE of train.ts). */
  inputScale?: number;
  /** Where a fresh run's LSTM starts (absent: 'pretrained'): the shipped base model, when its shape is lstmSize x numLayers, or random weights. */
  init?: ModelInit;
}

export type ModelInit = 'pretrained' | 'scratch';
export const MODEL_INITS: readonly ModelInit[] = ['pretrained', 'scratch'];

export interface CorpusConfig {
  include: string[];
  exclude: string[];
  maxFileBytes: number;
  maxCorpusBytes: number;
}

export type CompletionTrigger = 'automatic' | 'manual';
export const COMPLETION_TRIGGERS: readonly CompletionTrigger[] = ['automatic', 'manual'];
/** token: the ghost ends with the token; line: it goes on while the model is sure (issue 23). */
export type CompletionLength = 'token' | 'line';
export const COMPLETION_LENGTHS: readonly CompletionLength[] = ['token', 'line'];

export interface CompletionConfig {
  enabled: boolean;
  disabledLanguages: string[];
  maxChars: number;
  /** Undefined: the model's calibrated threshold (or the setting's default when it has none). */
  minConfidence?: number;
  debounceMs: number;
  contextChars: number;
  /** Complete inside comments (as the language-aware heuristic of ./syntax sees them). */
  inComments: boolean;
  /** Complete inside string literals. */
  inStrings: boolean;
  /** automatic: while typing; manual: only when asked (CharRNN: Suggest completion). */
  trigger: CompletionTrigger;
  /** Whether the ghost may go past the token, to the end of the line. */
  length: CompletionLength;
  /** Longest part of the ghost past the token, in characters. */
  maxContinuationChars: number;
  /** Undefined: the model's calibrated continuation threshold (none: no continuation). */
  continuationMinConfidence?: number;
}

/** How the trainer treats the machine (not saved with the model: they do not change it). */
export interface TrainerManners {
  /** wasm threads; 0 = automatic. */
  threads: number;
  lowPriority: boolean;
  yieldWhileTyping: boolean;
}

/** VS Code's setting scopes (where a value may be set). */
export type SettingScope = 'application' | 'machine' | 'machine-overridable' | 'window' | 'resource' | 'language-overridable';

interface CommonSpec {
  /** Plain text (the manifest's `description`). */
  description: string;
  /** Markdown (the manifest's `markdownDescription`, which the Settings UI prefers), when it helps. */
  markdownDescription?: string;
  /** Default: see settingScope(). */
  scope?: SettingScope;
}
interface NumberSpec extends CommonSpec {
  type: 'integer' | 'number';
  default: number;
  minimum: number;
  maximum: number;
}
interface OtherSpec extends CommonSpec {
  type: 'boolean' | 'string' | 'array';
  default: unknown;
  enum?: readonly string[];
}
export type SettingSpec = NumberSpec | OtherSpec;

/** Keys are the full setting names without the `charrnn.` prefix. */
export const SETTINGS = {
  'model.lstmSize': { type: 'integer', default: 256, minimum: 8, maximum: 2048, description: 'Units in each LSTM layer (lstm_size). Changing it needs a fresh training run.' },
  'model.numLayers': { type: 'integer', default: 2, minimum: 1, maximum: 6, description: 'Number of stacked LSTM layers (num_layers). Changing it needs a fresh training run.' },
  'model.init': { type: 'string', default: 'pretrained', enum: MODEL_INITS, description: 'Where training starts: pretrained (fine-tune the base model shipped with the extension, pretrained on public code; needs the base model\'s shape, 256 units x 2 layers) or scratch (random weights). Another shape always starts from scratch.', markdownDescription: 'Where training starts. `pretrained`: fine-tune the base CharRNN shipped with the extension (pretrained on public code in four languages; see its model card). It needs the base model\'s shape (`lstmSize` 256, `numLayers` 2): another shape starts from `scratch` (random weights).' },
  'training.batchSize': { type: 'integer', default: 32, minimum: 1, maximum: 512, description: 'Parallel character streams per batch (batch_size).' },
  'training.numSteps': { type: 'integer', default: 64, minimum: 4, maximum: 512, description: 'Characters unrolled per batch, for truncated backpropagation through time (num_steps).' },
  'training.learningRate': { type: 'number', default: 0.004, minimum: 0.00001, maximum: 0.1, description: 'Adam learning rate: the peak of its schedule (a short warm-up, then down to zero in the last 30% of the time limit).' },
  'training.dropout': { type: 'number', default: 0, minimum: 0, maximum: 0.9, description: 'Dropout between LSTM layers during training (0 = none).' },
  'training.gradClip': { type: 'number', default: 5, minimum: 0.1, maximum: 100, description: 'Clip the gradient to this global norm.' },
  'training.epochs': { type: 'integer', default: 20, minimum: 0, maximum: 10000, description: 'Passes over the training data (0 = no epoch limit; then Max Minutes bounds the run).' },
  'training.maxMinutes': { type: 'number', default: 30, minimum: 0, maximum: 10080, description: 'Stop training after this many minutes (0 = no time limit).' },
  'training.include': { type: 'array', default: ['**/*'], description: 'Glob patterns (relative to each workspace folder) of files to train on.' },
  'training.exclude': { type: 'array', default: [], description: 'Glob patterns of files never to train on, on top of files.exclude and .gitignore.' },
  'training.maxFileBytes': { type: 'integer', default: 1000000, minimum: 1000, maximum: 100000000, description: 'Skip files larger than this many bytes.' },
  'training.maxCorpusBytes': { type: 'integer', default: 20000000, minimum: 10000, maximum: 1000000000, description: 'Stop collecting files once the corpus reaches this many bytes.' },
  'training.backend': { type: 'string', default: 'auto', enum: BACKENDS, description: 'TensorFlow.js backend: auto (native TensorFlow if @tensorflow/tfjs-node loads, else the embedded WebAssembly one), tensorflow, wasm or cpu (slow, last resort).' },
  'completion.enabled': { type: 'boolean', default: true, description: 'Show the model\'s completions as inline ghost text.' },
  'completion.disabledLanguages': { type: 'array', default: ['plaintext', 'markdown'], description: 'Language ids for which no completions are shown.' },
  'completion.maxChars': { type: 'integer', default: 40, minimum: 1, maximum: 200, description: 'Longest completion, in characters.' },
  'completion.minConfidence': { type: 'number', default: 0.3, minimum: 0, maximum: 1, description: 'Show a completion only when its confidence is at least this: the probability the model gives it (with a trained LSTM, the geometric mean of the whole mixture\'s and the n-gram + cache\'s). Unset, the model\'s own threshold applies: calibrated on held-out code for 90% precision (0.3 when the model has none).' },
  'completion.length': { type: 'string', default: 'token', enum: COMPLETION_LENGTHS, description: 'token: the ghost text ends with the identifier or token being typed. line: it goes on towards the end of the line while the model is sure (cut at a token boundary, at a threshold calibrated for 85% precision); Tab accepts all of it, Ctrl+Right word by word.', markdownDescription: '`token`: the ghost text ends with the identifier or token being typed. `line`: it goes on towards the end of the line while the model is sure of it (cut at a token boundary, at a threshold calibrated on held-out code for 85% precision of the whole ghost). `Tab` accepts all of it, `Ctrl+Right` (**Accept Next Word Of Inline Suggestion**) word by word.' },
  'completion.maxContinuationChars': { type: 'integer', default: 60, minimum: 1, maximum: 200, description: 'Longest part of the ghost text past the token (with completion.length: line), in characters.', markdownDescription: 'Longest part of the ghost text past the token (with `#charrnn.completion.length#`: `line`), in characters.' },
  'completion.continuationMinConfidence': { type: 'number', default: 0.5, minimum: 0, maximum: 1, description: 'Show the ghost past the token only when the probability that all of it is right is at least this. Unset, the model\'s own threshold applies: calibrated on held-out code for 85% precision (a model without one shows no continuation).' },
  'completion.debounceMs': { type: 'integer', default: 30, minimum: 0, maximum: 2000, description: 'Wait this long after a keystroke before asking the model.' },
  'completion.contextChars': { type: 'integer', default: 256, minimum: 16, maximum: 4096, description: 'Characters before the cursor that the model reads when it has no cached state.' },
  'completion.inComments': { type: 'boolean', default: false, description: 'Also complete inside comments (// and /* */, #, -- and so on, by language).', markdownDescription: 'Also complete inside comments (`//` and `/* */`, `#`, `--`, `<!-- -->`, … as the document\'s language writes them). Off by default: prose in comments is where a code model guesses worst.' },
  'completion.inStrings': { type: 'boolean', default: true, description: 'Also complete inside string literals (keys, paths and messages repeat in a workspace).', markdownDescription: 'Also complete inside string literals (object keys, import paths and messages repeat across a workspace). Uses the same language-aware heuristic as `#charrnn.completion.inComments#`.' },
  'completion.trigger': { type: 'string', default: 'automatic', enum: COMPLETION_TRIGGERS, description: 'automatic: suggest while typing; manual: only when asked with "CharRNN: Suggest completion" (Ctrl+Alt+Space).', markdownDescription: '`automatic`: suggest while typing. `manual`: only when asked with **CharRNN: Suggest completion** (`Ctrl+Alt+Space` by default; Tab and the arrow keys stay yours).' },
  'training.threads': { type: 'integer', default: 0, minimum: 0, maximum: 64, scope: 'machine-overridable', description: 'Threads the trainer may use (0 = automatic: every core, or one when the machine is already busy).' },
  'training.lowPriority': { type: 'boolean', default: true, scope: 'machine-overridable', description: 'Run the trainer at the lowest CPU priority, so that everything else on the machine comes first.' },
  'training.yieldWhileTyping': { type: 'boolean', default: true, description: 'Pause training while you type and resume it when you stop for a moment.', markdownDescription: 'Pause training while you type (from the first keystroke) and resume it after a moment without typing. Pause it for longer with **CharRNN: Pause training**.' },
  modelPath: { type: 'string', default: '', scope: 'machine-overridable', description: 'Folder of a checkpoint trained elsewhere (e.g. by "charrnn train --out DIR") to complete with instead of this workspace\'s own model. Relative paths start at the first workspace folder. Empty: the model trained here.', markdownDescription: 'Folder of a checkpoint trained elsewhere (for example by `charrnn train src --out DIR` on a bigger machine, or shared by a team) to complete with instead of this workspace\'s own model. A relative path starts at the first workspace folder. Empty: the model trained in this workspace.' },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;

/** Where a setting may be set: its own `scope`, else `resource` for completion settings, else `window`. */
export function settingScope(key: SettingKey): SettingScope {
  const spec: SettingSpec = SETTINGS[key];
  return spec.scope ?? (key.startsWith('completion.') ? 'resource' : 'window');
}

/**
 * Settings an untrusted workspace may not set (its settings.json is ignored for them): the ones
 * that choose what is read or run, and how hard the machine works.
 */
export const RESTRICTED_SETTINGS: readonly SettingKey[] = [
  'training.include',
  'training.exclude',
  'training.maxFileBytes',
  'training.maxCorpusBytes',
  'training.backend',
  'training.threads',
  'training.lowPriority',
  'modelPath',
];

/**
 * Defaults that are not user settings. Patience, in validations (of `evalEvery` steps): a small
 * workspace fine-tuned from the base stops improving within a few passes over its files (semver,
 * 70 KB: best at step 100 of a 10-minute run, then worse at every validation), and the run then
 * stops instead of spending the rest of the user's time limit; on zod and Python's standard library
 * validation still improved at the time limit (BENCHMARKS.md, 2026-12-08).
 */
export const TRAIN_INTERNAL_DEFAULTS = { valFraction: 0.1, evalEvery: 100, patience: 5, seed: 1 };

export function defaultTrainConfig(): TrainConfig {
  return {
    lstmSize: SETTINGS['model.lstmSize'].default,
    numLayers: SETTINGS['model.numLayers'].default,
    batchSize: SETTINGS['training.batchSize'].default,
    numSteps: SETTINGS['training.numSteps'].default,
    learningRate: SETTINGS['training.learningRate'].default,
    dropout: SETTINGS['training.dropout'].default,
    gradClip: SETTINGS['training.gradClip'].default,
    epochs: SETTINGS['training.epochs'].default,
    maxMinutes: SETTINGS['training.maxMinutes'].default,
    backend: SETTINGS['training.backend'].default,
    init: SETTINGS['model.init'].default,
    ...TRAIN_INTERNAL_DEFAULTS,
  };
}

/** Maps TrainConfig fields to setting keys (fields without a setting are internal). */
export const TRAIN_FIELD_SETTING: Partial<Record<keyof TrainConfig, SettingKey>> = {
  lstmSize: 'model.lstmSize',
  numLayers: 'model.numLayers',
  batchSize: 'training.batchSize',
  numSteps: 'training.numSteps',
  learningRate: 'training.learningRate',
  dropout: 'training.dropout',
  gradClip: 'training.gradClip',
  epochs: 'training.epochs',
  maxMinutes: 'training.maxMinutes',
  backend: 'training.backend',
};

/**
 * Checks one setting value against its spec. Returns an error message, or undefined when valid.
 */
export function checkSetting(key: SettingKey, value: unknown): string | undefined {
  const spec: SettingSpec = SETTINGS[key];
  switch (spec.type) {
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${key} must be a number`;
      if (spec.type === 'integer' && !Number.isInteger(value)) return `${key} must be a whole number`;
      if (value < spec.minimum || value > spec.maximum) {
        return `${key} must be between ${spec.minimum} and ${spec.maximum}`;
      }
      return undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${key} must be true or false`;
    case 'string':
      if (typeof value !== 'string') return `${key} must be a string`;
      if (spec.enum && !spec.enum.includes(value)) return `${key} must be one of ${spec.enum.join(', ')}`;
      return undefined;
    case 'array':
      return Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? undefined
        : `${key} must be a list of strings`;
  }
}

/**
 * A setting's value as read from VS Code's configuration (undefined = not set): a value that
 * fails its check is replaced by the default, with a message saying what was wrong.
 */
export function settingOrDefault(key: SettingKey, raw: unknown): { value: unknown; problem?: string } {
  const fallback = SETTINGS[key].default;
  if (raw === undefined) return { value: fallback };
  const problem = checkSetting(key, raw);
  if (!problem) return { value: raw };
  return { value: fallback, problem: `${problem} (settings.json has ${JSON.stringify(raw)}; using ${JSON.stringify(fallback)})` };
}

/**
 * The settings that cannot be combined: epochs and maxMinutes both 0 would train forever. The one
 * rule for the CLI, the trainer, the Train command (settings.json) and the panel's form.
 */
export function combinationProblem(c: { epochs: number; maxMinutes: number }): string | undefined {
  return c.epochs === 0 && c.maxMinutes === 0 ? 'Epochs and Max minutes are both 0: training would never stop. Set one of them.' : undefined;
}

/**
 * Validates a whole training config (e.g. from the CLI or an IPC message).
 * Returns the list of problems; empty when valid.
 */
export function validateTrainConfig(c: TrainConfig): string[] {
  const errors: string[] = [];
  for (const [field, key] of Object.entries(TRAIN_FIELD_SETTING) as [keyof TrainConfig, SettingKey][]) {
    const e = checkSetting(key, c[field]);
    if (e) errors.push(e);
  }
  const int = (name: keyof TrainConfig, min: number, max: number) => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      errors.push(`${name} must be a whole number between ${min} and ${max}`);
    }
  };
  if (typeof c.valFraction !== 'number' || !(c.valFraction >= 0 && c.valFraction < 0.9)) {
    errors.push('valFraction must be at least 0 and below 0.9');
  }
  if (c.lrSchedule !== undefined && c.lrSchedule !== 'constant' && c.lrSchedule !== 'decay') errors.push('lrSchedule must be "constant" or "decay"');
  if (c.warmupSteps !== undefined) int('warmupSteps', 0, 1_000_000);
  if (c.unigramBias !== undefined && typeof c.unigramBias !== 'boolean') errors.push('unigramBias must be true or false');
  if (c.decayShare !== undefined && !(typeof c.decayShare === 'number' && c.decayShare > 0 && c.decayShare <= 1)) errors.push('decayShare must be above 0 and at most 1');
  if (c.init !== undefined && !MODEL_INITS.includes(c.init)) errors.push(`init must be one of ${MODEL_INITS.join(', ')}`);
  if (c.inputScale !== undefined && !(typeof c.inputScale === 'number' && c.inputScale > 0 && c.inputScale <= 100)) errors.push('inputScale must be a number above 0 and at most 100');
  int('evalEvery', 1, 1_000_000);
  int('patience', 0, 1_000_000);
  int('seed', 0, 2 ** 31 - 1);
  const combination = combinationProblem(c);
  if (combination) errors.push(combination);
  return errors;
}

/**
 * Validates the corpus settings of a run (the CLI, the trainer's start message): the byte limits
 * in their settings' ranges (a negative --max-file-bytes was accepted and skipped every file),
 * the globs lists of strings. Returns the list of problems; empty when valid.
 */
export function validateCorpusConfig(c: CorpusConfig): string[] {
  const fields: [keyof CorpusConfig, SettingKey][] = [
    ['include', 'training.include'],
    ['exclude', 'training.exclude'],
    ['maxFileBytes', 'training.maxFileBytes'],
    ['maxCorpusBytes', 'training.maxCorpusBytes'],
  ];
  const errors: string[] = [];
  for (const [field, key] of fields) {
    const e = checkSetting(key, c?.[field]);
    if (e) errors.push(e);
  }
  return errors;
}
