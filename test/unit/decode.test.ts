import * as assert from 'assert';
import { TableModel } from './tableModel';
import { decodeToken } from '../../src/core/complete/decode';
import { bestCandidate } from '../../src/core/complete/candidates';
import { Phase } from '../../src/core/text/tokens';
import { UNKNOWN, Vocab } from '../../src/core/text/vocab';

const chars = [UNKNOWN, ' ', '\n', '(', ')', ';', '=', 'a', 'b', 'c', 'd', 'e', 'x', 'y', 'z'];

describe('beam search decoder', () => {
  // Greedy takes 'a' (0.6), but every token after 'a' is unlikely; 'bc' has probability 0.4.
  const table = {
    '': { a: 0.6, b: 0.4 },
    a: { x: 0.2, y: 0.2, z: 0.2, d: 0.2, e: 0.2 },
    ax: { ' ': 1 }, ay: { ' ': 1 }, az: { ' ': 1 }, ad: { ' ': 1 }, ae: { ' ': 1 },
    b: { c: 1 },
    bc: { '(': 0.9, c: 0.1 },
    bcc: { ' ': 1 },
  };

  it('returns the most probable complete token where greedy would be wrong', () => {
    const m = new TableModel(chars, table);
    const greedy = greedyToken(m);
    assert.ok(greedy.startsWith('a') && greedy.length === 2, greedy);
    const d = decodeToken(m, chars, '', { start: Phase.Word, maxChars: 10, minConfidence: 0 });
    assert.strictEqual(d.completion, 'bc');
    // Confidence: 0.4 (b) x 1 (c) x 0.9 (a terminating character follows).
    assert.ok(Math.abs(d.confidence - 0.36) < 1e-6, `confidence ${d.confidence}`);
  });

  it('returns the next most probable distinct tokens it completed as alternatives, best first', () => {
    const m = new TableModel(chars, table);
    const d = decodeToken(m, chars, '', { start: Phase.Word, maxChars: 10, minConfidence: 0.1, beamWidth: 8 });
    assert.strictEqual(d.completion, 'bc');
    // 'ax', 'ay', ... each 0.12; 'bcc' 0.04 is under the floor.
    assert.strictEqual(d.alternatives?.length, 2);
    for (const a of d.alternatives!) {
      assert.match(a.completion, /^a[xyzde]$/);
      assert.ok(Math.abs(a.confidence - 0.12) < 1e-6, String(a.confidence));
    }
    const strict = decodeToken(m, chars, '', { start: Phase.Word, maxChars: 10, minConfidence: 0.2, beamWidth: 8 });
    assert.strictEqual(strict.alternatives, undefined, 'nothing else reaches the floor');
  });

  it('abstains below minConfidence and stops early', () => {
    const m = new TableModel(chars, table);
    const d = decodeToken(m, chars, '', { start: Phase.Word, maxChars: 10, minConfidence: 0.5 });
    assert.strictEqual(d.completion, '');
    assert.strictEqual(d.confidence, 0);
    // Nothing reaches 0.5 beyond the first character: no state was advanced past it.
    assert.ok(m.advanced <= 2, `advanced ${m.advanced}`);
  });

  it('a complete identifier gives no completion (the empty rest is the most probable)', () => {
    const m = new TableModel(chars, { '': { ' ': 0.7, a: 0.3 }, a: { ';': 1 } });
    const d = decodeToken(m, chars, '', { start: Phase.Word, maxChars: 10, minConfidence: 0 });
    assert.strictEqual(d.completion, '');
  });

  it('at a boundary: leading spaces then a whole operator run; never past the end of the line', () => {
    const m = new TableModel(chars, {
      '': { ' ': 0.5, '\n': 0.5 },
      ' ': { '=': 1 },
      ' =': { '=': 0.8, ' ': 0.2 },
      ' ==': { ' ': 1 },
    });
    const d = decodeToken(m, chars, '', { start: Phase.Lead, maxChars: 10, minConfidence: 0 });
    assert.strictEqual(d.completion, ' ==');
    assert.ok(Math.abs(d.confidence - 0.4) < 1e-6);
    const eol = new TableModel(chars, { '': { '\n': 0.9, a: 0.1 }, a: { ' ': 1 } });
    assert.strictEqual(decodeToken(eol, chars, '', { start: Phase.Lead, maxChars: 10, minConfidence: 0.2 }).completion, '');
  });

  it('respects maxChars (a longer token is not offered)', () => {
    const m = new TableModel(chars, { '': { a: 1 }, a: { b: 1 }, ab: { c: 1 }, abc: { ')': 1 } });
    assert.strictEqual(decodeToken(m, chars, '', { start: Phase.Lead, maxChars: 3, minConfidence: 0 }).completion, 'abc');
    assert.strictEqual(decodeToken(m, chars, '', { start: Phase.Lead, maxChars: 2, minConfidence: 0 }).completion, '');
  });

  it('advances the beam candidates as one batch per step', () => {
    const m = new TableModel(chars, table);
    const batches: string[][] = [];
    const advance = m.advance.bind(m);
    m.advance = (s, ids) => {
      const next = advance(s, ids);
      batches.push(next);
      return next;
    };
    const d = decodeToken(m, chars, '', { start: Phase.Word, maxChars: 10, minConfidence: 0, beamWidth: 4 });
    assert.strictEqual(d.completion, 'bc');
    // Step 1: '' -> a, b. Step 2: the 4 best of ax ay az ad ae (0.12 each) and bc (0.4), in one
    // call. Step 3: 'bc' ends (0.36) and nothing unfinished can beat it: no third call.
    assert.deepStrictEqual(batches.map((b) => b.length), [2, 4], `advance batches: ${JSON.stringify(batches)}`);
    assert.deepStrictEqual(batches[0], ['a', 'b']);
    assert.strictEqual(batches[1][0], 'bc');
    assert.ok(batches[1].slice(1).every((t) => /^a[xyzde]$/.test(t)), JSON.stringify(batches[1]));
    assert.strictEqual(d.steps, 6, 'steps counts the rows advanced');
  });
});

