/**
 * Fitting the mixture on held-out text (the validation split), as the trainer does after the
 * n-gram is built and after LSTM checkpoints: collect, for every held-out character, each
 * expert's probability of it and the mixing features (each document read from its start, with
 * its own document cache, the LSTM over several documents at once), fit the mixer by EM on the
 * first part and report bits/char on the rest, then refit on everything.
 *
 * Calibration: the show/abstain threshold that makes shown completions right `target` of the
 * time on held-out identifier positions.
 */
import { DocumentCache } from './docCache';
import { fitLayerSteps, LAYER_INPUTS, layerBitsPerChar, LayerSampleBuilder, layerGroup, nextAdvantage, type LayerSamples } from './logLinear';
import { bucketOf, EXPERTS, fitMixerSteps, ORDER_RULE, sampleBitsPerChar, sampleWeights, type ExpertName, type MixerJson, type MixSamples } from './mixer';
import { ADVANTAGE_WINDOW, entropyBits, maxOf, type NeuralModel } from './mixture';
import type { KneserNeyModel } from './ngram';
import type { Completer } from '../infer/completer';
import { samplePositions } from '../positions';
import { runSteps, type Steps } from '../steps';

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
        };
        buckets[r] = bucketOf(f);
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
  return { experts, probs, buckets, length: total, prior, ...(layer ? { layer: layer.build() } : {}) };
}

/** Bits/char of each expert and of the mixture `mixer` on documents (each read from its start). */
export function mixtureBitsPerChar<S>(o: FitSources<S>, mixer?: MixerJson): { bpc: Partial<Record<ExpertName | 'mixture', number>>; chars: number } {
  const s = collectSamples(o);
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
    experts: s.experts, probs: s.probs.subarray(0, cut * E), buckets: s.buckets.subarray(0, cut), length: cut, prior: s.prior?.subarray(0, cut * E),
    ...(s.layer ? { layer: selectLayerSamples(s.layer, (row) => row < cut, 0) } : {}),
  };
  const tail: FitSamples = {
    experts: s.experts, probs: s.probs.subarray(cut * E), buckets: s.buckets.subarray(cut), length: s.length - cut, prior: s.prior?.subarray(cut * E),
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

export interface Calibration {
  /** Show a completion when its probability is at least this. */
  minConfidence: number;
  /** Precision and share shown at that threshold on the calibration positions. */
  precision: number;
  shown: number;
  positions: number;
  target: number;
  /** The threshold for other precision targets ("0.8", "0.85", "0.95"), from the same positions. */
  byTarget?: Record<string, number>;
  /**
   * What the thresholds apply to: JUDGED_CONFIDENCE when the confidence was the geometric mean
   * of the mixture's and the count models' probabilities (the Completer's `judge`); absent: the
   * mixture's probability alone (checkpoints before 2026-12-02, and mixtures without an LSTM).
   */
  confidence?: typeof JUDGED_CONFIDENCE;
}

export const JUDGED_CONFIDENCE = 'mixture-and-counts' as const;

/** Precision targets besides the chosen one whose thresholds are recorded. */
const OTHER_TARGETS = [0.8, 0.85, 0.95];

/**
 * The smallest threshold whose shown completions reach `target` precision on held-out identifier
 * positions (`fallback` when too few completions are shown to tell).
 */
export function calibrate(completer: Completer<unknown>, docs: readonly { relPath: string; text: string }[], o: CalibrateOptions): Calibration {
  return runSteps(calibrateSteps(completer, docs, o));
}

export interface CalibrateOptions {
  positions: number;
  target: number;
  fallback: number;
  seed?: number;
}

/** calibrate, yielding after each position. */
export function* calibrateSteps(completer: Completer<unknown>, docs: readonly { relPath: string; text: string }[], o: CalibrateOptions): Steps<Calibration> {
  const pos = samplePositions([...docs], o.positions, o.seed ?? 1);
  const text = new Map(docs.map((d) => [d.relPath, d.text]));
  const got: { conf: number; ok: boolean }[] = [];
  try {
    for (const p of pos) {
      const t = text.get(p.relPath)!;
      // As in the benchmark: the text after the cursor is not typed yet.
      const r = completer.complete({ docKey: `\u0000calibrate:${p.relPath}`, prefix: t.slice(0, p.offset), suffix: '' }, { minConfidence: 0 });
      if (r.completion) got.push({ conf: r.confidence, ok: r.completion === p.truth });
      yield;
    }
  } finally {
    for (const d of docs) completer.forget(`\u0000calibrate:${d.relPath}`);
  }
  got.sort((a, b) => b.conf - a.conf);
  /** Index of the last shown completion of the longest run that keeps `target` precision (-1: none). */
  const lastFor = (target: number) => {
    let ok = 0;
    let last = -1;
    for (let i = 0; i < got.length; i++) {
      if (got[i].ok) ok++;
      if (ok / (i + 1) >= target && i + 1 >= 10) last = i;
    }
    return last;
  };
  const best = lastFor(o.target);
  const byTarget: Record<string, number> = {};
  for (const t of OTHER_TARGETS) {
    const i = lastFor(t);
    if (i >= 0 && got.length >= 20) byTarget[String(t)] = got[i].conf;
  }
  const n = pos.length || 1;
  const how: Pick<Calibration, 'confidence'> = completer.judge ? { confidence: JUDGED_CONFIDENCE } : {};
  if (best < 0 || got.length < 20) {
    const shown = got.filter((g) => g.conf >= o.fallback);
    return {
      minConfidence: o.fallback,
      precision: shown.length ? shown.filter((g) => g.ok).length / shown.length : 0,
      shown: shown.length / n,
      positions: pos.length,
      target: o.target,
      byTarget,
      ...how,
    };
  }
  // Ties: everything at the chosen confidence is shown.
  const threshold = got[best].conf;
  const shown = got.filter((g) => g.conf >= threshold);
  return {
    minConfidence: threshold,
    precision: shown.filter((g) => g.ok).length / shown.length,
    shown: shown.length / n,
    positions: pos.length,
    target: o.target,
    byTarget,
    ...how,
  };
}
