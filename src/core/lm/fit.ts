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
import { bucketOf, EXPERTS, fitMixer, ORDER_RULE, sampleBitsPerChar, type ExpertName, type MixerJson, type MixSamples } from './mixer';
import { entropyBits, maxOf, type NeuralModel } from './mixture';
import type { KneserNeyModel } from './ngram';
import type { Completer } from '../infer/completer';
import { samplePositions } from '../positions';

export interface FitSources<S> {
  vocabSize: number;
  ngram?: KneserNeyModel;
  lstm?: NeuralModel<S>;
  /** Held-out documents (ids). */
  docs: readonly Int32Array[];
  /** Characters to use at most. */
  maxChars: number;
  /** Documents read by the LSTM together. */
  batch?: number;
  shouldStop?: () => boolean;
}

/** The share of the samples the reported bits/char is measured on (the rest fits). */
const REPORT_SHARE = 0.25;

export function collectSamples<S>(o: FitSources<S>): MixSamples {
  const experts: ExpertName[] = EXPERTS.filter((e) => e === 'cache' || (e === 'ngram' ? !!o.ngram : !!o.lstm));
  const E = experts.length;
  // The documents (cut to the budget).
  const docs: Int32Array[] = [];
  let total = 0;
  for (const d of o.docs) {
    if (total >= o.maxChars) break;
    const part = d.length > o.maxChars - total ? d.subarray(0, o.maxChars - total) : d;
    if (part.length === 0) continue;
    docs.push(part);
    total += part.length;
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
  const B = Math.max(1, o.batch ?? 16);
  let row = 0;
  for (let d0 = 0; d0 < docs.length; d0 += B) {
    const group = docs.slice(d0, d0 + B);
    // Rows of each document's characters in the output (documents stay in order).
    const rowStart: number[] = [];
    for (const d of group) {
      rowStart.push(row);
      row += d.length;
    }
    const caches = group.map(() => new DocumentCache(V));
    const ctx = group.map(() => bos);
    let states = o.lstm ? group.map(() => o.lstm!.initialState()) : [];
    const longest = Math.max(...group.map((d) => d.length));
    for (let t = 0; t < longest; t++) {
      if (o.shouldStop?.()) throw new Error('stopped');
      const active: number[] = [];
      for (let i = 0; i < group.length; i++) if (t < group[i].length) active.push(i);
      const lps = o.lstm ? o.lstm.logProbs(active.map((i) => states[i])) : undefined;
      active.forEach((i, a) => {
        const id = group[i][t];
        const ngramOrder = o.ngram ? o.ngram.predict(ctx[i], pNg) : -1;
        const m = caches[i].predict(ctx[i], pCa);
        const lp = lps?.[a];
        const r = rowStart[i] + t;
        let e = 0;
        if (o.ngram) probs[r * E + e++] = pNg[id];
        probs[r * E + e++] = pCa[id];
        if (lp) probs[r * E + e++] = Math.exp(lp[id]);
        const f = {
          ngramOrder, cacheOrder: m.order, cacheDistinct: m.distinct, lstmEntropy: lp ? entropyBits(lp) : NaN,
          ngramMax: o.ngram ? maxOf(pNg) : 0, cacheMax: maxOf(pCa),
        };
        buckets[r] = bucketOf(f);
        ORDER_RULE.weights(f, present, rule);
        let k = 0;
        EXPERTS.forEach((_, x) => present[x] && (prior[r * E + k++] = rule[x]));
        caches[i].append([id]);
        const next = ctx[i] + String.fromCharCode(id);
        ctx[i] = next.length > 40 ? next.slice(next.length - 40) : next;
      });
      if (o.lstm) {
        const next = o.lstm.advance(active.map((i) => states[i]), active.map((i) => group[i][t]));
        states = states.slice();
        active.forEach((i, a) => (states[i] = next[a]));
      }
    }
  }
  return { experts, probs, buckets, length: total, prior };
}

/** Bits/char of each expert and of the mixture `mixer` on documents (each read from its start). */
export function mixtureBitsPerChar<S>(o: FitSources<S>, mixer?: MixerJson): { bpc: Partial<Record<ExpertName | 'mixture', number>>; chars: number } {
  const s = collectSamples(o);
  return { bpc: sampleBitsPerChar(s, mixer), chars: s.length };
}

/** Fits the mixer; its `bitsPerChar` are measured on the last REPORT_SHARE of the samples, held out of that fit. */
export function fitMixture(s: MixSamples): MixerJson {
  const cut = Math.floor(s.length * (1 - REPORT_SHARE));
  const E = s.experts.length;
  const head: MixSamples = { experts: s.experts, probs: s.probs.subarray(0, cut * E), buckets: s.buckets.subarray(0, cut), length: cut, prior: s.prior?.subarray(0, cut * E) };
  const tail: MixSamples = { experts: s.experts, probs: s.probs.subarray(cut * E), buckets: s.buckets.subarray(cut), length: s.length - cut, prior: s.prior?.subarray(cut * E) };
  const report = tail.length > 0 && head.length > 0 ? sampleBitsPerChar(tail, fitMixer(head)) : undefined;
  const mixer = fitMixer(s);
  return { ...mixer, bitsPerChar: report ?? sampleBitsPerChar(s, mixer) };
}

export interface Calibration {
  /** Show a completion when its probability is at least this. */
  minConfidence: number;
  /** Precision and share shown at that threshold on the calibration positions. */
  precision: number;
  shown: number;
  positions: number;
  target: number;
}

/**
 * The smallest threshold whose shown completions reach `target` precision on held-out identifier
 * positions (`fallback` when too few completions are shown to tell).
 */
export function calibrate(
  completer: Completer<unknown>,
  docs: readonly { relPath: string; text: string }[],
  o: { positions: number; target: number; fallback: number; seed?: number; shouldStop?: () => boolean },
): Calibration {
  const pos = samplePositions([...docs], o.positions, o.seed ?? 1);
  const text = new Map(docs.map((d) => [d.relPath, d.text]));
  const got: { conf: number; ok: boolean }[] = [];
  for (const p of pos) {
    if (o.shouldStop?.()) break;
    const t = text.get(p.relPath)!;
    // As in the benchmark: the text after the cursor is not typed yet.
    const r = completer.complete({ docKey: `\u0000calibrate:${p.relPath}`, prefix: t.slice(0, p.offset), suffix: '' }, { minConfidence: 0 });
    if (r.completion) got.push({ conf: r.confidence, ok: r.completion === p.truth });
  }
  for (const d of docs) completer.forget(`\u0000calibrate:${d.relPath}`);
  got.sort((a, b) => b.conf - a.conf);
  let ok = 0;
  let best = -1;
  for (let i = 0; i < got.length; i++) {
    if (got[i].ok) ok++;
    if (ok / (i + 1) >= o.target && i + 1 >= 10) best = i;
  }
  const n = pos.length || 1;
  if (best < 0 || got.length < 20) {
    const shown = got.filter((g) => g.conf >= o.fallback);
    return {
      minConfidence: o.fallback,
      precision: shown.length ? shown.filter((g) => g.ok).length / shown.length : 0,
      shown: shown.length / n,
      positions: pos.length,
      target: o.target,
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
  };
}
