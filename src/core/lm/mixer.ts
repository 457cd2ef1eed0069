/**
 * The mixer: per character, a linear mixture p = Σ w_i p_i of the experts' distributions, with a
 * weight set chosen by the context: how long a context the workspace n-gram matched, how long
 * the document cache matched and whether that context was always followed by the same
 * character, and how sure the LSTM is (its entropy). A linear mixture of distributions is a
 * distribution, and it is never zero where an expert is not.
 *
 * Weights are fitted by EM on held-out text (the validation split): each bucket's weights are
 * the posterior responsibilities of the experts for the true characters of that bucket, pulled
 * toward a prior of PRIOR pseudo-counts so that rare buckets stay sane: the parameter-free rule
 * (each count model weighs by the length of the context it matched), averaged over the bucket's
 * characters, with the LSTM given its share of the global fit (an LSTM that has not learnt much
 * gets little weight anywhere, also where the fit saw few characters). A bucket the fit never saw keeps no weights, and the rule answers there; the rule
 * also stands in where there is no fit at all.
 *
 * A fitted mixer may carry a second, log-linear layer over this one (`layer`, ./logLinear.ts).
 *
 * How the features are cut into buckets is the mixer's `layout` (MixerLayout): the trained
 * mixtures use 'orders'; the base model's serving mixer (base CharRNN + cache, ../baseServing.ts)
 * uses 'cache-doubt', which also tells a cache that is sure to one part in a million from one that
 * is sure to one in ten, and whether the character before is an identifier character.
 */
import { CACHE_ORDER_EDGES, ENTROPY_EDGES, entropyLevel, EXPERTS, level, type ExpertName, type MixFeatures } from './features';
import { checkLayerJson, type LayerJson } from './logLinear';
import { isWordChar } from '../text/tokens';
import { runSteps, type Steps } from '../util/steps';

export const MIXER_VERSION = 1;
const PRIOR = 16;
const EM_ITERATIONS = 40;

/**
 * How a mixer cuts the features into buckets (MixerJson.layout):
 * - 'orders' (absent in the JSON, as in every mixer before it had a name): the n-gram's and the
 *   cache's matched orders, whether the cache's longest context had one follower, the LSTM's
 *   entropy, and each count model's largest probability (at 0.4, 0.7, 0.9).
 * - 'cache-doubt': the same, with the cache's largest probability also cut above 0.9 by decades
 *   of its doubt (1 − max: 1e-2 … 1e-6), and whether the character before is an identifier
 *   character. A cache whose every matched order saw one follower (an identifier seen before, being
 *   copied) is sure to 1e-5 or better and right 96-99% of the time on held-out code, one whose max
 *   is just over 0.9 about 70%; the 'orders' layout gives both one weight, which held-out positions
 *   then set near 0.7: too little to complete a twice-seen identifier (BENCHMARKS.md, issue 18).
 */
export type MixerLayout = 'orders' | 'cache-doubt';
export const MIXER_LAYOUTS: readonly MixerLayout[] = ['orders', 'cache-doubt'];

const NG_EDGES = [4, 6, 8, 10, 12]; // ≤3, 4-5, 6-7, 8-9, 10-11, 12+
const P_EDGES = [0.4, 0.7, 0.9];
/** The cache's largest probability in the 'cache-doubt' layout: P_EDGES, then 1 − 1e-2 … 1 − 1e-6. */
const CACHE_DOUBT_EDGES = [...P_EDGES, 0.99, 0.999, 0.9999, 0.99999, 0.999999];
const P = P_EDGES.length + 1;
/** Buckets of the 'orders' layout. */
export const BUCKETS = (NG_EDGES.length + 1) * (CACHE_ORDER_EDGES.length + 1) * 2 * (ENTROPY_EDGES.length + 1) * P ** 2;

/** The number of buckets of a layout. */
export function bucketCount(layout: MixerLayout = 'orders'): number {
  return layout === 'orders' ? BUCKETS : (BUCKETS / P) * (CACHE_DOUBT_EDGES.length + 1) * 2;
}

