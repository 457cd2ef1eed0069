import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { LstmModel, type LstmShape, type LstmState } from '../../src/core/lstm/lstmModel';
import { jsMatMul, wasmMatMul, type MatMulEngine } from '../../src/core/lstm/matMulEngine';
import { randomWeights } from '../../bench/randomWeights';
import { weightMap, type NamedWeights } from '../../src/core/lstm/weights';

/** Reference: tf.layers.lstm stack + dense + log-softmax, same weights; log-probs after each step. */
async function reference(shape: LstmShape, weights: NamedWeights, ids: number[]): Promise<Float32Array[]> {
  // tfjs-core's backend is global: use cpu here and give back whatever other tests chose.
  const previous = tf.engine().backendName;
  await tf.setBackend('cpu');
  try {
    return await referenceOnCpu(shape, weights, ids);
  } finally {
    if (previous && previous !== 'cpu') await tf.setBackend(previous);
  }
}

async function referenceOnCpu(shape: LstmShape, weights: NamedWeights, ids: number[]): Promise<Float32Array[]> {
  const { vocabSize: V, lstmSize: H, numLayers: L } = shape;
  const w = weightMap(weights);
  const model = tfl.sequential();
  for (let l = 0; l < L; l++) {
    model.add(tfl.layers.lstm({
      units: H,
      returnSequences: true,
      recurrentActivation: 'sigmoid',
      kernelInitializer: 'zeros',
      recurrentInitializer: 'zeros',
      ...(l === 0 ? { inputShape: [ids.length, V] } : {}),
    }));
  }
  model.add(tfl.layers.dense({ units: V, kernelInitializer: 'zeros' }));
  const t = (n: string) => tf.tensor(w.get(n)!.data, w.get(n)!.shape);
  const list: tf.Tensor[] = [];
  for (let l = 0; l < L; l++) list.push(t(`lstm_${l}/kernel`), t(`lstm_${l}/recurrent_kernel`), t(`lstm_${l}/bias`));
  list.push(t('dense/kernel'), t('dense/bias'));
  model.setWeights(list);
  const x = tf.expandDims(tf.cast(tf.oneHot(tf.tensor1d(ids, 'int32'), V), 'float32'), 0);
  const logits = model.predict(x) as tf.Tensor;
  const lp = tf.logSoftmax(tf.squeeze(logits, [0])) as tf.Tensor2D;
  const rows = (await lp.array()) as number[][];
  tf.dispose([x, logits, lp, ...list]);
  model.dispose();
  return rows.map((r) => Float32Array.from(r));
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.strictEqual(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const engines: [string, () => Promise<MatMulEngine>][] = [
  ['js', async () => jsMatMul()],
  ['wasm', () => wasmMatMul()],
];

describe('inference forward pass (typed arrays) equals tf.layers.lstm + dense', () => {
  const shape: LstmShape = { vocabSize: 11, lstmSize: 16, numLayers: 2 };
  // Large weights so the gates saturate differently: a real test of the nonlinearity.
  const weights = randomWeights(shape, 7, 0.5);
  const ids = [1, 4, 4, 2, 10, 0, 3, 7, 7, 7, 5, 9, 1, 6];
  let ref: Float32Array[];
  before(async function () {
    this.timeout(60000);
    ref = await reference(shape, weights, ids);
  });

  for (const [name, make] of engines) {
    describe(`${name} engine`, () => {
      let engine: MatMulEngine;
      let model: LstmModel;
      before(async () => {
        engine = await make();
        model = LstmModel.fromWeights(shape, weights, engine);
      });
      after(() => engine.dispose());

      it('step by step (advance + logProbs) to 1e-4', () => {
        let s = model.initialState();
        for (let t = 0; t < ids.length; t++) {
          s = model.advance([s], [ids[t]])[0];
          const d = maxDiff(model.logProbs([s])[0], ref[t]);
          assert.ok(d < 1e-4, `step ${t}: max difference ${d}`);
        }
      });

      it('readSequence (layer by layer) to 1e-4', () => {
        const { state, read } = model.readSequence(model.initialState(), ids);
        assert.strictEqual(read, ids.length);
        const d = maxDiff(model.logProbs([state])[0], ref[ids.length - 1]);
        assert.ok(d < 1e-4, `max difference ${d}`);
      });

      it('a batch of different states gives each row its own result, inputs unchanged', () => {
        // Three states at different points of the sequence, advanced together.
        const states: LstmState[] = [];
        let s = model.initialState();
        for (let t = 0; t < 3; t++) {
          s = model.advance([s], [ids[t]])[0];
          states.push(s);
        }
        const copies = states.map((x) => x.h.map((h) => Float32Array.from(h)));
        const next = model.advance(states, [ids[1], ids[2], ids[3]]);
        for (let r = 0; r < 3; r++) {
          const d = maxDiff(model.logProbs([next[r]])[0], ref[r + 1]);
          assert.ok(d < 1e-4, `row ${r}: max difference ${d}`);
          for (let l = 0; l < shape.numLayers; l++) assert.deepStrictEqual(states[r].h[l], copies[r][l]);
        }
      });
    });
  }

  it('the wasm and js engines agree on a wider model, batched (to 1e-4)', async () => {
    const wide: LstmShape = { vocabSize: 40, lstmSize: 96, numLayers: 3 };
    const ww = randomWeights(wide, 3, 0.2);
    const a = LstmModel.fromWeights(wide, ww, jsMatMul());
    const wasm = await wasmMatMul();
    try {
      const b = LstmModel.fromWeights(wide, ww, wasm);
      const seq = Array.from({ length: 150 }, (_, i) => (i * 7) % 40);
      const ra = a.readSequence(a.initialState(), seq).state;
      const rb = b.readSequence(b.initialState(), seq).state;
      assert.ok(maxDiff(a.logProbs([ra])[0], b.logProbs([rb])[0]) < 1e-4);
      const na = a.advance([ra, ra, a.initialState()], [1, 2, 3]);
      const nb = b.advance([rb, rb, b.initialState()], [1, 2, 3]);
      for (let r = 0; r < 3; r++) assert.ok(maxDiff(a.logProbs([na[r]])[0], b.logProbs([nb[r]])[0]) < 1e-4);
    } finally {
      wasm.dispose();
    }
  });

  it('rejects weights of the wrong shape with a readable error', () => {
    assert.throws(() => LstmModel.fromWeights({ ...shape, lstmSize: 8 }, weights, jsMatMul()), /shape/);
  });
});
