import * as assert from 'assert';
import { LstmModel } from '../../src/core/lstm/lstmModel';
import { jsMatMul } from '../../src/core/lstm/matMulEngine';
import { randomWeights } from '../../bench/randomWeights';
import { pick, sampleText } from '../../src/core/lstm/sample';
import { Vocab } from '../../src/core/text/vocab';

function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a / 2147483648;
  };
}

describe('sampling (CharRNN sample)', () => {
  const vocab = Vocab.build(['abc def ghi\n'], 1);
  const shape = { vocabSize: vocab.size, lstmSize: 8, numLayers: 2 };
  const model = LstmModel.fromWeights(shape, randomWeights(shape, 2, 0.8), jsMatMul());

  it('returns the prime then `length` characters, never the unknown symbol; reproducible with a seed', () => {
    const a = sampleText(model, vocab, 'abc', 50, 1, seeded(3));
    const b = sampleText(model, vocab, 'abc', 50, 1, seeded(3));
    assert.strictEqual(a, b);
    assert.ok(a.startsWith('abc'));
    assert.strictEqual([...a].length, 53);
    assert.ok(!a.includes('\u0000'));
    assert.notStrictEqual(sampleText(model, vocab, 'abc', 50, 1, seeded(4)), a);
  });

  it('temperature 0 is greedy: the most probable character each time', () => {
    const s = sampleText(model, vocab, '', 5, 0, () => 0.99);
    let st = model.readSequence(model.initialState(), vocab.encode('\n')).state;
    let expected = '';
    for (let i = 0; i < 5; i++) {
      const lp = model.logProbs([st])[0];
      let best = 1;
      for (let v = 1; v < lp.length; v++) if (lp[v] > lp[best]) best = v;
      expected += vocab.chars[best];
      st = model.advance([st], [best])[0];
    }
    assert.strictEqual(s, expected);
  });

  it('pick follows the distribution and sharpens with a low temperature', () => {
    const lp = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.2)]);
    // Id 0 (unknown) is never drawn; the rest in proportion 0.3 : 0.2.
    const rng = seeded(9);
    const counts = [0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[pick(lp, 1, rng)]++;
    assert.strictEqual(counts[0], 0);
    assert.ok(Math.abs(counts[1] / 4000 - 0.6) < 0.05, String(counts));
    const cold = [0, 0, 0];
    for (let i = 0; i < 4000; i++) cold[pick(lp, 0.2, rng)]++;
    assert.ok(cold[1] / 4000 > 0.85, String(cold));
  });
});
