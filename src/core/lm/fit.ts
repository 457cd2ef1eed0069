/**
 * Fitting the mixture on held-out text (the validation split), as the trainer does after the
 * n-gram is built and after LSTM checkpoints: collect, for every held-out character, each
 * expert's probability of it and the mixing features (each document read from its start, with
 * its own document cache, the LSTM over several documents at once), fit the mixer by EM on the
 * first part and report bits/char on the rest, then refit on everything. (The show/abstain
 * threshold is calibrated on the decision path itself: ../complete/calibrate.ts.)
 */
import { DocumentCache } from './docCache';
import { fitLayerSteps, LAYER_INPUTS, layerBitsPerChar, LayerSampleBuilder, layerGroup, nextAdvantage, type LayerSamples } from './logLinear';
import { EXPERTS, type ExpertName } from './features';
import { bucketOf, endsInWord, fitMixerSteps, ORDER_RULE, sampleBitsPerChar, sampleWeights, wordTable, type MixerJson, type MixerLayout, type MixSamples } from './mixer';
import { ADVANTAGE_WINDOW, entropyBits, maxOf, type NeuralModel } from './mixture';
import type { KneserNeyModel } from './ngram';
import { runSteps, type Steps } from '../util/steps';

export interface FitSources<S> {
  vocabSize: number;
  ngram?: KneserNeyModel;
  lstm?: NeuralModel<S>;
  /** Held-out documents (ids). */
  docs: readonly Int32Array[];
  /** Characters to use at most. */
  maxChars: number;
  /** Segments read by the LSTM together. */
  batch?: number;
  /**
   * Cut documents into pieces of this many characters, scored side by side (each with its
   * document's earlier text in the cache, and the LSTM reading WARM_UP characters before it, as
   * the completer does): fast with the LSTM. Default: whole documents, each read from its start.
   */
  segment?: number;
  /** Called now and then with the characters scored so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** The buckets' layout (default 'orders'); 'cache-doubt' needs `chars`. */
  layout?: MixerLayout;
  /** The vocabulary's characters (by id), for the mixing feature `afterWord`. */
  chars?: readonly string[];
}

/** Characters of context kept for the count models (more than either reads). */
const CTX_KEEP = 40;
/** Characters the LSTM reads before a segment (the completer's default context window). */
export const WARM_UP = 256;
/** Segment length for fitting the mixer with the LSTM. */
export const FIT_SEGMENT = 1024;

/** The share of the samples the reported bits/char is measured on (the rest fits). */
const REPORT_SHARE = 0.25;
/** Characters kept (evenly spread) for fitting the second, log-linear layer. */
const LAYER_SAMPLES = 65_536;

/** Samples for the linear layer (every character) and for the log-linear one (some of them). */
export type FitSamples = MixSamples & { layer?: LayerSamples };

export function collectSamples<S>(o: FitSources<S>): FitSamples {
  return runSteps(collectSamplesSteps(o));
}

