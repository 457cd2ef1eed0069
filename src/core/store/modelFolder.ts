/**
 * Safety of the model folder (the checkpoint's `--out` / the extension's storage folder).
 * No `vscode` import: used by the trainer process, the CLI and the extension.
 *
 * What is ours. Inside a model folder four names are ours: meta.json, weights.bin, ngram.bin and
 * identifiers.json (MODEL_FILES), and while a save runs its journal `.charrnn-save-<pid>-<nonce>`.
 * Everything else a user puts inside the folder is theirs: no save, recovery or delete moves,
 * replaces or removes it. Beside the folder ours are the lock `.<name>.lock` (and its temp names
 * `.<name>.lock.<pid>.<nonce>.*`) and the probe folders `.<name>.tmp-<pid>-<nonce>`.
 *
 * Creating. Every temp file and folder is created exclusively: folders by mkdtemp (a fresh random
 * name), files with 'wx' (O_CREAT|O_EXCL, which fails on any existing path, a symbolic link
 * included), each inside a folder we just created. A planted symlink at a predictable name is
 * therefore never written through; our files reach their final names by rename, which replaces a
 * name (a link there is replaced, not followed).
 *
 * Writing a model (writeModel): the folder is created if missing (mkdir, never over an existing
 * path) and is itself never renamed, so a mount point works as `--out`. The new files are written
 * into a fresh journal folder inside it (same file system), then committed:
 *   1. create `COMMIT` in the journal (the commit point; `FILES`, written before it, lists the
 *      new model's data files);
 *   2. rename each new data file over ours, one by one, then meta.json;
 *   3. remove our data files the new model does not have, then the journal.
 * Invariant: at any moment the folder holds the previous complete model or the new one. Before
 * step 1 the folder's files are untouched (the previous model; the journal is ignored). From step
 * 1 until meta.json is renamed, the model is the journal's meta.json with each file taken from the
 * journal while it is there, else from the folder: complete after every rename, since each rename
 * moves one file from the journal to the folder. After that the folder's files alone are the new
 * model. Readers resolve a folder this way (resolveModelFiles); meta.json records each file's
 * size and SHA-256 (checkpoint.ts), so a reader that races a rename notices and reads again. A
 * save killed at any step is finished by the next writer (under the lock, recoverModelFolder):
 * rolled forward when committed, discarded when not.
 *
 * One writer at a time: the lock `.<name>.lock` holds the owner's pid, host, boot id, process
 * start time and a nonce. On this host it is stale when its pid is gone, was reused (another start
 * time, another boot), or is our own pid without being our lock (a restarted container's pid 1);
 * a lock of another host is stale a day after its date (its file time when the date is in the
 * future). Same-host judgement assumes one pid namespace per host name.
 *
 * Cleanup removes only what is provably ours: a journal or probe folder whose name carries our
 * marker and a pid and nonce, holding our marker file (its own name) and nothing but our files.
 * Leftovers of older versions (`.<name>.tmp-<pid>-*` without a marker) are left alone, except
 * that a model they moved aside (`…-old`) is put back when the folder is missing.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeExclusive } from '../util/atomicFile';

/** meta.json's `format` field: what marks a folder as one of our checkpoints. */
export const CHECKPOINT_FORMAT = 'charrnn-checkpoint';
export const META_FILE = 'meta.json';
export const WEIGHTS_FILE = 'weights.bin';
export const NGRAM_FILE = 'ngram.bin';
/** The workspace's frequent identifiers and their counts: [[word, count], ...]. */
export const IDENTIFIERS_FILE = 'identifiers.json';
/** Our files besides meta.json, in the order a commit renames them (meta.json comes last). */
export const DATA_FILES = [WEIGHTS_FILE, NGRAM_FILE, IDENTIFIERS_FILE] as const;
export type DataFile = (typeof DATA_FILES)[number];
/** Every name of ours inside a model folder (besides a running save's journal). */
export const MODEL_FILES: readonly string[] = [META_FILE, ...DATA_FILES];
/** A meta.json larger than this is not ours (ours stay well under 1 MB: the history is thinned). */
export const MAX_META_BYTES = 64 * 1024 * 1024;

