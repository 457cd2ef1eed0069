/**
 * The CharRNN forward pass for inference, on typed arrays: gate math in JS loops, the big
 * products on a MatMulEngine (tfjs-backend-wasm's XNNPACK kernel, or plain JS), batched over
 * the states given (the beam candidates): one product per weight matrix per step.
 *
 * Layout (src/core/lstm/weights.ts, gate order in src/core/lstm/lstmGates.ts): sigmoid gates, tanh cell;
 * layer 0's input is one-hot, so its input projection is a row of `lstm_0/kernel`.
 *
 * `readSequence` reads a whole prefix layer by layer: layer 0 step by step, then each upper
 * layer's input projection for a chunk of steps as one product, then its recurrence. That is the
 * cold path (nothing cached); `advance` is the beam path.
 */
import type { CharModel } from '../contracts/charModel';
import { createMatMul, type EngineKind, type Matrix, type MatMulEngine } from './matMulEngine';
import { gateColumns, gateOffsets } from './lstmGates';
import { DENSE_WEIGHT_NAMES, checkWeights, lstmWeightNames, weightMap, type NamedWeights } from './weights';
import { logSoftmaxInto } from '../util/logSoftmax';
import { sigmoid, tanh } from './engine/fastMath';

/** Immutable per-layer hidden and cell states. `logp` memoises the next-char distribution. */
export interface LstmState {
  readonly h: readonly Float32Array[];
  readonly c: readonly Float32Array[];
  /** @internal memo of logProbs (natural log), computed on first request. */
  logp?: Float32Array;
}

export interface LstmShape {
  vocabSize: number;
  lstmSize: number;
  numLayers: number;
}

/** A model that can read a whole sequence faster than one `advance` per character. */
export interface SequenceReader<S> {
  /**
   * Reads `ids` from `state`. `shouldStop` is polled between chunks; when it returns true the
   * read stops early and `read` tells how many ids were consumed (the state is after those).
   */
  readSequence(state: S, ids: ArrayLike<number>, shouldStop?: () => boolean): { state: S; read: number };
}

const CHUNK = 64;

interface Layer {
  /** Input projection: layer 0 keeps it in JS (row lookup), upper layers as a product. */
  kernelRows?: Float32Array;
  kernel?: Matrix;
  recurrent: Matrix;
  bias: Float32Array;
}

export class LstmModel implements CharModel<LstmState>, SequenceReader<LstmState> {
  readonly vocabSize: number;
  readonly lstmSize: number;
  readonly numLayers: number;
  /** Character steps computed so far (one per state per character; for tests and benchmarks). */
  steps = 0;
  private readonly layers: Layer[] = [];
  private readonly dense: Matrix;
  private readonly denseBias: Float32Array;
  private initial: LstmState | undefined;
  // Scratch buffers, grown on demand.
  private bufA = new Float32Array(0);
  private bufG = new Float32Array(0);
  private bufX = new Float32Array(0);

  private constructor(shape: LstmShape, weights: NamedWeights, readonly engine: MatMulEngine) {
    const { vocabSize: V, lstmSize: H, numLayers: L } = shape;
    checkWeights(weights, V, H, L);
    this.vocabSize = V;
    this.lstmSize = H;
    this.numLayers = L;
    const w = weightMap(weights);
    const get = (n: string) => w.get(n)!.data;
    const G = gateColumns(H);
    for (let l = 0; l < L; l++) {
      const names = lstmWeightNames(l);
      const layer: Layer = {
        recurrent: engine.matrix(get(names.recurrentKernel), H, G),
        bias: Float32Array.from(get(names.bias)),
      };
      if (l === 0) layer.kernelRows = Float32Array.from(get(names.kernel));
      else layer.kernel = engine.matrix(get(names.kernel), H, G);
      this.layers.push(layer);
    }
    this.dense = engine.matrix(get(DENSE_WEIGHT_NAMES.kernel), H, V);
    this.denseBias = Float32Array.from(get(DENSE_WEIGHT_NAMES.bias));
  }

  /** Builds the model on an existing engine (the engine stays owned by the caller). */
  static fromWeights(shape: LstmShape, weights: NamedWeights, engine: MatMulEngine): LstmModel {
    return new LstmModel(shape, weights, engine);
  }

  /** Builds the model on a new engine of the given kind; `dispose()` releases it. */
  static async create(shape: LstmShape, weights: NamedWeights, kind: EngineKind = 'auto', log?: (m: string) => void): Promise<LstmModel> {
    const engine = await createMatMul(kind, log);
    try {
      const m = new LstmModel(shape, weights, engine);
      m.ownsEngine = true;
      return m;
    } catch (e) {
      engine.dispose();
      throw e;
    }
  }

  private ownsEngine = false;

  dispose(): void {
    if (this.ownsEngine) this.engine.dispose();
  }

  initialState(): LstmState {
    if (!this.initial) {
      const z = () => new Float32Array(this.lstmSize);
      this.initial = {
        h: Array.from({ length: this.numLayers }, z),
        c: Array.from({ length: this.numLayers }, z),
      };
    }
    return this.initial;
  }

  private scratch(name: 'bufA' | 'bufG' | 'bufX', size: number): Float32Array {
    if (this[name].length < size) this[name] = new Float32Array(Math.max(size, this[name].length * 2));
    return this[name];
  }