export function bucketOf(f: MixFeatures, layout: MixerLayout = 'orders'): number {
  const ng = level(f.ngramOrder, NG_EDGES);
  const ca = level(f.cacheOrder, CACHE_ORDER_EDGES);
  const det = f.cacheOrder >= 3 && f.cacheDistinct === 1 ? 1 : 0;
  const h = entropyLevel(f.lstmEntropy);
  const pn = level(f.ngramMax, P_EDGES);
  const context = (((ng * (CACHE_ORDER_EDGES.length + 1) + ca) * 2 + det) * (ENTROPY_EDGES.length + 1) + h) * P + pn;
  if (layout === 'orders') return context * P + level(f.cacheMax, P_EDGES);
  return (context * (CACHE_DOUBT_EDGES.length + 1) + level(f.cacheMax, CACHE_DOUBT_EDGES)) * 2 + (f.afterWord ? 1 : 0);
}

/** Per symbol id (and the start-of-document symbol after them): 1 for an identifier character. */
export function wordTable(chars: readonly string[]): Uint8Array {
  const t = new Uint8Array(chars.length + 1);
  chars.forEach((c, i) => (t[i] = isWordChar(c) ? 1 : 0));
  return t;
}

/** Whether the last symbol of `ctx` (ids as UTF-16 units) is an identifier character, by `table` (wordTable). */
export function endsInWord(ctx: string, table: Uint8Array): boolean {
  return ctx.length > 0 && table[ctx.charCodeAt(ctx.length - 1)] === 1;
}

export interface MixerJson {
  version: number;
  /** The experts mixed, in the order of each bucket's weights. */
  experts: ExpertName[];
  buckets: number;
  /** buckets x experts, row-major. */
  weights: number[];
  /** Held-out bits/char of each expert and of the mixture, measured when the mixer was fitted. */
  bitsPerChar?: Partial<Record<ExpertName | 'mixture', number>>;
  /** Characters the fit used. */
  chars?: number;
  /** The LSTM's weight in the global fit: its share where the rule answers. */
  lstmShare?: number;
  /** The second, log-linear layer on top of this linear one (./logLinear.ts); absent in older checkpoints. */
  layer?: LayerJson;
  /** How the features are cut into buckets (absent: 'orders'). */
  layout?: MixerLayout;
}

/**
 * The rule's weights (indexed like `experts`) with the LSTM's share set to `share` and the count
 * models sharing the rest in the rule's proportions. Writes into `out`.
 */
export function withLstmShare(rule: ArrayLike<number>, lstmCol: number, share: number | undefined, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = rule[i];
  if (lstmCol < 0 || share === undefined) return;
  let counts = 0;
  for (let i = 0; i < out.length; i++) if (i !== lstmCol) counts += out[i];
  // No count model answers here: the LSTM alone (as the rule says).
  if (!(counts > 0)) return;
  for (let i = 0; i < out.length; i++) out[i] = i === lstmCol ? share : (out[i] / counts) * (1 - share);
}

/** Mixture weights (summing to 1) for the present experts; `out` is indexed like EXPERTS. */
export interface Mixer {
  readonly fitted: boolean;
  weights(f: MixFeatures, present: readonly boolean[], out: Float64Array): void;
}

/** The parameter-free rule: weight by matched order (the LSTM as a 6-gram's worth). */
export const ORDER_RULE: Mixer = {
  fitted: false,
  weights(f, present, out) {
    out[0] = present[0] ? 1 + Math.max(0, f.ngramOrder) : 0;
    out[1] = present[1] && f.cacheOrder >= 3 ? (1 + f.cacheOrder) * (f.cacheDistinct === 1 ? 2 : 1) : 0;
    out[2] = present[2] ? 6 : 0;
    if (!normalise(out)) {
      for (let i = 0; i < out.length; i++) out[i] = present[i] ? 1 : 0;
      normalise(out);
    }
  },
};

export class FittedMixer implements Mixer {
  readonly fitted = true;
  private readonly slot: number[];

  constructor(readonly json: MixerJson) {
    checkMixerJson(json);
    this.slot = EXPERTS.map((e) => json.experts.indexOf(e));
  }

  weights(f: MixFeatures, present: readonly boolean[], out: Float64Array): void {
    const E = this.json.experts.length;
    const row = bucketOf(f, this.json.layout) * E;
    for (let i = 0; i < EXPERTS.length; i++) {
      const s = this.slot[i];
      out[i] = present[i] && s >= 0 ? this.json.weights[row + s] : 0;
    }
    if (!normalise(out)) {
      ORDER_RULE.weights(f, present, out);
      if (present[2]) withLstmShare(out.slice(), 2, this.json.lstmShare, out);
    }
  }
}