/** Inside a journal or probe folder: our marker file (holding the folder's own name) and the commit point. */
const MARKER = '.charrnn-temp';
const COMMIT = 'COMMIT';
/** Inside a journal: the new model's data files, one name a line (written before COMMIT). */
const LIST = 'FILES';
const JOURNAL_PREFIX = '.charrnn-save-';
const JOURNAL_RE = /^\.charrnn-save-(\d+)-[A-Za-z0-9]{6}$/;

export class ModelFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFolderError';
  }
}

/** Thrown when another live process holds the model folder's lock. */
export class ModelLockedError extends ModelFolderError {
  constructor(readonly dir: string, readonly owner: LockInfo, future = false) {
    super(
      `the model in ${dir} is being written by another process (pid ${owner.pid}` +
        `${owner.command ? `, ${owner.command}` : ''}, since ${owner.startedAt}` +
        `${future ? `, a date in the future: if no run on ${owner.host} writes this model, its clock is wrong and the lock can be deleted` : ''}): ` +
        `wait for it to finish, stop it, or choose another folder (lock file ${lockPath(dir)})`,
    );
    this.name = 'ModelLockedError';
  }
}

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** What holds it, e.g. "charrnn train" or "VS Code trainer". */
  command?: string;
  /** The kernel's boot id and the process's start time (clock ticks since boot), where known. */
  bootId?: string;
  startTime?: string;
  /** Tells this lock from any other of the same pid. */
  nonce?: string;
}

const resolveDir = (dir: string) => path.resolve(dir);
/** `<parent>/.<name>.lock` */
export function lockPath(dir: string): string {
  const abs = resolveDir(dir);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.lock`);
}
/** Prefix of the probe folders next to the model folder (and of older versions' save folders). */
export function tempPrefix(dir: string): string {
  const abs = resolveDir(dir);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.tmp-`);
}

const nonce = () => randomBytes(6).toString('hex');
const codeOf = (e: unknown) => (e as NodeJS.ErrnoException).code;

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Reads a small regular file without following a symbolic link and without blocking on a FIFO;
 * undefined when it is missing, not a regular file, or larger than `max`.
 */
function readSmallFile(file: string, max: number): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > max) return undefined;
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = fs.readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8');
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** A fresh folder `<prefix><6 random>` holding our marker; removed again if the marker cannot be written. */
function makeMarkedFolder(prefix: string): string {
  const dir = fs.mkdtempSync(prefix);
  try {
    writeExclusive(path.join(dir, MARKER), `${path.basename(dir)}\n`);
  } catch (e) {
    fs.rmdirSync(dir);
    throw e;
  }
  return dir;
}

/**
 * True when `dir` (a real folder, not a link) holds our marker naming it, and besides it only
 * regular files of the `allowed` names.
 */
function isMarkedOurs(dir: string, allowed: readonly string[]): boolean {
  const st = lstatOrUndefined(dir);
  if (!st?.isDirectory()) return false;
  if (readSmallFile(path.join(dir, MARKER), 1024) !== `${path.basename(dir)}\n`) return false;
  try {
    return fs.readdirSync(dir).every((n) => (n === MARKER || allowed.includes(n)) && lstatOrUndefined(path.join(dir, n))?.isFile());
  } catch {
    return false;
  }
}

/**
 * A folder of our name killed while its marker was being written holds nothing but a partial
 * marker (a prefix of its content, maybe empty): removes it and returns true; false otherwise.
 */
