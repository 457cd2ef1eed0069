/**
 * The ghost past the token (issue 23): the greedy continuation and its cuts
 * (src/core/infer/continuation.ts), the Completer's answer with it, and the calibration of its
 * threshold (src/core/lm/fit.ts calibrateContinuation).
 */
import * as assert from 'assert';
import { TableModel } from './tableModel';
import { codeFile } from './codeFixture';
import { continuationFits, continueLine, cutAt, ghostOutcome } from '../../src/core/complete/continuation';
import { restOfLine } from '../../src/core/text/positions';
import { CharClass } from '../../src/core/text/tokens';
import { Completer } from '../../src/core/complete/completer';
import { collectSamples, fitMixture } from '../../src/core/lm/fit';
import { calibrate } from '../../src/core/complete/calibrate';
import { FittedMixer } from '../../src/core/lm/mixer';
import { MixtureModel } from '../../src/core/lm/mixture';
import { KneserNeyModel } from '../../src/core/lm/ngram';
import { evaluatePromise } from '../../src/cli/evaluate';
import { UNKNOWN, Vocab } from '../../src/core/text/vocab';

const chars = [UNKNOWN, ' ', '\n', '(', ')', ';', '=', '.', "'", 'a', 'b', 'c', 'd', 'e', 'x', 'y', 'z'];

/** After "x": `.abc(d);` then a line break, each character with the given probability (the rest of the mass on 'z'). */
function lineModel(p = 0.95): TableModel {
  const line = '.abc(d);';
  const table: Record<string, Record<string, number>> = {};
  for (let i = 0; i <= line.length; i++) {
    const next = i < line.length ? line[i] : '\n';
    table['x' + line.slice(0, i)] = next === 'z' ? { z: 1 } : { [next]: p, z: 1 - p };
  }
  return new TableModel(chars, table);
}

const LINE = { length: 'line' } as const;
const opts = { prior: 1, floor: 0.01, maxChars: 60, suffix: '', after: CharClass.Word };

describe('continuation past the token', () => {
  it('follows the most probable characters to the line break and never crosses it', () => {
    const c = continueLine(lineModel(), chars, 'x', opts);
    assert.strictEqual(c.text, '.abc(d);');
    assert.ok(!c.text.includes('\n'));
    assert.strictEqual(c.steps, 8);
  });

  it('is cut only at token boundaries, each with the probability of the text up to it', () => {
    const c = continueLine(lineModel(0.9), chars, 'x', { ...opts, prior: 0.8 });
    // .|abc|(|d|);| : a cut after each token, and at the line's end.
    assert.deepStrictEqual(c.cuts.map((k) => c.text.slice(0, k.length)), ['.', '.abc', '.abc(', '.abc(d', '.abc(d)', '.abc(d);']);
    for (const k of c.cuts) assert.ok(Math.abs(k.confidence - 0.8 * 0.9 ** k.length) < 1e-5, `${k.length}: ${k.confidence}`);
    // At a threshold between two cuts the longer one that passes is shown, whole tokens only.
    const t = 0.8 * 0.9 ** 5 - 1e-6;
    assert.strictEqual(c.text.slice(0, cutAt(c.cuts, t)!.length), '.abc(');
    assert.strictEqual(cutAt(c.cuts, 0.81), undefined);
  });

  it('stops below the floor: no character is read that no threshold could show', () => {
    const c = continueLine(lineModel(0.5), chars, 'x', { ...opts, floor: 0.2 });
    // 0.5, 0.25, then 0.125 < 0.2.
    assert.strictEqual(c.text, '.a');
    assert.ok(c.cuts.every((k) => k.confidence >= 0.2));
  });

  it('never writes again what is after the cursor (auto-closed brackets), and stays out of the middle of a line', () => {
    const before = continueLine(lineModel(), chars, 'x.abc(', { ...opts, suffix: ')', after: CharClass.Op });
    assert.strictEqual(before.text, 'd');
    assert.strictEqual(before.text.slice(0, before.cuts[before.cuts.length - 1].length), 'd');
    assert.ok(continuationFits(') ;') && continuationFits('') && continuationFits('"]'));
    assert.ok(!continuationFits(' + 1') && !continuationFits('abc'));
    assert.deepStrictEqual(continueLine(lineModel(), chars, 'x', { ...opts, suffix: ' = 1;' }).cuts, []);
  });

  it('a ghost is judged against the rest of its line: a right ghost saves all of it, a right token with a wrong continuation the token', () => {
    const text = 'const a = foo.pipe(map(f));\r\nnext';
    const at = text.indexOf('pipe') + 2;
    const rest = restOfLine(text, at);
    assert.strictEqual(rest, 'pe(map(f));');
    assert.deepStrictEqual(ghostOutcome('pe', '(map(', 'pe', rest), { right: true, tokenRight: true, saved: 7 });
    assert.deepStrictEqual(ghostOutcome('pe', '(x)', 'pe', rest), { right: false, tokenRight: true, saved: 2 });
    assert.deepStrictEqual(ghostOutcome('p', '', 'pe', rest), { right: false, tokenRight: false, saved: 0 });
    assert.deepStrictEqual(ghostOutcome('pe', '', 'pe', rest), { right: true, tokenRight: true, saved: 2 });
    assert.strictEqual(restOfLine('abc', 3), '');
  });

  it('does not start by continuing the token before it', () => {
    // After "x" the most probable character would be '.', but after a word token 'z' is not allowed first.
    const m = new TableModel(chars, { x: { z: 0.6, '.': 0.4 }, 'x.': { '\n': 1 } });
    const c = continueLine(m, chars, 'x', opts);
    assert.strictEqual(c.text, '.');
    const free = continueLine(m, chars, 'x', { ...opts, after: CharClass.Space });
    assert.ok(free.text.startsWith('z'));
  });
});

