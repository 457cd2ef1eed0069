import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { baseVocab, BASE_CHARS } from '../../src/core/text/baseVocab';
import { BaseModelError, defaultBaseDir, loadBaseModel, weightsFromBase, type BaseModel } from '../../src/core/store/baseModel';
import { readServing, SERVING_LAYOUT } from '../../src/core/complete/baseServing';
import { LstmModel, type LstmState } from '../../src/core/lstm/lstmModel';
import { Vocab } from '../../src/core/text/vocab';
import { createCharRnn } from '../../src/core/lstm/engine/charRnn';
import { initBackend } from '../../src/core/lstm/engine/backend';

interface Reference {
  text: string;
  chars: string;
  probs: number[][];
  nextProb: number[];
}

const REPO = path.resolve(__dirname, '..', '..', '..');

function shippedBase(): BaseModel {
  const dir = defaultBaseDir(__dirname);
  assert.ok(dir, 'media/base is in the repository');
  return loadBaseModel(dir);
}

/** Probabilities after each prefix of `ids` (from a zero state, as the worker reads a document). */
function probsAlong(model: LstmModel, ids: ArrayLike<number>): Float32Array[] {
  const out: Float32Array[] = [];
  let state: LstmState = model.initialState();
  for (let t = 0; t < ids.length; t++) {
    [state] = model.advance([state], [ids[t]]);
    out.push(Float32Array.from(model.logProbs([state])[0], Math.exp));
  }
  return out;
}

describe('base vocabulary', () => {
  it('is the unknown symbol, tab, newline and printable ASCII', () => {
    const v = baseVocab();
    assert.strictEqual(v.size, 98);
    assert.deepStrictEqual(BASE_CHARS.slice(0, 4), ['\u0000', '\t', '\n', ' ']);
    assert.strictEqual(v.chars[97], '~');
  });

  it('maps every character of arbitrary text to a symbol', () => {
    const v = baseVocab();
    const text = 'const é = "日本"; \u0000 \r\n \ud800 lone \udfff 🙂 end~';
    const ids = v.encode(text);
    assert.strictEqual(ids.length, [...text].length);
    for (const id of ids) assert.ok(id >= 0 && id < v.size);
    assert.strictEqual(v.decode(v.encode('const x = 1;\n\tok')), 'const x = 1;\n\tok');
    for (const ch of ['é', '日', '\r', '\ud800', '\udfff', '🙂', '\u0000']) assert.strictEqual(v.id(ch), 0, JSON.stringify(ch));
  });
});

