/**
 * The threshold's promise (issue 19): calibration positions that represent the code (stratified
 * over files, a cap per file, data-like files left out), a threshold chosen on a lower confidence
 * bound on precision, a conservative fallback for a workspace too small to tell, the editor's
 * decision path calibrated as it decides, and `charrnn eval` checking the promise on positions
 * the calibration did not use.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { calibrate, CONFIDENCE_Z, precisionLowerBound, wilsonLower } from '../../src/core/complete/calibrate';
import { collectSamples, fitMixture } from '../../src/core/lm/fit';
import type { Calibration } from '../../src/core/contracts/calibration';
import { FittedMixer } from '../../src/core/lm/mixer';
import { MixtureModel } from '../../src/core/lm/mixture';
import { KneserNeyModel } from '../../src/core/lm/ngram';
import { Completer } from '../../src/core/complete/completer';
import type { CharModel } from '../../src/core/contracts/charModel';
import type { MixState } from '../../src/core/lm/mixture';
import { fileCap, identifierSpans, isIdentChar, positionKey, repeatedLineShare, sampleStratified } from '../../src/core/text/positions';
import { codeFile } from './codeFixture';
import { Vocab } from '../../src/core/text/vocab';
import { saveCheckpoint } from '../../src/core/store/checkpoint';
import { NGRAM_FILE } from '../../src/core/store/modelFolder';
import { defaultTrainConfig } from '../../src/core/contracts/config';
import { evaluateModel, evaluatePromise } from '../../src/cli/evaluate';

/** A data file: one line repeated with other numbers and strings (a table of test cases). */
function tableFile(rows: number): string {
  const out = ['export const CASES = ['];
  for (let i = 0; i < rows; i++) out.push(`  { input: "case${i}", expected: ${i * 7}, valid: true, label: "row${i}" },`);
  out.push('];');
  return out.join('\n');
}

