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
import { choiceAt, type Choice } from '../infer/choice';
import type { Completer } from '../infer/completer';
import { positionKey, sampleStratified, textKey } from '../positions';
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
  /** Show a completion when its confidence is at least this. */
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
   * mixture's probability alone (checkpoints from before the judged confidence, and mixtures
   * without an LSTM).
   */
  confidence?: typeof JUDGED_CONFIDENCE;
  /**
   * How the threshold was chosen: 'lower-bound', the lowest threshold at which the lower
   * confidence bound on precision (precisionLowerBound) reaches the target; 'fallback', the
   * conservative threshold, when the positions were too few to show that any threshold keeps the
   * target. Absent: the raw ratio (checkpoints before issue 19).
   */
  rule?: 'lower-bound' | 'fallback';
  /** The lower confidence bound on precision at the chosen threshold. */
  lowerBound?: number;
  /** Files the positions were drawn from (stratified, at most a capped share each). */
  files?: number;
  /**
   * Positions read from training files by count models rebuilt without them (a small workspace's
   * validation files give too few; CalibrateOptions.more).
   */
  rotated?: number;
  /** The threshold the positions chose was raised to this (CalibrateOptions.minThreshold). */
  floor?: number;
  /**
   * What a user can expect: precision and share shown on held-out positions, each fold of files
   * at the threshold chosen (by the same rule) on the other folds.
   */
  check?: { precision: number; shown: number; positions: number; folds: number };
  /** Keys of the positions (positionKey) and of the texts (textKey) calibrated on, which `charrnn eval` leaves out. */
  used?: { positions: number[]; texts: number[] };
}

export const JUDGED_CONFIDENCE = 'mixture-and-counts' as const;

/** Precision targets besides the chosen one whose thresholds are recorded. */
const OTHER_TARGETS = [0.8, 0.85, 0.95];

/**
 * z of the one-sided lower confidence bound on precision: 1.28, so that a threshold whose bound
 * reaches the target keeps it on 9 workspaces out of 10 that look like the calibration positions.
 */
export const CONFIDENCE_Z = 1.2816;
/**
 * The threshold when the calibration positions cannot show that any threshold keeps the target
 * (a workspace too small to tell): high, so that few ghosts are shown rather than wrong ones:
 * above the thresholds calibrated for 90% precision on the bench's corpora (BENCHMARKS.md).
 */
export const CONSERVATIVE_THRESHOLD = 0.8;
/** A threshold must show at least this many calibration positions. */
const MIN_SHOWN = 10;
/** Folds of files for the held-out check of the threshold. */
const CHECK_FOLDS = 5;
/** Positions are grouped by file when they come from at least this many; else by blocks of text. */
const MIN_GROUP_FILES = 4;
const GROUP_BLOCK_CHARS = 2048;

/**
 * Wilson's lower confidence bound on a proportion: `ok` right out of `n` (which may be fractional,
 * an effective number), at `z`.
 */
export function wilsonLower(ok: number, n: number, z = CONFIDENCE_Z): number {
  if (!(n > 0)) return 0;
  const p = Math.min(1, Math.max(0, ok / n));
  const z2 = z * z;
  return Math.max(0, (p + z2 / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n));
}

/**
 * The lower confidence bound on the precision of shown completions, `ok` right out of `n`, whose
 * positions fall in groups (files): Wilson's bound at the effective number of positions n / deff,
 * where the design effect deff = (the variance of the ratio estimated from the groups) / (the
 * binomial variance), at least 1. Positions of one file are alike (a table of test cases is right
 * everywhere), so a few files that make up most of the shown positions count as few positions.
 * `sums`: Σ ok_g², Σ ok_g n_g, Σ n_g² over the groups with shown positions, and their number.
 */
export function precisionLowerBound(ok: number, n: number, sums: { oo: number; on: number; nn: number; groups: number }, z = CONFIDENCE_Z): number {
  if (!(n > 0)) return 0;
  const p = ok / n;
  const binomial = (p * (1 - p)) / n;
  let deff = 1;
  if (sums.groups >= 2 && binomial > 0) {
    const between = (sums.groups / (sums.groups - 1)) * Math.max(0, sums.oo - 2 * p * sums.on + p * p * sums.nn) / (n * n);
    deff = Math.min(n, Math.max(1, between / binomial));
  }
  return wilsonLower(ok / deff, n / deff, z);
}

/** One calibration position as the decision path saw it. */
export interface CalibrationItem {
  /** The group (file) of the position. */
  group: number;
  choices: readonly Choice[];
  truth: string;
}

/** Precision against the threshold: at each threshold t[j] (descending), shown and right positions and the lower bound. */
export interface ThresholdCurve {
  t: number[];
  shown: number[];
  ok: number[];
  lower: number[];
}

/**
 * The curve of `items` at every threshold where what is shown can change (each choice's
 * confidence): a sweep from the highest threshold down, re-deciding a position only where one of
 * its own choices starts or stops passing.
 */
