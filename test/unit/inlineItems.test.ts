/** What the inline provider offers, decided without VS Code (src/extension/inlineItems.ts): issue 22. */
import * as assert from 'assert';
import { agreeWithSelected, autoCloser, completionEdit, distinctTokens, mergeCandidates } from '../../src/extension/inlineItems';

const on = { brackets: 'languageDefined', quotes: 'languageDefined' } as const;

describe('inline items', () => {
  it('a completion\'s edit covers the typed part of the token', () => {
    assert.deepStrictEqual(completionEdit('  queue.on', 10, 2, 'ce'), { start: 8, end: 10, text: 'once' });
  });

  it('with the suggest list open: shown only when accepting the selected item writes the same line, over its range', () => {
    const line = '  as';
    const ours = completionEdit(line, 4, 2, 'sert');
    assert.strictEqual(agreeWithSelected(line, ours, { start: 2, end: 4, text: 'as' }), undefined, 'Tab would give `as`');
    assert.deepStrictEqual(agreeWithSelected(line, ours, { start: 2, end: 4, text: 'assert' }), { start: 2, end: 4, text: 'assert' });
    // `console.` with `.log` replacing the dot: the same line, the item's range.
    const dot = completionEdit('console.', 8, 0, 'log');
    assert.deepStrictEqual(agreeWithSelected('console.', dot, { start: 7, end: 8, text: '.log' }), { start: 7, end: 8, text: '.log' });
  });

  it('candidates: the start of a better one is no alternative (`Quant` after `Quantity`)', () => {
    assert.deepStrictEqual(
      distinctTokens(mergeCandidates([{ completion: 'Quantity', confidence: 0.6 }], [{ completion: 'Quant', confidence: 0.01 }, { completion: 'Name', confidence: 0.01 }])).map((c) => c.completion),
      ['Quantity', 'Name'],
    );
  });

  it('candidates: best first, each once, empty ones dropped', () => {
    assert.deepStrictEqual(
      mergeCandidates([{ completion: 'Idle', confidence: 0.3 }], undefined, [{ completion: 'Idle', confidence: 0.3 }, { completion: '', confidence: 0.2 }, { completion: 'Empty', confidence: 0.1 }]),
      [{ completion: 'Idle', confidence: 0.3 }, { completion: 'Empty', confidence: 0.1 }],
    );
  });

  describe('auto-closing an accepted opening bracket or quote (issue 22, finding 10)', () => {
    it('closes where typing would: `\'` after `test(` before `)`, `{` at the end of a line', () => {
      assert.strictEqual(autoCloser('typescript', "'", 'test(', ')', on), "'");
      assert.strictEqual(autoCloser('typescript', '{', 'if (a) ', '', on), '}');
      assert.strictEqual(autoCloser('typescript', '(', 'f', ';', on), ')');
      assert.strictEqual(autoCloser('python', '"', 'print(', ')', on), '"');
    });

    it('does not close where typing would not', () => {
      assert.strictEqual(autoCloser('typescript', '(', 'f', 'x', on), undefined, 'before a word');
      assert.strictEqual(autoCloser('typescript', "'", "const s = 'abc", '', on), undefined, 'the string\'s own end');
      assert.strictEqual(autoCloser('typescript', '(', '// call f', '', on), undefined, 'in a comment');
      assert.strictEqual(autoCloser('typescript', "'", 'don', '', on), undefined, 'an apostrophe after a word');
      assert.strictEqual(autoCloser('rust', "'", 'fn f<', '>', on), undefined, 'a lifetime, not a string');
      assert.strictEqual(autoCloser('python', '`', 'x = ', '', on), undefined, 'no backtick strings in Python');
      assert.strictEqual(autoCloser('plaintext', '(', 'see ', '', on), undefined, 'a language we know nothing of');
      assert.strictEqual(autoCloser('typescript', 'foo', 'x.', '', on), undefined, 'no opener');
    });

    it('follows editor.autoClosingBrackets / autoClosingQuotes', () => {
      assert.strictEqual(autoCloser('typescript', '(', 'f', ';', { ...on, brackets: 'never' }), undefined);
      assert.strictEqual(autoCloser('typescript', "'", 'test(', ')', { ...on, quotes: 'never' }), undefined);
      assert.strictEqual(autoCloser('typescript', '(', 'f', ';', { ...on, brackets: 'beforeWhitespace' }), undefined);
      assert.strictEqual(autoCloser('typescript', '(', 'f', ' x', { ...on, brackets: 'beforeWhitespace' }), ')');
      assert.strictEqual(autoCloser('typescript', '(', 'f', 'x', { ...on, brackets: 'always' }), ')');
    });
  });
});
