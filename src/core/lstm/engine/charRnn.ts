/**
 * The CharRNN trainer: stacked fused LSTM layers (./fusedLstm), a dense layer, softmax
 * cross-entropy, truncated BPTT with carried state, global-norm clipping and Adam (./optimizer).
 *
 *   x_t (one-hot id) → LSTM_0 → dropout → LSTM_1 → dropout → … → dense → softmax → p(next char)
 *   logits = Y·Wd + bd          loss = mean_rows( -log softmax(logits)[y] )
 *   dlogits = (softmax(logits) - onehot(y)) / N     dWd = Yᵀ·dlogits   dbd = Σ_rows dlogits   dY = dlogits·Wdᵀ
 * Dropout (training only) is applied to every LSTM layer's output, i.e. to the input of the next
 * layer and of the dense layer, as char-rnn and the "Anna KaRNNa" model do; the carried state is
 * never dropped. Inverted dropout: kept units are scaled by 1/(1-p), so evaluation needs no change.
 *
 * Parameters live in Float32Arrays in the layout of ../weights.ts; every optimizer step uploads the
 * matrices to the tfjs backend once and disposes them afterwards (no tensors outlive a call).
 */
import * as tf from '@tensorflow/tfjs-core';
import { makeRng, uniform, type Rng } from '../../util/random';
import { FORGET_BIAS_INIT, gateOffset } from '../lstmGates';
import { DENSE_WEIGHT_NAMES, checkWeights, expectedShapes, lstmWeightNames, weightMap, weightNames, type NamedWeights } from '../weights';
import { currentBackend, initBackend } from './backend';
import { lstmBackward, lstmForward, LstmTape, LstmTensors, type LstmInput, type LstmParams, type CarriedState } from './fusedLstm';
import { matMul, transpose, upload } from './tfMatMul';
import { Adam, clipByGlobalNorm } from './optimizer';

export interface CharRnnOptions {
  vocabSize: number;
  lstmSize: number;
  numLayers: number;
  dropout: number;
  learningRate: number;
  gradClip: number;
  seed: number;
}

export interface CharRnnTrainer {
  /** One optimizer step (forward, BPTT, global-norm clip, Adam) on x,y of shape [batch, steps] row-major
   *  (x[b*steps+t] = input id of stream b at time t; y = the next char). The LSTM state is carried
   *  from the previous trainStep with the same batch size (truncated BPTT). Returns the mean
   *  cross-entropy in nats per character. */
  trainStep(x: Int32Array, y: Int32Array, batch: number, steps: number): Promise<number>;
  /** Zero the carried training state (start of an epoch). */
  resetState(): void;
  /** Mean cross-entropy (nats/char) without gradients or dropout; carries its own separate eval state. */
  evalLoss(x: Int32Array, y: Int32Array, batch: number, steps: number): Promise<number>;
  resetEvalState(): void;
  getWeights(): NamedWeights;
  setWeights(w: NamedWeights): void;
  setLearningRate(lr: number): void;
  dispose(): void;
}

/** Weights initialised from opts.seed (uniform, forget-gate bias FORGET_BIAS_INIT) unless `weights` are given. */
export function createCharRnn(opts: CharRnnOptions, weights?: NamedWeights): CharRnnTrainer {
  return new CharRnn(opts, weights);
}

/**
 * Seeded initial weights: every matrix uniform in ±sqrt(6 / (fan_in + fan_out)) (Glorot), biases 0
 * except the forget-gate slice of each LSTM bias, which is FORGET_BIAS_INIT (remember by default).
 */
export function initialWeights(vocabSize: number, lstmSize: number, numLayers: number, seed: number): NamedWeights {
  const rng = makeRng(seed);
  const shapes = expectedShapes(vocabSize, lstmSize, numLayers);
  // Drawn in weightNames() order, so a seed always gives the same weights.
  const weights = weightNames(numLayers).map((name) => {
    const shape = shapes.get(name)!;
    const n = shape.reduce((a, b) => a * b, 1);
    const data = shape.length === 2 ? uniform(rng, n, Math.sqrt(6 / (shape[0] + shape[1]))) : new Float32Array(n);
    return { name, shape: [...shape], data };
  });
  const byName = weightMap(weights);
  const forget = gateOffset('f', lstmSize);
  for (let l = 0; l < numLayers; l++) byName.get(lstmWeightNames(l).bias)!.data.fill(FORGET_BIAS_INIT, forget, forget + lstmSize);
  return weights;
}

/** Carried LSTM state of `batch` streams, one per layer. */
interface Streams {
  batch: number;
  layers: CarriedState[];
}

/** Converts [B, T] batch-major ids to time-major (row t·B + b). */
function timeMajor(a: Int32Array, B: number, T: number): Int32Array {
  const out = new Int32Array(B * T);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out[t * B + b] = a[b * T + t];
  return out;
}

