import * as assert from 'assert';
import {
  applyLayer, fitLayer, LAYER_GROUPS, LAYER_INPUTS, LAYER_VERSION, layerBitsPerChar, LayerSampleBuilder, layerGroup, type LayerJson,
} from '../../src/core/lm/logLinear';
import { checkMixerJson, fitMixer, type MixerJson } from '../../src/core/lm/mixer';
import { collectSamples, fitMixture, mixtureSampleBitsPerChar } from '../../src/core/lm/fit';
import { FittedMixer } from '../../src/core/lm/mixer';
import { MixtureModel } from '../../src/core/lm/mixture';
import { KneserNeyModel } from '../../src/core/lm/ngram';
import { LstmModel } from '../../src/core/lstm/lstmModel';
import { randomWeights } from '../../bench/randomWeights';
import { ITEMS_FILES, itemsVocab } from './itemsFixture';
import { makeRng } from '../../src/core/util/random';

const vocab = itemsVocab;

function randomDist(rng: () => number, V: number, peak = 1): Float64Array {
  const p = new Float64Array(V);
  let z = 0;
  for (let v = 0; v < V; v++) z += p[v] = Math.pow(rng(), 1 + 6 * peak);
  for (let v = 0; v < V; v++) p[v] /= z;
  return p;
}

function layerWith(inputs: LayerJson['inputs'], row: (g: number) => number[]): LayerJson {
  const weights: number[] = [];
  for (let g = 0; g < LAYER_GROUPS; g++) weights.push(...row(g));
  return { version: LAYER_VERSION, inputs, groups: LAYER_GROUPS, weights };
}

describe('log-linear mixer layer', () => {
  it('with weights (1, 0, …) gives the linear mixture itself; with any weights, a distribution that sums to 1 and is never zero', () => {
    const rng = makeRng(3);
    const V = 50;
    for (let trial = 0; trial < 50; trial++) {
      const ngram = randomDist(rng, V, rng());
      const cache = randomDist(rng, V, rng());
      cache[Math.floor(rng() * V)] = 0; // a count model may give a character nothing
      const cz = cache.reduce((a, x) => a + x, 0);
      for (let v = 0; v < V; v++) cache[v] /= cz;
      const lstmP = randomDist(rng, V, rng());
      const lstmLogp = Float32Array.from(lstmP, Math.log);
      const linear = new Float64Array(V);
      for (let v = 0; v < V; v++) linear[v] = 0.5 * ngram[v] + 0.3 * cache[v] + 0.2 * lstmP[v];
      const out = new Float32Array(V);
      const identity = layerWith(LAYER_INPUTS.all, () => [1, 0, 0, 0]);
      applyLayer(identity, 7, linear.slice(), { ngram, cache, lstmLogp }, out);
      for (let v = 0; v < V; v++) assert.ok(Math.abs(out[v] - Math.log(linear[v])) < 1e-5 * Math.max(1, -Math.log(linear[v])), `${out[v]} vs ${Math.log(linear[v])}`);
      const w = [0.2 + 2 * rng(), 2 * rng() - 1, 2 * rng() - 1, 2 * rng() - 1];
      applyLayer(layerWith(LAYER_INPUTS.all, () => w), trial % LAYER_GROUPS, linear.slice(), { ngram, cache, lstmLogp }, out);
      let s = 0;
      for (let v = 0; v < V; v++) {
        assert.ok(Number.isFinite(out[v]), `log-probability ${out[v]} with weights ${w}`);
        assert.ok(Math.exp(out[v]) > 0);
        s += Math.exp(out[v]);
      }
      assert.ok(Math.abs(s - 1) < 1e-5, String(s));
    }
  });

  it('fits weights that sharpen an under-confident mixture, and leaves groups with few characters as the linear mixture', () => {
    // The truth is drawn from the square of the n-gram's distribution (normalised): the fit
    // should find that leaning on the n-gram beats the linear mixture, in the group it has data for.
    const rng = makeRng(11);
    const V = 30;
    const b = new LayerSampleBuilder(['ngram', 'cache'], V, 4000);
    const dists: Float64Array[] = [];
    for (let t = 0; t < 4000; t++) {
      const ngram = randomDist(rng, V, 0.5);
      const cache = randomDist(rng, V, 0.2);
      const sq = ngram.map((x) => x * x);
      const z = sq.reduce((a, x) => a + x, 0);
      let u = rng() * z;
      let truth = 0;
      while (truth < V - 1 && (u -= sq[truth]) > 0) truth++;
      b.add([ngram, cache], truth, t < 3990 ? 5 : 6, t);
      dists.push(ngram, cache);
    }
    const s = b.build();
    const linear = (_t: number, w: Float64Array) => w.set([0.5, 0.5]);
    const layer = fitLayer(s, LAYER_INPUTS.counts, linear);
    const K = layer.inputs.length;
    const w5 = layer.weights.slice(5 * K, 6 * K);
    assert.ok(w5[1] > 0.5, `the n-gram's weight in the fitted group: ${w5}`);
    assert.deepStrictEqual(layer.weights.slice(6 * K, 7 * K), [1, 0, 0], 'a group with 10 characters keeps the linear mixture');
    const identity = layerWith(LAYER_INPUTS.counts, () => [1, 0, 0]);
    const fitted = layerBitsPerChar(s, layer, linear);
    const plain = layerBitsPerChar(s, identity, linear);
    assert.ok(fitted < plain - 0.05, `fitted ${fitted} vs linear ${plain} bits/char`);
  });

  it('groups characters by the LSTM\'s entropy, the cache\'s matched order and the cache\'s running advantage', () => {
    const f = { ngramOrder: 5, cacheOrder: 10, cacheDistinct: 1, lstmEntropy: 1, ngramMax: 0.5, cacheMax: 0.5, cacheAdvantage: 0 };
    const seen = new Set<number>();
    for (const lstmEntropy of [NaN, 0.1, 1, 2, 5]) {
      for (const cacheOrder of [-1, 3, 7, 16]) {
        for (const cacheAdvantage of [-5, -1, 0, 1, 5]) {
          const g = layerGroup({ ...f, lstmEntropy, cacheOrder, cacheAdvantage });
          assert.ok(g >= 0 && g < LAYER_GROUPS);
          seen.add(g);
        }
      }
    }
    // NaN (no LSTM) shares the lowest entropy level: 4 x 4 x 5 distinct groups.
    assert.strictEqual(seen.size, 4 * 4 * 5);
  });

  it('is checked when a checkpoint is loaded', () => {
    const base: MixerJson = fitMixer({ experts: ['ngram', 'cache'], probs: new Float64Array([0.5, 0.2]), buckets: new Int32Array([0]), length: 1 });
    const good = layerWith(LAYER_INPUTS.counts, () => [1, 0.2, 0.1]);
    checkMixerJson({ ...base, layer: good });
    assert.throws(() => checkMixerJson({ ...base, layer: { ...good, weights: good.weights.slice(1) } }), /layer weights are malformed/);
    assert.throws(() => checkMixerJson({ ...base, layer: { ...good, inputs: ['mix', 'ngram', 'bigram'] } }), /unknown inputs/);
    assert.throws(() => checkMixerJson({ ...base, layer: layerWith(LAYER_INPUTS.all, () => [1, 0, 0, 0]) }), /expert the mixer does not have/);
    assert.throws(() => checkMixerJson({ ...base, layer: { ...good, version: 99 } }), /version 99/);
  });
});

