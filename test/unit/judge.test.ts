/**
 * Completions judged by the count models: the whole mixture (with the LSTM) picks a completion;
 * its confidence is the geometric mean of the mixture's probability of it and the n-gram +
 * cache's (the count mixer's view of the same state).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { calibrate } from '../../src/core/complete/calibrate';
import { collectSamples, fitMixture } from '../../src/core/lm/fit';
import { JUDGED_CONFIDENCE } from '../../src/core/contracts/calibration';
import { FittedMixer, type MixerJson } from '../../src/core/lm/mixer';
import { MixtureModel, type MixState } from '../../src/core/lm/mixture';
import { KneserNeyModel } from '../../src/core/lm/ngram';
import { Completer, loadCompleter } from '../../src/core/complete/completer';
import type { CharModel } from '../../src/core/contracts/charModel';
import { decodeToken, tokenLogProb } from '../../src/core/complete/decode';
import { LstmModel } from '../../src/core/lstm/lstmModel';
import { randomWeights } from '../../bench/randomWeights';
import { Phase } from '../../src/core/text/tokens';
import { saveCheckpoint } from '../../src/core/store/checkpoint';
import { NGRAM_FILE } from '../../src/core/store/modelFolder';
import { defaultTrainConfig } from '../../src/core/contracts/config';
import { ITEMS_FILES, itemsVocab } from './itemsFixture';

const vocab = itemsVocab;
const texts = ITEMS_FILES;
const ngram = KneserNeyModel.train(texts.slice(0, 4), { order: 8, vocab });
const val = texts.slice(4).map((t) => vocab.encode(t));
const shape = { vocabSize: vocab.size, lstmSize: 8, numLayers: 1 };
const PREFIX = texts[4] + 'export function grandTotal4(item2s: Item[]): number {\n  return item2s.reduce((n, item2) => n + item2.qu';

describe('completions judged by the count models', function () {
  this.timeout(60_000);
  let lstm: LstmModel;
  let countMixer: MixerJson;
  let mixer: MixerJson;
  before(async () => {
    lstm = await LstmModel.create(shape, randomWeights(shape, 4), 'js');
    countMixer = fitMixture(collectSamples({ vocabSize: vocab.size, ngram, docs: val, maxChars: 100_000 }));
    mixer = fitMixture(collectSamples({ vocabSize: vocab.size, ngram, lstm, docs: val, maxChars: 100_000 }));
  });
  const full = (withJudge: boolean) =>
    new MixtureModel({ vocab, ngram, lstm, mixer: new FittedMixer(mixer), ...(withJudge ? { countMixer: new FittedMixer(countMixer) } : {}) });

  it("the count models' view of a state is the n-gram + cache mixture, and leaves the LSTM's state alone", () => {
    const model = full(true);
    const view = model.countsOnly()!;
    assert.ok(view, 'a view with an LSTM, an n-gram and a count mixer');
    assert.strictEqual(full(false).countsOnly(), undefined, 'none without a count mixer');
    assert.strictEqual(new MixtureModel({ vocab, ngram, mixer: new FittedMixer(countMixer), countMixer: new FittedMixer(countMixer) }).countsOnly(), undefined, 'none without an LSTM');
    const counts = new MixtureModel({ vocab, ngram, mixer: new FittedMixer(countMixer) });
    model.observe('d', PREFIX.length, PREFIX);
    counts.observe('d', PREFIX.length, PREFIX);
    const ids = [...vocab.encode(PREFIX)];
    const s = model.readSequence(model.initialState(), ids).state;
    const c = counts.readSequence(counts.initialState(), ids).state;
    for (const next of ['a', 'n', 't']) {
      const a = view.logProbs([s])[0];
      const b = counts.logProbs([c])[0];
      let total = 0;
      for (let v = 0; v < vocab.size; v++) {
        assert.ok(Math.abs(a[v] - b[v]) < 1e-9, `symbol ${v}: ${a[v]} vs ${b[v]}`);
        total += Math.exp(a[v]);
      }
      assert.ok(Math.abs(total - 1) < 1e-6);
      const [s2] = view.advance([s], [vocab.id(next)]);
      assert.strictEqual((s2 as MixState<unknown>).lstm, (s as MixState<unknown>).lstm, 'the LSTM state is carried, not advanced');
    }
  });

  it("a token's probability is the one the decoder gives it, and nothing for text that is not one token", () => {
    const model = full(false);
    model.observe('d', PREFIX.length, PREFIX);
    const s = model.readSequence(model.initialState(), [...vocab.encode(PREFIX)]).state;
    const d = decodeToken(model, vocab.chars, s, { start: Phase.Word, maxChars: 20, minConfidence: 0 });
    assert.ok(d.completion);
    assert.ok(Math.abs(tokenLogProb(model, vocab, s, Phase.Word, d.completion) - Math.log(d.confidence)) < 1e-6);
    for (const a of d.alternatives ?? []) assert.ok(Math.abs(tokenLogProb(model, vocab, s, Phase.Word, a.completion) - Math.log(a.confidence)) < 1e-6);
    assert.strictEqual(tokenLogProb(model, vocab, s, Phase.Word, 'an tity'), -Infinity, 'a space ends a word');
    assert.strictEqual(tokenLogProb(model, vocab, s, Phase.Word, 'an€'), -Infinity, 'outside the vocabulary');
  });

  it('the confidence is the geometric mean of the two probabilities, and the threshold applies to it', () => {
    const judged = new Completer(full(true), vocab);
    const plain = new Completer(full(false), vocab);
    assert.ok(judged.judge && !plain.judge);
    const req = { docKey: 'd', prefix: PREFIX };
    const a = judged.complete(req, { minConfidence: 0 });
    const b = plain.complete(req, { minConfidence: 0 });
    assert.strictEqual(a.completion, b.completion, 'the mixture picks the completion');
    // The count models' probability of it, from the same state.
    const counts = new MixtureModel({ vocab, ngram, mixer: new FittedMixer(countMixer) });
    counts.observe('d', PREFIX.length, PREFIX);
    const c = counts.readSequence(counts.initialState(), [...vocab.encode(PREFIX)]).state;
    const pCounts = Math.exp(tokenLogProb(counts, vocab, c, Phase.Word, a.completion));
    assert.ok(Math.abs(a.confidence - Math.sqrt(b.confidence * pCounts)) < 1e-6, `${a.confidence} vs sqrt(${b.confidence} x ${pCounts})`);
    assert.notStrictEqual(a.confidence, b.confidence);
    // A threshold between the two: one completer shows, the other abstains, as its confidence says.
    const between = (a.confidence + b.confidence) / 2;
    const a2 = judged.complete(req, { minConfidence: between });
    const b2 = plain.complete(req, { minConfidence: between });
    const [shown, withheld] = a.confidence > b.confidence ? [a2, b2] : [b2, a2];
    assert.strictEqual(shown.completion, a.completion);
    assert.strictEqual(withheld.completion, '');
    assert.match(withheld.reason ?? '', /minimum confidence/);
    for (const alt of a2.alternatives ?? []) assert.ok(alt.confidence >= between, 'alternatives pass the same threshold');
  });

  it('the decoder looks below the threshold: a completion that only the judge lifts over it is found', () => {
    const model = full(false);
    const plain = new Completer(model, vocab);
    const req = { docKey: 'd', prefix: PREFIX };
    const b = plain.complete(req, { minConfidence: 0 });
    assert.ok(b.completion && b.confidence > 0 && b.confidence < 0.9, `${b.completion} ${b.confidence}`);
    // A judge sure of exactly that completion (probability 1, then a space): its confidence is sqrt(p).
    const target = [...b.completion].map((ch) => vocab.id(ch)).concat(vocab.id(' '));
    const sure: CharModel<{ k: number }> = {
      vocabSize: vocab.size,
      initialState: () => ({ k: 0 }),
      advance: (states, _ids) => states.map((st) => ({ k: (st.k ?? 0) + 1 })),
      logProbs: (states) => states.map((st) => {
        const lp = new Float32Array(vocab.size).fill(-Infinity);
        lp[target[Math.min(st.k ?? 0, target.length - 1)]] = 0;
        return lp;
      }),
    };
    const judgedModel = Object.assign(Object.create(model) as typeof model, { countsOnly: () => sure as unknown as CharModel<MixState<unknown>> });
    const judged = new Completer(judgedModel, vocab);
    // Above the mixture's probability, below the judged confidence: shown only if the decoder's
    // floor is the threshold squared, not the threshold.
    const t = (b.confidence + Math.sqrt(b.confidence)) / 2;
    const a = judged.complete({ docKey: 'e', prefix: PREFIX }, { minConfidence: t });
    assert.strictEqual(a.completion, b.completion);
    assert.ok(Math.abs(a.confidence - Math.sqrt(b.confidence)) < 1e-6);
    assert.strictEqual(plain.complete(req, { minConfidence: t }).completion, '', 'the mixture alone does not reach it');
    // Alternatives the judge gives nothing are dropped, however probable under the mixture.
    assert.strictEqual(judged.complete({ docKey: 'e', prefix: PREFIX }, { minConfidence: 0.001 }).alternatives, undefined);
  });

  it('calibration says when it judged; a checkpoint is judged only when its threshold was calibrated so', async () => {
    const docs = texts.slice(4).map((text, i) => ({ relPath: `v${i}`, text }));
    const cj = calibrate(new Completer(full(true), vocab) as Completer<unknown>, docs, { positions: 60, target: 0.9, fallback: 0.3 });
    const cp = calibrate(new Completer(full(false), vocab) as Completer<unknown>, docs, { positions: 60, target: 0.9, fallback: 0.3 });
    assert.strictEqual(cj.confidence, JUDGED_CONFIDENCE);
    assert.strictEqual(cp.confidence, undefined);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-judge-'));
    try {
      const save = (dir: string, calibration: typeof cj) =>
        saveCheckpoint(dir, {
          config: { ...defaultTrainConfig(), lstmSize: 8, numLayers: 1 },
          vocab: vocab.toJSON(), history: [], corpus: { files: 4, bytes: 1, hash: 'x' }, backend: 'wasm',
          createdAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString(), bestValLoss: 1, step: 10, epoch: 0,
          ngram: { file: NGRAM_FILE, format: 'charrnn-kn', version: 1, order: ngram.order, bytes: ngram.stats.bytes, trainChars: 1, buildSeconds: 0 },
          mixer, countMixer, calibration,
        }, randomWeights(shape, 4), { ngram });
      save(path.join(root, 'judged'), cj);
      save(path.join(root, 'older'), cp);
      assert.ok((await loadCompleter(path.join(root, 'judged'), 'js')).completer.judge, 'calibrated judged: judged');
      assert.strictEqual((await loadCompleter(path.join(root, 'older'), 'js')).completer.judge, undefined, 'an older calibration: the mixture alone');
      assert.strictEqual((await loadCompleter(path.join(root, 'judged'), 'js', undefined, 'counts')).completer.judge, undefined, 'no LSTM: nothing to judge');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
