/** The loss chart's data (src/core/lossSeries.ts): history and run events as aligned columns, and a snapshot's latest events. */
import * as assert from 'assert';
import { appendPoint, buildSeries, chartColumns, emptySeries, historyToSeries, latestEvents, type HistoryPointLike, type RunSnapshot } from '../../src/core/views/lossSeries';
import type { DoneEvent } from '../../src/core/contracts/trainEvents';
import { progress } from './eventsFixture';


describe('loss series', () => {
  const hist = (n: number, every = 10): HistoryPointLike[] =>
    Array.from({ length: n }, (_, i) => ({ step: i + 1, charsSeen: (i + 1) * 64, loss: 5 - i * 0.01, valLoss: (i + 1) % every === 0 ? 5.1 - i * 0.01 : undefined }));

  it('turns the history into aligned train and validation columns', () => {
    const s = historyToSeries(hist(30));
    assert.strictEqual(s.step.length, 30);
    assert.strictEqual(s.chars.length, 30);
    assert.strictEqual(s.loss.length, 30);
    assert.strictEqual(s.valLoss.length, 30);
    assert.deepStrictEqual(s.step.slice(0, 3), [1, 2, 3]);
    assert.deepStrictEqual(s.chars.slice(0, 2), [64, 128]);
    assert.strictEqual(s.valLoss[8], null);
    assert.ok(Math.abs(s.valLoss[9]! - (5.1 - 0.09)) < 1e-12);
    assert.strictEqual(s.valLoss.filter((v) => v !== null).length, 3);
    const [x, train, val] = chartColumns(s, 'chars');
    assert.strictEqual(x, s.chars);
    assert.strictEqual(train, s.loss);
    assert.strictEqual(val, s.valLoss);
    assert.strictEqual(chartColumns(s, 'step')[0], s.step);
  });

  it('sorts an unsorted history and skips malformed points', () => {
    const s = historyToSeries([
      { step: 3, charsSeen: 30, loss: 3 },
      { step: 1, charsSeen: 10, loss: 1 },
      { step: Number.NaN, charsSeen: 0, loss: 9 },
      { step: 2, charsSeen: 20, loss: 2, valLoss: 2.5 },
    ]);
    assert.deepStrictEqual(s.step, [1, 2, 3]);
    assert.deepStrictEqual(s.loss, [1, 2, 3]);
    assert.deepStrictEqual(s.valLoss, [null, 2.5, null]);
    assert.deepStrictEqual(historyToSeries(undefined), emptySeries());
  });

  it('keeps a non-finite loss as a gap', () => {
    const s = emptySeries();
    appendPoint(s, { step: 1, charsSeen: 1, loss: Number.NaN });
    appendPoint(s, { step: 2, charsSeen: 2, loss: Infinity });
    assert.deepStrictEqual(s.loss, [null, null]);
  });

  it('appends progress events at the end', () => {
    const s = historyToSeries(hist(5));
    assert.strictEqual(appendPoint(s, progress(6, 4.5)), 'appended');
    assert.strictEqual(appendPoint(s, progress(7, 4.4, 4.6)), 'appended');
    assert.deepStrictEqual(s.step, [1, 2, 3, 4, 5, 6, 7]);
    assert.deepStrictEqual(s.chars.slice(-2), [600, 700]);
    assert.deepStrictEqual(s.valLoss.slice(-2), [null, 4.6]);
  });

  it('merges a validation result reported for the last step', () => {
    const s = emptySeries();
    appendPoint(s, progress(100, 3));
    assert.strictEqual(appendPoint(s, { step: 100, charsSeen: 10000, loss: Number.NaN, valLoss: 3.2 }), 'merged');
    assert.deepStrictEqual(s.step, [100]);
    assert.deepStrictEqual(s.loss, [3], 'a missing loss does not erase the one reported');
    assert.deepStrictEqual(s.valLoss, [3.2]);
  });

  it('cuts the series back when a new run starts at an earlier step', () => {
    const s = historyToSeries(hist(50));
    // Continuing from a checkpoint saved at step 30: steps after 30 belonged to the old run.
    assert.strictEqual(appendPoint(s, progress(31, 1)), 'rewound');
    assert.strictEqual(s.step.length, 31);
    assert.deepStrictEqual(s.step.slice(-2), [30, 31]);
    assert.strictEqual(s.loss.length, 31);
    assert.strictEqual(s.valLoss.length, 31);
    assert.strictEqual(s.chars.length, 31);
    // A fresh run starts again from step 1.
    assert.strictEqual(appendPoint(s, progress(1, 6)), 'rewound');
    assert.deepStrictEqual(s.step, [1]);
    assert.deepStrictEqual(s.loss, [6]);
  });

  it('builds the series of a reopened panel from the history and the run events', () => {
    const history = hist(40);
    const events: RunSnapshot['events'] = [
      progress(31, 2),
      { type: 'sample', text: 'abc', step: 31 },
      progress(32, 1.9, 2.1),
    ];
    const snap: RunSnapshot = { running: true, events };
    const s = buildSeries(history, snap);
    assert.deepStrictEqual(s.step.slice(-3), [30, 31, 32]);
    assert.strictEqual(s.step.length, 32);
    assert.deepStrictEqual(s.valLoss.slice(-1), [2.1]);

    // A fresh run while it runs: the old model's history is left out even before its first step.
    assert.deepStrictEqual(buildSeries(history, { running: true, resume: false, events: [] }).step, []);
    // No run: the saved history.
    assert.strictEqual(buildSeries(history, { running: false, events: [] }).step.length, 40);
    assert.strictEqual(buildSeries(undefined, undefined).step.length, 0);
  });

  it('handles tens of thousands of points', () => {
    const s = emptySeries();
    for (let i = 1; i <= 50_000; i++) appendPoint(s, { step: i, charsSeen: i * 2048, loss: 2, valLoss: i % 100 ? undefined : 2.2 });
    assert.strictEqual(s.step.length, 50_000);
    assert.strictEqual(s.valLoss.filter((v) => v !== null).length, 500);
    appendPoint(s, progress(25_000, 1));
    assert.strictEqual(s.step.length, 25_000);
    assert.strictEqual(s.step[24_999], 25_000);
  });

  it('picks the latest events of a snapshot as TrainingClient keeps it, and no end while running', () => {
    // TrainingClient keeps the latest ready/corpus/progress/done/error as fields and the stream of
    // progress, sample and checkpoint events in `events`.
    const done: DoneEvent = { type: 'done', reason: 'stopped' };
    const ready = { type: 'ready', backend: 'wasm', threads: 2 } as const;
    const snap: RunSnapshot = {
      running: false,
      ready,
      progress: progress(2, 2),
      done,
      events: [progress(1, 3), { type: 'sample', text: 'a', step: 1 }, progress(2, 2), { type: 'sample', text: 'b', step: 2 }],
    };
    const l = latestEvents(snap);
    assert.strictEqual(l.ready, ready);
    assert.strictEqual(l.progress?.step, 2);
    assert.strictEqual(l.sample?.text, 'b');
    assert.strictEqual(l.done, done);
    assert.strictEqual(l.error, undefined);
    const error = { type: 'error', message: 'boom' } as const;
    assert.strictEqual(latestEvents({ running: false, error, events: [] }).error, error);
    // A run that is going: the previous run's end is not shown.
    const going = latestEvents({ ...snap, running: true, error });
    assert.strictEqual(going.done, undefined);
    assert.strictEqual(going.error, undefined);
    assert.strictEqual(going.progress?.step, 2);
    assert.deepStrictEqual(latestEvents(undefined), {});
  });
});
