import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DocumentCache } from '../../src/core/lm/docCache';
import { KneserNeyModel } from '../../src/core/lm/ngram';
import { BUCKETS, bucketCount, bucketOf, checkMixerJson, FittedMixer, fitMixer, ORDER_RULE, sampleBitsPerChar, sampleWeights, type MixSamples } from '../../src/core/lm/mixer';
import type { MixFeatures } from '../../src/core/lm/features';
import { MixtureModel } from '../../src/core/lm/mixture';
import { calibrate } from '../../src/core/complete/calibrate';
import { collectSamples, fitMixture } from '../../src/core/lm/fit';
import { Completer, loadCompleter } from '../../src/core/complete/completer';
import { LstmModel } from '../../src/core/lstm/lstmModel';
import { randomWeights } from '../../bench/randomWeights';
import { loadCheckpoint, saveCheckpoint, CheckpointError } from '../../src/core/store/checkpoint';
import { NGRAM_FILE } from '../../src/core/store/modelFolder';
import { defaultTrainConfig } from '../../src/core/contracts/config';
import { Vocab } from '../../src/core/text/vocab';
import { makeRng } from '../../src/core/util/random';

const CODE = `import { Vocab } from './vocab';
export function encodeAll(texts: string[], vocab: Vocab): Int32Array[] {
  return texts.map((t) => vocab.encode(t));
}
export class Counter {
  private readonly counts = new Map<string, number>();
  add(word: string): void {
    this.counts.set(word, (this.counts.get(word) ?? 0) + 1);
  }
}
`;
const vocab = Vocab.build([CODE + 'qwertyuiopasdfghjklzxcvbnm_QWERTYUIOPASDFGHJKLZXCVBNM0123456789'.repeat(3)], 1);
const BOS = String.fromCharCode(vocab.size);

function randomIds(rng: () => number, n: number, V = vocab.size): number[] {
  return Array.from({ length: n }, () => 1 + Math.floor(rng() * (V - 1)));
}

function ctxOf(ids: number[], bos = true): string {
  return (bos ? BOS : '') + String.fromCharCode(...ids);
}

function sum(p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += p[i];
  return s;
}

function randomContexts(seed: number, count: number): string[] {
  const rng = makeRng(seed);
  const real = vocab.encode(CODE);
  const out: string[] = [BOS, ''];
  for (let i = 0; i < count; i++) {
    const len = Math.floor(rng() * 30);
    // Half taken from the text (long matches), half random.
    if (i % 2 === 0) {
      const at = Math.floor(rng() * (real.length - len));
      out.push(ctxOf([...real.subarray(at, at + len)], rng() < 0.2));
    } else {
      out.push(ctxOf(randomIds(rng, len), rng() < 0.2));
    }
  }
  return out;
}

describe('document cache', () => {
  it('gives a distribution that sums to 1 and is never zero, on random contexts', () => {
    const cache = new DocumentCache(vocab.size);
    cache.append(vocab.encode(CODE));
    const p = new Float64Array(vocab.size);
    for (const ctx of randomContexts(1, 60)) {
      const m = cache.predict(ctx, p);
      assert.ok(Math.abs(sum(p) - 1) < 1e-6, `sums to ${sum(p)} after ${JSON.stringify(ctx)}`);
      assert.ok(p.every((x) => x > 0 && Number.isFinite(x)));
      assert.ok(m.order >= 0 && m.order <= 16);
    }
  });

  it('predicts what followed the same context earlier in the document', () => {
    const cache = new DocumentCache(vocab.size);
    cache.append(vocab.encode(CODE));
    const p = new Float64Array(vocab.size);
    const m = cache.predict(ctxOf([...vocab.encode('this.counts.s')], false), p);
    assert.ok(m.order >= 10, `matched order ${m.order}`);
    const best = p.indexOf(Math.max(...p));
    assert.strictEqual(vocab.chars[best], 'e');
    assert.ok(p[best] > 0.5);
  });

  it('after appends and truncations equals a cache rebuilt from the final text', () => {
    const rng = makeRng(5);
    const base = [...vocab.encode(CODE)];
    const edited = new DocumentCache(vocab.size);
    let text: number[] = [];
    for (let round = 0; round < 40; round++) {
      if (rng() < 0.35 && text.length > 0) {
        const keep = Math.floor(rng() * text.length);
        edited.truncate(keep);
        text = text.slice(0, keep);
      } else {
        const at = Math.floor(rng() * base.length);
        const more = rng() < 0.5 ? base.slice(at, at + 1 + Math.floor(rng() * 40)) : randomIds(rng, 1 + Math.floor(rng() * 10));
        edited.append(more);
        text.push(...more);
      }
    }
    const rebuilt = new DocumentCache(vocab.size);
    rebuilt.append(text);
    assert.deepStrictEqual([...edited.ids()], text);
    const p1 = new Float64Array(vocab.size);
    const p2 = new Float64Array(vocab.size);
    for (const ctx of [...randomContexts(9, 40), ctxOf(text.slice(-20), false), ctxOf(text.slice(0, 12))]) {
      assert.deepStrictEqual(edited.predict(ctx, p1), rebuilt.predict(ctx, p2));
      assert.deepStrictEqual([...p1], [...p2]);
    }
  });

  it('refuses symbols outside the vocabulary', () => {
    assert.throws(() => new DocumentCache(10).append([10]), /outside the vocabulary/);
  });
});

