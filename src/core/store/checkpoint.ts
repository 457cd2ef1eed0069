/**
 * Checkpoint folder format (version 1):
 *   meta.json    CheckpointMeta below: config, vocabulary, history, corpus fingerprint, backend,
 *                times, best validation loss, `weights`: the manifest of weights.bin, and `files`:
 *                the size and SHA-256 of each other file of this save
 *   weights.bin  the weights' float32 values, little-endian, concatenated in manifest order
 *                (the same idea as tfjs's model.json weightsManifest + one shard)
 *   ngram.bin    the workspace n-gram (src/core/lm/ngram.ts, NGRAM_FORMAT), described by `ngram`
 *   identifiers.json  the workspace's frequent identifiers with their counts
 * `stage` says which experts exist: 'ngram' (the first seconds of a run: n-gram only, no LSTM
 * weights) or 'lstm' (absent in older checkpoints). `mixer` holds the mixture's weights and
 * `calibration` the show/abstain threshold, both fitted on the validation split.
 * Saving replaces only these four files by name, through a journal committed with meta.json last
 * (modelFolder.ts: at any moment the folder holds the previous complete model or the new one);
 * anything else in the folder is the user's and stays. The history is thinned (thinHistory) so
 * meta.json stays small however long a model trains. Loading checks every field and file (sizes
 * before reading, the recorded checksums after) and throws CheckpointError with a one-line reason.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { TrainConfig } from '../contracts/config';
import type { LrSchedule } from '../lstm/schedule';
import { Vocab, type VocabJson } from '../text/vocab';
import { checkWeights, type NamedWeights } from '../lstm/weights';
import { KneserNeyModel, NGRAM_FORMAT, NGRAM_VERSION } from '../lm/ngram';
import { checkMixerJson, type MixerJson } from '../lm/mixer';
import type { Calibration } from '../contracts/calibration';
import {
  assertModelFolder, recoverModelFolder, resolveModelFiles, writeModel, CHECKPOINT_FORMAT, IDENTIFIERS_FILE, META_FILE, NGRAM_FILE, WEIGHTS_FILE,
  type DataFile, type ModelFileSource,
} from './modelFolder';
import { checkMeta, checkRegularFile, expectedWeightBytes, META_LIMITS } from './checkpointValidate';

export const FORMAT_VERSION = 1;
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
  /** Size and SHA-256 of each other file of this save (absent in checkpoints before issue 20). */
  files?: Partial<Record<DataFile, FileRecord>>;
}

export interface FileRecord {
  bytes: number;
  sha256: string;
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
  const f = resolveModelFiles(dir);
  return fs.existsSync(f[META_FILE]) && fs.existsSync(f[WEIGHTS_FILE]);
}

/**
 * At most this many history points are saved: older ones are thinned (thinHistory), so a model
 * trained for days keeps a meta.json of a few hundred KB (a point every ~250 ms would otherwise
 * pass the 64 MiB cap after ~40 h).
 */
export const MAX_HISTORY_POINTS = 2000;

/**
 * The history with its older half at half the resolution, repeatedly, until at most `max` points
 * remain: the first point and the newer half stay as they are, so the curve keeps its shape with
 * resolution falling off with age. Of each pair of older points the one with a validation loss is
 * kept (else the later one). Returns `h` itself when it is short enough.
 */
