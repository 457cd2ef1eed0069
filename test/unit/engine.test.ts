/**
 * The training engine: the fused LSTM's loss and gradients against tf.layers.lstm with the same
 * weights (2 layers, carried state), clipping, learning, weights, seeding, eval state, tensor leaks.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/core/lstm/engine/backend';
import { CharRnn, createCharRnn, initialWeights, type CharRnnOptions } from '../../src/core/lstm/engine/charRnn';
import { clipByGlobalNorm } from '../../src/core/lstm/engine/optimizer';
import { makeRng } from '../../src/core/util/random';
import type { NamedWeights } from '../../src/core/lstm/weights';

const OPTS: CharRnnOptions = { vocabSize: 7, lstmSize: 6, numLayers: 2, dropout: 0, learningRate: 0.01, gradClip: 5, seed: 3 };

function randomIds(n: number, vocab: number, seed: number): Int32Array {
  const rng = makeRng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(rng() * vocab));
}

/** Makes the weights larger than the initialiser does, so that the gates are far from linear. */
function scaled(w: NamedWeights, factor: number): NamedWeights {
  return w.map((x) => ({ ...x, data: x.data.map((v) => v * factor) }));
}

/** max |a - b| / max |b|: the error relative to the reference's scale. */
function relErr(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let k = 0; k < b.length; k++) {
    diff = Math.max(diff, Math.abs(a[k] - b[k]));
    scale = Math.max(scale, Math.abs(b[k]));
  }
  return diff / Math.max(scale, 1e-12);
}

interface ReferenceResult {
  loss: number;
  grads: Map<string, Float32Array>;
  state: { h: tf.Tensor2D; c: tf.Tensor2D }[];
}

/**
 * The same CharRNN built from tf.layers.lstm (sigmoid gates, Keras order i|f|g|o), with tfjs
 * autodiff: loss and gradients on one [B, T] batch starting from `state` (zeros if absent).
 */
function reference(w: NamedWeights, o: CharRnnOptions, x: Int32Array, y: Int32Array, B: number, T: number, state?: ReferenceResult['state']): ReferenceResult {
  const { vocabSize: V, lstmSize: H, numLayers: L } = o;
  const byName = new Map(w.map((p) => [p.name, p]));
  const t = (name: string) => tf.tensor(byName.get(name)!.data, byName.get(name)!.shape);
  const oneHot = (ids: Int32Array) => {
    const a = new Float32Array(ids.length * V);
    ids.forEach((id, k) => (a[k * V + id] = 1));
    return tf.tensor3d(a, [B, T, V]);
  };
  const layers = Array.from({ length: L }, () =>
    tfl.layers.lstm({
      units: H, returnSequences: true, returnState: true, recurrentActivation: 'sigmoid', activation: 'tanh',
      // our weights are loaded below; zeros avoid the slow orthogonal initializer
      kernelInitializer: 'zeros', recurrentInitializer: 'zeros', biasInitializer: 'zeros',
    }),
  );
  const xs = oneHot(x);
  const ys = tf.tensor2d(
    Float32Array.from({ length: B * T * V }, (_, k) => (y[Math.floor(k / V)] === k % V ? 1 : 0)),
    [B * T, V],
  );
  const zeros = () => tf.zeros([B, H]) as tf.Tensor2D;
  const init = state ?? Array.from({ length: L }, () => ({ h: zeros(), c: zeros() }));
  // Build the layers, then load our weights into them.
  let inp: tf.Tensor = xs;
  for (let l = 0; l < L; l++) {
    inp = (layers[l].apply(inp, { initialState: [init[l].h, init[l].c] }) as tf.Tensor[])[0];
    layers[l].setWeights([t(`lstm_${l}/kernel`), t(`lstm_${l}/recurrent_kernel`), t(`lstm_${l}/bias`)]);
  }
  const Wd = tf.variable(t('dense/kernel'));
  const bd = tf.variable(t('dense/bias'));
  const vars: tf.Variable[] = [];
  const names: string[] = [];
  for (let l = 0; l < L; l++) {
    const lw = layers[l].trainableWeights;
    ['kernel', 'recurrent_kernel', 'bias'].forEach((n, k) => {
      vars.push(lw[k].read() as tf.Variable);
      names.push(`lstm_${l}/${n}`);
    });
  }
  vars.push(Wd, bd);
  names.push('dense/kernel', 'dense/bias');
  const finalState: ReferenceResult['state'] = [];
  const { value, grads } = tf.variableGrads(() => {
    let h: tf.Tensor = xs;
    finalState.length = 0;
    for (let l = 0; l < L; l++) {
      const [seq, hT, cT] = layers[l].apply(h, { initialState: [init[l].h, init[l].c] }) as tf.Tensor[];
      finalState.push({ h: tf.keep(hT) as tf.Tensor2D, c: tf.keep(cT) as tf.Tensor2D });
      h = seq;
    }
    const logits = tf.add(tf.matMul(tf.reshape(h, [B * T, H]), Wd), bd);
    return tf.losses.softmaxCrossEntropy(ys, logits) as tf.Scalar;
  }, vars);
  const out = new Map<string, Float32Array>();
  vars.forEach((v, k) => out.set(names[k], grads[v.name].dataSync() as Float32Array));
  const loss = value.dataSync()[0];
  tf.dispose([value, xs, ys, Wd, bd, ...Object.values(grads)]);
  layers.forEach((l) => l.dispose());
  return { loss, grads: out, state: finalState };
}