/** The trainer; createCharRnn returns it as a CharRnnTrainer. */
export class CharRnn implements CharRnnTrainer {
  private readonly V: number;
  private readonly H: number;
  private readonly L: number;
  /** The live parameters, in weightNames() order (the order of the optimizer's moments). */
  private readonly params: NamedWeights;
  /** Their gradients, same order. */
  private readonly grads: Float32Array[];
  /** Views of params and grads by layer, found by name. */
  private readonly lstm: LstmParams[] = [];
  private readonly lstmGrads: LstmParams[] = [];
  private readonly Wd: Float32Array;
  private readonly bd: Float32Array;
  private readonly dWd: Float32Array;
  private readonly dbd: Float32Array;
  private readonly adam: Adam;
  private readonly dropoutRng: Rng;
  private trainStreams?: Streams;
  private evalStreams?: Streams;
  private work?: Workspace;
  private disposed = false;

  constructor(private readonly opts: CharRnnOptions, weights?: NamedWeights) {
    const { vocabSize: V, lstmSize: H, numLayers: L } = opts;
    for (const [k, v] of Object.entries({ vocabSize: V, lstmSize: H, numLayers: L })) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`createCharRnn: ${k} must be a positive integer, got ${v}`);
    }
    if (!(opts.dropout >= 0 && opts.dropout < 1)) throw new Error(`createCharRnn: dropout must be in [0, 1), got ${opts.dropout}`);
    if (!(opts.gradClip > 0)) throw new Error(`createCharRnn: gradClip must be positive, got ${opts.gradClip}`);
    this.V = V;
    this.H = H;
    this.L = L;
    if (weights) checkWeights(weights, V, H, L);
    const source = weights ?? initialWeights(V, H, L, opts.seed);
    const byName = weightMap(source);
    this.params = weightNames(L).map((name) => {
      const w = byName.get(name)!;
      return { name, shape: [...w.shape], data: Float32Array.from(w.data) };
    });
    this.grads = this.params.map((p) => new Float32Array(p.data.length));
    const index = new Map(this.params.map((p, k) => [p.name, k]));
    const param = (name: string) => this.params[index.get(name)!].data;
    const grad = (name: string) => this.grads[index.get(name)!];
    for (let l = 0; l < L; l++) {
      const n = lstmWeightNames(l);
      this.lstm.push({ W: param(n.kernel), U: param(n.recurrentKernel), bias: param(n.bias) });
      this.lstmGrads.push({ W: grad(n.kernel), U: grad(n.recurrentKernel), bias: grad(n.bias) });
    }
    this.Wd = param(DENSE_WEIGHT_NAMES.kernel);
    this.bd = param(DENSE_WEIGHT_NAMES.bias);
    this.dWd = grad(DENSE_WEIGHT_NAMES.kernel);
    this.dbd = grad(DENSE_WEIGHT_NAMES.bias);
    this.adam = new Adam(this.params.map((p) => p.data.length), opts.learningRate);
    this.dropoutRng = makeRng((opts.seed ^ 0x5bd1e995) >>> 0);
  }

  /** Global L2 norm of the gradient of the last trainStep, before clipping (for diagnostics). */
  lastGradNorm = 0;

  async trainStep(x: Int32Array, y: Int32Array, batch: number, steps: number): Promise<number> {
    this.check(x, y, batch, steps);
    await ensureBackend();
    const loss = this.forwardBackward(x, y, batch, steps);
    this.lastGradNorm = clipByGlobalNorm(this.grads, this.opts.gradClip);
    // A NaN/∞ loss or gradient would poison every weight through Adam: skip the update and let the
    // caller see the loss (the trainer stops on it).
    if (!Number.isFinite(loss) || !Number.isFinite(this.lastGradNorm)) return loss;
    this.adam.step(
      this.params.map((p) => p.data),
      this.grads,
    );
    return loss;
  }

  /**
   * Loss and (unclipped) gradients on one batch, as trainStep computes them, without updating the
   * weights; the training state advances as in trainStep. For tests and diagnostics.
   */
  async lossAndGradients(x: Int32Array, y: Int32Array, batch: number, steps: number): Promise<{ loss: number; grads: NamedWeights }> {
    this.check(x, y, batch, steps);
    await ensureBackend();
    const loss = this.forwardBackward(x, y, batch, steps);
    return { loss, grads: this.params.map((p, k) => ({ name: p.name, shape: [...p.shape], data: this.grads[k].slice() })) };
  }

  /** Forward and BPTT with the training state and dropout; leaves the gradients in this.grads. */
  private forwardBackward(x: Int32Array, y: Int32Array, batch: number, steps: number): number {
    if (this.trainStreams?.batch !== batch) this.trainStreams = this.zeroStreams(batch);
    const { L, H, V } = this;
    const N = batch * steps;
    const ws = this.workspace(batch, steps);
    const streams = this.trainStreams;
    return this.withTensors((tensors, Wd) => {
      const dropout = this.opts.dropout;
      const { loss, dLogits, top, inputs } = this.forward(x, y, batch, steps, streams, ws, tensors, Wd, dropout);

      // Backward: dense, then the LSTM layers top-down.
      const dLogitsT = upload(dLogits, N, V);
      try {
        matMul(transpose(top, N, H, ws.topT), H, N, dLogitsT, this.dWd); // dWd = Yᵀ·dlogits
      } finally {
        dLogitsT.dispose();
      }
      columnSums(dLogits, N, V, this.dbd);
      const WdT = tf.transpose(Wd);
      try {
        let dY = matMul(dLogits, N, V, WdT, ws.dY); // dY = dlogits·Wdᵀ
        for (let l = L - 1; l >= 0; l--) {
          if (dropout > 0) multiply(dY, ws.masks[l], dY);
          const dX = lstmBackward(tensors[l], inputs[l], ws.tapes[l], dY, this.lstmGrads[l]);
          if (dX) dY = dX;
        }
      } finally {
        WdT.dispose();
      }
      return loss;
    });
  }

  async evalLoss(x: Int32Array, y: Int32Array, batch: number, steps: number): Promise<number> {
    this.check(x, y, batch, steps);
    await ensureBackend();
    if (this.evalStreams?.batch !== batch) this.evalStreams = this.zeroStreams(batch);
    const ws = this.workspace(batch, steps);
    const streams = this.evalStreams;
    return this.withTensors((tensors, Wd) => this.forward(x, y, batch, steps, streams, ws, tensors, Wd, 0).loss);
  }

  /**
   * The forward pass from the carried `streams` (advanced in place): each LSTM layer, its output
   * dropped out when `dropout` > 0, then the dense layer and the softmax cross-entropy. Returns
   * the loss and dlogits, the top layer's output and each layer's input (for the backward pass).
   */
  private forward(
    x: Int32Array, y: Int32Array, batch: number, steps: number, streams: Streams, ws: Workspace, tensors: LstmTensors[], Wd: tf.Tensor2D, dropout: number,
  ): { loss: number; dLogits: Float32Array; top: Float32Array; inputs: LstmInput[] } {
    const N = batch * steps;
    const inputs: LstmInput[] = [];
    let input: LstmInput = { ids: timeMajor(x, batch, steps) };
    let top: Float32Array = new Float32Array(0);
    for (let l = 0; l < this.L; l++) {
      inputs.push(input);
      top = lstmForward(this.lstm[l], tensors[l], input, streams.layers[l], ws.tapes[l]);
      if (dropout > 0) {
        this.fillDropoutMask(ws.masks[l]);
        top = multiply(top, ws.masks[l], ws.dropped[l]);
      }
      input = { x: top };
    }
    matMul(top, N, this.H, Wd, ws.logits);
    return { ...softmaxCrossEntropy(ws.logits, this.bd, timeMajor(y, batch, steps), N, this.V), top, inputs };
  }

  /** Runs `run` with the LSTM layers' and the dense kernel's tensors uploaded, disposing them after. */
  private withTensors<T>(run: (tensors: LstmTensors[], Wd: tf.Tensor2D) => T): T {
    const tensors = this.uploadLstm();
    let Wd: tf.Tensor2D | undefined;
    try {
      Wd = upload(this.Wd, this.H, this.V);
      return run(tensors, Wd);
    } finally {
      for (const t of tensors) t.dispose();
      Wd?.dispose();
    }
  }

  resetState(): void {
    this.trainStreams = undefined;
  }

  resetEvalState(): void {
    this.evalStreams = undefined;
  }

  getWeights(): NamedWeights {
    return this.params.map((p) => ({ name: p.name, shape: [...p.shape], data: p.data.slice() }));
  }

  /** Copies `w` into the model (the optimizer's moment estimates are kept). */
  setWeights(w: NamedWeights): void {
    checkWeights(w, this.V, this.H, this.L);
    const byName = weightMap(w);
    for (const p of this.params) p.data.set(byName.get(p.name)!.data);
  }

  setLearningRate(lr: number): void {
    if (!(lr >= 0)) throw new Error(`learning rate must not be negative, got ${lr}`);
    this.adam.learningRate = lr;
  }

  dispose(): void {
    this.disposed = true;
    this.work = undefined;
    this.trainStreams = undefined;
    this.evalStreams = undefined;
  }

  private check(x: Int32Array, y: Int32Array, batch: number, steps: number): void {
    if (this.disposed) throw new Error('CharRnn: used after dispose()');
    if (!Number.isInteger(batch) || !Number.isInteger(steps) || batch < 1 || steps < 1) {
      throw new Error(`CharRnn: bad batch ${batch} x steps ${steps}`);
    }
    const n = batch * steps;
    if (x.length !== n || y.length !== n) {
      throw new Error(`CharRnn: x and y need ${batch}x${steps} = ${n} ids, got ${x.length} and ${y.length}`);
    }
    for (const a of [x, y]) {
      for (let k = 0; k < n; k++) {
        if (!(a[k] >= 0 && a[k] < this.V)) throw new Error(`CharRnn: id ${a[k]} outside the vocabulary (size ${this.V})`);
      }
    }
  }

  private zeroStreams(batch: number): Streams {
    const n = batch * this.H;
    return { batch, layers: Array.from({ length: this.L }, () => ({ h: new Float32Array(n), c: new Float32Array(n) })) };
  }

  private workspace(batch: number, steps: number): Workspace {
    if (this.work?.batch !== batch || this.work.steps !== steps) {
      this.work = new Workspace(batch, steps, this.V, this.H, this.L, this.opts.dropout > 0);
    }
    return this.work;
  }

  private uploadLstm(): LstmTensors[] {
    const out: LstmTensors[] = [];
    try {
      for (let l = 0; l < this.L; l++) {
        out.push(new LstmTensors(this.lstm[l], l === 0 ? this.V : this.H, this.H, l === 0));
      }
      return out;
    } catch (e) {
      for (const t of out) t.dispose();
      throw e;
    }
  }

  /** Inverted-dropout mask: 0 with probability p, else 1/(1-p). */
  private fillDropoutMask(m: Float32Array): void {
    const p = this.opts.dropout;
    const keep = 1 / (1 - p);
    for (let k = 0; k < m.length; k++) m[k] = this.dropoutRng() < p ? 0 : keep;
  }
}

