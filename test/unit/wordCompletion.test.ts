import * as assert from 'assert';
import { bestExactAt, WordCompleter } from '../../bench/wordCompletion';

describe('WordCompleter (VS Code-style word completion baseline)', () => {
  const train = ['const parseInt = 1; parse(parse(x)); parseFloat(y); parse(z);', 'partial; parse(1); parseFloat(2);'];

  it('completes the typed part with the most frequent matching identifier', () => {
    const w = new WordCompleter(train);
    // parse: 5 times, parseFloat: 2, parseInt: 1, partial: 1.
    assert.strictEqual(w.complete('x = pa'), 'rse');
    assert.strictEqual(w.complete('x = parseF'), 'loat');
  });

  it('abstains with nothing typed', () => {
    const w = new WordCompleter(train);
    assert.strictEqual(w.complete(''), '');
    assert.strictEqual(w.complete('foo('), '');
    assert.strictEqual(w.complete('x = '), '');
  });

  it('abstains when nothing longer matches, and after a number', () => {
    const w = new WordCompleter(train);
    assert.strictEqual(w.complete('x = parseFloat'), '');
    assert.strictEqual(w.complete('x = zz'), '');
    assert.strictEqual(w.complete('x = 12'), '');
  });

  it('counts the current file before the cursor, not the word being typed', () => {
    const w = new WordCompleter(train);
    const file = 'partial partial partial partial partial; pa';
    assert.strictEqual(w.complete(file), 'rtial');
    // The fragment at the cursor itself ("parseInt" typed so far as "parseI") does not count.
    assert.strictEqual(w.complete('parseI'), 'nt');
  });

  it('breaks ties alphabetically', () => {
    const w = new WordCompleter(['abc abd']);
    assert.strictEqual(w.complete('ab'), 'c');
  });
});

describe('word completion at a precision (the bench\'s oracle threshold)', () => {
  it('the best exact match whose precision reaches the target, over every threshold on the winner\'s share', () => {
    // 20 sure and right, then 10 less sure: 5 right, 5 wrong, then 10 unsure and wrong, 10 not shown.
    const answers = [
      ...Array.from({ length: 20 }, () => ({ confidence: 0.9, right: true, shown: true })),
      ...Array.from({ length: 10 }, (_, i) => ({ confidence: 0.5, right: i < 5, shown: true })),
      ...Array.from({ length: 10 }, () => ({ confidence: 0.2, right: false, shown: true })),
      ...Array.from({ length: 10 }, () => ({ confidence: 0, right: false, shown: false })),
    ];
    // At 0.5: 25 right of 30 shown (83%); at 0.9: 20 of 20.
    assert.deepStrictEqual(bestExactAt(answers, 0.9), { exact: 20 / 50, precision: 1, threshold: 0.9 });
    assert.deepStrictEqual(bestExactAt(answers, 0.8), { exact: 25 / 50, precision: 25 / 30, threshold: 0.5 });
    const w = new WordCompleter(['alpha alpha alpha alphabet']);
    const a = w.scored('const x = alp');
    assert.strictEqual(a.completion, 'ha');
    assert.ok(Math.abs(a.confidence - 3 / 4) < 1e-9);
  });
});
