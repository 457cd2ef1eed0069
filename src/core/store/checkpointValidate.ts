/**
 * Checks of a checkpoint's meta.json, run before anything large is allocated: every field has the
 * right type and a sane range (every number: the config, the history's points, the schedule, the
 * thresholds, the corpus and n-gram figures, the file records), and the weights manifest has
 * exactly the shapes the config and vocabulary imply. A hostile or corrupt meta.json (e.g.
 * numLayers 10000000, "shape": "97x128", a threshold of "abc", a history time of "abc") then fails
 * at once with one readable reason instead of allocating gigabytes or training on garbage.
 */
import * as fs from 'fs';
import { expectedShapes } from '../lstm/weights';
import { DATA_FILES, MAX_META_BYTES } from './modelFolder';

/** Sanity bounds (wider than the settings' ranges: tests and older runs use small models). */
export const META_LIMITS = {
  lstmSize: 8192,
  numLayers: 16,
  numSteps: 100_000,
  batchSize: 100_000,
  vocabSize: 1 << 16,
  historyPoints: 10_000_000,
  /** weights.bin larger than this is refused (the default 256x2 model is about 4 MB; 2048x6, the settings' largest, under 1 GB). */
  weightBytes: 2 ** 30,
  metaBytes: MAX_META_BYTES,
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isNum = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const BIG = Number.MAX_SAFE_INTEGER;

/** A field's rule: a whole number or a number within [min, max]; optional fields may be absent. */
interface Rule {
  int?: boolean;
  min: number;
  max: number;
  optional?: boolean;
  /** null is allowed (e.g. an unbounded schedule's end). */
  nullable?: boolean;
}
const int = (min: number, max = BIG, more: Partial<Rule> = {}): Rule => ({ int: true, min, max, ...more });
const num = (min: number, max = Number.MAX_VALUE, more: Partial<Rule> = {}): Rule => ({ min, max, ...more });
const opt = (r: Rule): Rule => ({ ...r, optional: true });

/** The first field of `obj` (named `where`.field) that breaks its rule, as a message. */
function checkFields(obj: Record<string, unknown>, where: string, rules: Record<string, Rule>): string | undefined {
  for (const [k, r] of Object.entries(rules)) {
    const v = obj[k];
    if (v === undefined && r.optional) continue;
    if (v === null && r.nullable) continue;
    if (r.int ? isInt(v, r.min, r.max) : isNum(v, r.min, r.max)) continue;
    const range = r.max >= BIG ? `of at least ${r.min}` : r.min <= -Number.MAX_VALUE ? '' : `between ${r.min} and ${r.max}`;
    return `${where}.${k} must be ${r.int ? 'a whole number' : 'a number'}${range ? ` ${range}` : ''}${r.nullable ? ' or null' : ''} (it is ${short(v)})`;
  }
  return undefined;
}

/** The config's other numbers (checked when present: older checkpoints lack some). */
const CONFIG_RULES: Record<string, Rule> = {
  learningRate: opt(num(0, 10)),
  dropout: opt(num(0, 1)),
  gradClip: opt(num(0, 1e6)),
  epochs: opt(int(0)),
  maxMinutes: opt(num(0, 1e9)),
  valFraction: opt(num(0, 1)),
  evalEvery: opt(int(1)),
  patience: opt(int(0)),
  seed: opt(int(-BIG)),
  warmupSteps: opt(int(0)),
  decayShare: opt(num(0, 1)),
  inputScale: opt(num(0, 1e6)),
};
const POINT_RULES: Record<string, Rule> = {
  step: int(0),
  epoch: int(0),
  charsSeen: num(0),
  loss: num(0),
  time: num(0),
  valLoss: opt(num(0)),
  mixLoss: opt(num(0)),
  lr: opt(num(0)),
};
const CALIBRATION_RULES: Record<string, Rule> = {
  minConfidence: num(0, 1),
  precision: num(0, 1),
  shown: num(0, 1),
  positions: int(0),
  target: num(0, 1),
};
const SCHEDULE_RULES: Record<string, Rule> = {
  peak: num(0, 10),
  warmupSteps: int(0),
  decayShare: opt(num(0, 1)),
  startStep: int(0),
  startSec: num(0),
  // Before startSec when the run's time was used up before its LSTM started (the schedule is over).
  endSec: num(-Number.MAX_VALUE, Number.MAX_VALUE, { nullable: true }),
  endStep: int(0, BIG, { nullable: true }),
};
const NGRAM_RULES: Record<string, Rule> = {
  order: int(1, 32),
  version: int(0),
  bytes: int(0),
  trainChars: int(0),
  buildSeconds: opt(num(0)),
};
const DATA_FILE_NAMES: readonly string[] = DATA_FILES;

function checkCalibration(c: unknown, where: string): string | undefined {
  if (!isObj(c)) return `${where} must be an object (it is ${short(c)})`;
  const bad = checkFields(c, where, CALIBRATION_RULES);
  if (bad) return bad;
  if (c.byTarget !== undefined) {
    if (!isObj(c.byTarget)) return `${where}.byTarget must be an object`;
    for (const [k, v] of Object.entries(c.byTarget)) if (!isNum(v, 0, 1)) return `${where}.byTarget["${short(k)}"] must be a number between 0 and 1 (it is ${short(v)})`;
  }
  if (c.confidence !== undefined && typeof c.confidence !== 'string') return `${where}.confidence must be a string`;
  return undefined;
}

function checkMixerFigures(m: unknown, where: string): string | undefined {
  if (!isObj(m)) return `${where} must be an object`;
  if (m.bitsPerChar !== undefined) {
    if (!isObj(m.bitsPerChar)) return `${where}.bitsPerChar must be an object`;
    for (const [k, v] of Object.entries(m.bitsPerChar)) if (!isNum(v, 0, 1e6)) return `${where}.bitsPerChar.${short(k)} must be a number of at least 0 (it is ${short(v)})`;
  }
  return checkFields(m, where, { chars: opt(int(0)), lstmShare: opt(num(0, 1)) });
}

/** The first problem of the history's points, or undefined. */
function checkHistory(h: unknown[]): string | undefined {
  for (let i = 0; i < h.length; i++) {
    const p = h[i];
    if (!isObj(p)) return `history[${i}] must be an object (it is ${short(p)})`;
    const bad = checkFields(p, `history[${i}]`, POINT_RULES);
    if (bad) return bad;
  }
  return undefined;
}

/** The first problem of a parsed meta.json (after its format version is known), or undefined. */
export function checkMeta(meta: unknown): string | undefined {
  if (!isObj(meta)) return 'not an object';
  const c = meta.config;
  if (!isObj(c)) return 'no model config';
  for (const [k, max] of [['lstmSize', META_LIMITS.lstmSize], ['numLayers', META_LIMITS.numLayers], ['numSteps', META_LIMITS.numSteps], ['batchSize', META_LIMITS.batchSize]] as const) {
    if (!isInt(c[k], 1, max)) return `config.${k} must be a whole number between 1 and ${max} (it is ${short(c[k])})`;
  }
  const badConfig = checkFields(c, 'config', CONFIG_RULES);
  if (badConfig) return badConfig;
  const chars = isObj(meta.vocab) ? meta.vocab.chars : undefined;
  if (!Array.isArray(chars) || chars.length < 1 || chars.length > META_LIMITS.vocabSize) {
    return `vocab.chars must be a list of 1 to ${META_LIMITS.vocabSize} characters`;
  }
  if (!Array.isArray(meta.weights)) return 'no weights manifest';
  // Every point is checked: a resumed run continues from the last one (its time and step).
  if (!Array.isArray(meta.history) || meta.history.length > META_LIMITS.historyPoints) return 'no training history list';
  const badHistory = checkHistory(meta.history);
  if (badHistory) return badHistory;
  for (const k of ['step', 'epoch'] as const) {
    if (!isInt(meta[k], 0, Number.MAX_SAFE_INTEGER)) return `${k} must be a whole number (it is ${short(meta[k])})`;
  }
  if (meta.bestValLoss !== null && !isNum(meta.bestValLoss, 0, Number.MAX_VALUE)) return `bestValLoss must be a number of at least 0 or null (it is ${short(meta.bestValLoss)})`;
  for (const k of ['createdAt', 'updatedAt', 'backend'] as const) {
    if (typeof meta[k] !== 'string') return `${k} must be a string`;
  }
  if (!isObj(meta.corpus)) return 'no corpus fingerprint';
  const badCorpus = checkFields(meta.corpus, 'corpus', { files: int(0), bytes: int(0) });
  if (badCorpus) return badCorpus;
  for (const k of ['calibration', 'countCalibration'] as const) {
    if (meta[k] !== undefined) {
      const bad = checkCalibration(meta[k], k);
      if (bad) return bad;
    }
  }
  for (const k of ['mixer', 'countMixer'] as const) {
    if (meta[k] !== undefined) {
      const bad = checkMixerFigures(meta[k], k);
      if (bad) return bad;
    }
  }
  if (meta.schedule !== undefined) {
    const s = meta.schedule;
    if (!isObj(s)) return `schedule must be an object (it is ${short(s)})`;
    if (s.kind !== 'constant' && s.kind !== 'decay') return `schedule.kind must be "constant" or "decay" (it is ${short(s.kind)})`;
    const bad = checkFields(s, 'schedule', SCHEDULE_RULES);
    if (bad) return bad;
  }
  if (meta.ngram !== undefined) {
    if (!isObj(meta.ngram)) return `ngram must be an object (it is ${short(meta.ngram)})`;
    const bad = checkFields(meta.ngram, 'ngram', NGRAM_RULES);
    if (bad) return bad;
  }
  if (meta.files !== undefined) {
    if (!isObj(meta.files)) return 'files must be an object';
    for (const [name, r] of Object.entries(meta.files)) {
      if (!DATA_FILE_NAMES.includes(name)) return `files names an unknown file "${short(name)}"`;
      if (!isObj(r) || !isInt(r.bytes, 0, BIG) || typeof r.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256)) return `files["${name}"] must hold bytes and a sha256`;
    }
  }
  if (meta.stage !== undefined && meta.stage !== 'ngram' && meta.stage !== 'lstm') return `unknown stage ${short(meta.stage)}`;
  // The n-gram stage has no LSTM weights yet.
  if (meta.stage === 'ngram') return meta.weights.length === 0 ? undefined : 'an n-gram-stage checkpoint lists LSTM weights';
  // The manifest: exactly the expected names and shapes, in any order.
  const expected = expectedShapes(chars.length, c.lstmSize as number, c.numLayers as number);
  const seen = new Set<string>();
  for (const w of meta.weights as unknown[]) {
    if (!isObj(w) || typeof w.name !== 'string') return 'a weights manifest entry has no name';
    const want = expected.get(w.name);
    if (!want) return `unexpected weight "${short(w.name)}" in the manifest`;
    if (seen.has(w.name)) return `weight "${w.name}" is listed twice`;
    seen.add(w.name);
    const shape = w.shape;
    if (!Array.isArray(shape) || !shape.every((d) => isInt(d, 1, 2 ** 30))) return `weight "${w.name}" has no valid shape (${short(shape)})`;
    if (shape.join('x') !== want.join('x')) return `weight "${w.name}" has shape [${shape.join(', ')}] but the model needs [${want.join(', ')}]`;
  }
  for (const name of expected.keys()) if (!seen.has(name)) return `missing weight "${name}"`;
  const bytes = expectedWeightBytes(meta as { weights: { shape: number[] }[] });
  if (bytes > META_LIMITS.weightBytes) return `the weights would take ${bytes} bytes, more than the ${META_LIMITS.weightBytes} allowed`;
  return undefined;
}

/** Bytes of weights.bin that a (checked) manifest describes. */
export function expectedWeightBytes(meta: { weights: { shape: number[] }[] }): number {
  let n = 0;
  for (const w of meta.weights) n += w.shape.reduce((a, b) => a * b, 1);
  return n * 4;
}

/**
 * Throws when `file` is not a regular file (a FIFO or a device would hang or never end) or is
 * larger than `maxBytes`; returns its size.
 */
export function checkRegularFile(file: string, maxBytes = META_LIMITS.metaBytes): number {
  const st = fs.statSync(file);
  if (!st.isFile()) throw new Error('not a regular file');
  if (st.size > maxBytes) throw new Error(`${st.size} bytes, more than the ${maxBytes} allowed`);
  return st.size;
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