/** Buffers of one (batch, steps) size, reused from step to step (no garbage per step). */
class Workspace {
  readonly tapes: LstmTape[];
  /** [N, V] logits, turned into dlogits in place. */
  readonly logits: Float32Array;
  /** [H, N] the top layer's output, transposed. */
  readonly topT: Float32Array;
  /** [N, H] ∂loss/∂(top layer output). */
  readonly dY: Float32Array;
  /** Per layer [N, H]: dropout masks and the masked outputs (empty without dropout). */
  readonly masks: Float32Array[];
  readonly dropped: Float32Array[];

  constructor(readonly batch: number, readonly steps: number, V: number, H: number, L: number, dropout: boolean) {
    const N = batch * steps;
    this.tapes = Array.from({ length: L }, (_, l) => new LstmTape(batch, steps, H, l === 0 ? V : H, l === 0));
    this.logits = new Float32Array(N * V);
    this.topT = new Float32Array(H * N);
    this.dY = new Float32Array(N * H);
    this.masks = Array.from({ length: L }, () => new Float32Array(dropout ? N * H : 0));
    this.dropped = Array.from({ length: L }, () => new Float32Array(dropout ? N * H : 0));
  }
}

/** Makes sure a backend is initialised (the caller normally chose one with initBackend). */
async function ensureBackend(): Promise<void> {
  if (!currentBackend()) await initBackend('auto');
}

