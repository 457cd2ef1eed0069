import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointError, loadCheckpoint, loadMeta, saveCheckpoint, checkpointExists } from '../../src/core/store/checkpoint';
import { defaultTrainConfig } from '../../src/core/contracts/config';
import { Vocab } from '../../src/core/text/vocab';
import { expectedShapes, type NamedWeights } from '../../src/core/lstm/weights';
import { makeRng, uniform } from '../../src/core/util/random';

function tinyWeights(vocabSize: number, H: number, L: number): NamedWeights {
  const rng = makeRng(7);
  return [...expectedShapes(vocabSize, H, L)].map(([name, shape]) => ({
    name,
    shape,
    data: uniform(rng, shape.reduce((a, b) => a * b, 1), 0.1),
  }));
}

function meta(vocab: Vocab) {
  return {
    config: { ...defaultTrainConfig(), lstmSize: 4, numLayers: 2 },
    vocab: vocab.toJSON(),
    history: [{ step: 1, epoch: 0, charsSeen: 10, loss: 3, valLoss: 2.5, time: 0.1 }],
    corpus: { files: 1, bytes: 10, hash: 'x' },
    backend: 'cpu',
    createdAt: new Date(0).toISOString(),
    updatedAt: new Date(0).toISOString(),
    bestValLoss: 2.5,
    step: 1,
    epoch: 0,
  };
}

describe('checkpoint', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-ck-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips meta, vocabulary and weights exactly', () => {
    const vocab = Vocab.build(['hello world, hello world, hello world'], 1);
    const weights = tinyWeights(vocab.size, 4, 2);
    const target = path.join(dir, 'model');
    saveCheckpoint(target, meta(vocab), weights);
    assert.ok(checkpointExists(target));
    const ck = loadCheckpoint(target);
    assert.deepStrictEqual(ck.vocab.chars, vocab.chars);
    assert.strictEqual(ck.meta.bestValLoss, 2.5);
    assert.deepStrictEqual(ck.weights.map((w) => w.name), weights.map((w) => w.name));
    for (let i = 0; i < weights.length; i++) assert.deepStrictEqual(ck.weights[i].data, weights[i].data);
    // Overwriting replaces atomically and leaves no temp folders behind.
    saveCheckpoint(target, { ...meta(vocab), step: 2 }, weights);
    assert.strictEqual(loadMeta(target).step, 2);
    assert.deepStrictEqual(fs.readdirSync(dir), ['model']);
  });

  it('gives a clear error for missing, truncated, corrupt or mismatched checkpoints', () => {
    const vocab = Vocab.build(['abcabcabc'], 1);
    const target = path.join(dir, 'model');
    assert.throws(() => loadCheckpoint(target), (e: Error) => e instanceof CheckpointError && /no meta.json/.test(e.message));
    saveCheckpoint(target, meta(vocab), tinyWeights(vocab.size, 4, 2));
    const bin = path.join(target, 'weights.bin');
    fs.truncateSync(bin, 100);
    assert.throws(() => loadCheckpoint(target), /weights.bin has 100 bytes/);
    saveCheckpoint(target, meta(vocab), tinyWeights(vocab.size, 4, 1)); // one layer of weights, config says 2
    assert.throws(() => loadCheckpoint(target), /missing weight "lstm_1\/kernel"/);
    fs.writeFileSync(path.join(target, 'meta.json'), '{ not json');
    assert.throws(() => loadCheckpoint(target), /meta.json is unreadable/);
    fs.writeFileSync(path.join(target, 'meta.json'), JSON.stringify({ formatVersion: 99 }));
    assert.throws(() => loadCheckpoint(target), /format version 99/);
  });

  it('rejects NaN weights', () => {
    const vocab = Vocab.build(['abcabcabc'], 1);
    const target = path.join(dir, 'model');
    const w = tinyWeights(vocab.size, 4, 2);
    w[0].data[0] = NaN;
    saveCheckpoint(target, meta(vocab), w);
    assert.throws(() => loadCheckpoint(target), /NaN/);
  });
});
