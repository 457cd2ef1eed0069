/** The learning-rate schedule (issue 10): warm-up, linear decay to zero at the run's end, resume. */
import * as assert from 'assert';
import { DEFAULT_DECAY_SHARE, learningRateAt, planSchedule, scheduleProgress, type LrSchedule } from '../../src/core/lstm/schedule';

const fresh = (over: Partial<Parameters<typeof planSchedule>[0]> = {}) =>
  planSchedule({ kind: 'decay', peak: 0.004, warmupSteps: 10, decayShare: 1, step: 0, sec: 0, runSec: 600, runSteps: 0, ...over });

describe('learning-rate schedule', () => {
  it('warms up linearly over warmupSteps, then decays to exactly zero at the deadline', () => {
    const { schedule: s, continued } = fresh();
    assert.strictEqual(continued, false);
    assert.deepStrictEqual([s.startSec, s.endSec, s.startStep, s.endStep], [0, 600, 0, null]);
    assert.ok(Math.abs(learningRateAt(s, 0, 0) - 0.0004) < 1e-12, 'first step: peak / warmupSteps');
    assert.ok(Math.abs(learningRateAt(s, 9, 0) - 0.004) < 1e-12, 'the peak at the end of the warm-up');
    assert.ok(Math.abs(learningRateAt(s, 100, 300) - 0.002) < 1e-12, 'half the peak half-way');
    assert.strictEqual(learningRateAt(s, 1000, 600), 0, 'zero at the deadline');
    assert.strictEqual(learningRateAt(s, 1000, 700), 0, 'and after it (never negative)');
    let prev = Infinity;
    for (let sec = 10; sec <= 600; sec += 10) {
      const lr = learningRateAt(s, 50 + sec, sec);
      assert.ok(lr <= prev && lr >= 0, `monotone after the warm-up (${sec} s: ${lr})`);
      prev = lr;
    }
  });

  it('ends at the last epoch when that comes before the time limit (and without a time limit)', () => {
    const both = fresh({ runSteps: 100 }).schedule;
    assert.strictEqual(learningRateAt(both, 100, 60), 0);
    assert.ok(Math.abs(scheduleProgress(both, 50, 60) - 0.5) < 1e-12);
    const stepsOnly = fresh({ runSec: Infinity, runSteps: 200 }).schedule;
    assert.strictEqual(stepsOnly.endSec, null);
    assert.ok(Math.abs(learningRateAt(stepsOnly, 100, 1e6) - 0.002) < 1e-12);
    assert.strictEqual(learningRateAt(stepsOnly, 200, 1e6), 0);
  });

  it('warmup-stable-decay: the peak until the last decayShare of the run, then linear to zero', () => {
    const s = fresh({ decayShare: 0.25 }).schedule;
    assert.strictEqual(learningRateAt(s, 100, 300), 0.004);
    assert.strictEqual(learningRateAt(s, 100, 450), 0.004);
    assert.ok(Math.abs(learningRateAt(s, 100, 525) - 0.002) < 1e-12);
    assert.strictEqual(learningRateAt(s, 100, 600), 0);
  });

  it('the default shape decays over the last DEFAULT_DECAY_SHARE of the run and reaches zero at the deadline', () => {
    const s = fresh({ decayShare: undefined }).schedule;
    assert.strictEqual(s.decayShare, DEFAULT_DECAY_SHARE);
    assert.strictEqual(learningRateAt(s, 100, 600 * (1 - DEFAULT_DECAY_SHARE)), 0.004);
    assert.strictEqual(learningRateAt(s, 1000, 600), 0);
  });

  it('constant: the peak at every step', () => {
    const s = fresh({ kind: 'constant' }).schedule;
    assert.strictEqual(learningRateAt(s, 0, 0), 0.004);
    assert.strictEqual(learningRateAt(s, 5000, 599), 0.004);
  });

  it('a resumed run continues an unfinished schedule: same rates, and the run lasts until its end', () => {
    const first = fresh().schedule;
    // Stopped after 200 s (and 300 steps); saved; resumed with a new 10-minute budget.
    const saved: LrSchedule = JSON.parse(JSON.stringify(first));
    const plan = fresh({ step: 300, sec: 200, runSec: 600, saved });
    assert.strictEqual(plan.continued, true);
    assert.strictEqual(plan.runSec, 400, 'trains the 400 s left of the schedule');
    for (const [step, sec] of [[300, 200], [400, 350], [700, 599]]) {
      assert.strictEqual(learningRateAt(plan.schedule, step, sec), learningRateAt(first, step, sec));
    }
    assert.strictEqual(learningRateAt(plan.schedule, 900, 600), 0);
  });

  it('a run resumed after its schedule ended (or with another peak or kind) starts a new one', () => {
    const saved = fresh().schedule;
    const after = fresh({ step: 1000, sec: 600, runSec: 300, saved });
    assert.strictEqual(after.continued, false);
    assert.deepStrictEqual([after.schedule.startSec, after.schedule.endSec, after.schedule.startStep], [600, 900, 1000]);
    assert.ok(Math.abs(learningRateAt(after.schedule, 1000, 600) - 0.0004) < 1e-12, 'warms up again');
    assert.strictEqual(fresh({ step: 10, sec: 10, saved, peak: 0.002 }).continued, false);
    assert.strictEqual(fresh({ step: 10, sec: 10, saved, kind: 'constant' }).continued, false);
  });

  it('Continue with only a little of the saved schedule left starts a new one over the new budget (issue 22)', () => {
    const saved = fresh({ runSec: 180 }).schedule;
    // Stopped 13 s before the end of a 3-minute schedule, continued with a new 3-minute budget.
    const plan = fresh({ step: 500, sec: 167, runSec: 180, saved });
    assert.strictEqual(plan.continued, false);
    assert.deepStrictEqual([plan.schedule.startSec, plan.schedule.endSec, plan.schedule.startStep], [167, 347, 500]);
    assert.strictEqual(plan.runSec, undefined, 'the run\'s own limit');
    // A quarter of the budget or more left: finished as before.
    assert.strictEqual(fresh({ step: 300, sec: 135, runSec: 180, saved }).continued, true);
  });
});