describe('workspace n-gram: stored in the checkpoint', () => {
  const model = KneserNeyModel.train([CODE, CODE.toUpperCase()], { order: 10, vocab });

  it('predicts a distribution that sums to 1 and reports the matched order', () => {
    const p = new Float64Array(vocab.size);
    for (const ctx of randomContexts(2, 40)) {
      const order = model.predict(ctx, p);
      assert.ok(Math.abs(sum(p) - 1) < 1e-6);
      assert.ok(order >= -1 && order <= 9);
    }
    assert.strictEqual(model.predict(ctxOf([...vocab.encode('this.counts.se')], false), p), 9);
  });

  it('round-trips through serialize / deserialize with identical predictions', () => {
    const back = KneserNeyModel.deserialize(model.serialize(), vocab);
    assert.strictEqual(back.order, model.order);
    assert.deepStrictEqual(back.stats.nodesPerOrder, model.stats.nodesPerOrder);
    const a = new Float64Array(vocab.size);
    const b = new Float64Array(vocab.size);
    for (const ctx of randomContexts(3, 30)) {
      assert.strictEqual(back.predict(ctx, b), model.predict(ctx, a));
      assert.deepStrictEqual([...b], [...a]);
    }
  });

  it('refuses damaged or foreign bytes with a reason', () => {
    const buf = model.serialize();
    assert.throws(() => KneserNeyModel.deserialize(buf.subarray(0, buf.length - 4), vocab), /header describes/);
    const bad = Buffer.from(buf);
    bad.writeUInt32LE(0, 0);
    assert.throws(() => KneserNeyModel.deserialize(bad, vocab), /magic/);
    assert.throws(() => KneserNeyModel.deserialize(buf, Vocab.build(['abc'], 1)), /characters/);
  });

  it('lowers its order to stay within a memory budget, keeping a real distribution', () => {
    const small = KneserNeyModel.fromIds([vocab.encode(CODE)], vocab, 16, undefined, 20_000);
    assert.ok(small.order < 16 && small.order >= 1, `order ${small.order}`);
    assert.ok(small.stats.bytes <= 20_000 + 10 * 1000);
    const p = new Float64Array(vocab.size);
    for (const ctx of randomContexts(4, 20)) {
      small.predict(ctx, p);
      assert.ok(Math.abs(sum(p) - 1) < 1e-6);
    }
  });
});

