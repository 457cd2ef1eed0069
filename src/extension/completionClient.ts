/**
 * Owns the completion worker (a worker_threads thread running dist/worker.js): starts it on the
 * first request, numbers requests, cancels and drops superseded ones, restarts it with backoff
 * when it dies (reported once), and reloads the model when the checkpoint changes. That is the one
 * way a new model reaches the worker: a timer (off the keystroke path) looks at the model folder's
 * meta.json while a worker runs, whoever wrote it (the trainer, `charrnn train --out`, a model
 * command); another folder (`charrnn.modelPath`) is sent with the next request.
 * No `vscode` import: the provider adapts VS Code's CancellationToken (same shape as CancelToken).
 *
 * Why a worker thread and not a child process: it costs about a third of the memory (no second
 * Node runtime; measured in the report), starts faster, and can share memory with the host for
 * cancelling a running computation (an Int32Array the worker polls).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { META_FILE } from '../core/store/modelFolder';
import type { CompleteResult, CompletionQuery } from '../core/contracts/completion';
import {
  CONTROL_CANCELLED,
  CONTROL_NEWEST,
  CONTROL_SIZE,
  isFromWorker,
  type EngineChoice,
  type FromWorker,
  type ToWorker,
  type WorkerData,
} from '../protocol/worker';

export interface CancelToken {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => unknown): { dispose(): unknown };
}

/** The worker's answer: the core's result and its engine time in the worker, ms. */
export type CompletionAnswer = CompleteResult & { ms: number };

export type ClientStatus = 'idle' | 'no-model' | 'loading' | 'ready' | 'model-error' | 'restarting' | 'disposed';

export interface CompletionClientOptions {
  /** The checkpoint folder to use, or undefined when there is no model. Read on every request. */
  modelDir: () => string | undefined;
  /** The shipped base model's folder (media/base), when it may answer: while modelDir() says there is no model. Read on every request. */
  baseDir?: () => string | undefined;
  log: (message: string) => void;
  /** Called once (the first time) when the worker dies unexpectedly: for one user-visible message. */
  onWorkerDied?: (message: string) => void;
  /** Called when a model has loaded in the worker: what answers (e.g. "n-gram + cache + LSTM"). */
  onLoaded?: (info: { modelDir: string; experts: string; lstmStep: number; base?: boolean }) => void;
  /** Called when a checkpoint fails to load (once per folder until `reload()`). */
  onModelError?: (message: string) => void;
  /** Called when the model in use went away (deleted, or another folder chosen) and was let go. */
  onUnloaded?: (modelDir: string) => void;
  /** Default: dist/worker.js next to the bundle, or out/src/worker/main.js. */
  workerPath?: string;
  engine?: EngineChoice;
  /** A request not answered in this time gives no suggestion (default 5000 ms). */
  timeoutMs?: number;
  /** How often the model folder's meta.json is looked at for a new checkpoint (default 2000 ms). */
  checkpointPollMs?: number;
  /** Restart delays after deaths: initialMs, doubling up to maxMs (defaults 1000, 60000). */
  backoff?: { initialMs: number; maxMs: number };
}

interface Pending {
  resolve(a: CompletionAnswer | undefined): void;
  timer: NodeJS.Timeout;
  sub?: { dispose(): unknown };
}

export function defaultWorkerPath(): string {
  const candidates = [path.join(__dirname, 'worker.js'), path.join(__dirname, '..', 'worker', 'main.js')];
  return candidates.find((p) => fs.existsSync(p)) ?? candidates[0];
}

export class CompletionClient {
  /** Bumped whenever the model may have changed: answers from before are stale. */
  generation = 0;
  private worker: Worker | undefined;
  private control = new Int32Array(new SharedArrayBuffer(CONTROL_SIZE * 4));
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private sentDir: string | undefined;
  private failedDir: string | undefined;
  private loadedDir: string | undefined;
  private deaths = 0;
  private startedAt = 0;
  private restartAt = 0;
  private diedReported = false;
  private poll: NodeJS.Timeout | undefined;
  private seenMtime: number | undefined;
  private disposed = false;
  private readonly backoff: { initialMs: number; maxMs: number };