function removeHalfMade(dir: string): boolean {
  try {
    if (!lstatOrUndefined(dir)?.isDirectory()) return false;
    const names = fs.readdirSync(dir);
    if (names.length === 1 && names[0] === MARKER) {
      const text = readSmallFile(path.join(dir, MARKER), 1024);
      if (text === undefined || !`${path.basename(dir)}\n`.startsWith(text)) return false;
      fs.unlinkSync(path.join(dir, MARKER));
    } else if (names.length > 0) {
      return false;
    }
    fs.rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** Removes a folder of ours: its files of the `allowed` names, the marker last, then the folder (only if then empty). */
function removeMarkedFolder(dir: string, allowed: readonly string[]): void {
  for (const n of allowed) {
    if (lstatOrUndefined(path.join(dir, n))?.isFile()) fs.unlinkSync(path.join(dir, n));
  }
  fs.rmSync(path.join(dir, MARKER), { force: true });
  fs.rmdirSync(dir);
}

/**
 * True when `meta.json` in `dir` is one of ours: the `format` marker, or (checkpoints written
 * before the marker existed) formatVersion 1 with a config, a vocabulary and a weights manifest.
 */
export function isOurMeta(meta: unknown): boolean {
  if (typeof meta !== 'object' || meta === null) return false;
  const m = meta as Record<string, unknown>;
  if (m.format === CHECKPOINT_FORMAT) return true;
  return (
    m.formatVersion === 1 &&
    typeof m.config === 'object' && m.config !== null &&
    typeof m.vocab === 'object' && m.vocab !== null &&
    Array.isArray(m.weights)
  );
}

/** True when `file` is a regular file (not a link) under MAX_META_BYTES holding our meta. */
function isOurMetaFile(file: string): boolean {
  const text = readSmallFile(file, MAX_META_BYTES);
  if (text === undefined) return false;
  try {
    return isOurMeta(JSON.parse(text));
  } catch {
    return false;
  }
}

/** Our journal folders inside `dir` (names only; not checked further). */
function journalNames(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((n) => JOURNAL_RE.test(n)).sort();
  } catch {
    return [];
  }
}

const JOURNAL_FILES: readonly string[] = [...MODEL_FILES, LIST, COMMIT];

/** A committed journal still holding its meta.json: a save between its steps 1 and 2. */
function committedJournal(dir: string): string | undefined {
  for (const n of journalNames(dir)) {
    const j = path.join(dir, n);
    if (lstatOrUndefined(path.join(j, COMMIT))?.isFile() && lstatOrUndefined(path.join(j, META_FILE))?.isFile() && isMarkedOurs(j, JOURNAL_FILES)) return j;
  }
  return undefined;
}

/**
 * Where a reader finds each file of the model in `dir`: the folder's own files, or, while a save
 * is between its commit point and its last rename, the journal's meta.json with each file from
 * the journal while it is there (see the module header).
 */
export function resolveModelFiles(dir: string): Record<(typeof MODEL_FILES)[number], string> {
  const j = committedJournal(dir);
  const pick = (name: string) => {
    if (j && lstatOrUndefined(path.join(j, name))) return path.join(j, name);
    return path.join(dir, name);
  };
  return Object.fromEntries(MODEL_FILES.map((n) => [n, pick(n)])) as Record<(typeof MODEL_FILES)[number], string>;
}

/** True when `dir` is one of our checkpoints (its meta.json, or a committed save's). */
function holdsOurModel(dir: string): boolean {
  return isOurMetaFile(resolveModelFiles(dir)[META_FILE]);
}

/**
 * True when `dir` holds one of our checkpoints: the one answer to "is this folder one of our
 * models" (inspectModelFolder), which every write, delete and export asks.
 */
export function isOurCheckpoint(dir: string): boolean {
  return inspectModelFolder(dir).kind === 'ours';
}

/**
 * What is at `dir`: 'missing', 'empty' (nothing but an interrupted save's journal, if that), 'ours'
 * (a checkpoint of ours), or a reason it is neither (a file, a folder with other files, ...).
 */
export function inspectModelFolder(dir: string): { kind: 'missing' | 'empty' | 'ours' } | { kind: 'foreign'; reason: string } {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch (e) {
    const code = codeOf(e);
    // ENOTDIR: a parent is a file; nothing of the user's is at `dir` (assertWritable says why not).
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'foreign', reason: `it cannot be read (${(e as Error).message})` };
  }
  if (st.isSymbolicLink()) return { kind: 'foreign', reason: 'it is a symbolic link' };
  if (!st.isDirectory()) return { kind: 'foreign', reason: st.isFile() ? 'it is a file' : 'it is not a folder' };
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (e) {
    return { kind: 'foreign', reason: `it cannot be listed (${(e as Error).message})` };
  }
  if (holdsOurModel(dir)) return { kind: 'ours' };
  const others = entries.filter((n) => !(JOURNAL_RE.test(n) && lstatOrUndefined(path.join(dir, n))?.isDirectory()));
  if (others.length === 0) return { kind: 'empty' };
  const shown = others.slice(0, 3).join(', ') + (others.length > 3 ? ', …' : '');
  return { kind: 'foreign', reason: `it holds other files (${shown}) and no CharRNN model` };
}

