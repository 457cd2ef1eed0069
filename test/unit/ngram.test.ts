import * as assert from 'assert';
import * as os from 'os';
import * as path from 'path';
import { KneserNeyModel, NGRAM_YIELD_EVERY } from '../../src/core/lm/ngram';
import { runStepsInSlices } from '../../src/core/util/steps';
import { Vocab } from '../../src/core/text/vocab';
import { bitsPerChar } from '../../src/core/lm/bitsPerChar';
import { mixtureBitsPerChar } from '../../src/core/lm/fit';
import { makeRng } from '../../src/core/util/random';

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

const score = (m: KneserNeyModel, texts: string[]) => bitsPerChar(m, (s) => m.vocab.encode(s), texts).bpc;

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
    const bRep = score(mRep, [CODE]);
    const bShuf = score(mShuf, [shuffled(CODE, 9)]);
    assert.ok(bRep < 1, `repetitive: ${bRep}`);
    assert.ok(bShuf > 3, `shuffled: ${bShuf}`);
  });

  it('order 12 beats order 1 on structured held-out text', () => {
    // The same shape of code with other names: never in the training texts, so the long contexts
    // must generalise (smoothing, back-off), not recall the text.
    const held = CODE.replace(/add/g, 'sum').replace(/sub/g, 'dif').replace(/Point/g, 'Pair').slice(0, 300);
    assert.ok(train.every((t) => !t.includes('sum(') && !t.includes('Pair')), 'held-out names are not in the training texts');
    const b1 = score(KneserNeyModel.train(train, { order: 1, minCount: 1 }), [held]);
    const b12 = score(KneserNeyModel.train(train, { order: 12, minCount: 1 }), [held]);
    assert.ok(b12 < b1 / 3, `order 12: ${b12}, order 1: ${b1}`);
  });

  it('one bits/char: the batched scorer, one character at a time, and the mixture\'s n-gram expert agree', () => {
    const m = KneserNeyModel.train(train, { order: 4, minCount: 1 });
    const texts = ['return a + b;\n', 'const q = 1;', CODE.slice(40, 140)];
    let bits = 0;
    let chars = 0;
    for (const t of texts) {
      let state = m.initialState();
      for (const id of m.vocab.encode(t)) {
        bits -= Math.log2(m.probs(state)[id]);
        chars++;
        state = m.advance([state], [id])[0];
      }
    }
    for (const batch of [1, 2, 16]) {
      const b = bitsPerChar(m, (s) => m.vocab.encode(s), texts, { batch });
      assert.strictEqual(b.chars, chars);
      assert.ok(Math.abs(b.bpc - bits / chars) < 1e-4, `batch ${batch}: ${b.bpc} vs ${bits / chars}`);
    }
    const docs = texts.map((t) => m.vocab.encode(t));
    const mixed = mixtureBitsPerChar({ vocabSize: m.vocab.size, ngram: m, docs, maxChars: Infinity });
    assert.strictEqual(mixed.chars, chars);
    assert.ok(Math.abs(mixed.bpc.ngram! - bits / chars) < 1e-4, `mixture's n-gram: ${mixed.bpc.ngram} vs ${bits / chars}`);
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
  describe('issue 20: a stop is heard during the build; ngram.bin checked before it is read', () => {
    // The real module, so that its readSync can be counted (the TypeScript import is a copy).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const realFs = require('fs') as typeof import('fs');
    const text = CODE.repeat(300);
    const vocab = Vocab.build([text, text.toUpperCase()], 1);
    const ids = [vocab.encode(text), vocab.encode(text.toUpperCase())];
    const n = ids[0].length + ids[1].length + 2;

    it('the build yields at least every NGRAM_YIELD_EVERY positions of each pass', () => {
      const steps = KneserNeyModel.buildSteps(ids, vocab, 12);
      let yields = 0;
      let r = steps.next();
      while (!r.done) {
        yields++;
        r = steps.next();
      }
      // Passes over all positions: the radix sort (one per order), the prefix lengths, and two per order.
      assert.ok(yields >= 3 * 12 * Math.floor(n / NGRAM_YIELD_EVERY), `${yields} yields for ${n} positions`);
      assert.deepStrictEqual(r.value.stats, KneserNeyModel.fromIds(ids, vocab, 12).stats, 'the same model as built at once');
    });

    it('a build asked to stop ends before finishing', async () => {
      let asked = 0;
      const got = await runStepsInSlices(KneserNeyModel.buildSteps(ids, vocab, 12), { sliceMs: 0, shouldStop: () => ++asked >= 3 });
      assert.strictEqual(got, undefined);
      assert.strictEqual(asked, 3);
    });

    function tmpFile(name: string): string {
      const dir = realFs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-ngram-'));
      return path.join(dir, name);
    }

    it('a 1 GiB ngram.bin is refused from its header, not read whole', () => {
      const m = KneserNeyModel.fromIds(ids, vocab, 6);
      const file = tmpFile('ngram.bin');
      try {
        realFs.writeFileSync(file, m.serialize());
        assert.deepStrictEqual(KneserNeyModel.readFile(file, vocab).stats, m.stats);
        realFs.truncateSync(file, 2 ** 30); // sparse: no disk used
        const readSync = realFs.readSync;
        let bytesRead = 0;
        realFs.readSync = ((...args: Parameters<typeof readSync>) => {
          const got = readSync(...args);
          bytesRead += got;
          return got;
        }) as typeof readSync;
        try {
          assert.throws(() => KneserNeyModel.readFile(file, vocab), /the n-gram file is not usable: 1073741824 bytes, the header describes \d+/);
          realFs.writeFileSync(file, Buffer.alloc(16));
          realFs.truncateSync(file, 2 ** 30);
          assert.throws(() => KneserNeyModel.readFile(file, vocab), /wrong magic number/);
        } finally {
          realFs.readSync = readSync;
        }
        assert.ok(bytesRead < 1_000_000, `${bytesRead} bytes read`);
      } finally {
        realFs.rmSync(path.dirname(file), { recursive: true, force: true });
      }
    });

    /** ngram.bin with its JSON header changed by `edit` (the arrays moved to their new offset). */
    function withHeader(buf: Buffer, edit: (h: { disc: number[][] }) => void): Buffer {
      const headLen = buf.readUInt32LE(8);
      const h = JSON.parse(buf.subarray(12, 12 + headLen).toString('utf8'));
      edit(h);
      const head = Buffer.from(JSON.stringify(h), 'utf8');
      const align4 = (x: number) => (x + 3) & ~3;
      const arrays = buf.subarray(align4(12 + headLen));
      const out = Buffer.alloc(align4(12 + head.length) + arrays.length);
      buf.copy(out, 0, 0, 8);
      out.writeUInt32LE(head.length, 8);
      head.copy(out, 12);
      arrays.copy(out, align4(12 + head.length));
      return out;
    }

    it('refuses discounts that are not finite numbers in range (1e308 gave NaN bits per character)', () => {
      const m = KneserNeyModel.fromIds(ids, vocab, 6);
      const buf = m.serialize();
      assert.deepStrictEqual(KneserNeyModel.deserialize(withHeader(buf, () => {}), vocab).stats, m.stats);
      for (const bad of [1e308, -0.5, 1.5]) {
        const edited = withHeader(buf, (h) => (h.disc[2][0] = bad));
        assert.throws(() => KneserNeyModel.deserialize(edited, vocab), /the n-gram file is not usable: bad discounts at order 2/, String(bad));
      }
      const three = withHeader(buf, (h) => (h.disc[3][2] = 3.5));
      assert.throws(() => KneserNeyModel.deserialize(three, vocab), /bad discounts at order 3/);
    });
  });
});
