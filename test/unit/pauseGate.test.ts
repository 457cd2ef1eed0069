/**
 * Pausing a training run (src/core/training/pauseGate.ts and its use in runTraining): a closed gate holds
 * the run before its next step, resume lets it finish, and a stop ends a paused run.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PauseGate } from '../../src/core/training/pauseGate';
import { runTraining } from '../../src/core/training/train';
import { defaultTrainConfig } from '../../src/core/contracts/config';
import type { TrainingEvent } from '../../src/core/contracts/trainEvents';
import type { CorpusDoc } from '../../src/core/corpus/corpus';

const TEXT = 'the quick brown fox jumps over the lazy dog. '.repeat(40);
const docs: CorpusDoc[] = [0, 1, 2, 3].map((i) => ({ path: `/v/${i}.txt`, relPath: `${i}.txt`, folder: '/v', text: TEXT + i, bytes: TEXT.length + 1 }));
const config = { ...defaultTrainConfig(), lstmSize: 16, numLayers: 1, batchSize: 4, numSteps: 16, learningRate: 0.01, epochs: 2, evalEvery: 5, backend: 'wasm' as const };

describe('pausing training', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-pause-')), 'model');
  });
  afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('the gate waits while closed, and resolves on resume or abort', async () => {
    let clock = 0;
    const gate = new PauseGate(() => clock);
    assert.strictEqual(await gate.wait(), 0, 'open: no wait');
    assert.strictEqual(gate.pause(), true);
    assert.strictEqual(gate.pause(), false, 'already paused');
    let released = false;
    const waiting = gate.wait().then((ms) => {
      released = true;
      return ms;
    });
    await gate.whenHeld();
    await new Promise((r) => setImmediate(r));
    assert.strictEqual(released, false, 'held while closed');
    clock += 1234;
    gate.resume();
    assert.strictEqual(await waiting, 1234, 'the time it waited, on its clock');
    gate.pause();
    const abort = new AbortController();
    const aborted = gate.wait(abort.signal);
    await gate.whenHeld();
    abort.abort();
    assert.strictEqual(await aborted, 0);
    assert.strictEqual(gate.isPaused, true, 'an abort releases the waiter but does not open the gate');
  });

  it('holds runTraining before its first step until resumed; then it completes, the pause not counted as training time', async () => {
    // The run's clock (and the gate's) moves only when the test moves it: an hour passes while
    // the run is held, and none of it may count (elapsedSec, the time limit).
    let clock = 0;
    const now = () => clock;
    const gate = new PauseGate(now);
    gate.pause();
    const events: TrainingEvent[] = [];
    const run = runTraining({ config: { ...config, maxMinutes: 30 }, docs, checkpointDir: dir, resume: false, pause: gate, now, onEvent: (e) => events.push(e) });
    await gate.whenHeld();
    assert.ok(events.some((e) => e.type === 'corpus'), 'it got as far as the corpus');
    assert.deepStrictEqual(events.filter((e) => e.type === 'progress'), [], 'no step while paused');
    clock += 3_600_000;
    gate.resume();
    const done = await run;
    assert.strictEqual(done.reason, 'completed', 'the hour held is not against the 30-minute limit');
    const last = events.filter((e) => e.type === 'progress').pop();
    assert.ok(last && last.type === 'progress');
    assert.strictEqual(last.elapsedSec, 0, 'no training time passed on the run\'s clock');
  });

  it('a stop ends a paused run', async () => {
    const gate = new PauseGate();
    gate.pause();
    const abort = new AbortController();
    const events: TrainingEvent[] = [];
    const run = runTraining({ config, docs, checkpointDir: dir, resume: false, pause: gate, signal: abort.signal, onEvent: (e) => events.push(e) });
    await gate.whenHeld();
    abort.abort();
    const done = await run;
    assert.strictEqual(done.reason, 'stopped');
    assert.ok(gate.isPaused, 'stopped while still paused');
    assert.deepStrictEqual(events.filter((e) => e.type === 'progress'), [], 'no step after the stop');
  });
});
