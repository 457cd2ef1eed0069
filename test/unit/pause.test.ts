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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
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
    const gate = new PauseGate();
    assert.strictEqual(await gate.wait(), 0, 'open: no wait');
    assert.strictEqual(gate.pause(), true);
    assert.strictEqual(gate.pause(), false, 'already paused');
    let released = false;
    const waiting = gate.wait().then((ms) => {
      released = true;
      return ms;
    });
    await sleep(50);
    assert.strictEqual(released, false);
    gate.resume();
    assert.ok((await waiting) >= 40);
    gate.pause();
    const abort = new AbortController();
    const aborted = gate.wait(abort.signal);
    abort.abort();
    await aborted;
    assert.strictEqual(gate.isPaused, true, 'an abort releases the waiter but does not open the gate');
  });

  it('holds runTraining before its first step until resumed; then it completes', async () => {
    const gate = new PauseGate();
    gate.pause();
    const events: TrainingEvent[] = [];
    const t0 = Date.now();
    const run = runTraining({ config, docs, checkpointDir: dir, resume: false, pause: gate, onEvent: (e) => events.push(e) });
    await sleep(1500);
    assert.ok(events.some((e) => e.type === 'corpus'), 'it got as far as the corpus');
    assert.deepStrictEqual(events.filter((e) => e.type === 'progress'), [], 'no step while paused');
    gate.resume();
    const done = await run;
    const wallSec = (Date.now() - t0) / 1000;
    assert.strictEqual(done.reason, 'completed');
    const last = events.filter((e) => e.type === 'progress').pop();
    assert.ok(last && last.type === 'progress');
    // The run waited at least ~1.2 s of its wall time paused: that is not training time.
    assert.ok(last.elapsedSec <= wallSec - 1.2, `elapsed ${last.elapsedSec} s of ${wallSec} s wall time`);
  });

  it('a stop ends a paused run', async () => {
    const gate = new PauseGate();
    gate.pause();
    const abort = new AbortController();
    const run = runTraining({ config, docs, checkpointDir: dir, resume: false, pause: gate, signal: abort.signal, onEvent: () => {} });
    await sleep(800);
    abort.abort();
    const done = await run;
    assert.strictEqual(done.reason, 'stopped');
  });
});