export function thresholdCurve(items: readonly CalibrationItem[], z = CONFIDENCE_Z): ThresholdCurve {
  const ts = [...new Set(items.flatMap((it) => it.choices.map((c) => c.confidence)).filter((c) => c > 0))].sort((a, b) => b - a);
  // The first threshold index at which each position may change.
  const firstAtOrBelow = (x: number) => {
    let lo = 0;
    let hi = ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ts[mid] <= x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const dirty: number[][] = ts.map(() => []);
  items.forEach((it, i) => {
    const at = new Set<number>();
    for (const c of it.choices) {
      at.add(firstAtOrBelow(c.confidence));
      if (c.above !== undefined) at.add(firstAtOrBelow(c.above));
    }
    for (const j of at) if (j < ts.length) dirty[j].push(i);
  });
  const G = Math.max(0, ...items.map((it) => it.group + 1));
  const gn = new Float64Array(G);
  const gok = new Float64Array(G);
  const state = new Int8Array(items.length); // 0: nothing shown, 1: wrong, 2: right
  let n = 0;
  let ok = 0;
  const sums = { oo: 0, on: 0, nn: 0, groups: 0 };
  const setGroup = (g: number, dn: number, dok: number) => {
    sums.oo -= gok[g] * gok[g];
    sums.on -= gok[g] * gn[g];
    sums.nn -= gn[g] * gn[g];
    if (gn[g] > 0) sums.groups--;
    gn[g] += dn;
    gok[g] += dok;
    sums.oo += gok[g] * gok[g];
    sums.on += gok[g] * gn[g];
    sums.nn += gn[g] * gn[g];
    if (gn[g] > 0) sums.groups++;
  };
  const out: ThresholdCurve = { t: [], shown: [], ok: [], lower: [] };
  ts.forEach((t, j) => {
    for (const i of dirty[j]) {
      const c = choiceAt(items[i].choices, t);
      const next = c && c.completion ? (c.completion === items[i].truth ? 2 : 1) : 0;
      const prev = state[i];
      if (next === prev) continue;
      const dn = (next > 0 ? 1 : 0) - (prev > 0 ? 1 : 0);
      const dok = (next === 2 ? 1 : 0) - (prev === 2 ? 1 : 0);
      n += dn;
      ok += dok;
      setGroup(items[i].group, dn, dok);
      state[i] = next;
    }
    out.t.push(t);
    out.shown.push(n);
    out.ok.push(ok);
    out.lower.push(precisionLowerBound(ok, n, sums, z));
  });
  return out;
}

/** The lowest threshold of the curve that shows at least MIN_SHOWN positions with a lower bound at the target (undefined: none). */
export function pickThreshold(curve: ThresholdCurve, target: number): number | undefined {
  let best: number | undefined;
  for (let j = 0; j < curve.t.length; j++) if (curve.shown[j] >= MIN_SHOWN && curve.lower[j] >= target) best = j;
  return best === undefined ? undefined : curve.t[best];
}

/** Shown and right positions among `items` at threshold `t`. */
function outcomeAt(items: readonly CalibrationItem[], t: number): { shown: number; ok: number } {
  let shown = 0;
  let ok = 0;
  for (const it of items) {
    const c = choiceAt(it.choices, t);
    if (!c || !c.completion) continue;
    shown++;
    if (c.completion === it.truth) ok++;
  }
  return { shown, ok };
}

/**
 * The held-out check of the rule: items in folds of groups; each fold at the threshold picked
 * on the others (the fallback when they cannot tell).
 */
export function crossCheck(items: readonly CalibrationItem[], target: number, fallback: number, z = CONFIDENCE_Z, minThreshold = 0): NonNullable<Calibration['check']> {
  const groups = [...new Set(items.map((it) => it.group))].sort((a, b) => a - b);
  const folds = Math.min(CHECK_FOLDS, groups.length);
  let shown = 0;
  let ok = 0;
  for (let k = 0; k < folds; k++) {
    const inFold = (it: CalibrationItem) => groups.indexOf(it.group) % folds === k;
    const picked = pickThreshold(thresholdCurve(items.filter((it) => !inFold(it)), z), target);
    const t = picked === undefined ? fallback : Math.max(picked, minThreshold);
    const r = outcomeAt(items.filter(inFold), t);
    shown += r.shown;
    ok += r.ok;
  }
  return { precision: shown ? ok / shown : NaN, shown: items.length ? shown / items.length : 0, positions: items.length, folds };
}

/**
 * The threshold for `target` precision on held-out identifier positions of the decision path
 * the editor uses (Completer.choices): positions stratified over files with a cap per file and
 * data-like files left out (sampleStratified), the lowest threshold whose lower confidence bound
 * on precision reaches the target, or `fallback` (a conservative threshold) when the positions
 * cannot show that any threshold does.
 */
export function calibrate(completer: Completer<unknown>, docs: readonly { relPath: string; text: string }[], o: CalibrateOptions): Calibration {
  return runSteps(calibrateSteps(completer, docs, o));
}

export interface CalibrateOptions {
  positions: number;
  target: number;
  /** The threshold when the positions cannot tell: a conservative one (never 0: never everything). */
  fallback: number;
  seed?: number;
  /** z of the lower confidence bound (default CONFIDENCE_Z; 0: the raw ratio). */
  z?: number;
  /** The most positions one file may give, as a share (sampleStratified). */
  maxFileShare?: number;
  /**
   * More positions when `docs` give fewer than `positions`: other documents, each read by a
   * completer that has not learnt them (the count models rebuilt without them), up to `positions`
   * in all, shared evenly among the sources.
   */
  more?: CalibrationSource[];
  /** The threshold is at least this (when the positions choose one). */
  minThreshold?: number;
}

/** Documents and a completer that has not learnt from them (CalibrateOptions.more). */
export interface CalibrationSource {
  docs: readonly { relPath: string; text: string }[];
  /** Builds the completer, when its positions are read (one source at a time). */
  completer: () => Completer<unknown>;
}

/** calibrate, yielding after each position. */
export function* calibrateSteps(completer: Completer<unknown>, docs: readonly { relPath: string; text: string }[], o: CalibrateOptions): Steps<Calibration> {
  const z = o.z ?? CONFIDENCE_Z;
  const items: CalibrationItem[] = [];
  const used: { positions: number[]; texts: number[] } = { positions: [], texts: [] };
  const groupIds = new Map<string, number>();
  let files = 0;
  /** Reads `count` stratified positions of `docs` through `c` into the items (groups named under `tag`). */
  function* read(c: Completer<unknown>, ds: readonly { relPath: string; text: string }[], count: number, tag: string): Steps<number> {
    const { positions: pos, files: drawn } = sampleStratified([...ds], count, o.seed ?? 1, { maxFileShare: o.maxFileShare });
    const text = new Map(ds.map((d) => [d.relPath, d.text]));
    const fileIndex = new Map(drawn.map((f, i) => [f.relPath, i]));
    const byFiles = new Set(pos.map((p) => p.relPath)).size >= MIN_GROUP_FILES;
    try {
      for (const p of pos) {
        const t = text.get(p.relPath)!;
        // As in the benchmark: the text after the cursor is not typed yet.
        const choices = c.choices({ docKey: `\u0000calibrate:${p.relPath}`, prefix: t.slice(0, p.offset), suffix: '' });
        const g = `${tag}:${fileIndex.get(p.relPath)}` + (byFiles ? '' : `:${Math.floor(p.offset / GROUP_BLOCK_CHARS)}`);
        if (!groupIds.has(g)) groupIds.set(g, groupIds.size);
        items.push({ group: groupIds.get(g)!, choices, truth: p.truth });
        used.positions.push(positionKey(t, p.offset, p.truth));
        yield;
      }
    } finally {
      for (const d of ds) c.forget(`\u0000calibrate:${d.relPath}`);
    }
    for (const d of ds) used.texts.push(textKey(d.text));
    files += drawn.filter((f) => f.drawn > 0).length;
    return pos.length;
  }
  const own = yield* read(completer, docs, o.positions, 'v');
  let rotated = 0;
  const more = o.more ?? [];
  if (own < o.positions && more.length) {
    const each = Math.ceil((o.positions - own) / more.length);
    for (const [k, src] of more.entries()) rotated += yield* read(src.completer(), src.docs, each, `m${k}`);
  }
  const curve = thresholdCurve(items, z);
  yield;
  const byTarget: Record<string, number> = {};
  for (const target of OTHER_TARGETS) {
    const t = pickThreshold(curve, target);
    if (t !== undefined) byTarget[String(target)] = t;
  }
  const chosen = pickThreshold(curve, o.target);
  const threshold = chosen === undefined ? o.fallback : Math.max(chosen, o.minThreshold ?? 0);
  const at = outcomeAt(items, threshold);
  // The bound where the curve shows what this threshold shows (the lowest curve point at or above it).
  let j = -1;
  for (let i = 0; i < curve.t.length && curve.t[i] >= threshold; i++) j = i;
  const n = items.length || 1;
  const check = items.length ? { check: crossCheck(items, o.target, o.fallback, z, o.minThreshold) } : {};
  const how: Pick<Calibration, 'confidence'> = completer.judge ? { confidence: JUDGED_CONFIDENCE } : {};
  return {
    minConfidence: threshold,
    precision: at.shown ? at.ok / at.shown : 0,
    shown: at.shown / n,
    positions: items.length,
    target: o.target,
    byTarget,
    ...how,
    rule: chosen === undefined ? 'fallback' : 'lower-bound',
    ...(j >= 0 ? { lowerBound: curve.lower[j] } : {}),
    files,
    ...(rotated ? { rotated } : {}),
    ...(chosen !== undefined && o.minThreshold !== undefined && o.minThreshold > chosen ? { floor: o.minThreshold } : {}),
    ...check,
    used,
  };
}
