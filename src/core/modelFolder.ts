/**
 * Safety of the model folder (the checkpoint's `--out` / the extension's storage folder):
 *  - it is written only when it is missing, empty, or already holds one of our checkpoints
 *    (a meta.json with our format marker): never over a user's files;
 *  - one writer at a time: a lock file next to it (`.<name>.lock`) holds the owner's pid; a lock
 *    whose process is gone (or is on another host and older than a day) is stale and taken over;
 *  - leftovers of an interrupted save (`.<name>.tmp-<pid>-*` folders of dead processes) are
 *    cleaned at the next save, and a model moved aside by a save that was killed half-way is put
 *    back rather than deleted.
 * No `vscode` import: used by the trainer process, the CLI and the extension.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** meta.json's `format` field: what marks a folder as one of our checkpoints. */
export const CHECKPOINT_FORMAT = 'charrnn-checkpoint';
const META_FILE = 'meta.json';
/** A meta.json larger than this is not ours (ours are a few MB at most). */
export const MAX_META_BYTES = 64 * 1024 * 1024;

export class ModelFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFolderError';
  }
}

/** Thrown when another live process holds the model folder's lock. */
export class ModelLockedError extends ModelFolderError {
  constructor(readonly dir: string, readonly owner: LockInfo) {
    super(
      `the model in ${dir} is being written by another process (pid ${owner.pid}` +
        `${owner.command ? `, ${owner.command}` : ''}, since ${owner.startedAt}): wait for it to finish, stop it, or choose another folder ` +
        `(lock file ${lockPath(dir)})`,
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
}

const resolveDir = (dir: string) => path.resolve(dir);
/** `<parent>/.<name>.lock` */
export function lockPath(dir: string): string {
  const abs = resolveDir(dir);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.lock`);
}
/** Prefix of the temp folders a save writes next to the model folder. */
export function tempPrefix(dir: string): string {
  const abs = resolveDir(dir);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.tmp-`);
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

function readOurMeta(dir: string): boolean {
  const file = path.join(dir, META_FILE);
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile() || st.size > MAX_META_BYTES) return false;
    return isOurMeta(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    return false;
  }
}

/**
 * What is at `dir`: 'missing', 'empty', 'ours' (a checkpoint of ours), or a reason it is
 * neither (a file, a folder with other files, ...).
 */
export function inspectModelFolder(dir: string): { kind: 'missing' | 'empty' | 'ours' } | { kind: 'foreign'; reason: string } {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
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
  if (entries.length === 0) return { kind: 'empty' };
  if (readOurMeta(dir)) return { kind: 'ours' };
  const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
  return { kind: 'foreign', reason: `it holds other files (${shown}) and no CharRNN model` };
}

/** Throws a one-line ModelFolderError unless `dir` is missing, empty, or one of our checkpoints. */
export function assertModelFolder(dir: string): void {
  const r = inspectModelFolder(dir);
  if (r.kind === 'foreign') {
    throw new ModelFolderError(`refusing to write the model to ${dir}: ${r.reason}; choose an empty or new folder`);
  }
}

/** Throws a one-line ModelFolderError unless a model can be saved at `dir` (creating its parent). */
export function assertWritable(dir: string): void {
  const parent = path.dirname(resolveDir(dir));
  try {
    fs.mkdirSync(parent, { recursive: true });
    const probe = fs.mkdtempSync(`${tempPrefix(dir)}${process.pid}-probe-`);
    fs.writeFileSync(path.join(probe, 'probe'), 'x');
    fs.rmSync(probe, { recursive: true, force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelFolderError(`cannot write the model to ${dir}: ${parent} is not a writable folder (${code ?? (e as Error).message})`);
  }
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const FOREIGN_HOST_STALE_MS = 24 * 3600_000;

function parseLock(text: string): LockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.pid !== 'number' || typeof v.host !== 'string' || typeof v.startedAt !== 'string') return undefined;
    return { pid: v.pid, host: v.host, startedAt: v.startedAt, ...(typeof v.command === 'string' ? { command: v.command } : {}) };
  } catch {
    return undefined;
  }
}

/** The live lock on `dir`, or undefined when there is none or it is stale. */
export function readLock(dir: string): LockInfo | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lockPath(dir), 'utf8');
  } catch {
    return undefined;
  }
  const info = parseLock(text);
  if (!info) return undefined;
  if (info.host === os.hostname()) return pidAlive(info.pid) ? info : undefined;
  const age = Date.now() - Date.parse(info.startedAt);
  return age < FOREIGN_HOST_STALE_MS ? info : undefined;
}

