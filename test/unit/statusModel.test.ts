/** The status bar item's words (src/extension/statusModel.ts) and a run's progress (src/core/views/runProgress.ts): issue 22. */
import * as assert from 'assert';
import { continueProblem, idleStatus, menuEntries, statusLook, type IdleInputs } from '../../src/extension/statusModel';
import { runPercent, shownPercent } from '../../src/core/views/runProgress';

const ready: IdleInputs = { hasModel: true, enabled: true, disabledLanguages: [], trigger: 'automatic', languageId: 'typescript' };

describe('the status bar item', () => {
  it('names completions turned off for the active editor\'s language', () => {
    const s = idleStatus({ ...ready, disabledLanguages: ['typescript'] });
    assert.deepStrictEqual(s, { kind: 'language-off', languageId: 'typescript' });
    const look = statusLook(s);
    assert.match(look.text, /off for typescript/);
    assert.match(look.tooltip, /off for typescript/);
    assert.doesNotMatch(look.tooltip, /completions are on/);
    // Another language's editor: on.
    assert.strictEqual(idleStatus({ ...ready, disabledLanguages: ['python'] }).kind, 'ready');
  });

  it('names manual mode', () => {
    const s = idleStatus({ ...ready, trigger: 'manual' });
    assert.strictEqual(s.kind, 'manual');
    assert.match(statusLook(s).text, /CharRNN: manual/);
    assert.match(statusLook(s).tooltip, /only when asked/);
  });

  it('puts the states in order: no model, off, snoozed, language off, manual, ready', () => {
    const all: IdleInputs = { hasModel: true, enabled: true, snoozedUntil: 1, disabledLanguages: ['typescript'], trigger: 'manual', languageId: 'typescript' };
    assert.strictEqual(idleStatus({ ...all, hasModel: false }).kind, 'no-model');
    assert.strictEqual(idleStatus({ ...all, enabled: false }).kind, 'off');
    assert.strictEqual(idleStatus(all).kind, 'snoozed');
    assert.strictEqual(idleStatus({ ...all, snoozedUntil: undefined }).kind, 'language-off');
    assert.strictEqual(idleStatus({ ...all, snoozedUntil: undefined, disabledLanguages: [] }).kind, 'manual');
    assert.strictEqual(idleStatus({ ...ready, languageId: undefined }).kind, 'ready');
  });

  it('says "base model" when no workspace model exists but the shipped base answers (issue 18)', () => {
    const s = idleStatus({ ...ready, hasModel: false, hasBase: true });
    assert.deepStrictEqual(s, { kind: 'base' });
    const look = statusLook(s);
    assert.match(look.text, /CharRNN: base model/);
    assert.match(look.tooltip, /Train on this workspace to adapt it/);
    assert.strictEqual(look.command, 'charrnn.menu');
    // A workspace model comes first; the settings that turn completions off still apply to the base.
    assert.strictEqual(idleStatus({ ...ready, hasBase: true }).kind, 'ready');
    assert.strictEqual(idleStatus({ ...ready, hasModel: false, hasBase: true, enabled: false }).kind, 'off');
    assert.strictEqual(idleStatus({ ...ready, hasModel: false, hasBase: false }).kind, 'no-model');
  });

  it('a click on "no model" opens the menu; it never starts a run by itself', () => {
    const look = statusLook({ kind: 'no-model' });
    assert.strictEqual(look.command, 'charrnn.menu');
    assert.match(look.tooltip, /Click for options/);
  });

  it('says "paused while you type" while the run is held for typing, and "paused" when the user paused it', () => {
    const typing = statusLook({ kind: 'training', percent: 42.7, loss: 1.5, held: 'typing' });
    assert.match(typing.text, /training 42% · paused while you type/);
    assert.doesNotMatch(typing.text, /~spin/);
    assert.match(statusLook({ kind: 'training', percent: 42.7, held: 'user' }).text, /paused 42%/);
    assert.match(statusLook({ kind: 'training', percent: 42.7, loss: 1.5 }).text, /\$\(sync~spin\) CharRNN: training 42% loss 1\.50/);
  });
});

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

describe('the status menu', () => {
  const base = { hasModel: true, training: false, pausedByUser: false, snoozed: false, enabled: true, languageOff: false, wantedShape: '128x2', languageId: 'typescript' };
  const labels = (e: { label: string }[]) => e.map((x) => x.label);

  it('offers Continue only when the saved model\'s shape is the one the settings ask for', () => {
    const problem = continueProblem({ lstmSize: 256, numLayers: 2 }, { lstmSize: 128, numLayers: 2 });
    assert.match(problem!, /saved model is 256x2 and the settings ask for 128x2/);
    const entries = menuEntries({ ...base, continueProblem: problem });
    assert.ok(!labels(entries).some((l) => /Continue training/.test(l)), labels(entries).join(' | '));
    const fresh = entries.find((e) => /Train a fresh 128x2 model/.test(e.label));
    assert.deepStrictEqual(fresh?.args, { mode: 'fresh' });
    assert.match(fresh?.detail ?? '', /Continue is not offered: the saved model is 256x2/);
    assert.strictEqual(continueProblem({ lstmSize: 128, numLayers: 2 }, { lstmSize: 128, numLayers: 2 }), undefined);
    assert.ok(labels(menuEntries(base)).includes('$(debug-continue) Continue training'));
  });

  it('with no model, Train on workspace comes first and nothing about completions or model files', () => {
    const entries = menuEntries({ ...base, hasModel: false }).filter((e) => e.command);
    assert.strictEqual(entries[0].command, 'charrnn.train');
    assert.deepStrictEqual(entries[0].args, { mode: 'fresh' });
    assert.ok(!entries.some((e) => /Continue|Delete|Export|Snooze/.test(e.label)));
  });

  it('while training: pause or resume, and stop', () => {
    assert.ok(labels(menuEntries({ ...base, training: true })).includes('$(debug-pause) Pause training'));
    assert.ok(labels(menuEntries({ ...base, training: true, pausedByUser: true })).includes('$(debug-continue) Resume training'));
  });
});
