/**
 * Deleting and exporting a checkpoint folder, safely. "Is this folder one of our models" has one
 * answer, modelFolder.ts's isOurCheckpoint (inspectModelFolder: meta.json a regular file, not a
 * link, under its size cap, with our format marker). Both act under the folder's lock, and only on our four files:
 * a delete removes them (meta.json last) and the folder only when nothing else is left in it; an
 * export writes into a folder that is missing, empty or already one of ours, replacing our files
 * there as a save does (modelFolder.ts writeModel) and leaving any other file in it alone.
 * No `vscode`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { sha256, type CheckpointMeta } from './checkpoint';
import {
  acquireModelLock, inspectModelFolder, isOurCheckpoint, removeModel, resolveModelFiles, writeModel, DATA_FILES, MAX_META_BYTES, META_FILE,
  type DataFile, type ModelFileSource,
} from './modelFolder';

export class ModelFilesError extends Error {}

/**
 * Deletes the checkpoint in `dir`: our files, and the folder when nothing else is in it. Refuses
 * (throws) when it is not one of ours or another process is writing it. Returns the entries left
 * in the folder (the user's files; empty when the folder itself is gone).
 */
export function deleteCheckpoint(dir: string): string[] {
  if (!isOurCheckpoint(dir)) throw new ModelFilesError(`${dir} is not a CharRNN checkpoint; nothing was deleted`);
  const lock = acquireModelLock(dir, 'delete model');
  try {
    if (!isOurCheckpoint(dir)) throw new ModelFilesError(`${dir} is not a CharRNN checkpoint; nothing was deleted`);
    return removeModel(dir);
  } finally {
    lock.release();
  }
}

/** Our files of the model in `dir`, read whole, checked against the sizes and checksums its meta.json records. */
function readModel(dir: string): { meta: Buffer; files: Partial<Record<DataFile, ModelFileSource>> } {
  for (let attempt = 0; ; attempt++) {
    const where = resolveModelFiles(dir);
    const meta = fs.readFileSync(where[META_FILE]);
    if (meta.length > MAX_META_BYTES) throw new ModelFilesError(`${dir}: meta.json is too large`);
    const record = (JSON.parse(meta.toString('utf8')) as Pick<CheckpointMeta, 'files'>).files;
    const files: Partial<Record<DataFile, ModelFileSource>> = {};
    let consistent = true;
    for (const name of DATA_FILES) {
      if (record && !record[name]) continue; // not part of this save
      const st = fs.lstatSync(where[name], { throwIfNoEntry: false });
      if (!st) {
        if (record) consistent = false;
        continue;
      }
      if (!st.isFile()) throw new ModelFilesError(`${path.join(dir, name)} is not a regular file`);
      const data = fs.readFileSync(where[name]);
      const want = record?.[name];
      if (want && (want.bytes !== data.length || want.sha256 !== sha256(data))) consistent = false;
      files[name] = { data };
    }
    if (consistent) return { meta, files };
    if (attempt >= 4) throw new ModelFilesError(`${dir}: the model's files do not match its meta.json`);
  }
}

/** Copies the checkpoint in `from` to the folder `to` (created; our files replaced only if it is ours). */
export function exportCheckpoint(from: string, to: string): void {
  if (!isOurCheckpoint(from)) throw new ModelFilesError(`${from} is not a CharRNN checkpoint`);
  const src = path.resolve(from);
  const dest = path.resolve(to);
  if (dest === src || dest.startsWith(src + path.sep)) throw new ModelFilesError('cannot export a model into its own folder');
  const kind = inspectModelFolder(dest);
  if (kind.kind === 'foreign') {
    throw new ModelFilesError(`${dest}: ${kind.reason}; choose an empty folder (a CharRNN checkpoint there would be replaced)`);
  }
  const model = readModel(src);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const lock = acquireModelLock(dest, 'export model');
  try {
    const again = inspectModelFolder(dest);
    if (again.kind === 'foreign') throw new ModelFilesError(`${dest}: ${again.reason}`);
    writeModel(dest, model.files, model.meta);
  } finally {
    lock.release();
  }
}
