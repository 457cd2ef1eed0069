/** The trainer's thread choice from measured step times (issue 10): pure logic, no timing. */
import * as assert from 'assert';
import { pickThreads, ThreadChooser } from '../../src/core/lstm/engine/threadChoice';

/** Runs `steps` steps whose duration depends on the thread count; returns the counts used. */
function drive(c: ThreadChooser, steps: number, msFor: (threads: number, step: number) => number): number[] {
  const used: number[] = [];
  for (let s = 0; s < steps; s++) {
    const n = c.next();
    used.push(n);
    c.record(n, msFor(n, s));
  }
  return used;
}

describe('thread choice from step times', () => {
  it('pickThreads keeps the faster, and the current one unless beaten by more than the margin', () => {
    assert.strictEqual(pickThreads(1, { 1: 500, 2: 300 }, 0.05), 2);
    assert.strictEqual(pickThreads(2, { 1: 500, 2: 300 }, 0.05), 2);
    assert.strictEqual(pickThreads(2, { 1: 290, 2: 300 }, 0.05), 2); // 3% faster: not worth a switch
    assert.strictEqual(pickThreads(2, { 1: 200, 2: 300 }, 0.05), 1);
    assert.strictEqual(pickThreads(1, { 2: 300 }, 0.05), 2); // the current one not measured
  });

  it('tries the other count at the start and keeps 2 threads when they are faster', () => {
    const c = new ThreadChooser({ candidates: [1, 2], initial: 1, warmup: 1, trialSteps: 3, recheckMs: 60_000 });
    const used = drive(c, 12, (n) => (n === 2 ? 300 : 500));
    // 3 steps timing 1 thread, then 1 warm-up + 3 timed with 2, then 2 for good.
    assert.deepStrictEqual(used, [1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    const d = c.takeDecision();
    assert.ok(d && d.threads === 2 && d.msPerStep[1] === 500 && d.msPerStep[2] === 300, JSON.stringify(d));
    assert.match(d!.reason, /switching to 2/);
    assert.strictEqual(c.takeDecision(), undefined, 'a decision is reported once');
  });

  it('goes back to 1 thread when 2 are slower (a busy machine)', () => {
    const c = new ThreadChooser({ candidates: [1, 2], initial: 1, warmup: 1, trialSteps: 3, recheckMs: 60_000 });
    const used = drive(c, 10, (n) => (n === 2 ? 900 : 500));
    assert.deepStrictEqual(used, [1, 1, 1, 2, 2, 2, 2, 1, 1, 1]);
    assert.match(c.takeDecision()!.reason, /keeping 1/);
  });

  it('re-checks after recheckMs of steps and follows a change of load', () => {
    const c = new ThreadChooser({ candidates: [1, 2], initial: 2, warmup: 1, trialSteps: 3, recheckMs: 3000 });
    // Idle at first (2 threads faster), busy from step 30 on (2 threads 3x slower).
    const msFor = (n: number, s: number) => (s < 30 ? (n === 2 ? 300 : 500) : n === 2 ? 1500 : 550);
    const used = drive(c, 80, msFor);
    assert.strictEqual(used[10], 2);
    const late = used.slice(40);
    assert.ok(late.filter((n) => n === 1).length >= late.length * 0.6, `mostly 1 thread once 2 became slower: ${late.join('')}`);
    // At most one trial (two switches) per recheckMs of training.
    const switches = used.filter((n, i) => i > 0 && n !== used[i - 1]).length;
    const totalMs = used.reduce((t, n, s) => t + msFor(n, s), 0);
    assert.ok(switches <= 2 * (totalMs / 3000 + 1), `${switches} switches in ${totalMs} ms`);
  });

  it('never asks for a count outside the candidates', () => {
    const c = new ThreadChooser({ candidates: [1, 4], initial: 4, recheckMs: 1000 });
    const used = drive(c, 200, (n, s) => 100 + ((s * 37) % 50) * n);
    assert.ok(used.every((n) => n === 1 || n === 4));
  });
});
