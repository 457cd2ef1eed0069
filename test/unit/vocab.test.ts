/** The character vocabulary (src/core/vocab.ts). */
import * as assert from 'assert';
import { Vocab } from '../../src/core/text/vocab';

describe('vocab', () => {
  it('maps rare characters to the unknown symbol and round-trips code points', () => {
    const v = Vocab.build(['aaabbbc😀😀😀'], 3);
    assert.deepStrictEqual(v.chars, ['\u0000', 'a', 'b', '😀']);
    assert.deepStrictEqual([...v.encode('abc😀')], [1, 2, 0, 3]);
    assert.strictEqual(v.decode(v.encode('ab😀')), 'ab😀');
    assert.throws(() => Vocab.fromJSON({ chars: ['a'] }), /unknown symbol/);
  });
});
