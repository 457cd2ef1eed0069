import * as assert from 'assert';
import { KneserNeyModel } from '../../src/core/lm/ngram';
import { modelBitsPerChar } from '../../bench/metrics';
import { makeRng } from '../../src/core/random';

const CODE = `export function add(a: number, b: number): number {
  return a + b;
}
export function sub(a: number, b: number): number {
  return a - b;
}
export const values = [add(1, 2), sub(3, 4), add(5, 6)];
class Point {
  constructor(readonly x: number, readonly y: number) {}
  plus(o: Point): Point {
    return new Point(this.x + o.x, this.y + o.y);
  }
}
`;

function shuffled(text: string, seed: number): string {
  const chars = [...text];
  const rng = makeRng(seed);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

describe('KneserNeyModel (character n-gram, interpolated modified Kneser–Ney)', () => {
  const train = [CODE.repeat(3), 'function mul(a, b) { return a * b; }\n', 'xyz'];

  for (const order of [1, 3, 7, 12]) {
    it(`order ${order}: next-character probabilities sum to 1 over the vocabulary at several contexts`, () => {
      const m = KneserNeyModel.train(train, { order, minCount: 1 });
      const contexts = [
        m.initialState(),
        m.stateFor('export function '),
        m.stateFor('return a'),
        m.stateFor('zzzzzzqqqq'), // unseen context
        m.stateFor(CODE.slice(0, 200)),
        m.advance([m.stateFor('new Po')], [m.vocab.id('i')])[0],
      ];
      for (const ctx of contexts) {
        const p = m.probs(ctx);
        let sum = 0;
        for (const v of p) {
          assert.ok(v > 0, 'every character keeps some probability');
          sum += v;
        }
        assert.ok(Math.abs(sum - 1) < 1e-6, `sum ${sum} at context ${JSON.stringify(ctx)}`);
        const lp = m.logProbs([ctx])[0];
        assert.strictEqual(lp.length, m.vocabSize);
        let s2 = 0;
        for (const v of lp) s2 += Math.exp(v);
        assert.ok(Math.abs(s2 - 1) < 1e-5);
      }
    });
  }

  it('learns: after "retur" the next character is by far most likely "n" at order 7', () => {
    const m = KneserNeyModel.train(train, { order: 7, minCount: 1 });
    const p = m.probs(m.stateFor('  retur'));
    const n = m.vocab.id('n');
    assert.ok(p[n] > 0.5, `p(n) = ${p[n]}`);
    assert.ok(p.every((v, i) => i === n || v < p[n] / 10));
  });

  it('has lower bits per character on repetitive text than on the same characters shuffled', () => {
    const rep = [CODE.repeat(4)];
    const shuf = [shuffled(CODE.repeat(4), 3)];
    const mRep = KneserNeyModel.train(rep, { order: 5, minCount: 1 });
    const mShuf = KneserNeyModel.train(shuf, { order: 5, minCount: 1 });
    const bRep = mRep.bitsPerChar([CODE]).bpc;
    const bShuf = mShuf.bitsPerChar([shuffled(CODE, 9)]).bpc;
    assert.ok(bRep < 1, `repetitive: ${bRep}`);
    assert.ok(bShuf > 3, `shuffled: ${bShuf}`);
  });

  it('order 12 beats order 1 on structured held-out text', () => {
    const held = CODE.replace(/add/g, 'add').slice(0, 300);
    const b1 = KneserNeyModel.train(train, { order: 1, minCount: 1 }).bitsPerChar([held]).bpc;
    const b12 = KneserNeyModel.train(train, { order: 12, minCount: 1 }).bitsPerChar([held]).bpc;
    assert.ok(b12 < b1 / 3, `order 12: ${b12}, order 1: ${b1}`);
  });

  it('bitsPerChar agrees with the generic CharModel scorer (batched)', () => {
    const m = KneserNeyModel.train(train, { order: 4, minCount: 1 });
    const texts = ['return a + b;\n', 'const q = 1;', CODE.slice(40, 140)];
    const direct = m.bitsPerChar(texts);
    const generic = modelBitsPerChar(m, (s) => m.vocab.encode(s), texts, { batch: 2 });
    assert.strictEqual(generic.chars, direct.chars);
    assert.ok(Math.abs(generic.bpc - direct.bpc) < 1e-4, `${generic.bpc} vs ${direct.bpc}`);
  });

  it('stateFor(text) equals advancing from the initial state over text', () => {
    const m = KneserNeyModel.train(train, { order: 6, minCount: 1 });
    for (const text of ['', 're', 'return a + b;']) {
      let s = m.initialState();
      for (const ch of text) s = m.advance([s], [m.vocab.id(ch)])[0];
      assert.strictEqual(m.stateFor(text), s, JSON.stringify(text));
    }
  });

  it('advance does not change its input states', () => {
    const m = KneserNeyModel.train(train, { order: 4, minCount: 1 });
    const s = [m.stateFor('ab')];
    const copy = [...s];
    m.advance(s, [1]);
    assert.deepStrictEqual(s, copy);
  });

  it('stops reading at maxTrainChars', () => {
    const m = KneserNeyModel.train([CODE, CODE], { order: 3, minCount: 1, maxTrainChars: 100 });
    assert.strictEqual(m.stats.trainChars, 100);
  });
});
