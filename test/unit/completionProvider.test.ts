import * as assert from 'assert';
import * as path from 'path';
import type { CompletionQuery } from '../../src/core/contracts/completion';
import type { CompletionAnswer } from '../../src/extension/completionClient';
import type { CompletionConfig } from '../../src/core/contracts/config';

// A minimal stand-in for the `vscode` module (the provider only needs these).
class Position {
  constructor(readonly line: number, readonly character: number) {}
}
class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: Position | number, b: Position | number, c?: number, d?: number) {
    if (typeof a === 'number') {
      this.start = new Position(a, b as number);
      this.end = new Position(c!, d!);
    } else {
      this.start = a;
      this.end = b as Position;
    }
  }
}
class InlineCompletionItem {
  constructor(readonly insertText: string | SnippetString, readonly range: Range) {}
}
class SnippetString {
  value = '';
  appendText(t: string) {
    this.value += t.replace(/[$}\\]/g, '\\$&');
    return this;
  }
  appendTabstop(n: number) {
    this.value += `$${n}`;
    return this;
  }
}
const fakeVscode = { Position, Range, InlineCompletionItem, SnippetString, InlineCompletionTriggerKind: { Invoke: 0, Automatic: 1 } };
const fakePath = path.join(__dirname, '__fake_vscode__.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require('module') as { _resolveFilename: (r: string, ...a: unknown[]) => string };
const origResolve = Module._resolveFilename;
Module._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? fakePath : origResolve.call(this, request, ...rest);
};
require.cache[fakePath] = { id: fakePath, filename: fakePath, loaded: true, exports: fakeVscode } as unknown as NodeJS.Module;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CharRnnCompletionProvider } = require('../../src/extension/completionProvider') as typeof import('../../src/extension/completionProvider');
type CompletionProviderDeps = import('../../src/extension/completionProvider').CompletionProviderDeps;
// Leave no trace for other test files.
Module._resolveFilename = origResolve;
delete require.cache[fakePath];

function doc(text: string, languageId = 'typescript') {
  const lines = text.split('\n');
  const offsetAt = (p: Position) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const positionAt = (o: number) => {
    let line = 0;
    while (o > lines[line].length && line < lines.length - 1) {
      o -= lines[line].length + 1;
      line++;
    }
    return new Position(line, o);
  };
  return {
    uri: { toString: () => 'file:///w/a.ts' },
    languageId,
    version: 1,
    lineCount: lines.length,
    lineAt: (n: number) => ({ text: lines[n], range: { end: new Position(n, lines[n].length) } }),
    offsetAt,
    positionAt,
    getText: (r: Range) => text.slice(offsetAt(r.start), offsetAt(r.end)),
  };
}

function token(cancelAfterMs?: number) {
  const t = {
    isCancellationRequested: false,
    listeners: [] as (() => void)[],
    onCancellationRequested(l: () => void) {
      t.listeners.push(l);
      return { dispose() {} };
    },
  };
  if (cancelAfterMs !== undefined) {
    setTimeout(() => {
      t.isCancellationRequested = true;
      t.listeners.forEach((l) => l());
    }, cancelAfterMs);
  }
  return t;
}

const settings: CompletionConfig = {
  enabled: true, disabledLanguages: ['markdown'], maxChars: 40, minConfidence: 0.3, debounceMs: 5, contextChars: 256,
  inComments: false, inStrings: true, trigger: 'automatic', length: 'line', maxContinuationChars: 60,
};

function setup(
  answer: (q: CompletionQuery) => CompletionAnswer | undefined | Promise<CompletionAnswer | undefined>,
  s: Partial<CompletionConfig> = {},
  extra: Partial<CompletionProviderDeps> = {},
) {
  const queries: CompletionQuery[] = [];
  const logs: string[] = [];
  const provider = new CharRnnCompletionProvider({
    client: { complete: async (q) => { queries.push(q); return answer(q); } },
    settings: () => ({ ...settings, ...s }),
    log: (m) => logs.push(m),
    ...extra,
  });
  /** triggerKind 1 = Automatic (while typing), 0 = Invoke (asked for). */
  const ask = (d: ReturnType<typeof doc>, line: number, ch: number, tok = token(), selected?: { range: Range; text: string }, triggerKind = 1) =>
    provider.provideInlineCompletionItems(d as never, new Position(line, ch) as never, { triggerKind, selectedCompletionInfo: selected } as never, tok as never);
  return { provider, queries, logs, ask };
}