/** Throws a one-line ModelFolderError unless `dir` is missing, empty, or one of our checkpoints. */
export function assertModelFolder(dir: string): void {
  const r = inspectModelFolder(dir);
  if (r.kind === 'foreign') {
    throw new ModelFolderError(`refusing to write the model to ${dir}: ${r.reason}; choose an empty or new folder`);
  }
}

function notWritable(dir: string, where: string, e: unknown): ModelFolderError {
  const code = codeOf(e);
  const why = code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT' ? `${code}: the disk is full` : code ?? (e as Error).message;
  return new ModelFolderError(`cannot write the model to ${dir}: ${where} is not a writable folder (${why})`);
}

/**
 * Creates the parent folders of `dir` that are missing; returns those it created, outermost first
 * (for removeCreated). Throws a one-line ModelFolderError when it cannot.
 */
export function createParents(dir: string): string[] {
  const parent = path.dirname(resolveDir(dir));
  let first: string | undefined;
  try {
    first = fs.mkdirSync(parent, { recursive: true });
  } catch (e) {
    throw notWritable(dir, parent, e);
  }
  if (first === undefined) return [];
  const created: string[] = [];
  for (let p = parent; ; p = path.dirname(p)) {
    created.unshift(p);
    if (p === first || path.dirname(p) === p) break;
  }
  return created;
}

/** Removes folders createParents made, innermost first, as long as they are empty. */
export function removeCreated(created: readonly string[]): void {
  for (const d of [...created].reverse()) {
    try {
      fs.rmdirSync(d);
    } catch {
      return; // not empty (or gone): the folders above it stay too
    }
  }
}

/**
 * Throws a one-line ModelFolderError unless a model can be saved at `dir`: in a fresh probe folder
 * (inside `dir` when it exists, where a save writes; else beside it) a file is created and renamed,
 * as a save does. The probe is removed whatever happens (a full disk included).
 */
