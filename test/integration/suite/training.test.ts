/**
 * Training inside the real VS Code: "Train on workspace" on the fixture workspace trains a tiny
 * model in the trainer child process, reports progress and writes a checkpoint; "Stop training"
 * stops it with the best model saved; a killed trainer is reported and the model survives.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import { monitorEventLoopDelay } from 'perf_hooks';
import type { CharRnnApi } from '../../../src/extension/extension';
import type { FromTrainer } from '../../../src/protocol/trainer';
import { loadCheckpoint, checkpointExists } from '../../../src/core/checkpoint';
import { configure, getExtensionExports } from './helpers';

const TINY: Record<string, unknown> = {
  'model.lstmSize': 32,
  'model.numLayers': 2,
  'training.batchSize': 8,
  'training.numSteps': 32,
  'training.epochs': 3,
  'training.maxMinutes': 3,
  'training.learningRate': 0.01,
};

const api = () => getExtensionExports<CharRnnApi>();

/** Collects trainer events until `until` returns true (or the timeout passes). */
function collect(a: CharRnnApi, until: (e: FromTrainer) => boolean, timeoutMs: number): Promise<FromTrainer[]> {
  return new Promise((resolve, reject) => {
    const events: FromTrainer[] = [];
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out; events so far: ${events.map((e) => e.type).join(',')}`));
    }, timeoutMs);
    const sub = a.training.onEvent((e) => {
      events.push(e);
      if (until(e)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(events);
      }
    });
  });
}

const whenStopped = (a: CharRnnApi) =>
  a.training.running ? new Promise<void>((r) => { const s = a.training.onDidChangeRunning((run) => { if (!run) { s.dispose(); r(); } }); }) : Promise.resolve();

suite('Training in the trainer process', function () {
  this.timeout(300_000);

  suiteSetup(async () => {
    await configure(TINY);
  });
  suiteTeardown(async () => {
    const a = await api();
    if (a.training.running) await a.training.stop();
    await configure(Object.fromEntries(Object.keys(TINY).map((k) => [k, undefined])));
  });

  test('"Train on workspace" trains, reports progress and writes a checkpoint; the host stays responsive', async () => {
    const a = await api();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const done = collect(a, (e) => e.type === 'done' || e.type === 'error', 240_000);
    const started = await vscode.commands.executeCommand<boolean>('charrnn.train', { mode: 'fresh' });
    assert.strictEqual(started, true);
    assert.strictEqual(a.training.running, true);
    const events = await done;
    delay.disable();
    const last = events[events.length - 1];
    assert.strictEqual(last.type, 'done', JSON.stringify(last));
    const ready = events.find((e) => e.type === 'ready');
    assert.ok(ready && ready.type === 'ready' && ['wasm', 'tensorflow', 'cpu'].includes(ready.backend));
    const corpus = events.find((e) => e.type === 'corpus');
    assert.ok(corpus && corpus.type === 'corpus' && corpus.files >= 3, 'corpus event with the fixture files');
    const progress = events.filter((e) => e.type === 'progress');
    assert.ok(progress.length >= 2, 'progress events');
    assert.ok(events.some((e) => e.type === 'checkpoint'), 'a checkpoint event');
    const dir = a.store.dir!;
    assert.ok(checkpointExists(dir), `checkpoint in ${dir}`);
    const ck = loadCheckpoint(dir);
    assert.strictEqual(ck.meta.config.lstmSize, 32);
    assert.ok(ck.meta.history.length >= 2);
    const first = ck.meta.history[0].loss;
    const lastLoss = ck.meta.history[ck.meta.history.length - 1].loss;
    assert.ok(lastLoss < first, `loss fell: ${first} -> ${lastLoss}`);
    await whenStopped(a);
    assert.strictEqual(a.status.status.kind, 'ready');
    console.log(`[measure] extension host event-loop delay while training: p50 ${(delay.percentile(50) / 1e6).toFixed(1)} ms, ` +
      `p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`);
  });

  test('"Stop training" stops the run and keeps the best model', async () => {
    const a = await api();
    await configure({ 'training.epochs': 1000, 'training.maxMinutes': 10 });
    try {
      const firstProgress = collect(a, (e) => e.type === 'progress', 120_000);
      await vscode.commands.executeCommand('charrnn.train', { mode: 'fresh' });
      await firstProgress;
      const done = collect(a, (e) => e.type === 'done' || e.type === 'error', 120_000);
      await vscode.commands.executeCommand('charrnn.stop');
      const events = await done;
      const last = events[events.length - 1];
      assert.strictEqual(last.type, 'done');
      assert.strictEqual(last.type === 'done' && last.reason, 'stopped');
      await whenStopped(a);
      assert.strictEqual(a.training.running, false);
      assert.doesNotThrow(() => loadCheckpoint(a.store.dir!));
    } finally {
      await configure({ 'training.epochs': TINY['training.epochs'], 'training.maxMinutes': TINY['training.maxMinutes'] });
    }
  });

  test('a killed trainer is reported with its reason and the last good model survives', async () => {
    const a = await api();
    await configure({ 'training.epochs': 1000, 'training.maxMinutes': 10 });
    try {
      const before = loadCheckpoint(a.store.dir!).meta.updatedAt;
      const firstProgress = collect(a, (e) => e.type === 'progress', 120_000);
      await vscode.commands.executeCommand('charrnn.train', { mode: 'continue' });
      await firstProgress;
      const failed = collect(a, (e) => e.type === 'error' || e.type === 'done', 60_000);
      process.kill(a.training.pid!, 'SIGKILL');
      const events = await failed;
      const last = events[events.length - 1];
      assert.strictEqual(last.type, 'error');
      assert.match(last.type === 'error' ? last.message : '', /killed \(SIGKILL\)/);
      await whenStopped(a);
      assert.strictEqual(a.status.status.kind, 'error');
      const ck = loadCheckpoint(a.store.dir!);
      assert.ok(ck.meta.updatedAt >= before);
    } finally {
      await configure({ 'training.epochs': TINY['training.epochs'], 'training.maxMinutes': TINY['training.maxMinutes'] });
    }
  });
});
