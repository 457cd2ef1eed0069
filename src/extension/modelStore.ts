/** Where this workspace's model lives: `<context.storageUri>/model` (per-workspace storage). */
import * as vscode from 'vscode';
import * as path from 'path';
import { checkpointExists, loadMeta, type CheckpointMeta } from '../core/checkpoint';

export class ModelStore {
  constructor(private readonly context: vscode.ExtensionContext) {}

  /** Undefined when no folder is open (VS Code gives no workspace storage then). */
  get dir(): string | undefined {
    const base = this.context.storageUri;
    return base && base.scheme === 'file' ? path.join(base.fsPath, 'model') : undefined;
  }

  exists(): boolean {
    const dir = this.dir;
    return dir !== undefined && checkpointExists(dir);
  }

  /** The saved model's meta.json, or undefined when there is none or it is unreadable. */
  meta(): CheckpointMeta | undefined {
    const dir = this.dir;
    if (!dir || !checkpointExists(dir)) return undefined;
    try {
      return loadMeta(dir);
    } catch {
      return undefined;
    }
  }
}
