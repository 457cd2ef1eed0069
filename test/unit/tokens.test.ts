import * as assert from 'assert';
import { CharClass, charClass, END, looksBinary, nextPhase, Phase, REJECT, tokenContext } from '../../src/core/text/tokens';

/** Runs the token automaton over `text` from `start`; returns the token it reads (up to END). */
function readToken(start: Phase, text: string): string | 'rejected' | 'unfinished' {
  let phase: Phase = start;
  let i = 0;
  for (const ch of text) {
    const next = nextPhase(phase, charClass(ch));
    if (next === END) return text.slice(0, i);
    if (next === REJECT) return 'rejected';
    phase = next;
    i += ch.length;
  }
  return 'unfinished';
}

describe('token rules', () => {
  it('classifies characters', () => {
    assert.strictEqual(charClass('a'), CharClass.Word);
    assert.strictEqual(charClass('Z'), CharClass.Word);
    assert.strictEqual(charClass('_'), CharClass.Word);
    assert.strictEqual(charClass('$'), CharClass.Word);
    assert.strictEqual(charClass('7'), CharClass.Word);
    assert.strictEqual(charClass('é'), CharClass.Word);
    assert.strictEqual(charClass(' '), CharClass.Space);
    assert.strictEqual(charClass('\t'), CharClass.Space);
    assert.strictEqual(charClass('\n'), CharClass.Eol);
    assert.strictEqual(charClass('\r'), CharClass.Eol);
    assert.strictEqual(charClass(')'), CharClass.Close);
    assert.strictEqual(charClass('}'), CharClass.Close);
    assert.strictEqual(charClass('('), CharClass.Op);
    assert.strictEqual(charClass('='), CharClass.Op);
    assert.strictEqual(charClass('"'), CharClass.Op);
    assert.strictEqual(charClass('\u0000'), CharClass.Unknown);
  });

  it('identifier: inside or right after a word, the rest of that word', () => {
    const c = tokenContext('const total = comp', ';');
    assert.deepStrictEqual(c, { mode: 'word', typed: 'comp', start: Phase.Word });
    assert.strictEqual(readToken(Phase.Word, 'uteTotal(x);'), 'uteTotal');
    assert.strictEqual(readToken(Phase.Word, 'ute\n'), 'ute');
    // The word may already be complete: the rest is empty.
    assert.strictEqual(readToken(Phase.Word, ' = 1'), '');
  });

  it('number: digits and letters of one literal, ended by an operator', () => {
    const c = tokenContext('x = 12', '');
    assert.strictEqual(c.mode, 'word');
    assert.strictEqual(c.mode === 'word' && c.typed, '12');
    assert.strictEqual(readToken(Phase.Word, '34;'), '34');
    assert.strictEqual(readToken(Phase.Lead, '0x1F)'), '0x1F');
  });

  it('operator: at a boundary, one run of operator characters (with leading spaces)', () => {
    assert.deepStrictEqual(tokenContext('if (a ', ''), { mode: 'boundary', typed: '', start: Phase.Lead });
    assert.strictEqual(readToken(Phase.Lead, '=== b'), '===');
    assert.strictEqual(readToken(Phase.Lead, ' => {'), ' =>');
    assert.strictEqual(readToken(Phase.Lead, '.map('), '.');
    assert.strictEqual(readToken(Phase.Lead, 'foo.bar'), 'foo');
  });

  it('closing brackets: one run', () => {
    assert.strictEqual(readToken(Phase.Lead, '))];'), '))]');
    assert.strictEqual(readToken(Phase.Lead, '});'), '})');
    assert.strictEqual(readToken(Phase.Lead, ');'), ')');
  });

  it('end of line: never past it; a line break before any token is no token', () => {
    assert.strictEqual(readToken(Phase.Lead, '\nfoo'), 'rejected');
    assert.strictEqual(readToken(Phase.Lead, '   \n'), 'rejected');
    assert.strictEqual(readToken(Phase.Lead, ';\n'), ';');
    assert.strictEqual(readToken(Phase.Word, 'abc\r\n'), 'abc');
  });

  it('the unknown symbol rejects a path', () => {
    assert.strictEqual(readToken(Phase.Word, 'ab\u0000'), 'rejected');
  });

  it('mid-word: nothing when the rest of the word is already there', () => {
    assert.strictEqual(tokenContext('const to', 'tal = 1').mode, 'none');
    assert.strictEqual(tokenContext('x = ', 'total').mode, 'none');
    // Before an operator or a closing bracket is fine.
    assert.strictEqual(tokenContext('f(to', ')').mode, 'word');
    assert.strictEqual(tokenContext('f(', ')').mode, 'boundary');
  });

  it('only the current line decides the mode', () => {
    assert.strictEqual(tokenContext('foo\n', '').mode, 'boundary');
    assert.strictEqual(tokenContext('foo\r\n  ba', '').mode, 'word');
  });

  it('binary-looking lines get nothing', () => {
    assert.ok(looksBinary('abc\u0000def'));
    assert.ok(!looksBinary('\tconst x = 1;'));
    assert.strictEqual(tokenContext('ab\u0001cd', '').mode, 'none');
  });
});