/** Scales `w` to sum to 1; false when it sums to 0. */
function normalise(w: Float64Array): boolean {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i];
  if (!(s > 0)) return false;
  for (let i = 0; i < w.length; i++) w[i] /= s;
  return true;
}

export function checkMixerJson(j: unknown): asserts j is MixerJson {
  const m = j as MixerJson;
  if (!m || typeof m !== 'object') throw new Error('the mixer is not an object');
  if (m.version !== MIXER_VERSION) throw new Error(`mixer version ${String(m.version)} is not supported`);
  if (!Array.isArray(m.experts) || m.experts.length === 0 || !m.experts.every((e) => (EXPERTS as readonly string[]).includes(e))) {
    throw new Error('the mixer names unknown experts');
  }
  if (m.layout !== undefined && !MIXER_LAYOUTS.includes(m.layout)) throw new Error(`mixer layout ${String(m.layout)} is not supported`);
  const buckets = bucketCount(m.layout);
  if (m.buckets !== buckets) throw new Error(`the mixer has ${String(m.buckets)} buckets, expected ${buckets}`);
  if (m.lstmShare !== undefined && !(typeof m.lstmShare === 'number' && m.lstmShare >= 0 && m.lstmShare <= 1)) throw new Error('the mixer LSTM share is malformed');
  if (!Array.isArray(m.weights) || m.weights.length !== buckets * m.experts.length || !m.weights.every((w) => Number.isFinite(w) && w >= 0)) {
    throw new Error('the mixer weights are malformed');
  }
  if (m.layer !== undefined) {
    checkLayerJson(m.layer);
    if (!m.layer.inputs.every((i) => i === 'mix' || m.experts.includes(i))) throw new Error('the mixer layer mixes an expert the mixer does not have');
  }
}

/** Held-out samples for a fit: per character, each expert's probability of the true character. */
export interface MixSamples {
  experts: ExpertName[];
  /** chars x experts, row-major. */
  probs: Float64Array;
  buckets: Int32Array;
  length: number;
  /** chars x experts: the parameter-free rule's weights for each character (the fit's prior). */
  prior?: Float64Array;
  /** The layout `buckets` are in (absent: 'orders'). */
  layout?: MixerLayout;
}

/** EM fit of the per-bucket weights; returns the mixer and the fit's bits/char. */
export function fitMixer(s: MixSamples): MixerJson {
  return runSteps(fitMixerSteps(s));
}

/** fitMixer, yielding after each EM iteration. */
export function* fitMixerSteps(s: MixSamples): Steps<MixerJson> {
  const E = s.experts.length;
  const N = s.length;
  const global = new Float64Array(E).fill(1 / E);
  const resp = new Float64Array(E);
  // Global weights first.
  for (let it = 0; it < EM_ITERATIONS; it++) {
    const acc = new Float64Array(E);
    for (let t = 0; t < N; t++) if (responsibilities(s.probs, t, E, global, 0, resp)) addTo(acc, resp);
    normaliseInto(acc, global);
    yield;
  }
  const lstmCol = s.experts.indexOf('lstm');
  const lstmShare = lstmCol >= 0 ? global[lstmCol] : undefined;
  const rule = new Float64Array(E);
  const layout = s.layout ?? 'orders';
  const buckets = bucketCount(layout);
  // Unseen buckets keep zeros: the rule answers there.
  const W = new Float64Array(buckets * E);
  const byBucket: number[][] = Array.from({ length: buckets }, () => []);
  for (let t = 0; t < N; t++) byBucket[s.buckets[t]].push(t);
  const prior = new Float64Array(E);
  for (let b = 0; b < buckets; b++) {
    const rows = byBucket[b];
    if (rows.length === 0) continue;
    // The prior: the rule's weights averaged over the bucket (smoothed), else the global fit.
    prior.fill(0);
    if (s.prior) {
      for (const t of rows) {
        withLstmShare(s.prior.subarray(t * E, (t + 1) * E), lstmCol, lstmShare, rule);
        for (let e = 0; e < E; e++) prior[e] += rule[e] / rows.length;
      }
      for (let e = 0; e < E; e++) prior[e] = 0.9 * prior[e] + 0.1 / E;
    } else {
      prior.set(global);
    }
    W.set(prior, b * E);
    for (let it = 0; it < EM_ITERATIONS; it++) {
      const acc = new Float64Array(E);
      for (let e = 0; e < E; e++) acc[e] = PRIOR * prior[e];
      for (const t of rows) if (responsibilities(s.probs, t, E, W, b * E, resp)) addTo(acc, resp);
      normaliseInto(acc, W.subarray(b * E, (b + 1) * E));
      yield;
    }
  }
  return {
    version: MIXER_VERSION, experts: [...s.experts], buckets, weights: [...W].map((w) => Math.round(w * 1e6) / 1e6), chars: N,
    ...(lstmShare !== undefined ? { lstmShare } : {}),
    ...(layout !== 'orders' ? { layout } : {}),
  };
}

