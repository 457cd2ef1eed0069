import * as assert from 'assert';
import { Completer, contextWindow } from '../../src/core/complete/completer';
import { LstmModel } from '../../src/core/lstm/lstmModel';
import { jsMatMul } from '../../src/core/lstm/matMulEngine';
import { randomWeights } from '../../bench/randomWeights';
import { StateCache } from '../../src/core/complete/stateCache';
import { Vocab } from '../../src/core/text/vocab';

const text = [
  'function add(a, b) {',
  '  return a + b;',
  '}',
  'const total = add(1, 2);',
  'console.log(total);',
  'for (let i = 0; i < 10; i++) {',
  '  console.log(add(i, total));',
  '}',
].join('\n');

function setup(cache?: StateCache<never>) {
  const vocab = Vocab.build([text], 1);
  const shape = { vocabSize: vocab.size, lstmSize: 12, numLayers: 2 };
  const model = LstmModel.fromWeights(shape, randomWeights(shape, 5, 0.3), jsMatMul());
  const completer = new Completer(model, vocab, cache);
  return { model, completer, vocab };
}

const opts = { contextChars: 64, minConfidence: 0, maxChars: 8 };

describe('state cache', () => {
  it('typing forward reuses the state: one step per new character', () => {
    const { model, completer } = setup();
    const at = text.indexOf('console.log(total)') + 4;
    const first = completer.complete({ docKey: 'a', prefix: text.slice(0, at) }, opts);
    assert.strictEqual(first.charsRead, contextWindow(text.slice(0, at), 64).length);
    for (let k = 1; k <= 5; k++) {
      const before = model.steps;
      const r = completer.complete({ docKey: 'a', prefix: text.slice(0, at + k) }, opts);
      assert.strictEqual(r.charsRead, 1, `keystroke ${k}`);
      // One step to read the typed character; the rest is the decoder's.
      assert.strictEqual(model.steps - before, 1 + r.decodeSteps);
    }
    // A repeated request at the same spot reads nothing.
    assert.strictEqual(completer.complete({ docKey: 'a', prefix: text.slice(0, at + 5) }, opts).charsRead, 0);
  });

  it('the resumed state equals reading the same text in one go', () => {
    const { model, completer } = setup();
    const at = text.indexOf('i < 10');
    completer.complete({ docKey: 'a', prefix: text.slice(0, at) }, opts);
    completer.complete({ docKey: 'a', prefix: text.slice(0, at + 3) }, opts);
    const hit = completer.cache.lookup('a', at + 3, text.slice(0, at + 3));
    assert.ok(hit && hit.missing === '');
    const window = contextWindow(text.slice(0, at), 64) + text.slice(at, at + 3);
    const direct = model.readSequence(model.initialState(), completer.vocab.encode(window)).state;
    const a = model.logProbs([hit.entry.state as never])[0];
    const b = model.logProbs([direct])[0];
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5);
  });

  it('an edit before the cursor, another document or a jump re-reads the context', () => {
    const { completer } = setup();
    const at = text.indexOf('total = add') + 5;
    completer.complete({ docKey: 'a', prefix: text.slice(0, at) }, opts);
    const edited = text.slice(0, at - 10) + 'X' + text.slice(at - 9, at + 1);
    assert.ok(completer.complete({ docKey: 'a', prefix: edited }, opts).charsRead > 1);
    assert.ok(completer.complete({ docKey: 'b', prefix: text.slice(0, at + 1) }, opts).charsRead > 1);
    completer.forget('a');
    assert.ok(completer.complete({ docKey: 'a', prefix: text.slice(0, at + 1) }, opts).charsRead > 1);
  });

  it('backspace resumes from an earlier state', () => {
    const { completer } = setup();
    const at = text.indexOf('return a') + 3;
    for (let k = 0; k < 4; k++) completer.complete({ docKey: 'a', prefix: text.slice(0, at + k) }, opts);
    assert.strictEqual(completer.complete({ docKey: 'a', prefix: text.slice(0, at + 1) }, opts).charsRead, 0);
  });

  it('offsets: a window that does not start the document still matches', () => {
    const { completer } = setup();
    const doc = 'x'.repeat(1000) + '\n' + text;
    const at = doc.indexOf('add(1');
    const win = (o: number) => doc.slice(o - 64, o);
    completer.complete({ docKey: 'a', prefix: win(at), offset: at }, opts);
    assert.strictEqual(completer.complete({ docKey: 'a', prefix: win(at + 2), offset: at + 2 }, opts).charsRead, 2);
  });

  it('a cancelled read keeps what it read; the next request resumes from there', () => {
    const { completer } = setup();
    const long = text.repeat(4);
    const o = { ...opts, contextChars: 400 };
    let polls = 0;
    const r = completer.complete({ docKey: 'a', prefix: long }, o, () => ++polls > 2);
    assert.ok(r.cancelled);
    const again = completer.complete({ docKey: 'a', prefix: long }, o);
    assert.ok(!again.cancelled);
    assert.ok(again.charsRead > 0 && again.charsRead < contextWindow(long, 400).length, `read ${again.charsRead}`);
  });

  it('memory is bounded: least recently used states go first', () => {
    const cache = new StateCache<number>(3, 10);
    for (let i = 0; i < 5; i++) cache.store('d', i, 'abcdefghijklmnop'.slice(0, i), i);
    assert.strictEqual(cache.size, 3);
    assert.strictEqual(cache.lookup('d', 1, 'a'), undefined);
    cache.store('d', 20, 'y'.repeat(50), 20);
    assert.strictEqual(cache.lookup('d', 20, 'y'.repeat(50))?.entry.text.length, 10);
  });
});