describe('engine: fused CharRNN', function () {
  this.timeout(120000);

  before(async () => {
    await initBackend('wasm', { threads: 1 });
  });

  it('matches tf.layers.lstm (loss and every gradient, 2 layers, state carried across batches)', async () => {
    const B = 3;
    const T = 5;
    const w = scaled(initialWeights(OPTS.vocabSize, OPTS.lstmSize, OPTS.numLayers, 11), 4);
    const model = new CharRnn(OPTS, w);
    const x1 = randomIds(B * T, OPTS.vocabSize, 1);
    const y1 = randomIds(B * T, OPTS.vocabSize, 2);
    const x2 = randomIds(B * T, OPTS.vocabSize, 3);
    const y2 = randomIds(B * T, OPTS.vocabSize, 4);

    const ours1 = await model.lossAndGradients(x1, y1, B, T);
    const ref1 = reference(w, OPTS, x1, y1, B, T);
    // Second batch: both start from the state the first one left (truncated BPTT).
    const ours2 = await model.lossAndGradients(x2, y2, B, T);
    const ref2 = reference(w, OPTS, x2, y2, B, T, ref1.state);

    for (const [ours, ref] of [[ours1, ref1], [ours2, ref2]] as const) {
      assert.ok(Math.abs(ours.loss - ref.loss) < 1e-4 * ref.loss, `loss ${ours.loss} vs ${ref.loss}`);
      for (const g of ours.grads) {
        const e = relErr(g.data, ref.grads.get(g.name)!);
        assert.ok(e < 1e-3, `${g.name}: relative error ${e}`);
      }
    }
    // The carried state matters: the second batch from zeros gives a different loss.
    const fresh = reference(w, OPTS, x2, y2, B, T);
    assert.ok(Math.abs(fresh.loss - ref2.loss) > 1e-4, 'test needs the carried state to change the loss');
    tf.dispose([...ref1.state, ...ref2.state, ...fresh.state].flatMap((s) => [s.h, s.c]));
    model.dispose();
  });

  it('matches finite differences of its own loss (central differences on sampled weights of every tensor)', async () => {
    const B = 2;
    const T = 6;
    const w = scaled(initialWeights(OPTS.vocabSize, OPTS.lstmSize, OPTS.numLayers, 5), 3);
    const x = randomIds(B * T, OPTS.vocabSize, 21);
    const y = randomIds(B * T, OPTS.vocabSize, 22);
    const model = new CharRnn(OPTS, w);
    model.resetState();
    const { grads } = await model.lossAndGradients(x, y, B, T);
    const lossAt = async (weights: NamedWeights) => {
      model.setWeights(weights);
      model.resetEvalState();
      return model.evalLoss(x, y, B, T);
    };
    const eps = 1e-2;
    const rng = makeRng(9);
    let checked = 0;
    for (const g of grads) {
      const k = w.findIndex((v) => v.name === g.name);
      // The largest gradient entry of this tensor, plus two random ones.
      let big = 0;
      for (let i = 1; i < g.data.length; i++) if (Math.abs(g.data[i]) > Math.abs(g.data[big])) big = i;
      for (const i of [big, Math.floor(rng() * g.data.length), Math.floor(rng() * g.data.length)]) {
        const plus = w.map((v, j) => (j === k ? { ...v, data: v.data.map((d, n) => (n === i ? d + eps : d)) } : v));
        const minus = w.map((v, j) => (j === k ? { ...v, data: v.data.map((d, n) => (n === i ? d - eps : d)) } : v));
        const numeric = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * eps);
        const analytic = g.data[i];
        assert.ok(Math.abs(numeric - analytic) <= 2e-3 + 2e-2 * Math.abs(analytic), `${g.name}[${i}]: numeric ${numeric} vs analytic ${analytic}`);
        checked++;
      }
      assert.ok(Math.abs(g.data[big]) > 1e-3, `${g.name}: the test needs a non-vanishing gradient`);
    }
    assert.strictEqual(checked, 3 * grads.length);
    model.dispose();
  });

  it('clips gradients by their global norm', () => {
    const a = new Float32Array([3, 0]);
    const b = new Float32Array([4]);
    assert.strictEqual(clipByGlobalNorm([a, b], 1), 5);
    assert.deepStrictEqual([...a, ...b].map((v) => Math.round(v * 1e6) / 1e6), [0.6, 0, 0.8]);
    const c = new Float32Array([0.3, 0.4]);
    assert.strictEqual(Math.round(clipByGlobalNorm([c], 1) * 1e6) / 1e6, 0.5);
    assert.deepStrictEqual([...c].map((v) => Math.round(v * 1e6) / 1e6), [0.3, 0.4]);
  });

  it('reports the pre-clipping gradient norm of a training step', async () => {
    const B = 2;
    const T = 4;
    const x = randomIds(B * T, OPTS.vocabSize, 5);
    const y = randomIds(B * T, OPTS.vocabSize, 6);
    const probe = new CharRnn(OPTS);
    const { grads } = await probe.lossAndGradients(x, y, B, T);
    const norm = Math.sqrt(grads.reduce((s, g) => s + g.data.reduce((t, v) => t + v * v, 0), 0));
    const model = new CharRnn({ ...OPTS, gradClip: norm / 10 });
    await model.trainStep(x, y, B, T);
    assert.ok(Math.abs(model.lastGradNorm - norm) < 1e-4 * norm, `${model.lastGradNorm} vs ${norm}`);
  });

  it('learns a small repetitive text', async () => {
    const text = 'the cat sat on the mat. ';
    const chars = [...new Set(text)];
    const V = chars.length + 1;
    const ids = Int32Array.from({ length: 4000 }, (_, k) => 1 + chars.indexOf(text[k % text.length]));
    const B = 4;
    const T = 16;
    const model = createCharRnn({ vocabSize: V, lstmSize: 24, numLayers: 2, dropout: 0, learningRate: 0.01, gradClip: 5, seed: 1 });
    // B contiguous streams through the text, consecutive windows per stream (state carried).
    const streamLen = Math.floor((ids.length - 1) / B);
    const losses: number[] = [];
    for (let step = 0; step < 300; step++) {
      const t0 = (step * T) % (streamLen - T);
      if (t0 < T) model.resetState();
      const x = new Int32Array(B * T);
      const y = new Int32Array(B * T);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          x[b * T + t] = ids[b * streamLen + t0 + t];
          y[b * T + t] = ids[b * streamLen + t0 + t + 1];
        }
      }
      losses.push(await model.trainStep(x, y, B, T));
    }
    const first = losses[0];
    const last = losses.slice(-20).reduce((a, b) => a + b, 0) / 20;
    assert.ok(Math.abs(first - Math.log(V)) < 0.3, `initial loss ${first} should be near log V = ${Math.log(V)}`);
    assert.ok(last < 0.3, `loss after 300 steps ${last} (started at ${first})`);
    model.dispose();
  });

  it('round-trips weights and rejects wrong ones', async () => {
    const a = createCharRnn(OPTS);
    const b = createCharRnn({ ...OPTS, seed: 99 });
    const x = randomIds(8, OPTS.vocabSize, 7);
    const y = randomIds(8, OPTS.vocabSize, 8);
    await a.trainStep(x, y, 2, 4);
    b.setWeights(a.getWeights());
    assert.deepStrictEqual(b.getWeights(), a.getWeights());
    a.resetEvalState();
    assert.strictEqual(await b.evalLoss(x, y, 2, 4), await a.evalLoss(x, y, 2, 4));
    // getWeights returns copies
    const w = a.getWeights();
    w[0].data[0] += 1;
    assert.notStrictEqual(a.getWeights()[0].data[0], w[0].data[0]);
    assert.throws(() => b.setWeights(w.slice(1)), /missing weight "lstm_0\/kernel"/);
    assert.throws(() => b.setWeights(w.map((p) => (p.name === 'dense/bias' ? { ...p, shape: [3], data: new Float32Array(3) } : p))), /dense\/bias/);
    assert.throws(() => createCharRnn({ ...OPTS, lstmSize: 5 }, w), /shape/);
  });

  it('initialises reproducibly from the seed, with forget-gate bias 1', () => {
    const w1 = createCharRnn(OPTS).getWeights();
    const w2 = createCharRnn(OPTS).getWeights();
    const w3 = createCharRnn({ ...OPTS, seed: 4 }).getWeights();
    assert.deepStrictEqual(w1, w2);
    assert.notDeepStrictEqual(w1[0].data, w3[0].data);
    const H = OPTS.lstmSize;
    const bias = w1.find((w) => w.name === 'lstm_1/bias')!.data;
    assert.deepStrictEqual([...bias], [...Array(H).fill(0), ...Array(H).fill(1), ...Array(2 * H).fill(0)]);
    const kernel = w1.find((w) => w.name === 'lstm_0/recurrent_kernel')!.data;
    assert.ok(kernel.some((v) => v !== 0) && kernel.every((v) => Math.abs(v) < 0.5));
  });

  it('evaluates with its own state and leaves the training state alone', async () => {
    const B = 2;
    const T = 4;
    const xs = [1, 2, 3, 4].map((s) => randomIds(B * T, OPTS.vocabSize, 10 + s));
    const a = createCharRnn(OPTS);
    const b = createCharRnn(OPTS);
    await a.trainStep(xs[0], xs[1], B, T);
    await b.trainStep(xs[0], xs[1], B, T);
    const e1 = await a.evalLoss(xs[2], xs[3], B, T);
    const e2 = await a.evalLoss(xs[2], xs[3], B, T); // eval state carried: differs
    assert.notStrictEqual(e1, e2);
    a.resetEvalState();
    assert.strictEqual(await a.evalLoss(xs[2], xs[3], B, T), e1);
    // Training continues exactly as if no evaluation had happened.
    assert.strictEqual(await a.trainStep(xs[1], xs[2], B, T), await b.trainStep(xs[1], xs[2], B, T));
    assert.deepStrictEqual(a.getWeights(), b.getWeights());
    // ...and the training state is carried: after resetState the same batch gives another loss.
    const c = createCharRnn(OPTS);
    await c.trainStep(xs[0], xs[1], B, T);
    c.resetState();
    assert.notStrictEqual(await c.trainStep(xs[1], xs[2], B, T), await createCharRnnAfter(xs, B, T));
  });

  it('applies dropout only in training, reproducibly from the seed', async () => {
    const B = 2;
    const T = 4;
    const x = randomIds(B * T, OPTS.vocabSize, 21);
    const y = randomIds(B * T, OPTS.vocabSize, 22);
    const o = { ...OPTS, dropout: 0.5 };
    const withDrop = new CharRnn(o);
    const without = new CharRnn(OPTS);
    const l1 = (await withDrop.lossAndGradients(x, y, B, T)).loss;
    const l0 = (await without.lossAndGradients(x, y, B, T)).loss;
    assert.notStrictEqual(l1, l0);
    assert.strictEqual((await new CharRnn(o).lossAndGradients(x, y, B, T)).loss, l1);
    assert.strictEqual(await withDrop.evalLoss(x, y, B, T), await without.evalLoss(x, y, B, T));
  });

  it('does not leak tensors over training and evaluation steps', async () => {
    const model = createCharRnn({ ...OPTS, dropout: 0.2 });
    const x = randomIds(12, OPTS.vocabSize, 31);
    const y = randomIds(12, OPTS.vocabSize, 32);
    await model.trainStep(x, y, 3, 4);
    await model.evalLoss(x, y, 3, 4);
    const before = tf.memory().numTensors;
    for (let k = 0; k < 5; k++) {
      await model.trainStep(x, y, 3, 4);
      await model.evalLoss(x, y, 3, 4);
    }
    assert.strictEqual(tf.memory().numTensors, before);
    model.dispose();
  });

  it('rejects ids outside the vocabulary and mismatched shapes', async () => {
    const model = createCharRnn(OPTS);
    await assert.rejects(model.trainStep(new Int32Array([0, 7]), new Int32Array([0, 1]), 1, 2), /outside the vocabulary/);
    await assert.rejects(model.trainStep(new Int32Array(3), new Int32Array(3), 1, 2), /need 1x2 = 2 ids/);
  });
});

/** The loss of a fresh model's second step when its state carried over (helper for the test above). */
async function createCharRnnAfter(xs: Int32Array[], B: number, T: number): Promise<number> {
  const m = createCharRnn(OPTS);
  await m.trainStep(xs[0], xs[1], B, T);
  return m.trainStep(xs[1], xs[2], B, T);
}

describe('engine: numerical safety', () => {
  it('leaves the weights alone when the loss is not finite', async () => {
    await initBackend('wasm', { threads: 1 });
    const w = initialWeights(OPTS.vocabSize, OPTS.lstmSize, OPTS.numLayers, 1);
    w.find((p) => p.name === 'dense/bias')!.data[0] = NaN;
    const model = createCharRnn(OPTS, w);
    const x = randomIds(8, OPTS.vocabSize, 41);
    const loss = await model.trainStep(x, x, 2, 4);
    assert.ok(Number.isNaN(loss));
    const after = model.getWeights();
    assert.deepStrictEqual(after.filter((p) => p.name !== 'dense/bias'), w.filter((p) => p.name !== 'dense/bias'));
  });
});
