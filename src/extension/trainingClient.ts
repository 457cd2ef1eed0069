/**
 * Owns the trainer child process: forks dist/trainer.js, sends `start`/`stop`/`pause`/`resume`,
 * relays its typed events, and turns an unexpected exit (crash, kill, out of memory) into an `error` event with the
 * reason. It never restarts the trainer by itself, and it never leaves the child behind.
 */
import * as vscode from 'vscode';
import { fork, type ChildProcess } from 'child_process';
import { isFromTrainer, type FromTrainer, type PauseMessage, type ResumeMessage, type StartMessage } from '../protocol/trainer';
import { exitReason } from './exitReason';
import type { RunSnapshot, RunStreamEvent } from '../core/views/lossSeries';

/** The current (or last) run, as the panel shows it when it opens. */
export interface TrainingSnapshot extends RunSnapshot {
  events: RunStreamEvent[];
}

/** Who holds a run paused: the user (command, panel, menu) or their typing (see TypingYield). */
export type PauseReason = 'user' | 'typing';

const MAX_EVENTS = 20000;
const STOP_GRACE_MS = 60_000;

export class TrainingClient implements vscode.Disposable {
  private child: ChildProcess | undefined;
  private stopRequested = false;
  private sawEnd = false;
  private stderrTail = '';
  private snap: TrainingSnapshot = { running: false, events: [] };
  private readonly emitter = new vscode.EventEmitter<FromTrainer>();
  private readonly runningEmitter = new vscode.EventEmitter<boolean>();
  private readonly pausedEmitter = new vscode.EventEmitter<boolean>();
  /** Reasons the run should be held now; the trainer is paused while there is any. */
  private readonly pauseReasons = new Set<PauseReason>();
  /** What the trainer last confirmed (its `paused` event). */
  private trainerPaused = false;
  /** Every trainer event, plus a synthesized `error` when the process dies unexpectedly. */
  readonly onEvent = this.emitter.event;
  readonly onDidChangeRunning = this.runningEmitter.event;
  /**
   * Fires when the trainer confirms it paused or resumed (false too when a paused run ends), and
   * when the user's pause is asked for or lifted: read `paused` and `pausedByUser` then.
   */
  readonly onDidChangePaused = this.pausedEmitter.event;