describe('inline completion provider', () => {
  const text = 'const total = 1;\nconsole.log(tot);\n';

  it('covers the typed part of the token and asks with the text before the cursor', async () => {
    const { ask, queries } = setup(() => ({ completion: 'al', confidence: 0.9, typedLength: 3, charsRead: 0, decodeSteps: 0, ms: 1 }));
    const items = await ask(doc(text), 1, 15);
    assert.ok(items && items.length === 1);
    const item = items[0] as unknown as InlineCompletionItem;
    assert.strictEqual(item.insertText, 'total');
    assert.deepStrictEqual([item.range.start.line, item.range.start.character, item.range.end.character], [1, 12, 15]);
    assert.strictEqual(queries.length, 1);
    assert.strictEqual(queries[0].prefix, 'const total = 1;\nconsole.log(tot');
    assert.strictEqual(queries[0].suffix, ');');
    assert.strictEqual(queries[0].offset, 32);
  });

  it('a re-request at the same spot is answered from its cache', async () => {
    const { ask, queries } = setup(() => ({ completion: 'al', confidence: 0.9, typedLength: 3, charsRead: 0, decodeSteps: 0, ms: 1 }));
    await ask(doc(text), 1, 15);
    const again = await ask(doc(text), 1, 15);
    assert.strictEqual(queries.length, 1);
    assert.strictEqual((again![0] as unknown as InlineCompletionItem).insertText, 'total');
  });

  it('no request when disabled, for a disabled language, or mid-word', async () => {
    const a = setup(() => ({ completion: 'x', confidence: 1, typedLength: 0, charsRead: 0, decodeSteps: 0, ms: 0 }), { enabled: false });
    assert.strictEqual(await a.ask(doc(text), 1, 15), undefined);
    const b = setup(() => ({ completion: 'x', confidence: 1, typedLength: 0, charsRead: 0, decodeSteps: 0, ms: 0 }));
    assert.strictEqual(await b.ask(doc(text, 'markdown'), 1, 15), undefined);
    assert.strictEqual(await b.ask(doc(text), 1, 13), undefined);
    assert.strictEqual(a.queries.length + b.queries.length, 0);
  });

  it('cancellation during the debounce: no request', async () => {
    const { ask, queries } = setup(() => ({ completion: 'al', confidence: 0.9, typedLength: 3, charsRead: 0, decodeSteps: 0, ms: 1 }), { debounceMs: 50 });
    assert.strictEqual(await ask(doc(text), 1, 15, token(5)), undefined);
    assert.strictEqual(queries.length, 0);
  });

  it('abstains when the suggest widget selection disagrees; shows when accepting the selection writes the same', async () => {
    const { ask } = setup(() => ({ completion: 'al', confidence: 0.9, typedLength: 3, charsRead: 0, decodeSteps: 0, ms: 1 }));
    const no = await ask(doc(text), 1, 15, token(), { range: new Range(1, 12, 1, 15), text: 'toString' });
    assert.strictEqual(no, undefined);
    const yes = await ask(doc(text), 1, 15, token(), { range: new Range(1, 12, 1, 15), text: 'total' });
    assert.strictEqual((yes![0] as unknown as InlineCompletionItem).insertText, 'total');
  });

  describe('ghost text past the token (issue 23)', () => {
    const line = 'const x = foo.pip';
    const withRest = (q: CompletionQuery) => ({
      completion: 'e', confidence: 0.9, typedLength: 3, charsRead: 0, decodeSteps: 0, ms: 1,
      ...(q.settings.length === 'line' ? { continuation: '(map(f));', continuationConfidence: 0.87 } : {}),
    });

    it('the item is the typed part, the token and its continuation; the request carries the setting and the limit', async () => {
      const { ask, queries, provider } = setup(withRest);
      const items = await ask(doc(line), 0, line.length);
      assert.strictEqual(items!.length, 1, 'the token alone is not a second item: accepting word by word gives it');
      assert.strictEqual((items![0] as unknown as InlineCompletionItem).insertText, 'pipe(map(f));');
      assert.deepStrictEqual([queries[0].settings.length, queries[0].settings.maxContinuationChars], ['line', 60]);
      assert.strictEqual(provider.lastDecision?.completion, 'e(map(f));');
      assert.strictEqual(provider.lastDecision?.confidence, 0.87);
    });

    it('with length token: the token alone, and the request says so', async () => {
      const { ask, queries } = setup(withRest, { length: 'token', maxContinuationChars: 12 });
      const items = await ask(doc(line), 0, line.length);
      assert.strictEqual((items![0] as unknown as InlineCompletionItem).insertText, 'pipe');
      assert.deepStrictEqual([queries[0].settings.length, queries[0].settings.maxContinuationChars], ['token', 12]);
    });

    it('a token typed to its end: the continuation alone is shown', async () => {
      const { ask } = setup(() => ({ completion: '', confidence: 0, typedLength: 4, charsRead: 0, decodeSteps: 0, ms: 1, reason: 'the token looks complete', continuation: '(map(f));', continuationConfidence: 0.9 }));
      const items = await ask(doc(line + 'e'), 0, line.length + 1);
      assert.strictEqual((items![0] as unknown as InlineCompletionItem).insertText, 'pipe(map(f));');
    });

    it('a ghost past the token that ends with an opening bracket goes in as plain text (word by word works); the token alone still gets its closer', async () => {
      const autoClosing = () => ({ brackets: 'languageDefined' as const, quotes: 'languageDefined' as const });
      const open = (q: CompletionQuery) => ({
        completion: 'e', confidence: 0.9, typedLength: 3, charsRead: 0, decodeSteps: 0, ms: 1,
        ...(q.settings.length === 'line' ? { continuation: '(map(', continuationConfidence: 0.8 } : {}),
      });
      const items = (await setup(open, {}, { autoClosing }).ask(doc(line), 0, line.length)) as unknown as InlineCompletionItem[];
      assert.strictEqual(items[0].insertText, 'pipe(map(');
      const bracket = () => ({ completion: '(', confidence: 0.9, typedLength: 0, charsRead: 0, decodeSteps: 0, ms: 1 });
      const token = (await setup(bracket, {}, { autoClosing }).ask(doc('foo'), 0, 3)) as unknown as InlineCompletionItem[];
      assert.strictEqual((token[0].insertText as SnippetString).value, '($0)');
    });

    it('with the suggest list\'s item selected, only the token that the item writes is shown', async () => {
      const { ask } = setup(withRest);
      const items = await ask(doc(line), 0, line.length, token(), { range: new Range(0, 14, 0, 17), text: 'pipe' });
      assert.strictEqual((items![0] as unknown as InlineCompletionItem).insertText, 'pipe');
    });
  });

  describe('while the suggest widget has an item selected (issue 22: Tab takes the widget\'s item)', () => {
    // `as` typed, the model says `assert`; the widget's list has only `as` (the keyword) selected.
    const line = '  as';
    const assertAnswer = () => ({ completion: 'sert', confidence: 0.9, typedLength: 2, charsRead: 0, decodeSteps: 0, ms: 1 });

    it('shows nothing when the selected item is shorter than the completion: Tab would insert only the item', async () => {
      const { ask, provider } = setup(assertAnswer);
      const items = await ask(doc(line), 0, 4, token(), { range: new Range(0, 2, 0, 4), text: 'as' });
      assert.strictEqual(items, undefined);
      assert.strictEqual(provider.lastDecision?.code, 'suggest-widget');
      assert.strictEqual(provider.lastDecision?.detail, 'as');
    });

    it('shows the completion over the selected item\'s range when accepting the item writes the same', async () => {
      // `console.` with `.log` selected (it replaces the `.`): our `log` after the dot agrees, and
      // the item uses the selected item's range and text, as VS Code's contract asks.
      const { ask, provider } = setup(() => ({ completion: 'log', confidence: 0.9, typedLength: 0, charsRead: 0, decodeSteps: 0, ms: 1 }));
      const items = (await ask(doc('console.'), 0, 8, token(), { range: new Range(0, 7, 0, 8), text: '.log' })) as unknown as InlineCompletionItem[];
      assert.strictEqual(items.length, 1);
      assert.strictEqual(items[0].insertText, '.log');
      assert.deepStrictEqual([items[0].range.start.character, items[0].range.end.character], [7, 8]);
      assert.strictEqual(provider.lastDecision?.code, 'shown');
    });

    it('an alternative that the selected item writes is the one shown', async () => {
      const { ask, provider } = setup(() => ({
        completion: 'alCap', confidence: 0.6, typedLength: 6, charsRead: 0, decodeSteps: 0, ms: 1,
        alternatives: [{ completion: 'al', confidence: 0.35 }],
      }), { minConfidence: 0.3 });
      const items = (await ask(doc('interv'), 0, 6, token(), { range: new Range(0, 0, 0, 6), text: 'interval' })) as unknown as InlineCompletionItem[];
      assert.deepStrictEqual(items.map((i) => i.insertText), ['interval']);
      assert.strictEqual(provider.lastDecision?.completion, 'al');
    });
  });

  it('an accepted opening quote comes with its closer where typing it would (issue 22, finding 10)', async () => {
    const quote = () => ({ completion: "'", confidence: 0.9, typedLength: 0, charsRead: 0, decodeSteps: 0, ms: 1 });
    const autoClosing = () => ({ brackets: 'languageDefined' as const, quotes: 'languageDefined' as const });
    const shown: { insertText: string }[] = [];
    const tracking = { shown: (i: { insertText: string }) => (shown.push(i), { command: 'charrnn._accepted', title: '' }), latency: () => {}, hidden: () => {} };
    const { ask } = setup(quote, {}, { autoClosing, tracking: tracking as never });
    const items = (await ask(doc('test()'), 0, 5)) as unknown as InlineCompletionItem[];
    assert.ok(items[0].insertText instanceof SnippetString, 'a snippet, so the cursor lands between');
    assert.strictEqual((items[0].insertText as SnippetString).value, "'$0'");
    assert.strictEqual(shown[0].insertText, "''", 'the statistics follow what lands in the document');
    // With editor.autoClosingQuotes "never", typing would not close it: neither does the item.
    const never = () => ({ brackets: 'languageDefined' as const, quotes: 'never' as const });
    const plain = (await setup(quote, {}, { autoClosing: never }).ask(doc('test()'), 0, 5)) as unknown as InlineCompletionItem[];
    assert.strictEqual(plain[0].insertText, "'");
  });

  describe('an explicit request (Suggest completion, Alt+]): issue 22', () => {
    const below = (q: CompletionQuery) => (q.settings.minConfidence === 0
      ? { completion: 'Idle', confidence: 0.24, typedLength: 0, charsRead: 0, decodeSteps: 0, ms: 1, threshold: 0, alternatives: [{ completion: 'Empty', confidence: 0.2 }] }
      : { completion: '', confidence: 0, typedLength: 0, charsRead: 0, decodeSteps: 0, ms: 1, reason: 'no token reaches the minimum confidence', threshold: 0.9 });
    const text = 'queue.on';

    it('shows the best candidate under the threshold, and its alternatives, when asked', async () => {
      const { ask, provider } = setup(below, { minConfidence: undefined });
      const items = (await ask(doc(text), 0, 8, token(), undefined, 0)) as unknown as InlineCompletionItem[];
      assert.deepStrictEqual(items.map((i) => i.insertText), ['Idle', 'Empty']);
      assert.strictEqual(provider.lastDecision?.code, 'shown-on-request');
      assert.strictEqual(provider.lastDecision?.confidence, 0.24);
      assert.strictEqual(provider.lastDecision?.threshold, 0.9, 'the threshold the automatic request decided with');
    });

    it('while typing, the same place still shows nothing', async () => {
      const { ask, provider, queries } = setup(below, { minConfidence: undefined });
      assert.strictEqual(await ask(doc(text), 0, 8), undefined);
      assert.strictEqual(provider.lastDecision?.code, 'below-threshold');
      assert.ok(queries.every((q) => q.settings.minConfidence !== 0), 'no request without the threshold');
    });

    it('a completion over the threshold comes with alternatives to cycle through (Alt+])', async () => {
      // The worker's answers: with the threshold, the completion alone; with none (asked for), the
      // same best and its alternatives, among them the best again and a mere start of it.
      const answer = { completion: 'al', confidence: 0.95, typedLength: 3, charsRead: 0, decodeSteps: 0, ms: 1 };
      const { ask, provider, queries } = setup((q) => (q.settings.minConfidence === 0
        ? { ...answer, alternatives: [{ completion: 'alCount', confidence: 0.02 }, { completion: 'al', confidence: 0.95 }, { completion: 'a', confidence: 0.01 }, { completion: 'als', confidence: 0.03 }] }
        : { ...answer, threshold: 0.9 }));
      const d = doc('const total = 1;\nconsole.log(tot);\n');
      const typing = (await ask(d, 1, 15)) as unknown as InlineCompletionItem[];
      assert.deepStrictEqual(typing.map((i) => i.insertText), ['total']);
      assert.deepStrictEqual(queries.map((q) => q.settings.minConfidence), [0.3], 'while typing: one request, with the threshold');
      const asked = (await ask(d, 1, 15, token(), undefined, 0)) as unknown as InlineCompletionItem[];
      // The completion first, then each alternative once in the worker's order, without the one
      // that is only the start of another ("a" of "al": nothing new to cycle to).
      assert.deepStrictEqual(asked.map((i) => i.insertText), ['total', 'totalCount', 'totals']);
      for (const i of asked) assert.deepStrictEqual([i.range.start.line, i.range.start.character, i.range.end.character], [1, 12, 15], 'each covers the typed "tot"');
      assert.deepStrictEqual(queries.map((q) => q.settings.minConfidence), [0.3, 0], 'asked for: the same place again with no threshold (the first answer from the cache)');
      assert.strictEqual(provider.lastDecision?.code, 'shown', 'over the threshold: shown, not shown on request');
      assert.strictEqual(provider.lastDecision?.confidence, 0.95);
      assert.strictEqual(provider.lastDecision?.threshold, 0.9);
    });

    it('says why in the status bar when an explicit request has nothing to show; never while typing', async () => {
      const said: string[] = [];
      const none = () => ({ completion: '', confidence: 0, typedLength: 0, charsRead: 0, decodeSteps: 0, ms: 1, reason: 'the token looks complete' });
      const { ask } = setup(none, {}, { say: (t) => said.push(t) });
      assert.strictEqual(await ask(doc(text), 0, 8), undefined);
      assert.deepStrictEqual(said, []);
      assert.strictEqual(await ask(doc(text), 0, 8, token(), undefined, 0), undefined);
      assert.strictEqual(said.length, 1);
      assert.match(said[0], /the token looks complete/);
      const offSaid: string[] = [];
      const off = setup(none, { disabledLanguages: ['typescript'] }, { say: (t) => offSaid.push(t) });
      assert.strictEqual(await off.ask(doc(text), 0, 8, token(), undefined, 0), undefined);
      assert.match(offSaid[0], /off for typescript/);
    });
  });

  it('never throws: a failing client, a binary line', async () => {
    const { ask, logs } = setup(() => {
      throw new Error('worker exploded');
    });
    assert.strictEqual(await ask(doc(text), 1, 15), undefined);
    assert.match(logs.join('\n'), /worker exploded/);
    const bin = setup(() => ({ completion: 'x', confidence: 1, typedLength: 0, charsRead: 0, decodeSteps: 0, ms: 0 }));
    assert.strictEqual(await bin.ask(doc('ab\u0000cd ef'), 0, 8), undefined);
    assert.strictEqual(await bin.ask(doc('ab\u0000cd ef'), 0, 8), undefined);
    assert.strictEqual(bin.queries.length, 0);
    assert.strictEqual(bin.logs.length, 1, 'logged once');
  });

  it('no answer or an empty completion: no item', async () => {
    const { ask } = setup(() => undefined);
    assert.strictEqual(await ask(doc(text), 1, 15), undefined);
    const e = setup(() => ({ completion: '', confidence: 0, typedLength: 3, charsRead: 0, decodeSteps: 0, ms: 1 }));
    assert.strictEqual(await e.ask(doc(text), 1, 15), undefined);
  });

  describe('the user\'s controls, and the decision they leave', () => {
    const answer = () => ({ completion: 'al', confidence: 0.9, typedLength: 3, charsRead: 0, decodeSteps: 0, ms: 1 });

    it('manual mode: nothing while typing, a completion when asked', async () => {
      const { ask, queries, provider } = setup(answer, { trigger: 'manual' });
      assert.strictEqual(await ask(doc(text), 1, 15), undefined);
      assert.strictEqual(provider.lastDecision?.code, 'manual');
      assert.strictEqual(queries.length, 0);
      const items = await ask(doc(text), 1, 15, token(), undefined, 0);
      assert.strictEqual((items![0] as unknown as InlineCompletionItem).insertText, 'total');
      assert.strictEqual(provider.lastDecision?.code, 'shown');
    });

    it('snoozed, language off, no model: no request, each with its reason', async () => {
      const snoozed = setup(answer, {}, { snoozedUntil: () => Date.now() + 60_000 });
      assert.strictEqual(await snoozed.ask(doc(text), 1, 15), undefined);
      assert.strictEqual(snoozed.provider.lastDecision?.code, 'snoozed');
      const lang = setup(answer);
      assert.strictEqual(await lang.ask(doc(text, 'markdown'), 1, 15), undefined);
      assert.strictEqual(lang.provider.lastDecision?.code, 'language-off');
      const none = setup(answer, {}, { hasModel: () => false });
      assert.strictEqual(await none.ask(doc(text), 1, 15), undefined);
      assert.strictEqual(none.provider.lastDecision?.code, 'no-model');
      assert.strictEqual(snoozed.queries.length + lang.queries.length + none.queries.length, 0);
    });

    it('no completions in a comment unless inComments; none in a string when inStrings is off', async () => {
      const comment = 'const a = 1; // see tot';
      const off = setup(answer);
      assert.strictEqual(await off.ask(doc(comment), 0, comment.length), undefined);
      assert.strictEqual(off.provider.lastDecision?.code, 'in-comment');
      const on = setup(answer, { inComments: true });
      assert.ok(await on.ask(doc(comment), 0, comment.length));
      const str = 'const s = "tot';
      const strOff = setup(answer, { inStrings: false });
      assert.strictEqual(await strOff.ask(doc(str), 0, str.length), undefined);
      assert.strictEqual(strOff.provider.lastDecision?.code, 'in-string');
      const strOn = setup(answer);
      assert.ok(await strOn.ask(doc(str), 0, str.length), 'strings complete by default');
      assert.strictEqual(off.queries.length + strOff.queries.length, 0);
    });

    it('the model\'s threshold abstention becomes a below-threshold decision with the threshold', async () => {
      const { ask, provider } = setup(() => ({ completion: '', confidence: 0, typedLength: 3, charsRead: 0, decodeSteps: 0, ms: 1, reason: 'no token reaches the minimum confidence' }));
      await ask(doc(text), 1, 15);
      assert.strictEqual(provider.lastDecision?.code, 'below-threshold');
      assert.strictEqual(provider.lastDecision?.threshold, 0.3);
    });

    it('the threshold the worker decided with (the model\'s calibrated one) is the one explained', async () => {
      const { ask, provider } = setup(() => ({ completion: '', confidence: 0, typedLength: 3, charsRead: 0, decodeSteps: 0, ms: 1, reason: 'no token reaches the minimum confidence', threshold: 0.47 }), { minConfidence: undefined });
      await ask(doc(text), 1, 15);
      assert.strictEqual(provider.lastDecision?.threshold, 0.47);
    });

    it('alternatives become further items, in order, for VS Code\'s next/previous suggestion', async () => {
      const { ask } = setup(() => ({
        completion: 'al', confidence: 0.6, typedLength: 3, charsRead: 0, decodeSteps: 0, ms: 1,
        alternatives: [{ completion: 'als', confidence: 0.2 }, { completion: 'em', confidence: 0.1 }],
      }));
      const items = (await ask(doc(text), 1, 15)) as unknown as InlineCompletionItem[];
      assert.deepStrictEqual(items.map((i) => i.insertText), ['total', 'totals', 'totem']);
    });

    it('a shown item carries the tracking command and tells the tracker where it is', async () => {
      const shown: unknown[] = [];
      const tracking = { shown: (i: unknown) => (shown.push(i), { command: 'charrnn._accepted', title: '', arguments: [1] }), latency: () => {} };
      const { ask } = setup(answer, {}, { tracking: tracking as never });
      const items = await ask(doc(text), 1, 15);
      assert.deepStrictEqual((items![0] as unknown as { command: { command: string } }).command.command, 'charrnn._accepted');
      assert.deepStrictEqual(shown, [{ docKey: 'file:///w/a.ts', languageId: 'typescript', line: 1, startCh: 12, cursorCh: 15, insertText: 'total' }]);
    });
  });
});
