/** The trainer's mixture stage: when a refit with the LSTM is worth its time (issue 10). */
import * as assert from 'assert';
import { MixtureStage, REFIT_MAX_GAP_BITS } from '../../src/core/training/mixtureStage';
import { splitCorpus } from '../../src/core/training/batching';
import { Vocab } from '../../src/core/text/vocab';
import type { CorpusDoc } from '../../src/core/corpus/corpus';
import { randomWeights } from '../../bench/randomWeights';

/** Eight small files, a quarter held out. */
function smallCorpus() {
  const docs: CorpusDoc[] = Array.from({ length: 8 }, (_, i) => {
    const text = `export function item${i}(value: number) {\n  return value * ${i} + itemQuantity(value);\n}\n`.repeat(6);
    return { path: `/v/f${i}.ts`, relPath: `f${i}.ts`, folder: '/v', text, bytes: text.length };
  });
  const vocab = Vocab.build(docs.map((d) => d.text));
  return { vocab, split: splitCorpus(docs, vocab, 0.25) };
}

describe('mixture stage: refits', function () {
  this.timeout(60_000);
  it('skips refits while the LSTM is far worse than the n-gram, and waits between refits', async () => {
    const { vocab, split } = smallCorpus();
    let t = 0;
    const stage = new MixtureStage({ vocab, split, lstmSize: 8, numLayers: 1, now: () => t, log: () => {}, onMixture: () => {} });
    await stage.fit(undefined, 0);
    const meta = stage.meta();
    const ngramBpc = meta.countMixer!.bitsPerChar!.ngram!;
    assert.ok(Number.isFinite(ngramBpc));
    assert.strictEqual(stage.refitDue(ngramBpc), false, 'right after a fit: not yet');
    t += 10 * 60_000;
    assert.strictEqual(stage.refitDue(ngramBpc + REFIT_MAX_GAP_BITS + 0.5), false, 'an LSTM far behind the n-gram: no refit');
    assert.strictEqual(stage.refitDue(ngramBpc + 0.5), true);
    assert.strictEqual(stage.refitDue(undefined), true, 'without a validation loss: the time rule alone');
  });

  it('a Stop during a fit is heard mid-fit: the fit is abandoned and the previous one kept', async () => {
    const { vocab, split } = smallCorpus();
    const mixtures: unknown[] = [];
    const logs: string[] = [];
    // Slices of 0 ms: every step of the fit lets the event loop in.
    const stage = new MixtureStage({
      vocab, split, lstmSize: 8, numLayers: 1, now: Date.now, log: (m) => logs.push(m), onMixture: (m) => mixtures.push(m), sliceMs: 0,
    });
    assert.strictEqual(await stage.fit(undefined, 0), true);
    const before = stage.meta();
    assert.deepStrictEqual(before.mixer!.experts, ['ngram', 'cache']);
    // The Stop arrives from the event loop (as the trainer's IPC message does), once the fit has
    // gone through a few slices.
    let stop = false;
    let asked = 0;
    const arm = () => (asked >= 3 ? (stop = true) : setImmediate(arm));
    setImmediate(arm);
    const weights = randomWeights({ vocabSize: vocab.size, lstmSize: 8, numLayers: 1 });
    assert.strictEqual(await stage.fit(weights, 100, () => (asked++, stop)), false);
    assert.ok(asked >= 3 && asked < 10, `stopped a slice or two after the Stop (asked ${asked} times)`);
    assert.strictEqual(mixtures.length, 1, 'no mixture event for the abandoned fit');
    assert.deepStrictEqual(stage.meta().mixer, before.mixer, 'the previous fit stays');
    assert.ok(logs.some((m) => /fit stopped/.test(m)));
    // Without a Stop the same fit completes, with the LSTM.
    assert.strictEqual(await stage.fit(weights, 100, () => false), true);
    assert.deepStrictEqual(stage.meta().mixer!.experts, ['ngram', 'cache', 'lstm']);
  });
});
