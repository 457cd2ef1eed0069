import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTraining, TrainingError } from '../../src/core/train';
import { defaultTrainConfig, type TrainConfig } from '../../src/core/config';
import { loadCheckpoint } from '../../src/core/checkpoint';
import type { TrainingEvent } from '../../src/core/trainEvents';
import type { CorpusDoc } from '../../src/core/corpus';

const TEXT = 'the quick brown fox jumps over the lazy dog. ';
function docs(n: number): CorpusDoc[] {
  return Array.from({ length: n }, (_, i) => {
    const text = TEXT.repeat(12) + `function f${i}() { return ${i}; }\n`;
    return { path: `/virtual/f${i}.txt`, relPath: `f${i}.txt`, folder: '/virtual', text, bytes: text.length };
  });
}
function tiny(over: Partial<TrainConfig> = {}): TrainConfig {
  return { ...defaultTrainConfig(), lstmSize: 32, numLayers: 1, batchSize: 4, numSteps: 16, learningRate: 0.01, epochs: 4, evalEvery: 10, backend: 'wasm', ...over };
}

describe('runTraining', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-train-')), 'model');
  });
  afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('reports in order, lowers the loss and writes the best checkpoint', async () => {
    const events: TrainingEvent[] = [];
    const done = await runTraining({ config: tiny(), docs: docs(8), checkpointDir: dir, resume: false, onEvent: (e) => events.push(e) });
    assert.strictEqual(done.reason, 'completed');
    const types = events.map((e) => e.type);
    assert.strictEqual(types[0], 'ready');
    assert.ok(types.indexOf('corpus') < types.indexOf('progress'));
    assert.strictEqual(types[types.length - 1], 'done');
    assert.ok(types.includes('sample') && types.includes('checkpoint'));
    const ck = loadCheckpoint(dir);
    const h = ck.meta.history;
    assert.ok(h.length > 3);
    assert.ok(h[h.length - 1].loss < h[0].loss - 0.5, `loss ${h[0].loss} -> ${h[h.length - 1].loss}`);
    const vals = h.filter((p) => p.valLoss !== undefined).map((p) => p.valLoss!);
    assert.strictEqual(ck.meta.bestValLoss, Math.min(...vals));
    assert.strictEqual(done.bestValLoss, ck.meta.bestValLoss);
    assert.strictEqual(ck.meta.step, h[h.length - 1].step);
  });

  it('stops on abort with the best model saved, and resumes from it', async () => {
    const abort = new AbortController();
    const events: TrainingEvent[] = [];
    const done = await runTraining({
      config: tiny({ epochs: 1000 }),
      docs: docs(8),
      checkpointDir: dir,
      resume: false,
      signal: abort.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'progress' && e.step >= 15) abort.abort();
      },
    });
    assert.strictEqual(done.reason, 'stopped');
    const stoppedAt = loadCheckpoint(dir).meta.step;
    assert.ok(stoppedAt >= 15 && stoppedAt < 100, `stopped at ${stoppedAt}`);
    const more: TrainingEvent[] = [];
    await runTraining({ config: tiny({ epochs: 1 }), docs: docs(8), checkpointDir: dir, resume: true, onEvent: (e) => more.push(e) });
    const firstProgress = more.find((e) => e.type === 'progress');
    assert.ok(firstProgress && firstProgress.type === 'progress' && firstProgress.step > stoppedAt);
    assert.ok(loadCheckpoint(dir).meta.history[0].step < stoppedAt, 'history kept across the resume');
  });

  it('refuses to resume with another model shape, and a corpus too small to train', async () => {
    await runTraining({ config: tiny({ epochs: 1 }), docs: docs(3), checkpointDir: dir, resume: false, onEvent: () => {} });
    await assert.rejects(
      runTraining({ config: tiny({ lstmSize: 64 }), docs: docs(3), checkpointDir: dir, resume: true, onEvent: () => {} }),
      /start a fresh run/,
    );
    const small: CorpusDoc[] = [{ path: '/v/a', relPath: 'a', folder: '/v', text: 'abc', bytes: 3 }];
    await assert.rejects(
      runTraining({ config: tiny(), docs: small, checkpointDir: dir, resume: false, onEvent: () => {} }),
      (e: Error) => e instanceof TrainingError && /too small/.test(e.message),
    );
  });

  it('stops at the time limit', async () => {
    let t = 0;
    const done = await runTraining({
      config: tiny({ epochs: 1000, maxMinutes: 1 }),
      docs: docs(4),
      checkpointDir: dir,
      resume: false,
      onEvent: () => {},
      now: () => (t += 1000), // every call advances the clock by a second
    });
    assert.strictEqual(done.reason, 'time-limit');
  });
});