  constructor(private readonly opts: CompletionClientOptions) {
    this.backoff = opts.backoff ?? { initialMs: 1000, maxMs: 60000 };
  }

  get status(): ClientStatus {
    if (this.disposed) return 'disposed';
    if (!this.target()) return 'no-model';
    if (this.restartAt > Date.now()) return 'restarting';
    if (!this.worker) return 'idle';
    if (this.failedDir !== undefined && this.failedDir === this.sentDir) return 'model-error';
    return this.loadedDir === this.sentDir ? 'ready' : 'loading';
  }

  /**
   * Asks for a completion. Resolves undefined (never rejects) when there is no model, the
   * request was cancelled or superseded by a newer one, the worker is down, or it timed out.
   */
  complete(q: CompletionQuery, token?: CancelToken): Promise<CompletionAnswer | undefined> {
    try {
      if (this.disposed || token?.isCancellationRequested) return Promise.resolve(undefined);
      const dir = this.target();
      if (!dir) return Promise.resolve(undefined);
      if (Date.now() < this.restartAt) return Promise.resolve(undefined);
      if (dir === this.failedDir) return Promise.resolve(undefined);
      const worker = this.ensureWorker();
      if (this.sentDir !== dir) this.sendLoad(dir);
      const id = this.nextId++;
      Atomics.store(this.control, CONTROL_NEWEST, id);
      // Older requests are superseded: their answers will be dropped.
      for (const oldId of [...this.pending.keys()]) this.settle(oldId, undefined);
      return new Promise<CompletionAnswer | undefined>((resolve) => {
        const timer = setTimeout(() => {
          if (this.pending.has(id)) {
            this.opts.log(`completion request ${id} timed out`);
            this.settle(id, undefined);
          }
        }, this.opts.timeoutMs ?? 5000);
        const p: Pending = { resolve, timer };
        this.pending.set(id, p);
        if (token) p.sub = token.onCancellationRequested(() => this.cancel(id));
        this.post(worker, { type: 'complete', id, ...q });
      });
    } catch (e) {
      this.opts.log(`completion request failed: ${(e as Error).message}`);
      return Promise.resolve(undefined);
    }
  }

  /**
   * The model files may have changed (a model deleted, charrnn.modelPath changed): looks now
   * rather than at the next poll. A model that is gone is let go, never "loaded" and failed.
   */
  modelChanged(): void {
    this.checkCheckpoint();
  }

  /**
   * The checkpoint in the folder the worker has changed (meta.json rewritten): load it again. A
   * folder that is no longer the model to use (deleted: modelDir() says there is none; or
   * another one chosen) is let go instead: loading a deleted model would only fail.
   */
  private checkCheckpoint(): void {
    const dir = this.sentDir;
    if (!dir || !this.worker) return;
    if (this.target() !== dir) {
      this.unload(dir);
      return;
    }
    const mtime = metaMtime(dir);
    if (mtime === this.seenMtime) return;
    this.seenMtime = mtime;
    this.failedDir = undefined;
    this.sendLoad(dir);
  }

  /** Stops the worker (a new one starts with the next request), with no death counted. */
  private unload(dir: string): void {
    const w = this.worker;
    this.worker = undefined;
    this.sentDir = undefined;
    this.loadedDir = undefined;
    this.failedDir = undefined;
    this.seenMtime = undefined;
    this.generation++;
    clearInterval(this.poll);
    this.poll = undefined;
    for (const id of [...this.pending.keys()]) this.settle(id, undefined);
    if (w) void w.terminate();
    this.opts.log(`model let go: ${dir} is no longer the model to use`);
    this.opts.onUnloaded?.(dir);
  }

  /** A workspace file was saved: the model counts its text (until the next training run). */
  learn(docKey: string, text: string): void {
    if (this.worker) this.post(this.worker, { type: 'learn', docKey, text });
  }

  /** A document was closed: drop its cached states. */
  forget(docKey: string): void {
    if (this.worker) this.post(this.worker, { type: 'forget', docKey });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    clearInterval(this.poll);
    for (const id of [...this.pending.keys()]) this.settle(id, undefined);
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private cancel(id: number): void {
    if (!this.pending.has(id)) return;
    Atomics.store(this.control, CONTROL_CANCELLED, id);
    if (this.worker) this.post(this.worker, { type: 'cancel', id });
    this.settle(id, undefined);
  }

  private settle(id: number, answer: CompletionAnswer | undefined): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.sub?.dispose();
    p.resolve(answer);
  }

