/**
 * The mixer's second layer: a log-linear (geometric) mixture of the linear mixture and each
 * expert's distribution,
 *
 *     p(c) ∝ exp( Σ_j w_j · log q_j(c) ),   q = [linear mixture, n-gram, cache, LSTM],
 *
 * with a weight set per context group (how sure the LSTM is, how long a context the document cache
 * matched, and how much better than the n-gram the cache has been on this document's last
 * characters). It is the many-class form of the logistic mixing of paq/cmix: where the experts
 * agree it sharpens, where one has been right lately it leans on it, and the linear layer below
 * keeps every character possible (its q is never zero). Weights (1, 0, 0, …) are the linear
 * mixture itself, which is what a group the fit never saw keeps.
 *
 * Fitted by Newton's method per group on held-out characters (the negative log-likelihood is
 * convex in w), pulled toward (1, 0, …) by a ridge term so that small groups stay close to the
 * linear mixture. The fit keeps, per character, only the CANDIDATES most probable characters
 * (and the true one) plus the rest's total mass as one more class: the rest is where the experts
 * put almost nothing, and the full vocabulary (hundreds of symbols on some workspaces) would cost
 * far more memory.
 */
import { CACHE_ORDER_EDGES, ENTROPY_EDGES, entropyLevel, level, type ExpertName, type MixFeatures } from './features';
import { runSteps, type Steps } from '../util/steps';
import { logSoftmaxInto } from '../util/logSoftmax';

export const LAYER_VERSION = 1;
export type LayerInput = 'mix' | ExpertName;
/** The inputs, in this order, of a layer with and without the LSTM. */
export const LAYER_INPUTS: Record<'all' | 'counts', LayerInput[]> = { all: ['mix', 'ngram', 'cache', 'lstm'], counts: ['mix', 'ngram', 'cache'] };
/** Characters kept per fit sample (besides the rest's mass). */
export const CANDIDATES = 32;
/** The decay of the running advantage of the cache over the n-gram (per character; a running mean of natural-log ratios). */
export const ADVANTAGE_DECAY = 1 / 16;

const ADV_EDGES = [-2, -0.5, 0.5, 2];
export const LAYER_GROUPS = (ENTROPY_EDGES.length + 1) * (CACHE_ORDER_EDGES.length + 1) * (ADV_EDGES.length + 1);
/** Ridge strength toward the linear mixture, and the fewest characters a group is fitted on. */
const RIDGE = 5;
const MIN_GROUP = 50;
const NEWTON_STEPS = 8;
/** Weights stay within ±MAX_WEIGHT (a checkpoint with larger ones is refused as damaged). */
const MAX_WEIGHT = 20;

export interface LayerJson {
  version: number;
  inputs: LayerInput[];
  groups: number;
  /** groups x inputs, row-major. */
  weights: number[];
}

export function layerGroup(f: MixFeatures): number {
  const h = entropyLevel(f.lstmEntropy);
  return (h * (CACHE_ORDER_EDGES.length + 1) + level(f.cacheOrder, CACHE_ORDER_EDGES)) * (ADV_EDGES.length + 1) + level(f.cacheAdvantage, ADV_EDGES);
}

/** The running advantage after a character that the cache gave `pCache` and the n-gram `pNgram`. */
export function nextAdvantage(adv: number, pCache: number, pNgram: number): number {
  const d = Math.log(Math.max(pCache, 1e-30)) - Math.log(Math.max(pNgram, 1e-30));
  return adv + (d - adv) * ADVANTAGE_DECAY;
}

export function checkLayerJson(j: unknown): asserts j is LayerJson {
  const l = j as LayerJson;
  if (!l || typeof l !== 'object') throw new Error('the mixer layer is not an object');
  if (l.version !== LAYER_VERSION) throw new Error(`mixer layer version ${String(l.version)} is not supported`);
  const known: readonly string[] = LAYER_INPUTS.all;
  if (!Array.isArray(l.inputs) || l.inputs[0] !== 'mix' || !l.inputs.every((i) => known.includes(i)) || new Set(l.inputs).size !== l.inputs.length) {
    throw new Error('the mixer layer names unknown inputs');
  }
  if (l.groups !== LAYER_GROUPS) throw new Error(`the mixer layer has ${String(l.groups)} groups, expected ${LAYER_GROUPS}`);
  if (!Array.isArray(l.weights) || l.weights.length !== LAYER_GROUPS * l.inputs.length || !l.weights.every((w) => Number.isFinite(w) && Math.abs(w) <= MAX_WEIGHT)) {
    throw new Error('the mixer layer weights are malformed');
  }
}