/** collectSamples, yielding after each character position (of up to `batch` segments). */
export function* collectSamplesSteps<S>(o: FitSources<S>): Steps<FitSamples> {
  const experts: ExpertName[] = EXPERTS.filter((e) => e === 'cache' || (e === 'ngram' ? !!o.ngram : !!o.lstm));
  const E = experts.length;
  const layout = o.layout ?? 'orders';
  if (layout !== 'orders' && !o.chars) throw new Error(`the '${layout}' layout needs the vocabulary's characters`);
  const words = o.chars ? wordTable(o.chars) : undefined;
  // The segments to score (documents cut to the budget, then into pieces).
  const piece = Math.max(1, o.segment ?? Infinity);
  const segments: { doc: Int32Array; start: number; end: number; row: number }[] = [];
  let total = 0;
  for (const d of o.docs) {
    if (total >= o.maxChars) break;
    const len = Math.min(d.length, o.maxChars - total);
    for (let start = 0; start < len; start += piece) {
      const end = Math.min(len, start + piece);
      segments.push({ doc: d, start, end, row: total + start });
    }
    total += len;
  }
  const probs = new Float64Array(total * E);
  const buckets = new Int32Array(total);
  const prior = new Float64Array(total * E);
  const present = EXPERTS.map((e) => experts.includes(e));
  const rule = new Float64Array(EXPERTS.length);
  const V = o.vocabSize;
  const bos = String.fromCharCode(V);
  const pNg = new Float64Array(V);
  const pCa = new Float64Array(V);
  const B = Math.max(1, o.batch ?? 32);
  const warmUp = piece === Infinity ? 0 : WARM_UP;
  let scoredChars = 0;
  const layer = o.ngram ? new LayerSampleBuilder(experts, V, LAYER_SAMPLES) : undefined;
  const stride = Math.max(1, Math.ceil(total / LAYER_SAMPLES));
  const pLs = new Float64Array(V);
  const dists = experts.map((e) => (e === 'ngram' ? pNg : e === 'cache' ? pCa : pLs));
  for (let g0 = 0; g0 < segments.length; g0 += B) {
    const group = segments.slice(g0, g0 + B);
    // Each segment: its document's text before it in the cache and the context; the LSTM reads
    // up to warmUp characters before it (unscored), as the completer reads a context window.
    // ... and the running advantage of the cache over the n-gram over the characters before it.
    const advantage = new Float64Array(group.length);
    const caches: DocumentCache[] = [];
    for (const [i, g] of group.entries()) {
      yield; // a long document's text before each segment is many cache appends
      const c = new DocumentCache(V);
      const from = o.ngram ? Math.max(0, g.start - ADVANTAGE_WINDOW) : g.start;
      c.append(g.doc.subarray(0, from));
      let ctx = (from < CTX_KEEP ? bos : '') + String.fromCharCode(...g.doc.subarray(Math.max(0, from - CTX_KEEP), from));
      for (let t = from; t < g.start; t++) {
        o.ngram!.predict(ctx, pNg);
        c.predict(ctx, pCa);
        advantage[i] = nextAdvantage(advantage[i], pCa[g.doc[t]], pNg[g.doc[t]]);
        c.append(g.doc.subarray(t, t + 1));
        ctx = (ctx + String.fromCharCode(g.doc[t])).slice(-CTX_KEEP);
      }
      caches.push(c);
    }
    const ctx = group.map((g) => (g.start < CTX_KEEP ? bos : '') + String.fromCharCode(...g.doc.subarray(Math.max(0, g.start - CTX_KEEP), g.start)));
    const from = group.map((g) => Math.max(0, g.start - warmUp));
    let states = o.lstm ? group.map(() => o.lstm!.initialState()) : [];
    const steps = Math.max(...group.map((g, i) => g.end - from[i]));
    for (let k = 0; k < steps; k++) {
      yield;
      const active: number[] = [];
      for (let i = 0; i < group.length; i++) if (from[i] + k < group[i].end) active.push(i);
      const scored = active.filter((i) => from[i] + k >= group[i].start);
      const lps = o.lstm && scored.length ? o.lstm.logProbs(scored.map((i) => states[i])) : undefined;
      scored.forEach((i, a) => {
        const g = group[i];
        const t = from[i] + k;
        const id = g.doc[t];
        const ngramOrder = o.ngram ? o.ngram.predict(ctx[i], pNg) : -1;
        const m = caches[i].predict(ctx[i], pCa);
        const lp = lps?.[a];
        const r = g.row + (t - g.start);
        let e = 0;
        if (o.ngram) probs[r * E + e++] = pNg[id];
        probs[r * E + e++] = pCa[id];
        if (lp) probs[r * E + e++] = Math.exp(lp[id]);
        const f = {
          ngramOrder, cacheOrder: m.order, cacheDistinct: m.distinct, lstmEntropy: lp ? entropyBits(lp) : NaN,
          ngramMax: o.ngram ? maxOf(pNg) : 0, cacheMax: maxOf(pCa), cacheAdvantage: advantage[i],
          afterWord: words ? endsInWord(ctx[i], words) : false,
        };
        buckets[r] = bucketOf(f, layout);
        if (layer && r % stride === 0) {
          if (lp) for (let v = 0; v < V; v++) pLs[v] = Math.exp(lp[v]);
          layer.add(dists, id, layerGroup(f), r);
        }
        if (o.ngram) advantage[i] = nextAdvantage(advantage[i], pCa[id], pNg[id]);
        ORDER_RULE.weights(f, present, rule);
        let x = 0;
        EXPERTS.forEach((_, j) => present[j] && (prior[r * E + x++] = rule[j]));
        caches[i].append([id]);
        if (++scoredChars % 65536 === 0) o.onProgress?.(scoredChars, total);
        const next = ctx[i] + String.fromCharCode(id);
        ctx[i] = next.length > CTX_KEEP ? next.slice(next.length - CTX_KEEP) : next;
      });
      if (o.lstm) {
        const next = o.lstm.advance(active.map((i) => states[i]), active.map((i) => group[i].doc[from[i] + k]));
        states = states.slice();
        active.forEach((i, a) => (states[i] = next[a]));
      }
    }
  }
  return { experts, probs, buckets, length: total, prior, ...(layout !== 'orders' ? { layout } : {}), ...(layer ? { layer: layer.build() } : {}) };
}

