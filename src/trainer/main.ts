/**
 * The trainer child process (dist/trainer.js), forked by the extension's training client.
 * Speaks only the IPC messages of src/protocol/trainer.ts: waits for `start`, trains, reports,
 * and exits when done; `stop` (or the parent going away) saves the best checkpoint and exits;
 * `pause` / `resume` hold and release the run between two steps (answered with `paused`).
 */
import { isToTrainer, type FromTrainer } from '../protocol/trainer';
import { runTraining } from '../core/training/train';
import { PauseGate } from '../core/training/pauseGate';
import { lowerPriority } from './priority';

function send(m: FromTrainer): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function main(): Promise<void> {
  if (!process.send) {
    process.stderr.write('charrnn trainer: this is the extension\'s child process; use the CLI (charrnn train) from a terminal\n');
    process.exit(2);
  }
  const stop = new AbortController();
  const gate = new PauseGate();
  let started = false;
  process.on('disconnect', () => stop.abort());
  // SIGTERM (the client's fallback when IPC is gone) saves the best model so far, as `stop` does.
  process.on('SIGTERM', () => {
    stop.abort();
    if (!started) process.exit(0);
  });
  process.on('message', (m: unknown) => {
    if (!isToTrainer(m)) {
      void send({ type: 'log', message: `ignored an unknown message: ${JSON.stringify(m).slice(0, 200)}` });
      return;
    }
    if (m.type === 'stop') {
      stop.abort();
      if (!started) process.exit(0);
      return;
    }
    if (m.type === 'pause' || m.type === 'resume') {
      if (m.type === 'pause') gate.pause();
      else gate.resume();
      void send({ type: 'paused', paused: gate.isPaused });
      return;
    }
    if (started) return;
    started = true;
    // Before the backend starts its threads, so that they inherit the priority.
    const priority = m.lowPriority === false ? undefined : lowerPriority((message) => void send({ type: 'log', message }));
    runTraining({
      config: m.config,
      folders: m.folders,
      corpus: m.corpus,
      checkpointDir: m.checkpointDir,
      resume: m.resume,
      signal: stop.signal,
      lockOwner: `VS Code trainer of pid ${process.ppid}`,
      pause: gate,
      threads: m.threads ? m.threads : undefined,
      onEvent: (e) => void send(e.type === 'ready' && priority !== undefined ? { ...e, priority } : e),
    })
      .then(async () => {
        await send({ type: 'log', message: 'trainer finished' });
        process.exit(0);
      })
      .catch(async (e: unknown) => {
        await send({ type: 'error', message: errorText(e) });
        process.exit(1);
      });
  });
}

process.on('uncaughtException', (e) => {
  void send({ type: 'error', message: `trainer crashed: ${errorText(e)}` }).finally(() => process.exit(1));
});
void main();