/**
 * Fit samples: per character, the experts' probabilities of CANDIDATES characters (the true one
 * first) and of the rest together, and the group. The linear mixture's share is computed from
 * these once the linear layer is fitted.
 */
export interface LayerSamples {
  /** The experts, in the order of `probs`' columns. */
  experts: ExpertName[];
  /** Classes per sample: CANDIDATES + 1 (the last is the rest). */
  classes: number;
  /** samples x classes x experts, row-major; class 0 is the true character. */
  probs: Float32Array;
  groups: Int32Array;
  /** The sample's row in the linear layer's samples (its bucket and prior are there). */
  rows: Int32Array;
  length: number;
}

/** Collects layer samples one character at a time (`add`), up to `capacity`. */
export class LayerSampleBuilder {
  private readonly classes: number;
  private readonly probs: Float32Array;
  private readonly groups: Int32Array;
  private readonly rows: Int32Array;
  private n = 0;
  private readonly top: Int32Array;
  private readonly score: Float64Array;

  constructor(readonly experts: ExpertName[], readonly vocabSize: number, readonly capacity: number) {
    this.classes = Math.min(CANDIDATES, vocabSize) + 1;
    const E = experts.length;
    this.probs = new Float32Array(capacity * this.classes * E);
    this.groups = new Int32Array(capacity);
    this.rows = new Int32Array(capacity);
    this.top = new Int32Array(this.classes - 1);
    this.score = new Float64Array(vocabSize);
  }

  get full(): boolean {
    return this.n >= this.capacity;
  }

  /** One character: each expert's full distribution (indexed like `experts`), the true id. */
  add(dists: readonly ArrayLike<number>[], truth: number, group: number, row: number): void {
    if (this.full) return;
    const V = this.vocabSize;
    const E = this.experts.length;
    const C = this.classes - 1;
    // The candidates: the true character, then the most probable under any expert.
    const s = this.score;
    for (let v = 0; v < V; v++) {
      let m = 0;
      for (let e = 0; e < E; e++) if (dists[e][v] > m) m = dists[e][v];
      s[v] = m;
    }
    s[truth] = Infinity;
    topK(s, C, this.top);
    const base = this.n * this.classes * E;
    for (let e = 0; e < E; e++) {
      let kept = 0;
      for (let k = 0; k < C; k++) {
        const p = dists[e][this.top[k]];
        this.probs[base + k * E + e] = p;
        kept += p;
      }
      this.probs[base + C * E + e] = Math.max(1 - kept, 1e-12);
    }
    this.groups[this.n] = group;
    this.rows[this.n] = row;
    this.n++;
  }

  build(): LayerSamples {
    const E = this.experts.length;
    return {
      experts: this.experts, classes: this.classes, probs: this.probs.subarray(0, this.n * this.classes * E),
      groups: this.groups.subarray(0, this.n), rows: this.rows.subarray(0, this.n), length: this.n,
    };
  }
}

/** Indices of the k largest of `s` into `out` (descending; s[truth] = Infinity comes first). */
function topK(s: Float64Array, k: number, out: Int32Array): void {
  let n = 0;
  for (let v = 0; v < s.length; v++) {
    const x = s[v];
    if (n === k && x <= s[out[k - 1]]) continue;
    let i = n < k ? n++ : k - 1;
    while (i > 0 && s[out[i - 1]] < x) {
      out[i] = out[i - 1];
      i--;
    }
    out[i] = v;
  }
}

