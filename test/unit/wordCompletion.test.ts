import * as assert from 'assert';
import { WordCompleter } from '../../bench/wordCompletion';

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