  /**
   * Gate math for `m` rows: gates[r] (4H, pre-activation, bias not yet added) with the previous
   * cell state cPrev(r) → writes new h and c into hOut(r), cOut(r).
   */
  private cell(gates: Float32Array, m: number, bias: Float32Array, cPrev: (r: number) => Float32Array,
    hOut: (r: number) => Float32Array, cOut: (r: number) => Float32Array): void {
    const H = this.lstmSize;
    const { i: I, f: F, g: Gc, o: O } = gateOffsets(H);
    for (let r = 0; r < m; r++) {
      const g0 = r * gateColumns(H);
      const cp = cPrev(r);
      const hn = hOut(r);
      const cn = cOut(r);
      for (let j = 0; j < H; j++) {
        const i = sigmoid(gates[g0 + I + j] + bias[I + j]);
        const f = sigmoid(gates[g0 + F + j] + bias[F + j]);
        const g = tanh(gates[g0 + Gc + j] + bias[Gc + j]);
        const o = sigmoid(gates[g0 + O + j] + bias[O + j]);
        const c = f * cp[j] + i * g;
        cn[j] = c;
        hn[j] = o * tanh(c);
      }
    }
  }

  /** Adds row `id` of layer 0's input kernel to gates[r]. */
  private addInputRow(gates: Float32Array, r: number, id: number): void {
    const H4 = gateColumns(this.lstmSize);
    const k = this.layers[0].kernelRows!;
    const ko = id * H4;
    const go = r * H4;
    for (let j = 0; j < H4; j++) gates[go + j] += k[ko + j];
  }

  advance(states: LstmState[], ids: number[]): LstmState[] {
    const m = states.length;
    if (m !== ids.length) throw new Error('advance: states and ids differ in length');
    if (m === 0) return [];
    const H = this.lstmSize;
    const L = this.numLayers;
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new Error(`advance: character id ${id} is out of range`);
    }
    const out = states.map(() => ({ h: [] as Float32Array[], c: [] as Float32Array[] }));
    const H4 = gateColumns(H);
    const A = this.scratch('bufA', m * H);
    const G = this.scratch('bufG', m * H4);
    const X = this.scratch('bufX', m * H4);
    for (let l = 0; l < L; l++) {
      const layer = this.layers[l];
      for (let r = 0; r < m; r++) A.set(states[r].h[l], r * H);
      this.engine.multiply(layer.recurrent, A, m, G);
      if (l === 0) {
        for (let r = 0; r < m; r++) this.addInputRow(G, r, ids[r]);
      } else {
        for (let r = 0; r < m; r++) A.set(out[r].h[l - 1], r * H);
        this.engine.multiply(layer.kernel!, A, m, X);
        for (let i = 0; i < m * H4; i++) G[i] += X[i];
      }
      for (let r = 0; r < m; r++) {
        out[r].h.push(new Float32Array(H));
        out[r].c.push(new Float32Array(H));
      }
      this.cell(G, m, layer.bias, (r) => states[r].c[l], (r) => out[r].h[l], (r) => out[r].c[l]);
    }
    this.steps += m;
    return out;
  }

  logProbs(states: LstmState[]): Float32Array[] {
    const todo = states.filter((s) => !s.logp);
    const m = todo.length;
    if (m > 0) {
      const H = this.lstmSize;
      const V = this.vocabSize;
      const A = this.scratch('bufA', m * H);
      const Z = this.scratch('bufG', m * V);
      for (let r = 0; r < m; r++) A.set(todo[r].h[this.numLayers - 1], r * H);
      this.engine.multiply(this.dense, A, m, Z);
      for (let r = 0; r < m; r++) {
        const lp = new Float32Array(V);
        let max = -Infinity;
        for (let v = 0; v < V; v++) {
          const z = Z[r * V + v] + this.denseBias[v];
          lp[v] = z;
          if (z > max) max = z;
        }
        logSoftmaxInto(lp, max, lp);
        todo[r].logp = lp;
      }
    }
    return states.map((s) => s.logp!);
  }

  readSequence(state: LstmState, ids: ArrayLike<number>, shouldStop?: () => boolean): { state: LstmState; read: number } {
    const H = this.lstmSize;
    const L = this.numLayers;
    const H4 = gateColumns(H);
    const h = state.h.map((x) => Float32Array.from(x));
    const c = state.c.map((x) => Float32Array.from(x));
    let read = 0;
    const X = this.scratch('bufX', CHUNK * H4);
    // Outputs of the layer below for the current chunk, [T, H].
    const below = new Float32Array(CHUNK * H);
    const g1 = new Float32Array(H4);
    while (read < ids.length) {
      if (shouldStop?.()) break;
      const T = Math.min(CHUNK, ids.length - read);
      for (let t = 0; t < T; t++) {
        const id = ids[read + t];
        if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new Error(`readSequence: character id ${id} is out of range`);
      }
      for (let l = 0; l < L; l++) {
        const layer = this.layers[l];
        if (l > 0) this.engine.multiply(layer.kernel!, below, T, X);
        const hl = h[l];
        const cl = c[l];
        for (let t = 0; t < T; t++) {
          this.engine.multiply(layer.recurrent, hl, 1, g1);
          if (l === 0) {
            const k = layer.kernelRows!;
            const ko = ids[read + t] * H4;
            for (let j = 0; j < H4; j++) g1[j] += k[ko + j];
          } else {
            const xo = t * H4;
            for (let j = 0; j < H4; j++) g1[j] += X[xo + j];
          }
          this.cell(g1, 1, layer.bias, () => cl, () => hl, () => cl);
          below.set(hl, t * H);
        }
      }
      read += T;
      this.steps += T;
    }
    if (read === 0) return { state, read: 0 };
    return { state: { h, c }, read };
  }
}
