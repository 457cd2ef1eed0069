/**
 * Checkpoint folder format (version 1):
 *   meta.json    CheckpointMeta below: config, vocabulary, history, corpus fingerprint, backend,
 *                times, best validation loss, and `weights`: the manifest of weights.bin
 *   weights.bin  the weights' float32 values, little-endian, concatenated in manifest order
 *                (the same idea as tfjs's model.json weightsManifest + one shard)
 *   ngram.bin    the workspace n-gram (src/core/lm/ngram.ts, NGRAM_FORMAT), described by `ngram`
 * `stage` says which experts exist: 'ngram' (the first seconds of a run: n-gram only, no LSTM
 * weights) or 'lstm' (absent in older checkpoints). `mixer` holds the mixture's weights and
 * `calibration` the show/abstain threshold, both fitted on the validation split.
 * Written atomically: everything goes to a sibling temp folder that is then renamed over the old
 * one. Loading checks everything and throws CheckpointError with a readable reason.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { TrainConfig } from './config';
import type { LrSchedule } from './schedule';
import { Vocab, type VocabJson } from './vocab';
import { checkWeights, type NamedWeights } from './weights';
import { KneserNeyModel, NGRAM_FORMAT, NGRAM_VERSION } from './lm/ngram';
import { checkMixerJson, type MixerJson } from './lm/mixer';
import type { Calibration } from './lm/fit';
import { assertModelFolder, cleanStaleTemps, tempPrefix, CHECKPOINT_FORMAT } from './modelFolder';
import { checkMeta, checkRegularFile, expectedWeightBytes } from './checkpointValidate';

export const FORMAT_VERSION = 1;
export const META_FILE = 'meta.json';
export const WEIGHTS_FILE = 'weights.bin';
export const NGRAM_FILE = 'ngram.bin';
/** The workspace's frequent identifiers and their counts: [[word, count], ...]. */
export const IDENTIFIERS_FILE = 'identifiers.json';
/** ngram.bin larger than this is refused (the n-gram's budget is 80 MB). */
const MAX_NGRAM_BYTES = 2 ** 30;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface HistoryPoint {
  step: number;
  epoch: number;
  charsSeen: number;
  /** Training loss, bits per character. */
  loss: number;
  /** Validation loss, bits per character, when validated at this step. */
  valLoss?: number;
  /** The mixture's held-out bits per character, when the mixer was fitted at this step. */
  mixLoss?: number;
  /** The learning rate of the last step. */
  lr?: number;
  /** Seconds since the run started. */
  time: number;
}

export interface CorpusFingerprint {
  files: number;
  bytes: number;
  /** Hash of the relative paths and sizes of the files used. */
  hash: string;
}

export interface CheckpointMeta {
  /** CHECKPOINT_FORMAT: marks the folder as ours (absent in checkpoints written before it existed). */
  format?: string;
  formatVersion: number;
  config: TrainConfig;
  vocab: VocabJson;
  history: HistoryPoint[];
  corpus: CorpusFingerprint;
  backend: string;
  createdAt: string;
  updatedAt: string;
  bestValLoss: number | null;
  step: number;
  epoch: number;
  weights: { name: string; shape: number[] }[];
  /** 'ngram': no LSTM yet (weights is empty); 'lstm' (or absent): the LSTM is trained. */
  stage?: 'ngram' | 'lstm';
  ngram?: NgramMeta;
  mixer?: MixerJson;
  calibration?: Calibration;
  /** The mixer and threshold of the n-gram + cache alone (the first stage's fit). */
  countMixer?: MixerJson;
  countCalibration?: Calibration;
  /** The learning-rate schedule the LSTM is on (a resumed run continues it). */
  schedule?: LrSchedule;
}

export interface NgramMeta {
  file: string;
  format: string;
  version: number;
  order: number;
  bytes: number;
  trainChars: number;
  buildSeconds: number;
}

/** What a save writes besides meta.json and weights.bin. */
export interface CheckpointExtras {
  /** The n-gram: a model to serialize, or the path of an ngram.bin to link (unchanged since). */
  ngram?: KneserNeyModel | string;
  identifiers?: readonly (readonly [string, number])[];
}

export interface Checkpoint {
  meta: CheckpointMeta;
  vocab: Vocab;
  /** Empty when meta.stage is 'ngram'. */
  weights: NamedWeights;
  ngram?: KneserNeyModel;
  /** The workspace's identifiers with their counts (empty when the checkpoint has none). */
  identifiers: [string, number][];
}

