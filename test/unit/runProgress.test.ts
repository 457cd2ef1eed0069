/** A run's progress, against what ends it (src/core/runProgress.ts): issue 22. */
import * as assert from 'assert';
import { runPercent, shownPercent } from '../../src/core/views/runProgress';

describe('a run\'s progress', () => {
  it('counts against the time limit when that ends the run first, not against the epoch plan', () => {
    // A 3-minute run with 10 epochs planned: step 900 of 60,000 when 170 s of 180 are gone.
    const e = { step: 900, totalSteps: 60_000, elapsedSec: 170, etaSec: 10 };
    assert.strictEqual(shownPercent(e), 94);
    assert.strictEqual(shownPercent({ ...e, elapsedSec: 180, etaSec: 0 }), 100, 'the end of a time-limited run is 100%');
  });

  it('counts the epochs when they end the run first', () => {
    assert.strictEqual(shownPercent({ step: 250, totalSteps: 1000, elapsedSec: 25, etaSec: 75 }), 25);
  });

  it('with no ETA, the steps against the plan; with neither, nothing', () => {
    assert.strictEqual(runPercent({ step: 30, totalSteps: 120, elapsedSec: 3, etaSec: -1 }), 25);
    assert.strictEqual(runPercent({ step: 30, totalSteps: 0, elapsedSec: 3, etaSec: -1 }), undefined);
  });

  it('floors: a run is never shown at 100% before it ends', () => {
    assert.strictEqual(shownPercent({ step: 999, totalSteps: 1000, elapsedSec: 99.9, etaSec: 0.1 }), 99);
  });
});