describe('completer with continuations', function () {
  this.timeout(60000);
  const train = Array.from({ length: 8 }, (_, i) => codeFile(300 + i));
  const val = Array.from({ length: 6 }, (_, i) => codeFile(400 + i));
  const vocab = Vocab.build([...train, ...val, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$'], 1);
  const ngram = KneserNeyModel.train(train, { order: 8, vocab });
  const mixer = fitMixture(collectSamples({ vocabSize: vocab.size, ngram, docs: val.map((t) => vocab.encode(t)), maxChars: 100_000 }));
  const completer = () => new Completer(new MixtureModel({ vocab, ngram, mixer: new FittedMixer(mixer) }), vocab) as Completer<unknown>;
  // The file repeats `const <a>Total = <a> * 2;` after each signature.
  const doc = val[0];
  const prefix = doc.slice(0, doc.indexOf('  return ', 200) + '  return '.length + 2);

  it('shows the rest of the line past the identifier where the model is sure; never a line break', () => {
    const c = completer();
    c.minConfidence = 0.3;
    c.continuationMinConfidence = 0.5;
    // Two characters into each signature's `string): number {`.
    const starts = [...doc.matchAll(/: st/g)].map((m) => m.index! + m[0].length);
    let shown = 0;
    let right = 0;
    for (const i of starts) {
      const r = c.complete({ docKey: 'd', prefix: doc.slice(0, i) }, LINE);
      if (!r.continuation) continue;
      shown++;
      assert.ok(r.completion, 'a continuation follows a shown token here');
      assert.ok(!/[\r\n]/.test(r.continuation), JSON.stringify(r));
      assert.ok(r.continuationConfidence! >= 0.5 && r.continuationConfidence! <= r.confidence + 1e-9, JSON.stringify(r));
      const rest = doc.slice(i, doc.indexOf('\n', i));
      if (rest.startsWith(r.completion + r.continuation)) right++;
    }
    assert.ok(shown >= starts.length / 2, `continuations at ${shown} of ${starts.length}`);
    assert.ok(right >= shown * 0.6, `${right} right of ${shown}`);
  });

  it('with the continuation threshold at 1, or length token, the answer is exactly the token answer', () => {
    const c = completer();
    c.minConfidence = 0.3;
    c.continuationMinConfidence = 0.3;
    const token = c.complete({ docKey: 'a', prefix }, { length: 'token' });
    const one = c.complete({ docKey: 'b', prefix }, { ...LINE, continuationMinConfidence: 1 });
    assert.deepStrictEqual(one, token);
    assert.strictEqual(token.continuation, undefined);
    // A model without a continuation threshold (a checkpoint from before) shows none.
    const old = completer();
    old.minConfidence = 0.3;
    assert.deepStrictEqual(old.complete({ docKey: 'c', prefix }, LINE), token);
    // The default (completion.length's) is the token alone.
    assert.deepStrictEqual(c.complete({ docKey: 'f', prefix }), token);
  });

  it('after a complete identifier typed, the ghost may be the continuation alone', () => {
    const c = completer();
    c.minConfidence = 0.3;
    c.continuationMinConfidence = 0.3;
    // Cursor right after each `: string` (the type is complete): what follows is `): number {`.
    const ends = [...doc.matchAll(/: string/g)].map((m) => m.index! + m[0].length);
    const answers = ends.map((i) => c.complete({ docKey: 'e', prefix: doc.slice(0, i) }, LINE));
    for (const r of answers) assert.strictEqual(r.completion, '');
    const right = answers.filter((r) => r.continuation === '): number {').length;
    assert.ok(right >= ends.length / 2, answers.map((r) => r.continuation).join(' | '));
    // Nothing when the token typed is not complete and its completion is not shown.
    const r = c.complete({ docKey: 'e', prefix: doc.slice(0, ends[0] - 4) }, { ...LINE, minConfidence: 0.9999 });
    assert.deepStrictEqual([r.completion, r.continuation], ['', undefined]);
  });

  it('calibrates a continuation threshold on held-out positions, and eval reports it next to the token figures', () => {
    const c = completer();
    const cal = calibrate(c, val.map((text, i) => ({ relPath: `v${i}`, text })), {
      positions: 400, target: 0.9, fallback: 0.8, continuation: { target: 0.85, positions: 400 },
    });
    const k = cal.continuation;
    assert.ok(k, 'no continuation calibration');
    assert.ok(k!.minConfidence !== undefined, JSON.stringify(k));
    assert.ok(k!.precision >= 0.85, JSON.stringify(k));
    assert.ok(k!.savedPerPosition > k!.tokenSavedPerPosition, JSON.stringify(k));
    c.minConfidence = cal.minConfidence;
    c.continuationMinConfidence = k!.minConfidence;
    const p = evaluatePromise(c, train.slice(0, 3), cal, 300);
    assert.ok(p.line, 'eval reports the line');
    assert.ok(p.line!.shown > 0 && p.line!.precision >= 0.7, JSON.stringify(p.line));
    assert.ok(p.line!.savedPerPosition > p.line!.tokenSavedPerPosition, JSON.stringify(p.line));
    // The same decisions for the token: exact match as without continuations.
    const tokenOnly = evaluatePromise(c, train.slice(0, 3), { ...cal, continuation: undefined }, 300);
    assert.strictEqual(tokenOnly.exact, p.exact);
    assert.strictEqual(tokenOnly.line, undefined);
  });
});