describe('mixer', () => {
  it('fits per-bucket weights that favour the expert that is right, and reports bits/char', () => {
    const rng = makeRng(11);
    const N = 4000;
    const s: MixSamples = { experts: ['ngram', 'cache'], probs: new Float64Array(2 * N), buckets: new Int32Array(N), length: N };
    for (let t = 0; t < N; t++) {
      const b = t % 2;
      s.buckets[t] = b;
      // In bucket 0 the n-gram is right, in bucket 1 the cache.
      s.probs[2 * t] = b === 0 ? 0.9 : 0.01 + 0.01 * rng();
      s.probs[2 * t + 1] = b === 0 ? 0.01 + 0.01 * rng() : 0.9;
    }
    const m = fitMixer(s);
    assert.strictEqual(m.weights.length, 2 * BUCKETS);
    assert.ok(m.weights[0] > 0.95 && m.weights[3] > 0.95, `weights ${m.weights.slice(0, 4).join(', ')}`);
    const bpc = sampleBitsPerChar(s, m);
    assert.ok(bpc.mixture! < bpc.ngram! && bpc.mixture! < bpc.cache!);
  });

  it('never gives NaN or zero to the true character, even with experts that give it nothing', () => {
    const rng = makeRng(3);
    const N = 3000;
    const s: MixSamples = { experts: ['ngram', 'cache', 'lstm'], probs: new Float64Array(3 * N), buckets: new Int32Array(N), length: N };
    for (let t = 0; t < N; t++) {
      s.buckets[t] = Math.floor(rng() * BUCKETS);
      for (let e = 0; e < 3; e++) s.probs[3 * t + e] = rng() < 0.3 ? 0 : rng();
      if (t % 7 === 0) s.probs.fill(0, 3 * t, 3 * t + 3);
    }
    const mixer = new FittedMixer(fitMixer(s));
    const w = new Float64Array(3);
    for (let t = 0; t < 200; t++) {
      const f = { ngramOrder: t % 20 - 1, cacheOrder: t % 17 - 1, cacheDistinct: t % 3, lstmEntropy: t % 5, ngramMax: rng(), cacheMax: rng(), cacheAdvantage: (t % 7) - 3 };
      for (const present of [[true, true, true], [true, true, false], [false, true, true]]) {
        mixer.weights(f, present, w);
        assert.ok(Math.abs(sum(w) - 1) < 1e-9 && w.every((x) => Number.isFinite(x) && x >= 0));
        present.forEach((on, i) => on || assert.strictEqual(w[i], 0));
        ORDER_RULE.weights(f, present, w);
        assert.ok(Math.abs(sum(w) - 1) < 1e-9);
      }
    }
  });
});

describe("mixer layouts: the 'cache-doubt' buckets (issue 18's base serving)", () => {
  // A cache copying an identifier it saw before (every matched order had one follower) vs one whose
  // longest context merely has one follower: same order, same LSTM entropy, both > 0.9.
  const copying: MixFeatures = { ngramOrder: -1, cacheOrder: 12, cacheDistinct: 1, lstmEntropy: 2, ngramMax: 0, cacheMax: 1 - 3e-6, cacheAdvantage: 0, afterWord: true };
  const unsure: MixFeatures = { ...copying, cacheMax: 0.93 };

  /** Samples where the cache is right 99% of the time when copying and 60% when unsure; the LSTM gives the truth 0.2. */
  function samples(layout: 'orders' | 'cache-doubt'): MixSamples {
    const rng = makeRng(5);
    const N = 6000;
    const s: MixSamples = { experts: ['cache', 'lstm'], probs: new Float64Array(2 * N), buckets: new Int32Array(N), length: N, layout };
    for (let t = 0; t < N; t++) {
      const f = t % 2 ? copying : unsure;
      s.buckets[t] = bucketOf(f, layout);
      const right = rng() < (t % 2 ? 0.99 : 0.6);
      s.probs[2 * t] = right ? f.cacheMax : (1 - f.cacheMax) / 10;
      s.probs[2 * t + 1] = 0.2;
    }
    return s;
  }
  const cacheWeight = (m: ReturnType<typeof fitMixer>, f: MixFeatures) => {
    const w = new Float64Array(3);
    new FittedMixer(m).weights(f, [false, true, true], w);
    return w[1];
  };

  it("tells a cache that is sure to 1e-6 from one at 0.93, which the 'orders' layout cannot", () => {
    const orders = fitMixer(samples('orders'));
    assert.strictEqual(orders.layout, undefined, "an 'orders' mixer is written as before");
    assert.strictEqual(cacheWeight(orders, copying), cacheWeight(orders, unsure), 'one bucket: one weight for both');
    const doubt = fitMixer(samples('cache-doubt'));
    assert.strictEqual(doubt.layout, 'cache-doubt');
    assert.strictEqual(doubt.buckets, bucketCount('cache-doubt'));
    assert.ok(cacheWeight(doubt, copying) > 0.95, `copying: ${cacheWeight(doubt, copying)}`);
    assert.ok(cacheWeight(doubt, unsure) < 0.75, `unsure: ${cacheWeight(doubt, unsure)}`);
    assert.ok(cacheWeight(doubt, copying) > cacheWeight(orders, copying) + 0.1);
    // Better on the samples, too.
    assert.ok(sampleBitsPerChar(samples('cache-doubt'), doubt).mixture! < sampleBitsPerChar(samples('orders'), orders).mixture!);
  });

  it("cuts the cache's largest probability above 0.9 by decades of doubt, and splits on the character before", () => {
    for (const cacheMax of [0.1, 0.5, 0.8]) {
      const a = bucketOf({ ...copying, cacheMax, afterWord: false }, 'cache-doubt');
      const b = bucketOf({ ...copying, cacheMax, afterWord: true }, 'cache-doubt');
      assert.notStrictEqual(a, b);
    }
    const levels = new Set([0.95, 0.995, 0.9995, 1 - 5e-5, 1 - 5e-6, 1 - 5e-7].map((cacheMax) => bucketOf({ ...copying, cacheMax }, 'cache-doubt')));
    assert.strictEqual(levels.size, 6);
    const orders = new Set([0.95, 0.995, 1 - 5e-7].map((cacheMax) => bucketOf({ ...copying, cacheMax })));
    assert.strictEqual(orders.size, 1);
    for (const f of [copying, unsure, { ...copying, ngramOrder: 11, ngramMax: 0.95, cacheOrder: 20, lstmEntropy: 9 }]) {
      const b = bucketOf(f, 'cache-doubt');
      assert.ok(b >= 0 && b < bucketCount('cache-doubt') && Number.isInteger(b));
    }
  });

  it('checks the layout of a mixer file, and reads one written before layouts as orders', () => {
    const doubt = fitMixer(samples('cache-doubt'));
    checkMixerJson(doubt);
    assert.throws(() => checkMixerJson({ ...doubt, layout: 'other' }), /layout other is not supported/);
    assert.throws(() => checkMixerJson({ ...doubt, layout: undefined }), /buckets, expected/);
    const orders = fitMixer(samples('orders'));
    assert.throws(() => checkMixerJson({ ...orders, layout: 'cache-doubt' }), /buckets, expected/);
    assert.throws(() => sampleWeights(samples('orders'), doubt), /layout/);
  });

  it('the mixture model tells whether the character before is an identifier character', () => {
    const model = new MixtureModel<unknown>({ vocab });
    model.observe('doc', CODE.length, CODE);
    const seen: boolean[] = [];
    for (const text of ['const counts', 'add(word', 'add(', 'x = ', '']) {
      const ctx = (text ? '' : BOS) + String.fromCharCode(...vocab.encode(text));
      model.mix(ctx, undefined, (f) => seen.push(!!f.afterWord));
    }
    assert.deepStrictEqual(seen, [true, true, false, false, false]);
  });
});