const TRAIN = Array.from({ length: 10 }, (_, i) => codeFile(100 + i));
const VAL = Array.from({ length: 6 }, (_, i) => codeFile(200 + i));
const TABLE = tableFile(900);
const vocab = Vocab.build([...TRAIN, ...VAL, TABLE, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$'], 1);

/** The n-gram + cache mixture fitted on `val`, and its completer with the workspace's known identifiers. */
function countCompleter(train: string[], val: string[]): Completer<unknown> {
  const ngram = KneserNeyModel.train(train, { order: 8, vocab });
  const mixer = fitMixture(collectSamples({ vocabSize: vocab.size, ngram, docs: val.map((t) => vocab.encode(t)), maxChars: 100_000 }));
  return new Completer(new MixtureModel({ vocab, ngram, mixer: new FittedMixer(mixer) }), vocab) as Completer<unknown>;
}

const docsOf = (texts: string[], prefix = 'val') => texts.map((text, i) => ({ relPath: `${prefix}/${i}.ts`, text }));

/**
 * A completer that answers from a table: at each position (found by its document and offset) a
 * confidence and whether it is right. It answers both ways a calibration may ask (`complete` at
 * threshold 0, and `choices`), so the same test runs on calibration code of either kind.
 */
function scriptedCompleter(docs: { relPath: string; text: string }[], answer: (relPath: string, offset: number) => { confidence: number; right: boolean }) {
  const byKey = new Map(docs.map((d) => [`\u0000calibrate:${d.relPath}`, d]));
  const reply = (docKey: string, prefix: string) => {
    const d = byKey.get(docKey)!;
    const offset = prefix.length;
    let end = offset;
    while (end < d.text.length && isIdentChar(d.text[end])) end++;
    const truth = d.text.slice(offset, end);
    const a = answer(d.relPath, offset);
    return { completion: a.right ? truth : truth + 'Wrong', confidence: a.confidence };
  };
  const log: string[] = [];
  const asked: { relPath: string; offset: number }[] = [];
  const note = (docKey: string, prefix: string) => {
    log.push(docKey);
    asked.push({ relPath: byKey.get(docKey)!.relPath, offset: prefix.length });
  };
  const c = {
    judge: undefined,
    minConfidence: 0.3,
    complete: (req: { docKey: string; prefix: string }) => {
      note(req.docKey, req.prefix);
      return { ...reply(req.docKey, req.prefix), typedLength: 0, charsRead: 0, decodeSteps: 0 };
    },
    choices: (req: { docKey: string; prefix: string }) => {
      note(req.docKey, req.prefix);
      return [{ ...reply(req.docKey, req.prefix), kind: 'beam' as const }];
    },
    forget: () => undefined,
  };
  return { completer: c as unknown as Completer<unknown>, log, asked };
}

/** Wilson's lower bound at z = 1.2816 (one-sided 90%), written out here as the reference. */
function wilson(ok: number, n: number): number {
  const z = 1.2816;
  const p = ok / n;
  return (p + (z * z) / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
}

/** A deterministic number in [0, 1) for a position. */
function unit(relPath: string, offset: number, salt = 0): number {
  let h = 2166136261 ^ salt;
  for (const ch of `${relPath}:${offset}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return ((h >>> 0) % 1_000_003) / 1_000_003;
}

describe('calibration positions that represent the code', () => {
  it('repeated lines say data: a table of cases scores high, made-up code low', () => {
    assert.ok(repeatedLineShare(TABLE) > 0.9, String(repeatedLineShare(TABLE)));
    for (const t of VAL) assert.ok(repeatedLineShare(t) < 0.3, String(repeatedLineShare(t)));
  });

  it('no file gives more than its capped share of the positions the calibration reads', () => {
    // One large file and many small ones: uniform sampling would draw most positions from the large one.
    const docs = [
      { relPath: 'big.ts', text: Array.from({ length: 12 }, (_, i) => codeFile(300 + i)).join('\n') },
      ...docsOf(VAL.map((t) => t.slice(0, 1500))),
      ...docsOf(Array.from({ length: 20 }, (_, i) => codeFile(400 + i, 2)), 'small'),
    ];
    const count = 300;
    const { completer, log } = scriptedCompleter(docs, () => ({ confidence: 0.9, right: true }));
    calibrate(completer, docs, { positions: count, target: 0.9, fallback: 0.8 });
    const perFile = new Map<string, number>();
    for (const k of log) perFile.set(k, (perFile.get(k) ?? 0) + 1);
    // At most 5% of the positions, or an equal share when fewer files count (all do here).
    const cap = Math.max(Math.ceil(0.05 * count), Math.ceil(count / docs.length));
    assert.ok(log.length >= count * 0.95, `${log.length} positions`);
    for (const [k, n] of perFile) assert.ok(n <= cap, `${k}: ${n} positions, cap ${cap}`);
    assert.strictEqual(cap, fileCap(count, docs.length));
    // And as sampled: every file within the cap, at most one position per identifier.
    const { positions, files } = sampleStratified(docs, count, 3);
    for (const f of files) assert.ok(f.drawn <= cap, `${f.relPath}: ${f.drawn}`);
    assert.strictEqual(positions.length, count);
    const seen = new Set<string>();
    for (const p of positions) {
      const text = docs.find((d) => d.relPath === p.relPath)!.text;
      const span = identifierSpans(text).find(([s, e]) => p.offset >= s && p.offset < e)!;
      assert.ok(span, 'an identifier position');
      const key = `${p.relPath}:${span[0]}`;
      assert.ok(!seen.has(key), `two positions in one identifier: ${key}`);
      seen.add(key);
    }
  });

  it('a held-out part dominated by one repetitive file gets the threshold it gets without it', function () {
    this.timeout(60_000);
    const completer = countCompleter(TRAIN, VAL);
    const without = calibrate(completer, docsOf(VAL), { positions: 600, target: 0.9, fallback: 0.8 });
    // The table is twice as large as all the code held out together.
    const withTable = calibrate(completer, [...docsOf(VAL), { relPath: 'val/cases.ts', text: TABLE }], { positions: 600, target: 0.9, fallback: 0.8 });
    assert.ok(TABLE.length > 2 * VAL.reduce((n, t) => n + t.length, 0));
    assert.ok(Math.abs(withTable.minConfidence - without.minConfidence) <= 0.02,
      `threshold ${withTable.minConfidence.toFixed(3)} with the table, ${without.minConfidence.toFixed(3)} without`);
  });
});

describe('a threshold chosen on a lower confidence bound', () => {
  const docs = docsOf(VAL);

  it("the bound is Wilson's, lowered when the files disagree (a few files count as few positions)", () => {
    // 90 right of 100 in 4 files: alike (each 90%), or one file all right and the others poor.
    const sums = (groups: [number, number][]) => ({
      oo: groups.reduce((s, [ok]) => s + ok * ok, 0), on: groups.reduce((s, [ok, n]) => s + ok * n, 0),
      nn: groups.reduce((s, [, n]) => s + n * n, 0), groups: groups.length,
    });
    const alike = precisionLowerBound(90, 100, sums([[18, 20], [27, 30], [27, 30], [18, 20]]));
    assert.ok(Math.abs(alike - wilsonLower(90, 100)) < 1e-9, `${alike} vs ${wilsonLower(90, 100)}`);
    const apart = precisionLowerBound(90, 100, sums([[70, 70], [8, 10], [6, 10], [6, 10]]));
    assert.ok(apart < alike - 0.02, `${apart} vs ${alike}`);
    assert.ok(wilsonLower(9, 10) < wilsonLower(90, 100) && wilsonLower(90, 100) < 0.9, 'fewer positions, a lower bound');
    assert.strictEqual(wilsonLower(0, 0), 0);
  });

  it('never picks a threshold whose lower bound on precision is under the target', () => {
    // Right with a probability that grows with the confidence: the raw ratio reaches 90% at a
    // threshold where the evidence for it is thin.
    for (const seed of [1, 2, 3, 4, 5]) {
      const answer = (relPath: string, offset: number) => {
        const confidence = 0.05 + 0.95 * unit(relPath, offset, seed);
        return { confidence, right: unit(relPath, offset, seed + 100) < 0.55 + 0.45 * confidence };
      };
      const { completer, asked } = scriptedCompleter(docs, answer);
      const c: Calibration = calibrate(completer, docs, { positions: 400, target: 0.9, fallback: 0.8 });
      // Recount the shown positions at the chosen threshold from the answers themselves.
      let shown = 0;
      let right = 0;
      for (const p of asked) {
        const a = answer(p.relPath, p.offset);
        if (a.confidence < c.minConfidence) continue;
        shown++;
        if (a.right) right++;
      }
      assert.ok(c.minConfidence > 0, 'never everything');
      if (c.rule === 'fallback') {
        assert.strictEqual(c.minConfidence, 0.8);
        continue;
      }
      assert.ok(wilson(right, shown) >= 0.9, `seed ${seed}: ${right}/${shown} right at ${c.minConfidence.toFixed(3)}, Wilson ${wilson(right, shown).toFixed(3)}`);
      assert.ok(Math.abs(wilson(right, shown) - wilsonLower(right, shown, CONFIDENCE_Z)) < 1e-12);
      assert.ok(c.lowerBound !== undefined && c.lowerBound >= 0.9, JSON.stringify({ ...c, used: undefined }));
    }
  });

  it('a tiny workspace falls back to the conservative threshold, never to showing everything', () => {
    const tiny = [{ relPath: 'tiny.ts', text: 'export function addTotal(priceValue: number, countValue: number) {\n  return priceValue * countValue + addTotal(priceValue, countValue - 1);\n}\n' }];
    // Right 9 times out of 10 whatever the confidence: a raw ratio finds 90% somewhere low.
    const { completer } = scriptedCompleter(tiny, (relPath, offset) => ({ confidence: 0.1 + 0.8 * unit(relPath, offset, 7), right: unit(relPath, offset, 8) < 0.9 }));
    const c = calibrate(completer, tiny, { positions: 1000, target: 0.9, fallback: 0.8 });
    assert.strictEqual(c.minConfidence, 0.8, JSON.stringify(c));
    assert.strictEqual(c.rule, 'fallback');
    assert.ok(c.shown < 1);
    assert.ok(c.positions > 0 && c.positions < 40, `${c.positions} positions (one per identifier)`);
  });

  it('a validation split of data alone says nothing about the code: the conservative threshold', function () {
    this.timeout(60_000);
    const c = calibrate(countCompleter(TRAIN, VAL), [{ relPath: 'val/cases.ts', text: TABLE }], { positions: 600, target: 0.9, fallback: 0.8 });
    assert.strictEqual(c.rule, 'fallback');
    assert.strictEqual(c.minConfidence, 0.8);
  });

  it('the calibration measures its own promise on held-out folds of files', function () {
    this.timeout(60_000);
    const c = calibrate(countCompleter(TRAIN, VAL), docs, { positions: 600, target: 0.9, fallback: 0.8 });
    assert.ok(c.check, 'a held-out check');
    assert.strictEqual(c.check!.positions, c.positions);
    assert.strictEqual(c.check!.folds, 5);
    assert.ok(c.check!.shown > 0 && c.check!.shown <= 1);
  });
});

describe("the decision path the editor uses is the one calibrated", function () {
  this.timeout(60_000);
  it('what complete shows at a threshold is what the choices say it shows, known identifiers included', async () => {
    const { IdentifierIndex } = await import('../../src/core/complete/candidates');
    const c = countCompleter(TRAIN, VAL);
    c.identifiers = new IdentifierIndex(IdentifierIndex.count(TRAIN));
    const { choiceAt } = await import('../../src/core/complete/choice');
    const { positions } = sampleStratified(docsOf(VAL), 150, 5);
    let compared = 0;
    let known = 0;
    for (const p of positions) {
      const text = VAL[Number(p.relPath.slice(4, -3))];
      const req = { docKey: `a:${p.relPath}`, prefix: text.slice(0, p.offset), suffix: '' };
      // A narrow beam loses words more often, so that known identifiers come into play.
      const choices = c.choices(req, { beamWidth: 1 });
      if (choices.some((x) => x.kind === 'known')) known++;
      for (const t of [0.05, 0.2, 0.4, 0.6, 0.8, 0.95]) {
        const shown = c.complete({ ...req, docKey: `b:${p.relPath}` }, { minConfidence: t, beamWidth: 1 }).completion;
        assert.strictEqual(shown, choiceAt(choices, t)?.completion ?? '', `${p.relPath}@${p.offset} at ${t}: ${JSON.stringify(choices)}`);
        compared++;
      }
    }
    assert.ok(compared === positions.length * 6 && known > 0, `${known} positions with a known identifier`);
  });

  it('a beam token that passes the threshold is shown when the best does not', () => {
    // A judge sure of the beam's second token, and of nothing else.
    const prefix = VAL[0].slice(0, VAL[0].indexOf('Total') + 2);
    const plain = countCompleter(TRAIN, VAL);
    const d = plain.complete({ docKey: 'p', prefix }, { minConfidence: 0 });
    assert.ok(d.completion && d.alternatives?.length, JSON.stringify(d));
    const second = d.alternatives![0];
    const target = [...second.completion].map((ch) => vocab.id(ch)).concat(vocab.id(' '));
    const sure: CharModel<{ k: number }> = {
      vocabSize: vocab.size,
      initialState: () => ({ k: 0 }),
      advance: (states) => states.map((st) => ({ k: (st.k ?? 0) + 1 })),
      logProbs: (states) => states.map((st) => {
        const lp = new Float32Array(vocab.size).fill(-Infinity);
        lp[target[Math.min(st.k ?? 0, target.length - 1)]] = 0;
        return lp;
      }),
    };
    const model = plain.model as MixtureModel<unknown>;
    const judged = new Completer(Object.assign(Object.create(model) as typeof model, { countsOnly: () => sure as unknown as CharModel<MixState<unknown>> }), vocab);
    // The best gets nothing from the judge; the second token sqrt(its probability).
    const t = Math.sqrt(second.confidence) * 0.9;
    const r = judged.complete({ docKey: 'q', prefix }, { minConfidence: t });
    assert.strictEqual(r.completion, second.completion, JSON.stringify(r));
    assert.ok(r.confidence >= t);
  });
});

describe('charrnn eval: the promise on positions the calibration did not use', function () {
  this.timeout(60_000);
  it('reports target and achieved precision on positions disjoint from the calibration positions', async () => {
    const completer = countCompleter(TRAIN, VAL);
    const calibration = calibrate(completer, docsOf(VAL), { positions: 400, target: 0.9, fallback: 0.8 });
    completer.minConfidence = calibration.minConfidence;
    const used = new Set(calibration.used!.positions);
    assert.strictEqual(used.size > 0, true);
    // Evaluated on the validation files themselves and on new ones: the validation files are left out.
    const fresh = Array.from({ length: 3 }, (_, i) => codeFile(500 + i));
    const p = evaluatePromise(completer, [...VAL, ...fresh], calibration, 300);
    assert.strictEqual(p.excludedFiles, VAL.length);
    assert.strictEqual(p.target, 0.9);
    assert.strictEqual(p.threshold, calibration.minConfidence);
    assert.ok(p.positions > 100 && p.shown > 0 && p.shown <= 1 && p.precision >= 0 && p.precision <= 1, JSON.stringify(p));
    // A tail split: the calibration read part of a file that is evaluated whole; its positions are left out.
    const whole = VAL.join('\n');
    const tail = whole.slice(Math.floor(whole.length / 2));
    const c2 = calibrate(completer, [{ relPath: 'val/0', text: tail }], { positions: 400, target: 0.9, fallback: 0.8 });
    const p2 = evaluatePromise(completer, [whole], c2, 100_000);
    assert.ok(p2.excludedPositions > 0, JSON.stringify(p2));
    const used2 = new Set(c2.used!.positions);
    // Every position evaluated is one the calibration did not read.
    const spans = identifierSpans(whole);
    let left = 0;
    for (const [s, e] of spans) for (let o = s; o < e; o++) if (!used2.has(positionKey(whole, o, whole.slice(o, e)))) left++;
    assert.strictEqual(p2.positions, left);
  });

  it('charrnn eval reports the promise of a saved model', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-promise-'));
    try {
      const ngram = KneserNeyModel.train(TRAIN, { order: 8, vocab });
      const mixer = fitMixture(collectSamples({ vocabSize: vocab.size, ngram, docs: VAL.map((t) => vocab.encode(t)), maxChars: 100_000 }));
      const completer = new Completer(new MixtureModel({ vocab, ngram, mixer: new FittedMixer(mixer) }), vocab) as Completer<unknown>;
      const calibration = calibrate(completer, docsOf(VAL), { positions: 300, target: 0.9, fallback: 0.8 });
      const dir = path.join(root, 'model');
      saveCheckpoint(dir, {
        config: { ...defaultTrainConfig(), lstmSize: 8, numLayers: 1 }, vocab: vocab.toJSON(), history: [], corpus: { files: 16, bytes: 1, hash: 'x' },
        backend: 'wasm', createdAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString(), bestValLoss: null, step: 0, epoch: 0, stage: 'ngram' as const,
        ngram: { file: NGRAM_FILE, format: 'charrnn-kn', version: 1, order: ngram.order, bytes: ngram.stats.bytes, trainChars: 1, buildSeconds: 0 },
        mixer, countMixer: mixer, calibration, countCalibration: calibration,
      }, [], { ngram });
      const data = path.join(root, 'data');
      fs.mkdirSync(data);
      VAL.forEach((t, i) => fs.writeFileSync(path.join(data, `v${i}.ts`), t));
      for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(data, `n${i}.ts`), codeFile(600 + i));
      const r = await evaluateModel(dir, [data], { maxFileBytes: 1 << 20, maxCorpusBytes: 1 << 24, positions: 200 });
      assert.ok(r.promise, 'a promise');
      assert.strictEqual(r.promise!.target, 0.9);
      assert.strictEqual(r.promise!.excludedFiles, VAL.length);
      assert.ok(Math.abs(r.promise!.threshold - calibration.minConfidence) < 1e-12);
      assert.ok(r.promise!.positions > 100);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('the panel says what the threshold promises', () => {
  it('about N% of ghosts right, measured on K positions of your code; the bare precision without a check', async () => {
    const { thresholdText } = await import('../../src/core/views/modelSummary');
    const { isFromTrainer } = await import('../../src/protocol/trainer');
    assert.strictEqual(thresholdText({ minConfidence: 0.418, precision: 0.914, promise: { precision: 0.913, positions: 3000 } }),
      'threshold 0.42 · about 91% of ghosts right (measured on 3,000 positions of your code)');
    assert.strictEqual(thresholdText({ minConfidence: 0.8, precision: 0.95 }), 'threshold 0.80 · 95% precision at calibration');
    const event = { type: 'mixture', step: 0, experts: 'n-gram + cache', bitsPerChar: {}, minConfidence: 0.4, precision: 0.91 };
    assert.ok(isFromTrainer({ ...event, promise: { precision: 0.9, positions: 3000 } }));
    assert.ok(!isFromTrainer({ ...event, promise: { precision: 'high' } }));
  });
});

describe('a small workspace: more positions without leaking training text', function () {
  this.timeout(120_000);
  it("the count models' threshold also reads training folds, each by an n-gram rebuilt without it; the LSTM's is at least theirs", async () => {
    const { MixtureStage } = await import('../../src/core/training/mixtureStage');
    const { splitCorpus } = await import('../../src/core/training/batching');
    const { randomWeights } = await import('../../bench/randomWeights');
    const texts = [...TRAIN, ...VAL];
    const docs = texts.map((text, i) => ({ path: `/w/f${i}.ts`, relPath: `f${i}.ts`, folder: '/w', text, bytes: text.length }));
    const split = splitCorpus(docs, vocab, 0.1);
    const logs: string[] = [];
    const stage = new MixtureStage({ vocab, split, lstmSize: 8, numLayers: 1, now: Date.now, log: (m) => logs.push(m), onMixture: () => {} });
    await stage.fit(undefined, 0);
    const counts = stage.meta().countCalibration!;
    const valIdentifiers = split.valDocs.reduce((n, ids) => n + identifierSpans(vocab.decode(ids)).length, 0);
    assert.ok(counts.rotated! > 0 && counts.positions > valIdentifiers, `${counts.positions} positions, ${counts.rotated} rotated, ${valIdentifiers} identifiers held out`);
    assert.ok(logs.some((m) => /read by count models rebuilt without them/.test(m)));
    await stage.fit(randomWeights({ vocabSize: vocab.size, lstmSize: 8, numLayers: 1 }), 10);
    const full = stage.meta().calibration!;
    assert.ok(full.minConfidence >= counts.minConfidence, `${full.minConfidence} vs ${counts.minConfidence}`);
    assert.strictEqual(full.rotated, undefined, 'the LSTM has learnt the training files: validation alone');
  });
});