  constructor(
    private readonly trainerPath: string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  /** True while the trainer holds the run paused (as it confirmed). */
  get paused(): boolean {
    return this.running && this.trainerPaused;
  }

  /** True when the user paused the run (typing pauses are short and do not count). */
  get pausedByUser(): boolean {
    return this.running && this.pauseReasons.has('user');
  }

  /** Holds the run between two steps for `reason`; nothing happens when no run is going. */
  pause(reason: PauseReason): void {
    if (!this.child || this.pauseReasons.has(reason)) return;
    this.pauseReasons.add(reason);
    if (this.pauseReasons.size === 1) this.sendControl({ type: 'pause' });
    if (reason === 'user') {
      this.log.info('training paused');
      this.pausedEmitter.fire(this.paused);
    }
  }

  /** Releases `reason`'s hold; the run goes on when no other reason holds it. */
  resume(reason: PauseReason): void {
    if (!this.child || !this.pauseReasons.delete(reason)) return;
    if (this.pauseReasons.size === 0) this.sendControl({ type: 'resume' });
    if (reason === 'user') {
      this.log.info('training resumed');
      this.pausedEmitter.fire(this.paused);
    }
  }

  private sendControl(m: PauseMessage | ResumeMessage): void {
    if (this.child?.connected) this.child.send(m);
  }

  /** The trainer's process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  snapshot(): TrainingSnapshot {
    return { ...this.snap, running: this.running, events: [...this.snap.events] };
  }

  /** Forks the trainer and sends `start`. Throws if a run is already going. */
  start(message: Omit<StartMessage, 'type'>): void {
    if (this.child) throw new Error('training is already running');
    this.stopRequested = false;
    this.sawEnd = false;
    this.stderrTail = '';
    this.pauseReasons.clear();
    this.trainerPaused = false;
    this.snap = { running: true, resume: message.resume, events: [] };
    const child = fork(this.trainerPath, [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: ['--max-old-space-size=4096'],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      serialization: 'json',
    });
    this.child = child;
    this.log.info(`trainer started (pid ${child.pid}): ${message.config.lstmSize}x${message.config.numLayers}, ` +
      `batch ${message.config.batchSize}, steps ${message.config.numSteps}, ${message.resume ? 'continuing' : 'fresh'}`);
    child.stdout?.on('data', (d: Buffer) => this.log.info(`[trainer] ${d.toString().trimEnd()}`));
    child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      this.stderrTail = (this.stderrTail + text).slice(-4000);
      this.log.warn(`[trainer] ${text.trimEnd()}`);
    });
    child.on('message', (m: unknown) => this.onMessage(m));
    child.on('error', (e) => this.log.error(`trainer process error: ${e.message}`));
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    this.runningEmitter.fire(true);
    child.send({ type: 'start', ...message } satisfies StartMessage);
  }

  /** Asks the trainer to save its best checkpoint and exit; kills it if it does not within a minute. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.stopRequested = true;
    this.log.info('stop requested');
    // A paused run wakes up for the stop (the trainer's gate also opens on stop).
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.connected) child.send({ type: 'stop' });
    else child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.log.warn('the trainer did not stop in time; killing it');
      child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  private onMessage(m: unknown): void {
    if (!isFromTrainer(m)) {
      this.log.warn(`ignored a malformed trainer message: ${JSON.stringify(m).slice(0, 200)}`);
      return;
    }
    switch (m.type) {
      case 'ready':
        this.snap.ready = m;
        this.log.info(`backend: ${m.backend} (${m.threads} thread${m.threads === 1 ? '' : 's'})` +
          (m.priority !== undefined ? `, priority ${m.priority}` : ''));
        break;
      case 'corpus':
        this.snap.corpus = m;
        this.log.info(`corpus: ${m.files} files, ${m.chars} characters, vocabulary ${m.vocabSize}, ${m.parameters} parameters`);
        break;
      case 'origin':
        this.snap.origin = m;
        break;
      case 'progress':
        this.snap.progress = m;
        if (m.valLoss !== undefined) {
          this.log.info(`step ${m.step}: loss ${m.loss.toFixed(3)}, validation ${m.valLoss.toFixed(3)} bits/char, ${Math.round(m.charsPerSec)} chars/s`);
        }
        break;
      case 'checkpoint':
        this.log.info(`checkpoint saved at step ${m.step}${m.valLoss !== undefined ? ` (validation ${m.valLoss.toFixed(3)} bits/char)` : ' (not validated yet)'}`);
        break;
      case 'done':
        this.sawEnd = true;
        this.snap.done = m;
        this.log.info(`training ${m.reason}${m.bestValLoss !== undefined ? `, best validation ${m.bestValLoss.toFixed(3)} bits/char` : ''}`);
        break;
      case 'error':
        this.sawEnd = true;
        this.snap.error = m;
        this.log.error(`trainer: ${m.message}`);
        break;
      case 'log':
        this.log.info(`[trainer] ${m.message}`);
        break;
      case 'sample':
        break;
      case 'paused':
        if (this.trainerPaused !== m.paused) {
          this.trainerPaused = m.paused;
          this.pausedEmitter.fire(m.paused);
        }
        break;
    }
    if (m.type === 'progress' || m.type === 'sample' || m.type === 'checkpoint') {
      this.snap.events.push(m);
      if (this.snap.events.length > MAX_EVENTS) this.snap.events.splice(0, this.snap.events.length - MAX_EVENTS);
    }
    this.emitter.fire(m);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.log.info(`trainer exited (${signal ? `signal ${signal}` : `code ${code}`})`);
    if (!this.sawEnd) {
      const message = this.stopRequested
        ? `the trainer was stopped before it finished (${signal ?? `code ${code}`})`
        : exitReason(code, signal, this.stderrTail);
      this.snap.error = { type: 'error', message };
      this.emitter.fire(this.snap.error);
    }
    this.snap.running = false;
    this.pauseReasons.clear();
    if (this.trainerPaused) {
      this.trainerPaused = false;
      this.pausedEmitter.fire(false);
    }
    this.runningEmitter.fire(false);
  }

  dispose(): void {
    const child = this.child;
    if (child) {
      this.stopRequested = true;
      if (child.connected) child.send({ type: 'stop' });
      // The extension host is going away: give it a moment to save, then make sure it is gone.
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }
    this.emitter.dispose();
    this.runningEmitter.dispose();
    this.pausedEmitter.dispose();
  }
}