describe('the mixture model', () => {
  const docs = [CODE, CODE.replace(/counts/g, 'totals')];
  const ngram = KneserNeyModel.train(docs, { order: 8, vocab });

  it('gives a distribution that sums to 1 with and without each expert, on random contexts', async () => {
    const shape = { vocabSize: vocab.size, lstmSize: 8, numLayers: 2 };
    const lstm = await LstmModel.create(shape, randomWeights(shape, 2), 'js');
    for (const parts of [{ ngram, lstm }, { ngram }, { lstm }]) {
      const model = new MixtureModel<unknown>({ vocab, ...parts } as ConstructorParameters<typeof MixtureModel>[0]);
      model.observe('doc', CODE.length, CODE);
      const rng = makeRng(6);
      let states = [model.initialState(), model.midState()];
      for (let step = 0; step < 30; step++) {
        for (const lp of model.logProbs(states)) {
          assert.ok(Math.abs(sum(lp.map(Math.exp)) - 1) < 1e-5, `${model.description}: ${sum(lp.map(Math.exp))}`);
          assert.ok(lp.every((x) => Number.isFinite(x)));
        }
        states = model.advance(states, randomIds(rng, states.length));
      }
    }
  });

  it('leaves out an LSTM that its fitted mixer does not know (a run stopped before mixing it)', async () => {
    const shape = { vocabSize: vocab.size, lstmSize: 8, numLayers: 1 };
    const lstm = await LstmModel.create(shape, randomWeights(shape, 3), 'js');
    const s = collectSamples({ vocabSize: vocab.size, ngram, docs: [vocab.encode(CODE)], maxChars: 10_000 });
    const countsOnly = new FittedMixer(fitMixture(s));
    const model = new MixtureModel<unknown>({ vocab, ngram, lstm, mixer: countsOnly } as ConstructorParameters<typeof MixtureModel>[0]);
    assert.strictEqual(model.lstm, undefined);
    assert.strictEqual(model.description, 'n-gram + cache');
    const plain = new MixtureModel({ vocab, ngram, mixer: countsOnly });
    const prefix = 'export class Counter {\n  private readonly cou';
    for (const m of [model, plain]) m.observe('d', prefix.length, prefix);
    const ctx = model.readSequence(model.initialState(), vocab.encode(prefix)).state;
    const ctx2 = plain.readSequence(plain.initialState(), vocab.encode(prefix)).state;
    assert.deepStrictEqual([...model.logProbs([ctx])[0]], [...plain.logProbs([ctx2])[0]]);
  });

  it('completes an identifier that occurs only in the open document (the cache)', () => {
    const model = new MixtureModel({ vocab, ngram });
    const completer = new Completer(model, vocab);
    const doc = 'const zebraQuagga = 1;\nconst other = zebraQuagga + 2;\nconsole.log(zebr';
    const r = completer.complete({ docKey: 'untitled:1', prefix: doc }, { minConfidence: 0.3 });
    assert.strictEqual(r.completion, 'aQuagga');
    // Without the document's text there is no such identifier to give.
    const fresh = new Completer(new MixtureModel({ vocab, ngram }), vocab);
    const cold = fresh.complete({ docKey: 'untitled:2', prefix: 'console.log(zebr' }, { minConfidence: 0.3 });
    assert.notStrictEqual(cold.completion, 'aQuagga');
  });

  it('counts files saved since training: their identifiers complete in another document', () => {
    const model = new MixtureModel({ vocab, ngram });
    const completer = new Completer(model, vocab);
    const prefix = 'const n = quag';
    assert.notStrictEqual(completer.complete({ docKey: 'b.ts', prefix }).completion, 'gaZebra');
    model.learn('file:///w/zoo.ts', 'export function quaggaZebra(): number {\n  return quaggaZebra.length;\n}\n');
    completer.forget('b.ts');
    assert.strictEqual(completer.complete({ docKey: 'b.ts', prefix }, { minConfidence: 0.3 }).completion, 'gaZebra');
    // A file saved again replaces its old text.
    model.learn('file:///w/zoo.ts', 'export const other = 1;\n');
    completer.forget('b.ts');
    assert.notStrictEqual(completer.complete({ docKey: 'b.ts', prefix }).completion, 'gaZebra');
  });

  it('follows edits: a renamed identifier is completed by its new name', () => {
    const model = new MixtureModel({ vocab, ngram });
    const completer = new Completer(model, vocab);
    const before = 'let alphaCount = 0;\nalphaCount += 1;\nalph';
    assert.strictEqual(completer.complete({ docKey: 'd', prefix: before }).completion, 'aCount');
    const after = 'let alphaTotal = 0;\nalphaTotal += 1;\nalph';
    assert.strictEqual(completer.complete({ docKey: 'd', prefix: after }).completion, 'aTotal');
  });
});

