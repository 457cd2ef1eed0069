/**
 * Deleting and exporting a checkpoint folder, safely: both act only on a folder that is one of
 * ours (meta.json with our format version), and an export writes only into a folder that is
 * missing, empty or already one of ours, through a temp folder renamed into place. No `vscode`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FORMAT_VERSION, META_FILE } from './checkpoint';

export class ModelFilesError extends Error {}

/** True when `dir` holds a meta.json with our format version. */
export function isOurCheckpoint(dir: string): boolean {
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, META_FILE), 'utf8')) as { formatVersion?: unknown };
    return typeof meta === 'object' && meta !== null && meta.formatVersion === FORMAT_VERSION;
  } catch {
    return false;
  }
}

/** Deletes the checkpoint folder `dir`; refuses (throws) when it is not one of ours. */
export function deleteCheckpoint(dir: string): void {
  if (!isOurCheckpoint(dir)) {
    throw new ModelFilesError(`${dir} is not a CharRNN checkpoint (no meta.json of format ${FORMAT_VERSION}); nothing was deleted`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Copies the checkpoint in `from` to the folder `to` (created; replaced only if it is ours). */
export function exportCheckpoint(from: string, to: string): void {
  if (!isOurCheckpoint(from)) throw new ModelFilesError(`${from} is not a CharRNN checkpoint`);
  const src = path.resolve(from);
  const dest = path.resolve(to);
  if (dest === src || dest.startsWith(src + path.sep)) throw new ModelFilesError('cannot export a model into its own folder');
  if (fs.existsSync(dest)) {
    if (!fs.statSync(dest).isDirectory()) throw new ModelFilesError(`${dest} exists and is not a folder`);
    if (fs.readdirSync(dest).length > 0 && !isOurCheckpoint(dest)) {
      throw new ModelFilesError(`${dest} holds other files; choose an empty folder (a CharRNN checkpoint there would be replaced)`);
    }
  }
  const parent = path.dirname(dest);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(dest)}.tmp-`));
  try {
    fs.cpSync(src, tmp, { recursive: true });
    let old: string | undefined;
    if (fs.existsSync(dest)) {
      old = `${tmp}-old`;
      fs.renameSync(dest, old);
    }
    fs.renameSync(tmp, dest);
    if (old) fs.rmSync(old, { recursive: true, force: true });
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
