import * as assert from 'assert';
import { formatBpc, formatBytes, formatCompact, formatDuration, formatInt, originText, percent, WHOLE_INCREMENTS } from '../../src/webview/format';

describe('panel formatting', () => {
  it('formats counts', () => {
    assert.strictEqual(formatInt(1234567.4), '1,234,567');
    assert.strictEqual(formatInt(Number.NaN), '–');
    assert.strictEqual(formatCompact(12), '12');
    assert.strictEqual(formatCompact(5300), '5.30k');
    assert.strictEqual(formatCompact(23456), '23.5k');
    assert.strictEqual(formatCompact(1234567), '1.23M');
    assert.strictEqual(formatCompact(2.5e9), '2.50G');
  });

  it('formats bytes with decimal units', () => {
    assert.strictEqual(formatBytes(812), '812 B');
    assert.strictEqual(formatBytes(1234567), '1.2 MB');
    assert.strictEqual(formatBytes(340000), '340 kB');
  });

  it('formats durations', () => {
    assert.strictEqual(formatDuration(42.4), '42s');
    assert.strictEqual(formatDuration(187), '3:07');
    assert.strictEqual(formatDuration(3723), '1:02:03');
    assert.strictEqual(formatDuration(-1), '–');
    assert.strictEqual(formatDuration(Number.POSITIVE_INFINITY), '–');
  });

  it('formats losses and percentages', () => {
    assert.strictEqual(formatBpc(1.23456), '1.235');
    assert.strictEqual(formatBpc(null), '–');
    assert.strictEqual(formatBpc(Number.NaN), '–');
    assert.strictEqual(percent(50, 200), 25);
    assert.strictEqual(percent(300, 200), 100);
    assert.strictEqual(percent(5, 0), undefined);
  });

  it('says where the run started', () => {
    assert.strictEqual(originText({ from: 'base', base: 'charrnn-base-256x2', note: 'x', valBits: 1.8312 }), 'base model charrnn-base-256x2 · 1.831 bits/char on this workspace before training');
    assert.strictEqual(originText({ from: 'scratch', note: 'training from scratch: the base model is 256x2 and the settings ask for 128x2' }), 'scratch: the base model is 256x2 and the settings ask for 128x2');
    assert.strictEqual(originText({ from: 'checkpoint', note: 'x' }), 'the saved model');
  });

  it('ticks of the step and characters axis are whole numbers (issue 22: "0 0 0 1 1 1" at step 1)', () => {
    assert.ok(WHOLE_INCREMENTS.every((i) => Number.isInteger(i) && i >= 1));
    assert.deepStrictEqual(WHOLE_INCREMENTS.slice(0, 6), [1, 2, 5, 10, 20, 50]);
    assert.ok(WHOLE_INCREMENTS[WHOLE_INCREMENTS.length - 1] >= 1e12, 'up to any corpus size');
  });
});