  /** The folder that answers: the workspace's model, else the base model (if any). */
  private target(): string | undefined {
    return this.opts.modelDir() ?? this.opts.baseDir?.();
  }

  private sendLoad(dir: string): void {
    this.sentDir = dir;
    this.seenMtime = metaMtime(dir);
    this.loadedDir = undefined;
    this.generation++;
    if (this.worker) this.post(this.worker, { type: 'load', modelDir: dir, ...(dir === this.opts.baseDir?.() ? { base: true } : {}) });
    if (!this.poll) {
      this.poll = setInterval(() => this.checkCheckpoint(), this.opts.checkpointPollMs ?? 2000);
      this.poll.unref();
    }
  }

  private post(worker: Worker, m: ToWorker): void {
    worker.postMessage(m);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const file = this.opts.workerPath ?? defaultWorkerPath();
    const data: WorkerData = { control: this.control.buffer as SharedArrayBuffer, engine: this.opts.engine ?? 'auto' };
    const w = new Worker(file, {
      workerData: data,
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    this.worker = w;
    this.sentDir = undefined;
    this.loadedDir = undefined;
    this.startedAt = Date.now();
    w.stdout.on('data', (d: Buffer) => this.opts.log(`worker stdout: ${d.toString().trimEnd()}`));
    w.stderr.on('data', (d: Buffer) => this.opts.log(`worker stderr: ${d.toString().trimEnd()}`));
    w.on('message', (m: unknown) => this.onMessage(m));
    w.on('error', (e) => this.opts.log(`completion worker error: ${e.stack ?? e.message}`));
    w.on('exit', (code) => this.onExit(w, code));
    return w;
  }

  private onMessage(m: unknown): void {
    if (!isFromWorker(m)) {
      this.opts.log(`ignored a malformed message from the completion worker: ${JSON.stringify(m)?.slice(0, 200)}`);
      return;
    }
    const msg: FromWorker = m;
    switch (msg.type) {
      case 'result': {
        const { type: _type, id, ...answer } = msg;
        this.settle(id, answer.cancelled ? undefined : answer);
        break;
      }
      case 'loaded':
        if (msg.modelDir === this.sentDir) this.loadedDir = msg.modelDir;
        this.generation++;
        this.opts.log(`model loaded from ${msg.modelDir}: ${msg.experts}` +
          (msg.lstmStep > 0 ? ` (LSTM ${msg.lstmSize}x${msg.numLayers} at step ${msg.lstmStep}, ${msg.engine} engine)` : '') +
          `, ${msg.vocabSize} characters, ${msg.ms.toFixed(0)} ms`);
        this.opts.onLoaded?.({ modelDir: msg.modelDir, experts: msg.experts, lstmStep: msg.lstmStep, ...(msg.base ? { base: true } : {}) });
        break;
      case 'loadFailed':
        if (msg.modelDir === this.sentDir) this.failedDir = msg.modelDir;
        this.opts.log(`model failed to load: ${msg.message}`);
        this.opts.onModelError?.(msg.message);
        break;
      case 'log':
        this.opts.log(`worker: ${msg.message}`);
        break;
    }
  }

  private onExit(w: Worker, code: number): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    this.sentDir = undefined;
    this.loadedDir = undefined;
    for (const id of [...this.pending.keys()]) this.settle(id, undefined);
    if (this.disposed) return;
    const lived = Date.now() - this.startedAt;
    this.deaths = lived > 60000 ? 1 : this.deaths + 1;
    const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (this.deaths - 1));
    this.restartAt = Date.now() + delay;
    const message = `the completion worker stopped (exit code ${code}); restarting in ${(delay / 1000).toFixed(0)} s`;
    this.opts.log(message);
    if (!this.diedReported) {
      this.diedReported = true;
      this.opts.onWorkerDied?.(message);
    }
  }
}

function metaMtime(dir: string): number | undefined {
  try {
    return fs.statSync(path.join(dir, META_FILE)).mtimeMs;
  } catch {
    return undefined;
  }
}