export function assertWritable(dir: string): void {
  const abs = resolveDir(dir);
  const inside = lstatOrUndefined(abs)?.isDirectory() === true;
  const where = inside ? abs : path.dirname(abs);
  let probe: string | undefined;
  try {
    probe = makeMarkedFolder(inside ? path.join(abs, `${JOURNAL_PREFIX}${process.pid}-`) : `${tempPrefix(abs)}${process.pid}-`);
    writeExclusive(path.join(probe, WEIGHTS_FILE), 'probe');
    fs.renameSync(path.join(probe, WEIGHTS_FILE), path.join(probe, META_FILE));
  } catch (e) {
    throw notWritable(dir, where, e);
  } finally {
    if (probe) {
      try {
        removeMarkedFolder(probe, MODEL_FILES);
      } catch {
        // recoverModelFolder removes it later (it carries our marker)
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The lock.

/** Who this process is, for the lock; injectable for tests (a restarted container's pid 1). */
export interface LockEnvironment {
  pid: number;
  host: string;
  bootId: string | undefined;
  /** A process's start time (field 22 of /proc/<pid>/stat), when known. */
  startTime(pid: number): string | undefined;
  alive(pid: number): boolean;
  now(): number;
}

function readBootId(): string | undefined {
  return readSmallFile('/proc/sys/kernel/random/boot_id', 256)?.trim() || undefined;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined where there is no /proc. */
export function processStartTime(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const stat = readSmallFile(`/proc/${pid}/stat`, 4096);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return /^\d+$/.test(fields[19] ?? '') ? fields[19] : undefined;
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return codeOf(e) === 'EPERM';
  }
}

function lockEnvironment(over: Partial<LockEnvironment> = {}): LockEnvironment {
  return {
    pid: process.pid,
    host: os.hostname(),
    bootId: readBootId(),
    startTime: processStartTime,
    alive: pidAlive,
    now: Date.now,
    ...over,
  };
}

const FOREIGN_HOST_STALE_MS = 24 * 3600_000;
/** Clock skew tolerated before a lock's date counts as in the future. */
const FUTURE_SKEW_MS = 5 * 60_000;
const MAX_LOCK_BYTES = 64 * 1024;

/** The locks this process holds: lock file -> nonce. */
const held = new Map<string, string>();

function parseLock(text: string): LockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.pid !== 'number' || typeof v.host !== 'string' || typeof v.startedAt !== 'string') return undefined;
    const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
    const info: LockInfo = { pid: v.pid, host: v.host, startedAt: v.startedAt };
    for (const k of ['command', 'bootId', 'startTime', 'nonce'] as const) {
      const s = str(v[k]);
      if (s !== undefined) info[k] = s;
    }
    return info;
  } catch {
    return undefined;
  }
}

type LockState =
  | { kind: 'none' }
  | { kind: 'live'; info: LockInfo; future: boolean }
  | { kind: 'stale'; text: string }
  | { kind: 'odd'; reason: string };

/** What the lock file is: none, live (with its owner), stale (with its text), or not a lock file at all. */
function judgeLock(file: string, env: LockEnvironment): LockState {
  const st = lstatOrUndefined(file);
  if (!st) return { kind: 'none' };
  if (st.isDirectory()) return { kind: 'odd', reason: `${file} is a folder, not our lock file` };
  if (st.isSymbolicLink()) return { kind: 'odd', reason: `${file} is a symbolic link, not our lock file` };
  if (!st.isFile()) return { kind: 'odd', reason: `${file} is not a regular file, not our lock file` };
  const text = readSmallFile(file, MAX_LOCK_BYTES);
  if (text === undefined) return lstatOrUndefined(file) ? { kind: 'odd', reason: `${file} cannot be read as a lock file` } : { kind: 'none' };
  const info = parseLock(text);
  if (!info) return { kind: 'stale', text };
  if (info.host === env.host) {
    if (info.bootId && env.bootId && info.bootId !== env.bootId) return { kind: 'stale', text };
    if (info.pid === env.pid) {
      // Our own pid: live only if it is a lock this process holds (else an earlier process that had
      // our pid, e.g. pid 1 of a container before its restart).
      return held.get(file) !== undefined && held.get(file) === info.nonce ? { kind: 'live', info, future: false } : { kind: 'stale', text };
    }
    if (!env.alive(info.pid)) return { kind: 'stale', text };
    const now = info.startTime !== undefined ? env.startTime(info.pid) : undefined;
    if (now !== undefined && now !== info.startTime) return { kind: 'stale', text };
    return { kind: 'live', info, future: false };
  }
  const t = env.now();
  let date = Date.parse(info.startedAt);
  const future = !(date <= t + FUTURE_SKEW_MS);
  if (future) date = st.mtimeMs; // counted from when the file was written instead
  return t - date < FOREIGN_HOST_STALE_MS ? { kind: 'live', info, future } : { kind: 'stale', text };
}

/** The live lock on `dir`, or undefined when there is none, it is stale, or it is not a lock file. */
export function readLock(dir: string, env?: Partial<LockEnvironment>): LockInfo | undefined {
  const s = judgeLock(lockPath(dir), lockEnvironment(env));
  return s.kind === 'live' ? s.info : undefined;
}

export interface ModelLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): void;
}

