/**
 * Checks of a checkpoint's meta.json, run before anything large is allocated: every field the
 * loaders use has the right type and a sane range, and the weights manifest has exactly the
 * shapes the config and vocabulary imply. A hostile or corrupt meta.json (e.g. numLayers 10000000,
 * "shape": "97x128") then fails at once with one readable reason instead of allocating gigabytes.
 */
import * as fs from 'fs';
import { expectedShapes } from './weights';

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
  metaBytes: 64 * 1024 * 1024,
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** The first problem of a parsed meta.json (after its format version is known), or undefined. */
export function checkMeta(meta: unknown): string | undefined {
  if (!isObj(meta)) return 'not an object';
  const c = meta.config;
  if (!isObj(c)) return 'no model config';
  for (const [k, max] of [['lstmSize', META_LIMITS.lstmSize], ['numLayers', META_LIMITS.numLayers], ['numSteps', META_LIMITS.numSteps], ['batchSize', META_LIMITS.batchSize]] as const) {
    if (!isInt(c[k], 1, max)) return `config.${k} must be a whole number between 1 and ${max} (it is ${short(c[k])})`;
  }
  const chars = isObj(meta.vocab) ? meta.vocab.chars : undefined;
  if (!Array.isArray(chars) || chars.length < 1 || chars.length > META_LIMITS.vocabSize) {
    return `vocab.chars must be a list of 1 to ${META_LIMITS.vocabSize} characters`;
  }
  if (!Array.isArray(meta.weights)) return 'no weights manifest';
  // The history's points are not checked one by one: the panel skips malformed ones, and a
  // cosmetic glitch there must not make the model unusable.
  if (!Array.isArray(meta.history) || meta.history.length > META_LIMITS.historyPoints) return 'no training history list';
  for (const k of ['step', 'epoch'] as const) {
    if (!isInt(meta[k], 0, Number.MAX_SAFE_INTEGER)) return `${k} must be a whole number (it is ${short(meta[k])})`;
  }
  if (meta.bestValLoss !== null && typeof meta.bestValLoss !== 'number') return 'bestValLoss must be a number or null';
  for (const k of ['createdAt', 'updatedAt', 'backend'] as const) {
    if (typeof meta[k] !== 'string') return `${k} must be a string`;
  }
  if (!isObj(meta.corpus)) return 'no corpus fingerprint';
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