export class CheckpointError extends Error {
  constructor(dir: string, reason: string) {
    super(`cannot load the model in ${dir}: ${reason}`);
    this.name = 'CheckpointError';
  }
}

export function checkpointExists(dir: string): boolean {
  return fs.existsSync(path.join(dir, META_FILE)) && fs.existsSync(path.join(dir, WEIGHTS_FILE));
}

/**
 * Writes the checkpoint atomically (temp folder, then rename). Refuses (ModelFolderError) when
 * `dir` holds anything but one of our checkpoints; on any failure (full disk, ...) the previous
 * model is left as it was and the error says so.
 */
export function saveCheckpoint(
  dir: string,
  meta: Omit<CheckpointMeta, 'weights' | 'formatVersion' | 'format'>,
  weights: NamedWeights,
  extras: CheckpointExtras = {},
): void {
  assertModelFolder(dir);
  const parent = path.dirname(path.resolve(dir));
  fs.mkdirSync(parent, { recursive: true });
  cleanStaleTemps(dir);
  const tmp = fs.mkdtempSync(`${tempPrefix(dir)}${process.pid}-`);
  try {
    const total = weights.reduce((n, w) => n + w.data.length, 0);
    const all = new Float32Array(total);
    let off = 0;
    for (const w of weights) {
      all.set(w.data, off);
      off += w.data.length;
    }
    const buf = Buffer.from(all.buffer, all.byteOffset, all.byteLength);
    if (!LITTLE_ENDIAN) buf.swap32();
    const full: CheckpointMeta = {
      format: CHECKPOINT_FORMAT,
      formatVersion: FORMAT_VERSION,
      ...meta,
      weights: weights.map((w) => ({ name: w.name, shape: w.shape })),
    };
    fs.writeFileSync(path.join(tmp, WEIGHTS_FILE), buf);
    writeNgram(path.join(tmp, NGRAM_FILE), extras.ngram);
    if (extras.identifiers) fs.writeFileSync(path.join(tmp, IDENTIFIERS_FILE), JSON.stringify(extras.identifiers));
    fs.writeFileSync(path.join(tmp, META_FILE), JSON.stringify(full, null, 1));
    // Swap in: move the old folder aside, rename the new one in, then delete the old one.
    let old: string | undefined;
    if (fs.existsSync(dir)) {
      old = `${tmp}-old`;
      fs.renameSync(dir, old);
    }
    fs.renameSync(tmp, dir);
    if (old) fs.rmSync(old, { recursive: true, force: true });
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw saveError(dir, e);
  }
}

function saveError(dir: string, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  if (err.name === 'ModelFolderError' || !err.code) return err;
  const kept = fs.existsSync(path.join(dir, META_FILE)) ? 'the previous model there is unchanged' : 'nothing was written';
  return new Error(`cannot save the model to ${dir} (${err.code}${err.code === 'ENOSPC' ? ': the disk is full' : ''}): ${kept}`);
}

/** Writes ngram.bin: serialized, or a hard link to an unchanged file (a copy where links fail). */
function writeNgram(file: string, ngram: CheckpointExtras['ngram']): void {
  if (ngram === undefined) return;
  if (typeof ngram !== 'string') {
    fs.writeFileSync(file, ngram.serialize());
    return;
  }
  try {
    fs.linkSync(ngram, file);
  } catch {
    fs.copyFileSync(ngram, file);
  }
}

/** Reads only meta.json (cheap: for the panel's history and status). */
export function loadMeta(dir: string): CheckpointMeta {
  const file = path.join(dir, META_FILE);
  let meta: CheckpointMeta;
  try {
    checkRegularFile(file);
    meta = JSON.parse(fs.readFileSync(file, 'utf8')) as CheckpointMeta;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(dir, code === 'ENOENT' ? 'no meta.json (no trained model here)' : `meta.json is unreadable (${(e as Error).message})`);
  }
  if (typeof meta !== 'object' || meta === null) throw new CheckpointError(dir, 'meta.json is not an object');
  if (meta.formatVersion !== FORMAT_VERSION) {
    throw new CheckpointError(dir, `format version ${String(meta.formatVersion)} is not supported (expected ${FORMAT_VERSION})`);
  }
  const problem = checkMeta(meta);
  if (problem) throw new CheckpointError(dir, `meta.json: ${problem}`);
  return meta;
}