export function thinHistory(h: HistoryPoint[], max = MAX_HISTORY_POINTS): HistoryPoint[] {
  let out = h;
  while (out.length > max) {
    const half = Math.floor(out.length / 2);
    const kept: HistoryPoint[] = [out[0]];
    for (let i = 1; i < half; i += 2) {
      const a = out[i];
      const b = i + 1 < half ? out[i + 1] : undefined;
      kept.push(!b || (a.valLoss !== undefined && b.valLoss === undefined) ? a : b);
    }
    out = kept.concat(out.slice(half));
  }
  return out;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of a file, read in chunks; remembered by path, size, inode and time for the next save. */
const digestCache = new Map<string, { key: string; record: FileRecord }>();
function fileRecord(file: string): FileRecord {
  const st = fs.statSync(file);
  const key = `${st.size}:${st.ino}:${st.mtimeMs}`;
  const hit = digestCache.get(file);
  if (hit && hit.key === key) return hit.record;
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  const record = { bytes: st.size, sha256: hash.digest('hex') };
  digestCache.set(file, { key, record });
  return record;
}

/**
 * Writes the checkpoint (modelFolder.ts writeModel: only our four files are replaced, atomically as
 * a set). Refuses (ModelFolderError) when `dir` holds anything but one of our checkpoints or is
 * missing/empty; on any failure (full disk, ...) the previous model is left as it was and the
 * error says so.
 */
export function saveCheckpoint(
  dir: string,
  meta: Omit<CheckpointMeta, 'weights' | 'formatVersion' | 'format' | 'files'> & { files?: unknown },
  weights: NamedWeights,
  extras: CheckpointExtras = {},
): void {
  assertModelFolder(dir);
  try {
    recoverModelFolder(dir); // first: a killed save rolled forward may replace the ngram.bin reused below
    const total = weights.reduce((n, w) => n + w.data.length, 0);
    const all = new Float32Array(total);
    let off = 0;
    for (const w of weights) {
      all.set(w.data, off);
      off += w.data.length;
    }
    const buf = Buffer.from(all.buffer, all.byteOffset, all.byteLength);
    if (!LITTLE_ENDIAN) buf.swap32();
    const sources: Partial<Record<DataFile, ModelFileSource>> = {};
    const files: Partial<Record<DataFile, FileRecord>> = {};
    const add = (name: DataFile, data: Uint8Array) => {
      sources[name] = { data };
      files[name] = { bytes: data.length, sha256: sha256(data) };
    };
    add(WEIGHTS_FILE, buf);
    const ngram = extras.ngram;
    if (ngram !== undefined) {
      if (typeof ngram !== 'string') {
        add(NGRAM_FILE, ngram.serialize());
      } else {
        // An unchanged ngram.bin: left in place when it is this folder's, else copied.
        const ours = path.resolve(ngram) === path.resolve(dir, NGRAM_FILE);
        files[NGRAM_FILE] = fileRecord(ngram);
        sources[NGRAM_FILE] = ours ? { keep: true } : { copyFrom: ngram };
      }
    }
    if (extras.identifiers) add(IDENTIFIERS_FILE, Buffer.from(JSON.stringify(extras.identifiers)));
    const { files: _old, ...rest } = meta;
    const full: CheckpointMeta = {
      format: CHECKPOINT_FORMAT,
      formatVersion: FORMAT_VERSION,
      ...rest,
      history: thinHistory(rest.history),
      weights: weights.map((w) => ({ name: w.name, shape: w.shape })),
      files,
    };
    writeModel(dir, sources, Buffer.from(JSON.stringify(full, null, 1)));
  } catch (e) {
    throw saveError(dir, e);
  }
}

function saveError(dir: string, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  if (err.name === 'ModelFolderError' || !err.code) return err;
  const kept = fs.existsSync(resolveModelFiles(dir)[META_FILE]) ? 'the previous model there is unchanged' : 'nothing was written';
  return new Error(`cannot save the model to ${dir} (${err.code}${err.code === 'ENOSPC' ? ': the disk is full' : ''}): ${kept}`);
}

/**
 * A file that does not match what meta.json records: a save raced this read (read again) or the
 * file was changed. `final` is the reason given when reading again does not help.
 */
class MismatchError extends Error {
  constructor(message: string, readonly final = `${message}: the files are not of one save (changed by hand, or by a writer that is not CharRNN)`) {
    super(message);
  }
}

/** Reads only meta.json (cheap: for the panel's history and status). */
export function loadMeta(dir: string): CheckpointMeta {
  return readMeta(dir, resolveModelFiles(dir)[META_FILE]);
}

function readMeta(dir: string, file: string): CheckpointMeta {
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

/**
 * Reads a data file of the checkpoint: its type and size first (against meta.json's record and
 * `maxBytes`: a FIFO, a device or a huge file is refused unread), then its bytes, checked against
 * the recorded SHA-256. `need` is the exact size the manifest implies, if any.
 */
function readDataFile(dir: string, meta: CheckpointMeta, name: DataFile, file: string, maxBytes: number, need?: number): Uint8Array {
  const record = meta.files?.[name];
  let size: number;
  try {
    size = checkRegularFile(file, maxBytes);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      if (record) throw new MismatchError(`${name} is missing`, `no ${name} (meta.json records one: it was moved or deleted)`);
      throw new CheckpointError(dir, `no ${name}`);
    }
    throw new CheckpointError(dir, `${name} is unreadable (${(e as Error).message})`);
  }
  if (record && record.bytes !== size) throw new MismatchError(`${name} has ${size} bytes, meta.json records ${record.bytes}`);
  if (need !== undefined && size !== need) throw new CheckpointError(dir, `${name} has ${size} bytes, the manifest needs ${need}`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(size); // aligned: float32 views of weights.bin need it
  } catch {
    throw new CheckpointError(dir, `${name} (${size} bytes) does not fit in memory`);
  }
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && record) throw new MismatchError(`${name} is missing`, `no ${name} (meta.json records one: it was moved or deleted)`);
    throw new CheckpointError(dir, `${name} is unreadable (${(e as Error).message})`);
  }
  try {
    let off = 0;
    while (off < size) {
      const n = fs.readSync(fd, bytes, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    if (off !== size) throw new MismatchError(`${name} changed while it was read`);
  } catch (e) {
    if (e instanceof MismatchError) throw e;
    throw new CheckpointError(dir, `${name} is unreadable (${(e as Error).message})`);
  } finally {
    fs.closeSync(fd);
  }
  if (record && sha256(bytes) !== record.sha256) throw new MismatchError(`${name} does not match the checksum meta.json records`);
  return bytes;
}

/**
 * Loads and checks the whole checkpoint. A save that replaces the files while they are read is
 * noticed (sizes and checksums against meta.json) and the folder read again.
 */
export function loadCheckpoint(dir: string): Checkpoint {
  for (let attempt = 0; ; attempt++) {
    try {
      return loadOnce(dir);
    } catch (e) {
      if (!(e instanceof MismatchError)) throw e;
      if (attempt >= 4) throw new CheckpointError(dir, e.final);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10 * (attempt + 1)); // a save's renames take microseconds
    }
  }
}