describe('the mixture with its log-linear layer', () => {
  const texts = ITEMS_FILES;
  const ngram = KneserNeyModel.train(texts.slice(0, 4), { order: 8, vocab });
  const val = texts.slice(4).map((t) => vocab.encode(t));

  it('is fitted with the linear layer, on samples from every expert, and does not lose to the linear layer alone', async () => {
    const shape = { vocabSize: vocab.size, lstmSize: 8, numLayers: 1 };
    const lstm = await LstmModel.create(shape, randomWeights(shape, 4), 'js');
    const s = collectSamples({ vocabSize: vocab.size, ngram, lstm, docs: val, maxChars: 100_000 });
    assert.ok(s.layer && s.layer.length === s.length, 'a layer sample for every character of a small fit');
    assert.deepStrictEqual(s.layer.experts, ['ngram', 'cache', 'lstm']);
    const mixer = fitMixture(s);
    assert.deepStrictEqual(mixer.layer?.inputs, ['mix', 'ngram', 'cache', 'lstm']);
    const linearOnly = { ...mixer, layer: undefined };
    const withLayer = mixtureSampleBitsPerChar(s, mixer).mixture!;
    const without = mixtureSampleBitsPerChar(s, linearOnly).mixture!;
    assert.ok(withLayer <= without + 1e-9, `with the layer ${withLayer}, without ${without}`);
    assert.ok(Number.isFinite(mixer.bitsPerChar!.mixture!));
  });

  it('answers the same after typing forward and editing as after reading the final text afresh', () => {
    // A layer whose weights depend strongly on the group, so that a wrong running advantage shows.
    const s = collectSamples({ vocabSize: vocab.size, ngram, docs: val, maxChars: 100_000 });
    const linear = fitMixture(s);
    const layer = layerWith(LAYER_INPUTS.counts, (g) => [1, (g % 5) * 0.3 - 0.6, (g % 5) * 0.2]);
    const mixer = new FittedMixer({ ...linear, layer });
    const typed = new MixtureModel({ vocab, ngram, mixer });
    const text = texts[5];
    // Typing forward, a deletion, then typing on.
    for (let n = 1; n <= 300; n += 7) typed.observe('d', n, text.slice(0, n));
    typed.observe('d', 250, text.slice(0, 250));
    for (let n = 250; n <= text.length; n += 13) typed.observe('d', n, text.slice(0, n));
    typed.observe('d', text.length, text);
    const fresh = new MixtureModel({ vocab, ngram, mixer });
    fresh.observe('d', text.length, text);
    const a = typed.readSequence(typed.initialState(), vocab.encode(text)).state;
    const b = fresh.readSequence(fresh.initialState(), vocab.encode(text)).state;
    const pa = typed.logProbs([a])[0];
    const pb = fresh.logProbs([b])[0];
    for (let v = 0; v < pa.length; v++) assert.ok(Math.abs(pa[v] - pb[v]) < 1e-5, `symbol ${v}: ${pa[v]} vs ${pb[v]}`);
    let z = 0;
    for (const x of pa) z += Math.exp(x);
    assert.ok(Math.abs(z - 1) < 1e-5);
    // And the layer matters here: without it the answer differs.
    const plain = new MixtureModel({ vocab, ngram, mixer: new FittedMixer(linear) });
    plain.observe('d', text.length, text);
    const pc = plain.logProbs([plain.readSequence(plain.initialState(), vocab.encode(text)).state])[0];
    assert.ok(pc.some((x, v) => Math.abs(x - pa[v]) > 1e-3));
  });
});