export interface ModelLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): void;
}

/**
 * Takes the model folder's lock, or throws ModelLockedError naming the live owner. A stale lock
 * (its process is gone) is taken over. The lock is released by `release()` or when this process exits.
 */
export function acquireModelLock(dir: string, command?: string): ModelLock {
  const file = lockPath(dir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), ...(command ? { command } : {}) };
  const text = JSON.stringify(mine);
  // Created with its content in one step (write a private file, then hard-link it into place,
  // which fails if the lock exists): nobody ever reads a half-written lock and takes it for stale.
  const mineFile = `${file}.${process.pid}.tmp`;
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(mineFile, text);
      try {
        fs.linkSync(mineFile, file);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') throw e;
        fs.writeFileSync(file, text, { flag: 'wx' }); // a filesystem without hard links
      } finally {
        fs.rmSync(mineFile, { force: true });
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ModelFolderError(`cannot lock the model folder ${dir}: ${(e as Error).message}`);
      }
      const owner = readLock(dir);
      if (owner) throw new ModelLockedError(dir, owner);
      if (attempt >= 2) throw new ModelFolderError(`cannot lock the model folder ${dir}: ${file} keeps reappearing`);
      // Stale: remove it unless someone replaced it meanwhile (then the next attempt sees theirs).
      try {
        fs.rmSync(file, { force: true });
      } catch {
        // retried below
      }
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      if (parseLock(fs.readFileSync(file, 'utf8'))?.pid === process.pid) fs.rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  return { path: file, release };
}

/**
 * Before a save: removes temp folders left by saves of processes that are gone (kill -9, crash,
 * power loss). A model folder moved aside (`…-old`) by a save that died before renaming the new
 * one in is the only copy of the model: it is put back when `dir` is missing, never deleted then.
 */
export function cleanStaleTemps(dir: string): void {
  const abs = resolveDir(dir);
  const parent = path.dirname(abs);
  const prefix = path.basename(tempPrefix(abs));
  let names: string[];
  try {
    names = fs.readdirSync(parent).filter((n) => n.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names.sort((a, b) => Number(b.endsWith('-old')) - Number(a.endsWith('-old')))) {
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    // Temp folders of older versions carry no pid: they are stale too when we hold the lock.
    if (Number.isInteger(pid) && pid !== process.pid && pidAlive(pid)) continue;
    const full = path.join(parent, name);
    try {
      if (name.endsWith('-old') && !fs.existsSync(abs) && readOurMeta(full)) {
        fs.renameSync(full, abs);
        continue;
      }
      fs.rmSync(full, { recursive: true, force: true });
    } catch {
      // not ours to worry about: the next save tries again
    }
  }
}

/**
 * Everything a training run needs before it starts: `dir` is ours (or missing/empty), writable,
 * and locked for this process. Throws a one-line ModelFolderError otherwise.
 */
export function openModelFolder(dir: string, command?: string): ModelLock {
  assertModelFolder(dir);
  assertWritable(dir);
  const lock = acquireModelLock(dir, command);
  try {
    assertModelFolder(dir); // again, now that no other writer can change it
    cleanStaleTemps(dir);
  } catch (e) {
    lock.release();
    throw e;
  }
  return lock;
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