describe('shipped base model', () => {
  it('loads, with the fixed vocabulary and the default shape', () => {
    const base = shippedBase();
    assert.deepStrictEqual(base.vocab.chars, [...BASE_CHARS]);
    assert.strictEqual(base.lstmSize, 256);
    assert.strictEqual(base.numLayers, 2);
  });

  it("serves with a mixer fitted for these weights, in the serving layout (the cache's sureness above 0.9 told apart)", () => {
    const serving = readServing(shippedBase());
    assert.strictEqual(serving.mixer.layout, SERVING_LAYOUT);
    assert.deepStrictEqual(serving.mixer.experts, ['cache', 'lstm']);
    // Calibrated by the lower confidence bound on precision (issue 19), for 90%.
    assert.ok(serving.calibration.target === 0.9 && serving.calibration.rule === 'lower-bound', JSON.stringify({ ...serving.calibration, used: undefined }));
  });

  it('gives in our engine the distribution PyTorch gave at export (1,000 characters, max abs diff <= 1e-4)', async () => {
    const base = shippedBase();
    const ref = JSON.parse(fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'base-reference.json'), 'utf8')) as Reference;
    const ids = base.vocab.encode(ref.text);
    assert.strictEqual(ids.length, 1000);
    const model = await LstmModel.create({ vocabSize: base.vocab.size, lstmSize: base.lstmSize, numLayers: base.numLayers }, base.weights, 'js');
    try {
      const probs = probsAlong(model, ids);
      const cols = [...ref.chars].map((c) => base.vocab.id(c));
      let worst = 0;
      for (let t = 0; t < ids.length; t++) {
        cols.forEach((c, k) => (worst = Math.max(worst, Math.abs(probs[t][c] - ref.probs[t][k]))));
        if (t + 1 < ids.length) worst = Math.max(worst, Math.abs(probs[t][ids[t + 1]] - ref.nextProb[t]));
      }
      assert.ok(worst <= 1e-4, `max abs diff ${worst}`);
    } finally {
      model.dispose();
    }
  });

  it('refuses a damaged copy with one line', () => {
    const base = shippedBase();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-base-'));
    try {
      fs.copyFileSync(path.join(base.dir, 'base.json'), path.join(dir, 'base.json'));
      assert.throws(() => loadBaseModel(dir), (e: Error) => e instanceof BaseModelError && /no weights\.bin/.test(e.message));
      fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(1000));
      assert.throws(() => loadBaseModel(dir), /weights\.bin has 1000 bytes/);
      const w = fs.readFileSync(path.join(base.dir, 'weights.bin'));
      w.writeFloatLE(NaN, 40);
      fs.writeFileSync(path.join(dir, 'weights.bin'), w);
      assert.throws(() => loadBaseModel(dir), /not finite/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('weightsFromBase', () => {
  it('keeps the base distribution on a workspace vocabulary with extra characters', async () => {
    const base = shippedBase();
    const vocab = Vocab.build(['héllo\r\n'], 1, BASE_CHARS);
    for (const c of BASE_CHARS) assert.ok(vocab.has(c), JSON.stringify(c));
    assert.ok(vocab.has('é') && vocab.has('\r'));
    const shape = (V: number) => ({ vocabSize: V, lstmSize: base.lstmSize, numLayers: base.numLayers });
    const mapped = await LstmModel.create(shape(vocab.size), weightsFromBase(base, vocab), 'js');
    const original = await LstmModel.create(shape(base.vocab.size), base.weights, 'js');
    try {
      const text = 'function add(a, b) {\n\treturn a + b;\n}\n';
      const p = probsAlong(mapped, vocab.encode(text));
      const q = probsAlong(original, base.vocab.encode(text));
      for (let t = 0; t < p.length; t++) {
        for (const c of BASE_CHARS.slice(1)) assert.ok(Math.abs(p[t][vocab.id(c)] - q[t][base.vocab.id(c)]) < 1e-5);
        // The base's unknown mass is shared by the unknown symbol, é and \r.
        const shared = p[t][0] + p[t][vocab.id('é')] + p[t][vocab.id('\r')];
        assert.ok(Math.abs(shared - q[t][0]) < 1e-6);
        assert.ok(Math.abs(p[t][vocab.id('é')] - q[t][0] / 3) < 1e-6);
      }
    } finally {
      mapped.dispose();
      original.dispose();
    }
  });

  it('fine-tuning starts from the base: the first step loss is the base model loss on that batch', async () => {
    await initBackend('cpu');
    const base = shippedBase();
    const vocab = Vocab.build(['x'], 1, BASE_CHARS);
    const text = 'export function total(items: Item[]): number {\n  return items.reduce((n, i) => n + i.price, 0);\n}\n';
    const ids = vocab.encode(text);
    const steps = 32;
    const x = ids.slice(0, steps);
    const y = ids.slice(1, steps + 1);
    const trainer = createCharRnn({ vocabSize: vocab.size, lstmSize: base.lstmSize, numLayers: base.numLayers, dropout: 0, learningRate: 0.001, gradClip: 5, seed: 1 }, weightsFromBase(base, vocab));
    const model = await LstmModel.create({ vocabSize: vocab.size, lstmSize: base.lstmSize, numLayers: base.numLayers }, weightsFromBase(base, vocab), 'js');
    try {
      const probs = probsAlong(model, x);
      let nats = 0;
      for (let t = 0; t < steps; t++) nats -= Math.log(probs[t][y[t]]);
      const expected = nats / steps;
      const first = await trainer.trainStep(x, y, 1, steps);
      assert.ok(Math.abs(first - expected) < 1e-4, `first step ${first} vs base ${expected}`);
      const second = await trainer.evalLoss(x, y, 1, steps);
      assert.notStrictEqual(second, first, 'the step changed the weights');
    } finally {
      trainer.dispose();
      model.dispose();
    }
  });
});