export function loadCheckpoint(dir: string): Checkpoint {
  const meta = loadMeta(dir);
  let vocab: Vocab;
  try {
    vocab = Vocab.fromJSON(meta.vocab);
  } catch (e) {
    throw new CheckpointError(dir, (e as Error).message);
  }
  let buf: Buffer;
  try {
    // Type and size first: a FIFO or device never ends, a wrong size is known without reading.
    const size = checkRegularFile(path.join(dir, WEIGHTS_FILE), Infinity);
    const need = expectedWeightBytes(meta);
    if (size !== need) throw new CheckpointError(dir, `weights.bin has ${size} bytes, the manifest needs ${need}`);
    buf = fs.readFileSync(path.join(dir, WEIGHTS_FILE));
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(dir, `weights.bin is unreadable (${(e as Error).message})`);
  }
  if (meta.mixer !== undefined || meta.countMixer !== undefined) {
    try {
      if (meta.mixer !== undefined) checkMixerJson(meta.mixer);
      if (meta.countMixer !== undefined) checkMixerJson(meta.countMixer);
    } catch (e) {
      throw new CheckpointError(dir, (e as Error).message);
    }
  }
  const ngram = loadNgram(dir, meta, vocab);
  const total = meta.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  if (buf.length !== total * 4) {
    throw new CheckpointError(dir, `weights.bin has ${buf.length} bytes, the manifest needs ${total * 4}`);
  }
  // One aligned copy of the file as float32 (little-endian on disk), then a view per weight.
  const bytes = new Uint8Array(total * 4);
  bytes.set(buf);
  if (!LITTLE_ENDIAN) Buffer.from(bytes.buffer).swap32();
  const all = new Float32Array(bytes.buffer);
  const weights: NamedWeights = [];
  let off = 0;
  for (const w of meta.weights) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    const data = all.subarray(off, off + size);
    off += size;
    for (let i = 0; i < size; i++) {
      if (!Number.isFinite(data[i])) throw new CheckpointError(dir, `weight "${w.name}" holds NaN or infinity`);
    }
    weights.push({ name: w.name, shape: w.shape, data });
  }
  if (meta.stage === 'ngram') {
    if (weights.length > 0) throw new CheckpointError(dir, 'an n-gram-stage checkpoint holds LSTM weights');
    if (!ngram) throw new CheckpointError(dir, 'an n-gram-stage checkpoint has no n-gram');
  } else {
    try {
      checkWeights(weights, vocab.size, meta.config.lstmSize, meta.config.numLayers);
    } catch (e) {
      throw new CheckpointError(dir, (e as Error).message);
    }
  }
  return { meta, vocab, weights, ngram, identifiers: loadIdentifiers(dir) };
}

function loadIdentifiers(dir: string): [string, number][] {
  const file = path.join(dir, IDENTIFIERS_FILE);
  if (!fs.existsSync(file)) return [];
  let v: unknown;
  try {
    checkRegularFile(file);
    v = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CheckpointError(dir, `${IDENTIFIERS_FILE} is unreadable (${(e as Error).message})`);
  }
  if (!Array.isArray(v) || !v.every((e) => Array.isArray(e) && typeof e[0] === 'string' && Number.isFinite(e[1]))) {
    throw new CheckpointError(dir, `${IDENTIFIERS_FILE} is not a list of [identifier, count]`);
  }
  return v as [string, number][];
}

/** True when the checkpoint holds a trained LSTM (not only the n-gram of the first stage). */
export function hasLstm(meta: CheckpointMeta): boolean {
  return meta.stage !== 'ngram';
}

function loadNgram(dir: string, meta: CheckpointMeta, vocab: Vocab): KneserNeyModel | undefined {
  const m = meta.ngram;
  if (m === undefined) return undefined;
  if (typeof m !== 'object' || m === null || m.file !== NGRAM_FILE || m.format !== NGRAM_FORMAT) {
    throw new CheckpointError(dir, 'meta.json describes an n-gram of an unknown format');
  }
  if (m.version !== NGRAM_VERSION) throw new CheckpointError(dir, `n-gram version ${String(m.version)} is not supported (expected ${NGRAM_VERSION})`);
  let buf: Buffer;
  try {
    checkRegularFile(path.join(dir, NGRAM_FILE), MAX_NGRAM_BYTES);
    buf = fs.readFileSync(path.join(dir, NGRAM_FILE));
  } catch (e) {
    throw new CheckpointError(dir, `${NGRAM_FILE} is unreadable (${(e as Error).message})`);
  }
  try {
    return KneserNeyModel.deserialize(buf, vocab);
  } catch (e) {
    throw new CheckpointError(dir, (e as Error).message);
  }
}