function loadOnce(dir: string): Checkpoint {
  const files = resolveModelFiles(dir);
  const meta = readMeta(dir, files[META_FILE]);
  let vocab: Vocab;
  try {
    vocab = Vocab.fromJSON(meta.vocab);
  } catch (e) {
    throw new CheckpointError(dir, (e as Error).message);
  }
  // Type and size first: a FIFO or device never ends, a wrong size is known without reading.
  const need = expectedWeightBytes(meta);
  const bytes = readDataFile(dir, meta, WEIGHTS_FILE, files[WEIGHTS_FILE], META_LIMITS.weightBytes, need);
  if (meta.mixer !== undefined || meta.countMixer !== undefined) {
    try {
      if (meta.mixer !== undefined) checkMixerJson(meta.mixer);
      if (meta.countMixer !== undefined) checkMixerJson(meta.countMixer);
    } catch (e) {
      throw new CheckpointError(dir, (e as Error).message);
    }
  }
  const ngram = loadNgram(dir, meta, vocab, files[NGRAM_FILE]);
  if (!LITTLE_ENDIAN) Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).swap32();
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
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
  return { meta, vocab, weights, ngram, identifiers: loadIdentifiers(dir, meta, files[IDENTIFIERS_FILE]) };
}

/** The largest identifiers.json read (ours hold at most 20,000 words). */
const MAX_IDENTIFIERS_BYTES = 64 * 1024 * 1024;

function loadIdentifiers(dir: string, meta: CheckpointMeta, file: string): [string, number][] {
  // With a record of this save's files, only a recorded identifiers.json is this model's.
  if (meta.files ? !meta.files[IDENTIFIERS_FILE] : !fs.existsSync(file)) return [];
  const bytes = readDataFile(dir, meta, IDENTIFIERS_FILE, file, MAX_IDENTIFIERS_BYTES);
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
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

function loadNgram(dir: string, meta: CheckpointMeta, vocab: Vocab, file: string): KneserNeyModel | undefined {
  const m = meta.ngram;
  if (m === undefined) return undefined;
  if (typeof m !== 'object' || m === null || m.file !== NGRAM_FILE || m.format !== NGRAM_FORMAT) {
    throw new CheckpointError(dir, 'meta.json describes an n-gram of an unknown format');
  }
  if (m.version !== NGRAM_VERSION) throw new CheckpointError(dir, `n-gram version ${String(m.version)} is not supported (expected ${NGRAM_VERSION})`);
  // Its header first: a file that is not an n-gram (or of another size than it says) is refused
  // before it is read whole. A missing file, or one of another size than meta.json records (a save
  // racing this load), is readDataFile's to report.
  const record = meta.files?.[NGRAM_FILE];
  let size: number | undefined;
  try {
    size = fs.statSync(file).size;
  } catch {
    size = undefined;
  }
  if (size !== undefined && (!record || record.bytes === size)) {
    try {
      KneserNeyModel.checkFile(file, MAX_NGRAM_BYTES);
    } catch (e) {
      throw new CheckpointError(dir, `${NGRAM_FILE}: ${(e as Error).message}`);
    }
  }
  const buf = readDataFile(dir, meta, NGRAM_FILE, file, MAX_NGRAM_BYTES);
  let model: KneserNeyModel;
  try {
    model = KneserNeyModel.deserialize(buf, vocab);
  } catch (e) {
    throw new CheckpointError(dir, (e as Error).message);
  }
  // Modified Kneser–Ney discounts: D1, D2, D3+ of each order within [0, 1], [0, 2], [0, 3].
  const bad = model.stats.discounts.findIndex((d) => d.length !== 3 || d.some((x, i) => !(x >= 0 && x <= i + 1)));
  if (bad >= 0) throw new CheckpointError(dir, `${NGRAM_FILE}: the discounts of order ${bad} are out of range (${model.stats.discounts[bad].join(', ')})`);
  return model;
}