/** Per sample and class, the inputs' log-probabilities (mix first), given the linear layer's weights per sample. */
function inputLogs(s: LayerSamples, inputs: readonly LayerInput[], linear: (t: number, w: Float64Array) => void): Float64Array {
  const E = s.experts.length;
  const K = inputs.length;
  const C = s.classes;
  const cols = inputs.map((i) => (i === 'mix' ? -1 : s.experts.indexOf(i)));
  const out = new Float64Array(s.length * C * K);
  const w = new Float64Array(E);
  for (let t = 0; t < s.length; t++) {
    linear(t, w);
    for (let c = 0; c < C; c++) {
      const p = s.probs.subarray((t * C + c) * E, (t * C + c + 1) * E);
      for (let k = 0; k < K; k++) {
        let q = 0;
        if (cols[k] < 0) for (let e = 0; e < E; e++) q += w[e] * p[e];
        else q = p[cols[k]];
        out[(t * C + c) * K + k] = Math.log(Math.max(q, 1e-30));
      }
    }
  }
  return out;
}

/**
 * Fits the layer on `s` (samples whose linear-layer weights `linear` writes, indexed like
 * `s.experts`), for the inputs named; also returns the fit's bits/char on `s`.
 */
export function fitLayer(s: LayerSamples, inputs: LayerInput[], linear: (t: number, w: Float64Array) => void): LayerJson {
  return runSteps(fitLayerSteps(s, inputs, linear));
}

/** fitLayer, yielding after each Newton step. */
export function* fitLayerSteps(s: LayerSamples, inputs: LayerInput[], linear: (t: number, w: Float64Array) => void): Steps<LayerJson> {
  const K = inputs.length;
  const C = s.classes;
  const logs = inputLogs(s, inputs, linear);
  const W = new Float64Array(LAYER_GROUPS * K);
  for (let g = 0; g < LAYER_GROUPS; g++) W[g * K] = 1;
  const byGroup: number[][] = Array.from({ length: LAYER_GROUPS }, () => []);
  for (let t = 0; t < s.length; t++) byGroup[s.groups[t]].push(t);
  const q = new Float64Array(C);
  const mean = new Float64Array(K);
  for (let g = 0; g < LAYER_GROUPS; g++) {
    const rows = byGroup[g];
    if (rows.length < MIN_GROUP) continue;
    const w = W.subarray(g * K, (g + 1) * K);
    for (let it = 0; it < NEWTON_STEPS; it++) {
      yield;
      const grad = new Float64Array(K);
      const hess = new Float64Array(K * K);
      for (const t of rows) {
        softmaxInto(logs, t, C, K, w, q);
        mean.fill(0);
        for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) mean[k] += q[c] * logs[(t * C + c) * K + k];
        for (let k = 0; k < K; k++) grad[k] += mean[k] - logs[t * C * K + k];
        for (let c = 0; c < C; c++) {
          if (q[c] < 1e-9) continue;
          for (let k = 0; k < K; k++) {
            const dk = logs[(t * C + c) * K + k] - mean[k];
            for (let l = 0; l <= k; l++) hess[k * K + l] += q[c] * dk * (logs[(t * C + c) * K + l] - mean[l]);
          }
        }
      }
      for (let k = 0; k < K; k++) for (let l = 0; l < k; l++) hess[l * K + k] = hess[k * K + l];
      for (let k = 0; k < K; k++) {
        hess[k * K + k] += RIDGE;
        grad[k] += RIDGE * (w[k] - (k === 0 ? 1 : 0));
      }
      const step = solve(hess, grad, K);
      if (!step) break;
      // Damped: halve the step until the penalised loss does not grow (Newton can overshoot on
      // tiny or degenerate groups).
      const before = groupLoss(logs, rows, C, K, w, q);
      const start = w.slice();
      let accepted = false;
      for (let scale = 1; scale > 1 / 64 && !accepted; scale /= 2) {
        for (let k = 0; k < K; k++) w[k] = start[k] - scale * step[k];
        accepted = w.every((x) => Number.isFinite(x) && Math.abs(x) <= MAX_WEIGHT) && groupLoss(logs, rows, C, K, w, q) <= before;
      }
      if (!accepted) {
        w.set(start);
        break;
      }
    }
  }
  return { version: LAYER_VERSION, inputs: [...inputs], groups: LAYER_GROUPS, weights: [...W].map((x) => Math.round(x * 1e6) / 1e6) };
}