/** Bits/char of each expert and of the mixture `mixer` on documents (each read from its start; in the mixer's layout, which may need `o.chars`). */
export function mixtureBitsPerChar<S>(o: FitSources<S>, mixer?: MixerJson): { bpc: Partial<Record<ExpertName | 'mixture', number>>; chars: number } {
  const s = collectSamples(mixer ? { ...o, layout: mixer.layout } : o);
  return { bpc: mixtureSampleBitsPerChar(s, mixer), chars: s.length };
}

/**
 * Fits the mixer (the linear layer, then the log-linear one on top when there are samples for it);
 * its `bitsPerChar` are measured on the last REPORT_SHARE of the samples, held out of that fit.
 */
export function fitMixture(s: FitSamples): MixerJson {
  return runSteps(fitMixtureSteps(s));
}

/** fitMixture, yielding between fit iterations. */
export function* fitMixtureSteps(s: FitSamples): Steps<MixerJson> {
  const cut = Math.floor(s.length * (1 - REPORT_SHARE));
  const E = s.experts.length;
  const head: FitSamples = {
    layout: s.layout, experts: s.experts, probs: s.probs.subarray(0, cut * E), buckets: s.buckets.subarray(0, cut), length: cut, prior: s.prior?.subarray(0, cut * E),
    ...(s.layer ? { layer: selectLayerSamples(s.layer, (row) => row < cut, 0) } : {}),
  };
  const tail: FitSamples = {
    layout: s.layout, experts: s.experts, probs: s.probs.subarray(cut * E), buckets: s.buckets.subarray(cut), length: s.length - cut, prior: s.prior?.subarray(cut * E),
    ...(s.layer ? { layer: selectLayerSamples(s.layer, (row) => row >= cut, cut) } : {}),
  };
  const report = tail.length > 0 && head.length > 0 ? mixtureSampleBitsPerChar(tail, yield* fitBothLayers(head)) : undefined;
  const mixer = yield* fitBothLayers(s);
  return { ...mixer, bitsPerChar: report ?? mixtureSampleBitsPerChar(s, mixer) };
}

function* fitBothLayers(s: FitSamples): Steps<MixerJson> {
  const mixer = yield* fitMixerSteps(s);
  if (!s.layer || s.layer.length === 0) return mixer;
  const inputs = s.experts.includes('lstm') ? LAYER_INPUTS.all : LAYER_INPUTS.counts;
  return { ...mixer, layer: yield* fitLayerSteps(s.layer, inputs.filter((i) => i === 'mix' || s.experts.includes(i)), linearWeightsOf(s, mixer)) };
}

/** Bits/char of each expert and of the mixer (both layers when it has two) on samples. */
export function mixtureSampleBitsPerChar(s: FitSamples, mixer?: MixerJson): Partial<Record<ExpertName | 'mixture', number>> {
  const out = sampleBitsPerChar(s, mixer);
  if (mixer?.layer && s.layer && s.layer.length > 0) out.mixture = layerBitsPerChar(s.layer, mixer.layer, linearWeightsOf(s, mixer));
  return out;
}

/** The layer samples whose row passes `keep`, with rows renumbered from `offset`. */
function selectLayerSamples(l: LayerSamples, keep: (row: number) => boolean, offset: number): LayerSamples {
  const idx: number[] = [];
  for (let t = 0; t < l.length; t++) if (keep(l.rows[t])) idx.push(t);
  const w = l.classes * l.experts.length;
  const probs = new Float32Array(idx.length * w);
  idx.forEach((t, j) => probs.set(l.probs.subarray(t * w, (t + 1) * w), j * w));
  return {
    experts: l.experts, classes: l.classes, probs, length: idx.length,
    groups: Int32Array.from(idx, (t) => l.groups[t]), rows: Int32Array.from(idx, (t) => l.rows[t] - offset),
  };
}

/** The linear layer's weights (indexed like the samples' experts, summing to 1) for a layer sample, as FittedMixer gives them. */
function linearWeightsOf(s: FitSamples, mixer: MixerJson): (t: number, w: Float64Array) => void {
  const E = s.experts.length;
  const rows = s.layer!.rows;
  const weightsOf = sampleWeights(s, mixer);
  return (t, w) => {
    const z = weightsOf(rows[t], w);
    if (z > 0) for (let e = 0; e < E; e++) w[e] /= z;
    else w.fill(1 / E);
  };
}
