/**
 * Training inside the real VS Code: "Train on workspace" on the fixture workspace trains a tiny
 * model in the trainer child process, reports progress and writes a checkpoint; "Stop training"
 * stops it with the best model saved; a killed trainer is reported and the model survives.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import * as fs from 'fs';
import * as os from 'os';
import { monitorEventLoopDelay } from 'perf_hooks';
import type { CharRnnApi } from '../../../src/extension/extension';
import { loadCheckpoint, checkpointExists } from '../../../src/core/store/checkpoint';
import { collect, configure, getExtensionExports, sleep, waitFor, whenStopped } from './helpers';
import type { ToPanel } from '../../../src/protocol/panel';

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

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere or when it is gone. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (100 per second on Linux)
  } catch {
    return undefined;
  }
}


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
    const firstProgress = collect(a, (e) => e.type === 'progress', 240_000);
    let ended = false;
    done.then(() => (ended = true), () => (ended = true));
    const hostCpu0 = process.cpuUsage();
    const started = await vscode.commands.executeCommand<boolean>('charrnn.train', { mode: 'fresh' });
    assert.strictEqual(started, true);
    assert.strictEqual(a.training.running, true);
    // The host stays responsive: the trainer is another process, and while it trains the host's
    // event loop turns and it answers commands (a host busy with the run would do so only after).
    await firstProgress;
    const pid = a.training.pid;
    assert.ok(pid !== undefined && pid !== process.pid, `the trainer runs in its own process (${pid}, host ${process.pid})`);
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0)); // one turn of the event loop, no wait
      const answer = await vscode.commands.executeCommand<string>('charrnn.explain', { quiet: true });
      assert.strictEqual(typeof answer, 'string');
    }
    assert.ok(!ended && a.training.running, 'the host answered while the run was still going');
    // And the work is the trainer's: the host's CPU time over the run is a small part of the
    // trainer's (CPU time, not elapsed time: a busy machine slows both alike).
    let trainerCpu: number | undefined;
    const cpuSub = a.training.onEvent(() => (trainerCpu = cpuSeconds(pid) ?? trainerCpu));
    const events = await done;
    cpuSub.dispose();
    const used = process.cpuUsage(hostCpu0);
    const hostCpu = (used.user + used.system) / 1e6;
    delay.disable();
    console.log(`[measure] CPU time of the run: extension host ${hostCpu.toFixed(2)} s, trainer ${trainerCpu?.toFixed(2) ?? '?'} s`);
    if (process.platform === 'linux') {
      assert.ok(trainerCpu !== undefined && hostCpu < trainerCpu / 4, `the host used ${hostCpu.toFixed(2)} s of CPU, the trainer ${trainerCpu} s`);
    }
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

  test('pause and resume from the command and from the panel hold and release the run; typing yields; low priority', async () => {
    const a = await api();
    await configure({ 'training.epochs': 1000, 'training.maxMinutes': 10 });
    const steps: number[] = [];
    const sub = a.training.onEvent((e) => {
      if (e.type === 'progress') steps.push(e.step);
    });
    try {
      const ready = collect(a, (e) => e.type === 'progress', 120_000);
      await vscode.commands.executeCommand('charrnn.train', { mode: 'fresh', quiet: true });
      const events = await ready;
      const readyEvent = events.find((e) => e.type === 'ready');
      if (process.platform !== 'win32') {
        assert.strictEqual(os.getPriority(a.training.pid!), os.constants.priority.PRIORITY_LOW, 'the trainer runs at the lowest priority');
        assert.strictEqual(readyEvent?.type === 'ready' && readyEvent.priority, os.constants.priority.PRIORITY_LOW);
      }

      /** Holds for `ms`: no step may advance meanwhile. Returns the step it held at. */
      const holds = async (ms: number) => {
        await sleep(400); // a step already under way may still report
        const at = steps.length;
        await sleep(ms);
        assert.strictEqual(steps.length, at, `progress while paused: ${steps.slice(at).join(', ')}`);
      };
      const advances = () => {
        const at = steps.length;
        return waitFor(() => steps.length > at + 1, { timeoutMs: 30_000, message: 'progress after resuming' });
      };

      await vscode.commands.executeCommand('charrnn.pauseTraining');
      await waitFor(() => a.training.paused, { message: 'the trainer to confirm the pause' });
      assert.strictEqual(a.status.status.kind === 'training' && a.status.status.held, 'user', 'the status bar says paused');
      await holds(1500);
      await vscode.commands.executeCommand('charrnn.resumeTraining');
      await waitFor(() => !a.training.paused, { message: 'the trainer to resume' });
      await advances();

      // The panel's Pause / Resume buttons post these messages.
      await vscode.commands.executeCommand('charrnn.showPanel');
      const panel = await waitFor(() => a.panel.current, { message: 'the panel' });
      const posted: ToPanel[] = [];
      const postSub = panel.onDidPost((m) => posted.push(m));
      try {
        await panel.handleMessage({ command: 'pause' });
        await waitFor(() => a.training.paused, { message: 'the pause from the panel' });
        assert.ok(posted.some((m) => m.type === 'paused' && m.paused), 'the panel is told it is paused');
        await holds(1000);
        await panel.handleMessage({ command: 'resume' });
        await waitFor(() => !a.training.paused, { message: 'the resume from the panel' });
        assert.ok(posted.some((m) => m.type === 'paused' && !m.paused), 'the panel is told it runs again');
        await advances();
      } finally {
        postSub.dispose();
      }

      // Typing in an editor pauses the run, which resumes by itself after a moment without typing.
      const doc = await vscode.workspace.openTextDocument({ language: 'typescript', content: '' });
      const editor = await vscode.window.showTextDocument(doc);
      await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'x'));
      await waitFor(() => a.training.paused, { timeoutMs: 15_000, message: 'training to yield to typing' });
      assert.strictEqual(a.training.pausedByUser, false);
      await waitFor(() => !a.training.paused, { timeoutMs: 30_000, message: 'training to resume after typing' });
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');

      // A paused run still stops (and saves).
      await vscode.commands.executeCommand('charrnn.pauseTraining');
      await waitFor(() => a.training.paused, { message: 'paused before stopping' });
      const done = collect(a, (e) => e.type === 'done' || e.type === 'error', 60_000);
      await vscode.commands.executeCommand('charrnn.stop');
      const end = (await done).pop();
      assert.strictEqual(end?.type === 'done' && end.reason, 'stopped');
      await whenStopped(a);
      assert.strictEqual(a.training.paused, false);
    } finally {
      sub.dispose();
      if (a.training.running) await a.training.stop();
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
