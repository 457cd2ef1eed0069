/** Noticing a run the window took down (src/extension/runMarker.ts): issue 22, finding 3. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CONTINUE, RunMarkerFile, SHOW_PANEL, TRAIN_AGAIN, TRAIN_FRESH, interruptedNotice, type RunSource } from '../../src/extension/runMarker';

/** A training client as the marker sees it: runs start and end when the test says. */
function fakeTraining() {
  const listeners = new Set<(running: boolean) => unknown>();
  const t = {
    pid: 4242 as number | undefined,
    resume: false,
    snapshot: () => ({ resume: t.resume }),
    onDidChangeRunning(l: (running: boolean) => unknown) {
      listeners.add(l);
      return { dispose: () => listeners.delete(l) };
    },
    fire: (running: boolean) => listeners.forEach((l) => l(running)),
  };
  return t;
}

describe('the marker of a training run', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-marker-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is written when a run starts and removed when it ends in this window', () => {
    const t = fakeTraining();
    const file = path.join(dir, 'storage', 'training-run.json');
    const m = new RunMarkerFile(file, t satisfies RunSource, () => new Date('2026-03-01T14:02:00Z'));
    assert.strictEqual(m.read(), undefined);
    t.resume = true;
    t.fire(true);
    assert.deepStrictEqual(m.read(), { startedAt: '2026-03-01T14:02:00.000Z', resume: true, pid: 4242 });
    t.fire(false);
    assert.strictEqual(fs.existsSync(file), false);
    m.dispose();
  });

  it('stays when the window goes away during the run: the next window finds it', () => {
    const t = fakeTraining();
    const file = path.join(dir, 'training-run.json');
    const m = new RunMarkerFile(file, t);
    t.fire(true);
    // The extension host is disposed: subscriptions go first, then the trainer's exit arrives.
    m.dispose();
    t.fire(false);
    const next = new RunMarkerFile(file);
    assert.strictEqual(next.read()?.pid, 4242);
    const notice = interruptedNotice(next.read()!, { exists: true, step: 1200 }, () => '14:02');
    assert.match(notice.message, /the training run started at 14:02 was interrupted \(the window was reloaded or closed\)/);
    assert.match(notice.message, /best checkpoint so far is saved \(step 1200\)/);
    assert.deepStrictEqual(notice.actions, [CONTINUE, SHOW_PANEL]);
  });

  it('offers a fresh run when the shape changed since, and a new run when nothing was saved', () => {
    const m = { startedAt: '2026-03-01T14:02:00Z', resume: false };
    const changed = interruptedNotice(m, { exists: true, step: 300, continueProblem: 'the saved model is 256x2 and the settings ask for 128x2, which needs a fresh run' });
    assert.deepStrictEqual(changed.actions, [TRAIN_FRESH, SHOW_PANEL]);
    assert.match(changed.message, /cannot be continued: the saved model is 256x2/);
    const nothing = interruptedNotice(m, { exists: false });
    assert.deepStrictEqual(nothing.actions, [TRAIN_AGAIN]);
    assert.match(nothing.message, /before its first checkpoint/);
  });

  it('an unreadable marker is no marker', () => {
    const file = path.join(dir, 'training-run.json');
    fs.writeFileSync(file, '{');
    assert.strictEqual(new RunMarkerFile(file).read(), undefined);
  });
});
