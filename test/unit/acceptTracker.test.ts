/**
 * What the statistics count of an accepted completion (src/extension/acceptTracker.ts), with a
 * stand-in for the `vscode` module: issue 22 ("chars saved 11" after accepting `ueue` twice).
 */
import * as assert from 'assert';
import * as path from 'path';
import { StatsStore, totals } from '../../src/core/views/stats';

type Listener = (e: unknown) => void;
const commands = new Map<string, (...a: unknown[]) => unknown>();
const editListeners = new Set<Listener>();
class Position {
  constructor(readonly line: number, readonly character: number) {}
}
class Range {
  constructor(readonly start: Position, readonly end: Position) {}
  get isEmpty() {
    return this.start.line === this.end.line && this.start.character === this.end.character;
  }
}
const fakeVscode = {
  commands: {
    registerCommand: (id: string, f: (...a: unknown[]) => unknown) => {
      commands.set(id, f);
      return { dispose: () => commands.delete(id) };
    },
  },
  workspace: {
    onDidChangeTextDocument: (l: Listener) => {
      editListeners.add(l);
      return { dispose: () => editListeners.delete(l) };
    },
  },
};
const fakePath = path.join(__dirname, '__fake_vscode_tracker__.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require('module') as { _resolveFilename: (r: string, ...a: unknown[]) => string };
const origResolve = Module._resolveFilename;
Module._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? fakePath : origResolve.call(this, request, ...rest);
};
require.cache[fakePath] = { id: fakePath, filename: fakePath, loaded: true, exports: fakeVscode } as unknown as NodeJS.Module;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AcceptTracker } = require('../../src/extension/acceptTracker') as typeof import('../../src/extension/acceptTracker');
Module._resolveFilename = origResolve;
delete require.cache[fakePath];

const DOC = 'file:///w/a.ts';
/** One edit of line 0: columns [from, to) become `text`. */
function edit(from: number, to: number, text: string) {
  const e = { document: { uri: { toString: () => DOC } }, contentChanges: [{ range: new Range(new Position(0, from), new Position(0, to)), text }] };
  editListeners.forEach((l) => l(e));
}

describe('accept statistics', () => {
  let stats: StatsStore;
  let tracker: InstanceType<typeof AcceptTracker>;
  beforeEach(() => {
    stats = new StatsStore(undefined);
    tracker = new AcceptTracker(stats);
  });
  afterEach(() => tracker.dispose());
  /** `q` typed at column 10, ghost `ueue`. */
  const show = () => tracker.shown({ docKey: DOC, languageId: 'typescript', line: 0, startCh: 10, cursorCh: 11, insertText: 'queue' });
  const accept = (cmd: { arguments?: unknown[] }) => commands.get('charrnn._accepted')!(...(cmd.arguments ?? []));

  it('accepting `ueue` twice saves 8 characters, however VS Code shapes the edit', () => {
    // As VS Code applies it: the item's range (the typed `q`) replaced by the whole item.
    accept((show(), edit(10, 11, 'queue'), show()));
    // Later, elsewhere: only the inserted part at the cursor.
    const again = tracker.shown({ docKey: DOC, languageId: 'typescript', line: 0, startCh: 30, cursorCh: 31, insertText: 'queue' });
    edit(31, 31, 'ueue');
    accept(again);
    const t = totals(stats.snapshot);
    assert.strictEqual(t.accepted, 2);
    assert.strictEqual(t.charsSaved, 8);
  });

  it('a character typed into the ghost text is typing, not saved', () => {
    const cmd = show();
    edit(11, 11, 'u');
    edit(10, 12, 'queue');
    accept(cmd);
    assert.strictEqual(totals(stats.snapshot).charsSaved, 3);
  });

  it('a suggest-list item inserted after the ghost text went away is not ours (issue 22)', () => {
    // `interv`, ghost `alCap`; the list opens with `interval` selected: the provider shows nothing.
    tracker.shown({ docKey: DOC, languageId: 'typescript', line: 0, startCh: 0, cursorCh: 6, insertText: 'intervalCap' });
    tracker.hidden();
    edit(0, 6, 'interval');
    const t = totals(stats.snapshot);
    assert.strictEqual(t.charsSaved, 0);
    assert.strictEqual(t.partial, 0);
  });

  it('an accept whose edit came in a shape the watcher stopped at still counts, once (a snippet: delete, then insert)', () => {
    const cmd = tracker.shown({ docKey: DOC, languageId: 'typescript', line: 0, startCh: 10, cursorCh: 12, insertText: 'fo()' });
    edit(10, 12, '');
    edit(10, 10, 'fo()');
    accept(cmd);
    accept(cmd);
    const t = totals(stats.snapshot);
    assert.strictEqual(t.accepted, 1);
    assert.strictEqual(t.charsSaved, 2);
  });
});
