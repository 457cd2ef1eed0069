/** Computations that yield: run at once, or in slices that let the event loop in and can be stopped. */
import * as assert from 'assert';
import { runSteps, runStepsInSlices, type Steps } from '../../src/core/util/steps';

function* count(n: number, log: string[]): Steps<number> {
  try {
    for (let i = 0; i < n; i++) {
      log.push(`step ${i}`);
      yield;
    }
    return n;
  } finally {
    log.push('closed');
  }
}

describe('steps', () => {
  it('runSteps runs to the end at once', () => {
    const log: string[] = [];
    assert.strictEqual(runSteps(count(3, log)), 3);
    assert.deepStrictEqual(log, ['step 0', 'step 1', 'step 2', 'closed']);
  });

  it('runStepsInSlices lets the event loop in between slices, and returns the result', async () => {
    const log: string[] = [];
    setImmediate(() => log.push('event loop'));
    let t = 0;
    // Each clock reading moves 10 ms: a 15 ms slice holds one step.
    assert.strictEqual(await runStepsInSlices(count(3, log), { sliceMs: 15, now: () => (t += 10) }), 3);
    const i = log.indexOf('event loop');
    assert.ok(i > 0 && i < log.indexOf('step 2'), log.join(', '));
  });

  it('keeps going within a slice: a long slice runs everything before the event loop', async () => {
    const log: string[] = [];
    setImmediate(() => log.push('event loop'));
    assert.strictEqual(await runStepsInSlices(count(50, log), { sliceMs: 60_000 }), 50);
    assert.strictEqual(log.indexOf('event loop'), -1);
  });

  it('stops when asked after a turn of the event loop, closing the computation', async () => {
    const log: string[] = [];
    let stop = false;
    setImmediate(() => (stop = true));
    let t = 0;
    assert.strictEqual(await runStepsInSlices(count(1000, log), { sliceMs: 1, now: () => (t += 1), shouldStop: () => stop }), undefined);
    assert.ok(log.length < 10, `${log.length} entries`);
    assert.strictEqual(log[log.length - 1], 'closed');
  });
});
