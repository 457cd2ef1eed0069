/**
 * Checkpoint folder format (version 1):
 *   meta.json    CheckpointMeta below: config, vocabulary, history, corpus fingerprint, backend,
 *                times, best validation loss, and `weights`: the manifest of weights.bin
 *   weights.bin  the weights' float32 values, little-endian, concatenated in manifest order
 *                (the same idea as tfjs's model.json weightsManifest + one shard)
 * Written atomically: everything goes to a sibling temp folder that is then renamed over the old
 * one. Loading checks everything and throws CheckpointError with a readable reason.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { TrainConfig } from './config';
import { Vocab, type VocabJson } from './vocab';
import { checkWeights, type NamedWeights } from './weights';
import { assertModelFolder, cleanStaleTemps, tempPrefix, CHECKPOINT_FORMAT } from './modelFolder';
import { checkMeta, checkRegularFile, expectedWeightBytes } from './checkpointValidate';

export const FORMAT_VERSION = 1;
export const META_FILE = 'meta.json';
export const WEIGHTS_FILE = 'weights.bin';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface HistoryPoint {
  step: number;
  epoch: number;
  charsSeen: number;
  /** Training loss, bits per character. */
  loss: number;
  /** Validation loss, bits per character, when validated at this step. */
  valLoss?: number;
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
}

export interface Checkpoint {
  meta: CheckpointMeta;
  vocab: Vocab;
  weights: NamedWeights;
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
export function saveCheckpoint(dir: string, meta: Omit<CheckpointMeta, 'weights' | 'formatVersion' | 'format'>, weights: NamedWeights): void {
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
  try {
    checkWeights(weights, vocab.size, meta.config.lstmSize, meta.config.numLayers);
  } catch (e) {
    throw new CheckpointError(dir, (e as Error).message);
  }
  return { meta, vocab, weights };
}