/**
 * Moves a stale lock aside and removes it, unless it changed since it was judged stale (another
 * process took it over meanwhile): that one is put back.
 */
function removeStaleLock(file: string, text: string, env: LockEnvironment): void {
  const aside = `${file}.${env.pid}.${nonce()}.stale`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // gone already: the next attempt sees
  }
  if (readSmallFile(aside, MAX_LOCK_BYTES) !== text) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // another lock is in place now: the next attempt judges it
    }
  }
  fs.rmSync(aside, { force: true });
}

/**
 * Takes the model folder's lock, or throws ModelLockedError naming the live owner. A stale lock
 * (see the module header) is taken over. The lock is released by `release()` or when this
 * process exits. `env` overrides who this process is (tests).
 */
export function acquireModelLock(dir: string, command?: string, envOver?: Partial<LockEnvironment>): ModelLock {
  const env = lockEnvironment(envOver);
  const file = lockPath(dir);
  const id = nonce();
  const startTime = env.startTime(env.pid);
  const mine: LockInfo = {
    pid: env.pid, host: env.host, startedAt: new Date(env.now()).toISOString(), ...(command ? { command } : {}),
    ...(env.bootId ? { bootId: env.bootId } : {}), ...(startTime ? { startTime } : {}), nonce: id,
  };
  const text = JSON.stringify(mine);
  const fail = (e: unknown) => Object.assign(new ModelFolderError(`cannot lock the model folder ${dir}: ${(e as Error).message}`), { code: codeOf(e) });
  for (let attempt = 0; ; attempt++) {
    // Created with its content in one step: a private file (exclusive, a fresh name) hard-linked
    // into place, which fails if the lock exists. Nobody reads a half-written lock as stale.
    const mineFile = `${file}.${env.pid}.${nonce()}.tmp`;
    let taken = false;
    try {
      writeExclusive(mineFile, text);
      try {
        fs.linkSync(mineFile, file);
        taken = true;
      } catch (e) {
        if (codeOf(e) !== 'EEXIST') {
          // A file system without hard links: exclusive create, then the content.
          writeExclusive(file, text);
          taken = true;
        }
      }
    } catch (e) {
      if (codeOf(e) !== 'EEXIST') throw fail(e);
    } finally {
      fs.rmSync(mineFile, { force: true });
    }
    if (taken) break;
    const s = judgeLock(file, env);
    if (s.kind === 'odd') throw new ModelFolderError(`cannot lock the model folder ${dir}: ${s.reason}; remove it if no CharRNN run is writing this model`);
    if (s.kind === 'live') throw new ModelLockedError(dir, s.info, s.future);
    if (attempt >= 4) throw new ModelFolderError(`cannot lock the model folder ${dir}: other processes keep taking ${file}`);
    if (s.kind === 'stale') removeStaleLock(file, s.text, env);
  }
  held.set(file, id);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    if (held.get(file) === id) held.delete(file);
    const now = readSmallFile(file, MAX_LOCK_BYTES);
    if (now !== undefined && parseLock(now)?.nonce === id) fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return { path: file, release };
}

// ---------------------------------------------------------------------------------------------
// Writing, recovering and deleting a model.

/** Where a data file of a new model comes from. */
export type ModelFileSource = { data: Uint8Array } | { copyFrom: string } | { keep: true };