describe('fitting on held-out text, calibration, and the n-gram-stage checkpoint', () => {
  // The held-out files (6, 7) use a name the training files never do, several times each.
  const texts = Array.from({ length: 8 }, (_, i) =>
    CODE.replace(/Counter/g, `Counter${i}`).replace(/word/g, `word${i % 3}`).replace(/counts/g, i >= 6 ? `tallyBook${i}` : 'counts'));
  const ngram = KneserNeyModel.train(texts.slice(0, 6), { order: 10, vocab });
  const val = texts.slice(6).map((t) => vocab.encode(t));

  it('collects one sample per held-out character and fits a mixture that beats each expert', () => {
    const s = collectSamples({ vocabSize: vocab.size, ngram, docs: val, maxChars: 100_000 });
    assert.strictEqual(s.length, val[0].length + val[1].length);
    assert.deepStrictEqual(s.experts, ['ngram', 'cache']);
    const m = fitMixture(s);
    const b = m.bitsPerChar!;
    assert.ok(b.mixture! < b.ngram! && b.mixture! < b.cache!, JSON.stringify(b));
  });

  it('scores documents cut into segments exactly as whole documents, for the count models', () => {
    const whole = collectSamples({ vocabSize: vocab.size, ngram, docs: val, maxChars: 100_000 });
    const cut = collectSamples({ vocabSize: vocab.size, ngram, docs: val, maxChars: 100_000, segment: 37, batch: 5 });
    assert.strictEqual(cut.length, whole.length);
    assert.deepStrictEqual([...cut.probs], [...whole.probs]);
    assert.deepStrictEqual([...cut.buckets], [...whole.buckets]);
  });

  it('calibrates a threshold that reaches the target precision on held-out positions', () => {
    const s = collectSamples({ vocabSize: vocab.size, ngram, docs: val, maxChars: 100_000 });
    const model = new MixtureModel({ vocab, ngram, mixer: new FittedMixer(fitMixture(s)) });
    const completer = new Completer(model, vocab) as Completer<unknown>;
    const docs = texts.slice(6).map((text, i) => ({ relPath: `v${i}`, text }));
    const why = (x: typeof c) => JSON.stringify({ ...x, used: undefined });
    const c = calibrate(completer, docs, { positions: 120, target: 0.95, fallback: 0.3 });
    assert.ok(c.positions > 50);
    // Chosen by the positions (the fallback would say nothing about precision), and it keeps
    // the target there, with the rule's lower bound too.
    assert.strictEqual(c.rule, 'lower-bound', why(c));
    assert.ok(c.precision >= 0.95 && c.lowerBound! >= 0.95, why(c));
    assert.ok(c.minConfidence > 0 && c.minConfidence <= 1);
    // The target binds on these positions: a looser one shows more, under 95% precision.
    const loose = calibrate(completer, docs, { positions: 120, target: 0.8, fallback: 0.3 });
    assert.ok(loose.minConfidence < c.minConfidence && loose.shown > c.shown && loose.precision < 0.95, why(loose));
  });

  it('saves and loads an n-gram-stage checkpoint (no LSTM) that serves completions', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-mix-')), 'model');
    const s = collectSamples({ vocabSize: vocab.size, ngram, docs: val, maxChars: 100_000 });
    const mixer = fitMixture(s);
    const meta = {
      config: { ...defaultTrainConfig(), lstmSize: 8, numLayers: 1 },
      vocab: vocab.toJSON(),
      history: [],
      corpus: { files: 6, bytes: 1, hash: 'x' },
      backend: 'wasm',
      createdAt: new Date(0).toISOString(),
      updatedAt: new Date(0).toISOString(),
      bestValLoss: null,
      step: 0,
      epoch: 0,
      stage: 'ngram' as const,
      ngram: { file: NGRAM_FILE, format: 'charrnn-kn', version: 1, order: ngram.order, bytes: ngram.stats.bytes, trainChars: 1, buildSeconds: 0 },
      mixer,
      countMixer: mixer,
      calibration: { minConfidence: 0.15, precision: 0.9, shown: 0.5, positions: 10, target: 0.9 },
    };
    saveCheckpoint(dir, meta, [], { ngram });
    const ck = loadCheckpoint(dir);
    assert.strictEqual(ck.weights.length, 0);
    assert.strictEqual(ck.ngram?.order, ngram.order);
    const loaded = await loadCompleter(dir, 'js');
    assert.strictEqual(loaded.lstm, undefined);
    assert.strictEqual(loaded.model.description, 'n-gram + cache');
    assert.strictEqual(loaded.completer.minConfidence, 0.15);
    const r = loaded.completer.complete({ docKey: 'x', prefix: 'export class Counter1 {\n  private readonly coun' });
    assert.strictEqual(r.completion, 'ts');
    // A later save keeps the unchanged n-gram file in place instead of rewriting it.
    const before = fs.statSync(path.join(dir, NGRAM_FILE)).ino;
    saveCheckpoint(dir, { ...meta, step: 1 }, [], { ngram: path.join(dir, NGRAM_FILE) });
    assert.strictEqual(loadCheckpoint(dir).ngram?.order, ngram.order);
    assert.strictEqual(fs.statSync(path.join(dir, NGRAM_FILE)).ino, before);
    // A damaged n-gram file is a clear load error: against the size meta.json records, and
    // (a checkpoint without that record) when it is read.
    fs.writeFileSync(path.join(dir, NGRAM_FILE), 'nonsense');
    assert.throws(() => loadCheckpoint(dir), (e: Error) => e instanceof CheckpointError && /ngram\.bin has 8 bytes, meta\.json records/.test(e.message));
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
    delete m.files;
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(m));
    assert.throws(() => loadCheckpoint(dir), (e: Error) => e instanceof CheckpointError && /n-gram file is not usable/.test(e.message));
  });
});
