/**
 * Where the models live. The workspace's own model (trained here) is `<context.storageUri>/model`
 * (per-workspace storage); completions use `charrnn.modelPath` instead when it is set (a
 * checkpoint trained elsewhere, e.g. by `charrnn train --out DIR`).
 */
import * as vscode from 'vscode';
import * as os from 'os';
import * as path from 'path';
import { checkpointExists, loadMeta, type CheckpointMeta } from '../core/store/checkpoint';
import { readModelPath } from './settings';

export class ModelStore {
  constructor(private readonly context: vscode.ExtensionContext) {}

  /** The workspace's own model folder; undefined when no folder is open (no workspace storage). */
  get dir(): string | undefined {
    const base = this.context.storageUri;
    return base && base.scheme === 'file' ? path.join(base.fsPath, 'model') : undefined;
  }

  /** `charrnn.modelPath` as an absolute path (relative to the first workspace folder), if set. */
  modelPath(): string | undefined {
    const raw = readModelPath();
    if (!raw) return undefined;
    const expanded = raw === '~' || raw.startsWith('~/') ? path.join(os.homedir(), raw.slice(1)) : raw;
    if (path.isAbsolute(expanded)) return path.normalize(expanded);
    const folder = vscode.workspace.workspaceFolders?.[0];
    return path.resolve(folder && folder.uri.scheme !== 'untitled' ? folder.uri.fsPath : os.homedir(), expanded);
  }

  /** The checkpoint folder completions use: charrnn.modelPath when set, else the workspace's own. */
  servingDir(): string | undefined {
    return this.modelPath() ?? this.dir;
  }

  /** Whether the model completions use exists. */
  servingExists(): boolean {
    const dir = this.servingDir();
    return dir !== undefined && checkpointExists(dir);
  }

  /** Whether the workspace's own model exists. */
  exists(): boolean {
    const dir = this.dir;
    return dir !== undefined && checkpointExists(dir);
  }

  /** The workspace's own model's meta.json, or undefined when there is none; throws when it cannot be read. */
  meta(): CheckpointMeta | undefined {
    const dir = this.dir;
    if (!dir || !checkpointExists(dir)) return undefined;
    return loadMeta(dir);
  }
}