/**
 * Writes a model into `dir` (created if missing), replacing only our files by name (see the
 * module header: journal, commit, meta.json last). `files` lists the data files of the new model;
 * our data files not listed are removed once meta.json is in place; `keep` leaves the folder's
 * file as it is. Call under the lock, after assertModelFolder. On failure the previous model is
 * left as it was (before the commit point) and the error is thrown.
 */
export function writeModel(dir: string, files: Partial<Record<DataFile, ModelFileSource>>, meta: Uint8Array): void {
  const abs = resolveDir(dir);
  recoverModelFolder(abs);
  let createdDir = false;
  if (!lstatOrUndefined(abs)) {
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.mkdirSync(abs); // fails if anything appeared at this name meanwhile
    createdDir = true;
  }
  // Each of our names must be free for a rename: a file or a link (replaced as a name), or absent.
  for (const name of MODEL_FILES) {
    const st = lstatOrUndefined(path.join(abs, name));
    if (st && !st.isFile() && !st.isSymbolicLink()) {
      throw new ModelFolderError(`cannot save the model to ${dir}: ${path.join(abs, name)} is ${st.isDirectory() ? 'a folder' : 'not a file'}; move it away`);
    }
  }
  let journal: string | undefined;
  let committed = false;
  try {
    journal = makeMarkedFolder(path.join(abs, `${JOURNAL_PREFIX}${process.pid}-`));
    for (const name of DATA_FILES) {
      const src = files[name];
      if (!src || 'keep' in src) continue;
      const to = path.join(journal, name);
      if ('data' in src) writeExclusive(to, src.data);
      else fs.copyFileSync(src.copyFrom, to, fs.constants.COPYFILE_EXCL);
    }
    writeExclusive(path.join(journal, META_FILE), meta);
    writeExclusive(path.join(journal, LIST), DATA_FILES.filter((n) => files[n]).map((n) => `${n}\n`).join(''));
    writeExclusive(path.join(journal, COMMIT), '');
    committed = true;
    finishCommit(abs, journal);
  } catch (e) {
    if (journal && !committed) {
      try {
        removeMarkedFolder(journal, JOURNAL_FILES);
      } catch {
        // recoverModelFolder removes it later
      }
      if (createdDir) {
        try {
          fs.rmdirSync(abs);
        } catch {
          // not empty: leave it
        }
      }
    }
    throw e;
  }
}

/** Steps 2 and 3 of a commit (module header): also how a killed save is rolled forward. */
function finishCommit(dir: string, journal: string): void {
  if (lstatOrUndefined(path.join(journal, META_FILE))) {
    for (const name of DATA_FILES) {
      if (lstatOrUndefined(path.join(journal, name))) fs.renameSync(path.join(journal, name), path.join(dir, name));
    }
    fs.renameSync(path.join(journal, META_FILE), path.join(dir, META_FILE));
  }
  const list = readSmallFile(path.join(journal, LIST), 1024)?.split('\n');
  if (list) {
    // Our data files the new model does not have (e.g. identifiers.json of an older save).
    for (const name of DATA_FILES) {
      if (list.includes(name)) continue;
      const st = lstatOrUndefined(path.join(dir, name));
      if (st && (st.isFile() || st.isSymbolicLink())) fs.unlinkSync(path.join(dir, name));
    }
  }
  removeMarkedFolder(journal, JOURNAL_FILES);
}

/** True when a process named in a folder's name may still be using it. */
function liveOther(pid: number): boolean {
  return pid !== process.pid && pidAlive(pid);
}

/**
 * Under the lock, before a save: finishes or discards what killed saves left (module header).
 * Inside the folder: a committed journal is rolled forward, any other journal of ours removed.
 * Beside it: our probe folders are removed; an older version's model moved aside (`…-old`) is put
 * back when the folder is missing; nothing else is touched.
 */