function greedyToken(m: TableModel): string {
  let s = '';
  for (;;) {
    const lp = m.logProbs([s])[0];
    let best = 1;
    for (let i = 1; i < lp.length; i++) if (lp[i] > lp[best]) best = i;
    const ch = chars[best];
    if (!/[a-z]/.test(ch)) return s;
    s += ch;
  }
}

describe('known identifiers as candidates', () => {
  // After the typed "a": "abcde" is the most probable word (0.5 x 1 x 1 x 1, then a space),
  // "ax…" words fall below 0.1 at their second character.
  const wchars = [UNKNOWN, ' ', 'a', 'b', 'c', 'd', 'e', 'x', 'y', 'z'];
  const vocab = Vocab.build([wchars.slice(1).join('')], 1);
  const table: Record<string, Record<string, number>> = {
    '': { b: 0.5, x: 0.5 },
    b: { c: 1 }, bc: { d: 1 }, bcd: { e: 1 }, bcde: { ' ': 1 },
    x: { y: 0.05, z: 0.95 }, xy: { z: 1 }, xyz: { z: 1 }, xyzz: { z: 1 }, xyzzz: { ' ': 1 },
    xz: { z: 1 }, xzz: { z: 1 }, xzzz: { z: 1 }, xzzzz: { ' ': 1 },
  };
  const model = () => new TableModel(vocab.chars, table);
  const words = ['axyzzz', 'axzzzz', 'abcde'];

  it('scores each word as a whole and returns the most probable', () => {
    const m = model();
    const best = bestCandidate(m, vocab, '', 'a', words, 20);
    assert.strictEqual(best?.completion, 'bcde');
    assert.ok(Math.abs(Math.exp(best!.logp) - 0.5) < 1e-6);
  });

  it('with a floor, drops words as soon as they fall below it: the same answer in fewer model steps', () => {
    const full = model();
    bestCandidate(full, vocab, '', 'a', words, 20);
    const pruned = model();
    const best = bestCandidate(pruned, vocab, '', 'a', words, 20, Math.log(0.4));
    assert.strictEqual(best?.completion, 'bcde');
    assert.ok(pruned.advanced < full.advanced, `${pruned.advanced} steps with the floor, ${full.advanced} without`);
    // Nothing reaches a floor above every word's probability.
    assert.strictEqual(bestCandidate(model(), vocab, '', 'a', words, 20, Math.log(0.6)), undefined);
  });
});