/** out = a ∘ b (element-wise; `out` may be `a`). */
function multiply(a: Float32Array, b: Float32Array, out: Float32Array): Float32Array {
  for (let k = 0; k < a.length; k++) out[k] = a[k] * b[k];
  return out;
}

function columnSums(a: Float32Array, rows: number, cols: number, out: Float32Array): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c] += a[base + c];
  }
}

/**
 * Mean cross-entropy of softmax(logits + bias) against `targets` (one per row), and its gradient
 * with respect to the logits: (p - onehot(target)) / rows. `logits` is overwritten.
 */
export function softmaxCrossEntropy(
  logits: Float32Array,
  bias: Float32Array,
  targets: Int32Array,
  rows: number,
  V: number,
): { loss: number; dLogits: Float32Array } {
  const dLogits = logits; // reused in place
  let loss = 0;
  const invN = 1 / rows;
  for (let r = 0; r < rows; r++) {
    const base = r * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) {
      const z = logits[base + v] + bias[v];
      logits[base + v] = z;
      if (z > max) max = z;
    }
    const target = targets[r];
    const zTarget = logits[base + target];
    let sum = 0;
    for (let v = 0; v < V; v++) {
      const e = Math.exp(logits[base + v] - max);
      logits[base + v] = e;
      sum += e;
    }
    // -log p[target] = log Σ e^{z-max} - (z_target - max)
    loss += Math.log(sum) - (zTarget - max);
    const scale = invN / sum;
    for (let v = 0; v < V; v++) dLogits[base + v] = logits[base + v] * scale;
    dLogits[base + target] -= invN;
  }
  return { loss: loss * invN, dLogits };
}