/** Bits/char of the layer on samples (the true character is class 0). */
export function layerBitsPerChar(s: LayerSamples, layer: LayerJson, linear: (t: number, w: Float64Array) => void): number {
  const K = layer.inputs.length;
  const C = s.classes;
  const logs = inputLogs(s, layer.inputs, linear);
  const q = new Float64Array(C);
  let bits = 0;
  for (let t = 0; t < s.length; t++) {
    softmaxInto(logs, t, C, K, layer.weights.slice(s.groups[t] * K, (s.groups[t] + 1) * K), q);
    bits -= Math.log2(q[0]);
  }
  return s.length ? bits / s.length : NaN;
}

/** The group's negative log-likelihood plus the ridge term. */
function groupLoss(logs: Float64Array, rows: readonly number[], C: number, K: number, w: Float64Array, q: Float64Array): number {
  let loss = 0;
  for (const t of rows) {
    softmaxInto(logs, t, C, K, w, q);
    loss -= Math.log(Math.max(q[0], 1e-300));
  }
  for (let k = 0; k < K; k++) loss += (RIDGE / 2) * (w[k] - (k === 0 ? 1 : 0)) ** 2;
  return loss;
}

function softmaxInto(logs: Float64Array, t: number, C: number, K: number, w: ArrayLike<number>, q: Float64Array): void {
  let max = -Infinity;
  for (let c = 0; c < C; c++) {
    let z = 0;
    for (let k = 0; k < K; k++) z += w[k] * logs[(t * C + c) * K + k];
    q[c] = z;
    if (z > max) max = z;
  }
  let sum = 0;
  for (let c = 0; c < C; c++) sum += q[c] = Math.exp(q[c] - max);
  for (let c = 0; c < C; c++) q[c] /= sum;
}

/** Solves A x = b (A symmetric positive definite, K x K) by Gaussian elimination; undefined when singular. */
function solve(A: Float64Array, b: Float64Array, K: number): Float64Array | undefined {
  const a = A.slice();
  const y = b.slice();
  for (let i = 0; i < K; i++) {
    const p = a[i * K + i];
    if (!(Math.abs(p) > 1e-12)) return undefined;
    for (let j = i + 1; j < K; j++) {
      const f = a[j * K + i] / p;
      for (let k = i; k < K; k++) a[j * K + k] -= f * a[i * K + k];
      y[j] -= f * y[i];
    }
  }
  const x = new Float64Array(K);
  for (let i = K - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < K; k++) s -= a[i * K + k] * x[k];
    x[i] = s / a[i * K + i];
  }
  return Number.isFinite(x.reduce((m, v) => m + Math.abs(v), 0)) ? x : undefined;
}

/**
 * Applies the layer: `out` holds the linear mixture's probabilities on entry and the layer's
 * log-probabilities on return. `expert(name)` gives an input's probabilities (the LSTM's as
 * log-probabilities through `lstmLogp`).
 */
export function applyLayer(
  layer: LayerJson,
  group: number,
  linear: Float64Array,
  inputs: { ngram?: Float64Array; cache?: Float64Array; lstmLogp?: Float32Array },
  out: Float32Array,
): void {
  const K = layer.inputs.length;
  const V = out.length;
  // The inputs weighted in this group, resolved once: their weight, their distribution and whether
  // it holds log-probabilities (the LSTM's) or probabilities. An absent expert counts for nothing.
  const terms: { w: number; q: ArrayLike<number>; isLog: boolean }[] = [];
  for (let k = 0; k < K; k++) {
    const w = layer.weights[group * K + k];
    const name = layer.inputs[k];
    const q = name === 'mix' ? linear : name === 'ngram' ? inputs.ngram : name === 'cache' ? inputs.cache : inputs.lstmLogp;
    if (w !== 0 && q) terms.push({ w, q, isLog: name === 'lstm' });
  }
  let max = -Infinity;
  for (let v = 0; v < V; v++) {
    let z = 0;
    for (const t of terms) {
      const l = t.isLog ? t.q[v] : Math.log(t.q[v]);
      // log 0 = -Infinity would swamp the other inputs: e^-69 is as good as nothing.
      z += t.w * Math.max(l, -69);
    }
    // The mixture's own entry at v has been read: its slot holds the score from here on.
    linear[v] = z;
    if (z > max) max = z;
  }
  logSoftmaxInto(linear, max, out);
}