function responsibilities(probs: Float64Array, t: number, E: number, w: ArrayLike<number>, off: number, out: Float64Array): boolean {
  let z = 0;
  for (let e = 0; e < E; e++) z += out[e] = w[off + e] * probs[t * E + e];
  if (!(z > 0)) return false;
  for (let e = 0; e < E; e++) out[e] /= z;
  return true;
}

function addTo(acc: Float64Array, x: Float64Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] += x[i];
}

function normaliseInto(acc: Float64Array, out: Float64Array): void {
  let z = 0;
  for (let i = 0; i < acc.length; i++) z += acc[i];
  for (let i = 0; i < acc.length; i++) out[i] = z > 0 ? Math.max(acc[i] / z, 1e-6) : 1 / acc.length;
}

/** Bits/char of each expert alone and of the mixture `mixer` (when given) on the samples. */
export function sampleBitsPerChar(s: MixSamples, mixer?: MixerJson): Partial<Record<ExpertName | 'mixture', number>> {
  const E = s.experts.length;
  const out: Partial<Record<ExpertName | 'mixture', number>> = {};
  const bits = new Float64Array(E + 1);
  const weightsOf = mixer ? sampleWeights(s, mixer) : undefined;
  const w = new Float64Array(E);
  for (let t = 0; t < s.length; t++) {
    for (let e = 0; e < E; e++) bits[e] -= Math.log2(s.probs[t * E + e]);
    if (!weightsOf) continue;
    const z = weightsOf(t, w);
    let mix = 0;
    for (let e = 0; e < E; e++) mix += w[e] * s.probs[t * E + e];
    bits[E] -= Math.log2(mix / z);
  }
  s.experts.forEach((e, i) => (out[e] = bits[i] / s.length));
  if (mixer) out.mixture = bits[E] / s.length;
  return out;
}

/**
 * The linear mixer's weights for sample rows of `s`, as FittedMixer gives them: the row's bucket
 * weights, or where the mixer has none the rule's (the row's prior) with the LSTM's share; zeros
 * when neither. The returned function writes them (indexed like `s.experts`, not normalised) into
 * `out` and returns their sum.
 */
export function sampleWeights(s: MixSamples, mixer: MixerJson): (row: number, out: Float64Array) => number {
  if ((s.layout ?? 'orders') !== (mixer.layout ?? 'orders')) throw new Error(`samples in the '${s.layout ?? 'orders'}' layout cannot score a mixer in the '${mixer.layout ?? 'orders'}' layout`);
  const E = s.experts.length;
  const M = mixer.experts.length;
  const col = s.experts.map((e) => mixer.experts.indexOf(e));
  const lstmCol = s.experts.indexOf('lstm');
  return (row, out) => {
    let z = 0;
    for (let e = 0; e < E; e++) z += out[e] = col[e] >= 0 ? mixer.weights[s.buckets[row] * M + col[e]] : 0;
    if (z > 0 || !s.prior) return z;
    // A bucket the mixer has no weights for: the rule answers.
    withLstmShare(s.prior.subarray(row * E, (row + 1) * E), lstmCol, mixer.lstmShare, out);
    z = 0;
    for (let e = 0; e < E; e++) z += out[e];
    return z;
  };
}