export function recoverModelFolder(dir: string): void {
  const abs = resolveDir(dir);
  if (lstatOrUndefined(abs)?.isDirectory()) {
    for (const n of journalNames(abs)) {
      const j = path.join(abs, n);
      try {
        if (!isMarkedOurs(j, JOURNAL_FILES)) {
          removeHalfMade(j); // killed between mkdtemp and its marker
          continue;
        }
        if (lstatOrUndefined(path.join(j, COMMIT))) finishCommit(abs, j);
        else removeMarkedFolder(j, JOURNAL_FILES);
      } catch {
        // not ours, or not now: left alone
      }
    }
  }
  const parent = path.dirname(abs);
  const prefix = path.basename(tempPrefix(abs));
  let names: string[];
  try {
    names = fs.readdirSync(parent).filter((n) => n.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    const rest = name.slice(prefix.length);
    const m = /^(\d+)-[A-Za-z0-9]{6}$/.exec(rest) ?? /^(\d+)-[A-Za-z0-9]+(-old)$/.exec(rest) ?? /^(\d+)-probe-[A-Za-z0-9]{6}$/.exec(rest);
    if (!m || liveOther(Number(m[1]))) continue;
    const full = path.join(parent, name);
    try {
      if (isMarkedOurs(full, MODEL_FILES)) {
        removeMarkedFolder(full, MODEL_FILES);
      } else if (removeHalfMade(full)) {
        continue;
      } else if (m[2] && !lstatOrUndefined(abs) && lstatOrUndefined(full)?.isDirectory() && isOurMetaFile(path.join(full, META_FILE))) {
        fs.renameSync(full, abs); // an older version's save died between its two renames
      }
    } catch {
      // the next save tries again
    }
  }
}

/** @deprecated the name before issue 20: recoverModelFolder. */
export const cleanStaleTemps = recoverModelFolder;

/**
 * Removes the model in `dir` (one of ours, checked by the caller): our files, meta.json last, and
 * the folder itself when nothing else is in it. Returns the names of the entries left (a user's).
 */
export function removeModel(dir: string): string[] {
  const abs = resolveDir(dir);
  recoverModelFolder(abs);
  for (const name of [...DATA_FILES, META_FILE]) {
    const st = lstatOrUndefined(path.join(abs, name));
    if (st && (st.isFile() || st.isSymbolicLink())) fs.unlinkSync(path.join(abs, name));
  }
  const left = fs.readdirSync(abs);
  if (left.length === 0) fs.rmdirSync(abs);
  return left;
}

/**
 * Everything a training run needs before it starts: `dir` is ours (or missing/empty), writable,
 * and locked for this process; interrupted saves are finished. Throws a one-line ModelFolderError
 * otherwise, leaving no folder it created. Releasing the lock also removes the parent folders this
 * created when no model was saved in them.
 */
export function openModelFolder(dir: string, command?: string): ModelLock {
  assertModelFolder(dir);
  const created = createParents(dir);
  let lock: ModelLock | undefined;
  try {
    try {
      lock = acquireModelLock(dir, command);
    } catch (e) {
      if (['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EFBIG', 'EDQUOT'].includes(codeOf(e) ?? '')) {
        throw notWritable(dir, path.dirname(resolveDir(dir)), e);
      }
      throw e;
    }
    assertWritable(dir);
    assertModelFolder(dir); // again, now that no other writer can change it
    recoverModelFolder(dir);
  } catch (e) {
    lock?.release();
    removeCreated(created);
    throw e;
  }
  const inner = lock;
  return {
    path: inner.path,
    release() {
      inner.release();
      if (!lstatOrUndefined(resolveDir(dir))) removeCreated(created);
    },
  };
}

/**
 * True when `abs` is the model folder, inside it, or one of its lock/temp siblings: training
 * never reads its own output (`charrnn train . --out model`).
 */
export function isModelFolderPath(dir: string, abs: string): boolean {
  const model = resolveDir(dir);
  const p = path.resolve(abs);
  if (p === model || p.startsWith(model + path.sep)) return true;
  return p === lockPath(model) || p.startsWith(`${lockPath(model)}.`) || p.startsWith(tempPrefix(model));
}
