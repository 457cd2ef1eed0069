/**
 * The model that answers completions: a CharModel whose next-character distribution is the
 * mixer's combination (linear, ./mixer.ts, then log-linear, ./logLinear.ts) of three experts over one vocabulary: the workspace n-gram
 * (./ngram.ts), the cache of the document being edited (./docCache.ts) and the CharRNN (when a
 * trained one exists). Any expert may be missing: an n-gram-only checkpoint (the first stage of
 * training) or an LSTM-only one (an older checkpoint) still serves.
 *
 * Files saved since the model was trained (`learn`) join the counts: a second cache over their
 * text answers where it matches a longer context than the document's own cache, so an identifier
 * defined in a file saved a minute ago completes in another file without a training run.
 *
 * The state carries the last CONTEXT characters (for the count models; BOS = vocabSize marks the
 * document start) and the LSTM's state. The document cache is not part of the state: `observe`
 * brings the cache of a document up to date with the text before the cursor and makes it the
 * current one, then the decoder runs on states of that document.
 */
import type { CharModel } from '../contracts/charModel';
import type { SequenceReader } from '../lstm/lstmModel';
import { CACHE_ORDER, commonPrefixLength, DocumentCache, type CacheMatch } from './docCache';
import { applyLayer, layerGroup, nextAdvantage, type LayerJson } from './logLinear';
import { EXPERTS, type ExpertName, type MixFeatures } from './features';
import { endsInWord, FittedMixer, ORDER_RULE, wordTable, type Mixer } from './mixer';
import type { KneserNeyModel } from './ngram';
import { codePointLength, type Vocab } from '../text/vocab';

export interface MixState<S> {
  readonly ctx: string;
  readonly lstm?: S;
}

export type NeuralModel<S> = CharModel<S> & Partial<SequenceReader<S>>;

export interface MixtureParts<S> {
  vocab: Vocab;
  ngram?: KneserNeyModel;
  lstm?: NeuralModel<S>;
  mixer?: Mixer;
  /**
   * The mixer fitted for the n-gram and the cache alone: with it (and an LSTM and an n-gram)
   * `countsOnly` gives the count models' view of the same states, which judges completions.
   */
  countMixer?: Mixer;
}

/** A mixer with what it mixes: its fitted log-linear layer and the experts that answer. */
interface MixSetup {
  mixer: Mixer;
  layer?: LayerJson;
  present: readonly boolean[];
}

/** Documents whose caches are kept (least recently used out first). */
const MAX_DOCS = 8;
/** Characters of a document's text the cache holds at most (the last ones before the cursor). */
export const MAX_CACHE_CHARS = 2_000_000;
/** Characters of saved files counted at most (the most recently saved files first). */
export const MAX_SAVED_CHARS = 4_000_000;
/**
 * The running advantage of the cache over the n-gram (a mixing feature) is computed over at most
 * this many characters before the cursor: older ones weigh (1 - 1/16)^128 ≈ 3e-4 in it.
 */
export const ADVANTAGE_WINDOW = 128;

interface DocEntry {
  cache: DocumentCache;
  /** Document offset of the first character held, and the text held. */
  base: number;
  text: string;
  /** adv[i]: the running advantage after the first i characters (code points) held. */
  adv: Float32Array;
}

export class MixtureModel<S> implements CharModel<MixState<S>>, SequenceReader<MixState<S>> {
  readonly vocabSize: number;
  readonly vocab: Vocab;
  readonly ngram?: KneserNeyModel;
  readonly lstm?: NeuralModel<S>;
  readonly mixer: Mixer;
  /** Which experts can answer (indexed like EXPERTS). */
  readonly present: readonly boolean[];
  private readonly keep: number;
  private readonly docs = new Map<string, DocEntry>();
  private current: DocumentCache;
  /** Text of the files saved since the model was trained, and their cache (built when needed). */
  private readonly saved = new Map<string, string>();
  private savedCache: DocumentCache | undefined;
  private readonly pSaved: Float64Array;
  private readonly pNg: Float64Array;
  private readonly pCa: Float64Array;
  private readonly w = new Float64Array(EXPERTS.length);
  private readonly setup: MixSetup;
  /** The n-gram + cache mixture, when the model has an LSTM, an n-gram and a count mixer. */
  private readonly counts?: MixSetup;
  private readonly lin: Float64Array;
  /** The current document's running advantage of the cache over the n-gram. */
  private advantage = 0;
  /** Which ids are identifier characters (the mixing feature `afterWord`). */
  private readonly words: Uint8Array;

  constructor(parts: MixtureParts<S>) {
    this.vocab = parts.vocab;
    this.vocabSize = parts.vocab.size;
    this.ngram = parts.ngram;
    // A mixer fitted without the LSTM (a run stopped before its LSTM was mixed) has no weights
    // for it: the LSTM does not answer then.
    const fittedWithoutLstm = parts.mixer instanceof FittedMixer && !parts.mixer.json.experts.includes('lstm');
    this.lstm = fittedWithoutLstm ? undefined : parts.lstm;
    if (this.ngram && this.ngram.vocabSize !== this.vocabSize) throw new Error('the n-gram and the vocabulary disagree');
    if (this.lstm && this.lstm.vocabSize !== this.vocabSize) throw new Error('the LSTM and the vocabulary disagree');
    this.mixer = parts.mixer ?? ORDER_RULE;
    this.present = [!!this.ngram, true, !!this.lstm];
    this.keep = Math.max(CACHE_ORDER, (this.ngram?.order ?? 1) - 1);
    this.current = new DocumentCache(this.vocabSize);
    this.pNg = new Float64Array(this.vocabSize);
    this.pCa = new Float64Array(this.vocabSize);
    this.pSaved = new Float64Array(this.vocabSize);
    this.lin = new Float64Array(this.vocabSize);
    this.words = wordTable(this.vocab.chars);
    this.setup = { mixer: this.mixer, layer: layerOf(this.mixer), present: this.present };
    if (this.lstm && this.ngram && parts.countMixer) {
      this.counts = { mixer: parts.countMixer, layer: layerOf(parts.countMixer), present: [true, true, false] };
    }
  }

  /**
   * The same states seen by the n-gram and the cache alone (mixed by the count mixer; the LSTM's
   * part of a state is carried, never read or advanced): a second opinion on a completion the
   * whole mixture chose. Undefined without an LSTM (the view would be the model itself) or
   * without a count mixer.
   */
  countsOnly(): CharModel<MixState<S>> | undefined {
    const counts = this.counts;
    if (!counts) return undefined;
    return {
      vocabSize: this.vocabSize,
      initialState: () => this.initialState(),
      advance: (states, ids) => states.map((s, i) => ({ ctx: this.extend(s.ctx, String.fromCharCode(ids[i])), lstm: s.lstm })),
      logProbs: (states) => states.map((s) => this.mixWith(counts, s.ctx, undefined)),
    };
  }

  /** A workspace file was saved: its text joins the counts (replacing what it held before). */
  learn(docKey: string, text: string): void {
    this.saved.delete(docKey);
    this.saved.set(docKey, text);
    let total = 0;
    for (const [k, t] of [...this.saved].reverse()) {
      total += t.length;
      if (total > MAX_SAVED_CHARS) this.saved.delete(k);
    }
    this.savedCache = undefined;
  }

  /** The saved files' cache, each file after a blank line (built on first use after a save). */
  private savedCounts(): DocumentCache | undefined {
    if (this.saved.size === 0) return undefined;
    if (!this.savedCache) {
      const c = new DocumentCache(this.vocabSize);
      const gap = this.vocab.encode('\n\n');
      for (const t of this.saved.values()) {
        c.append(this.vocab.encode(t));
        c.append(gap);
      }
      this.savedCache = c;
    }
    return this.savedCache;
  }

  /** Names of the experts that answer, e.g. "n-gram + cache + LSTM". */
  get description(): string {
    return EXPERTS.filter((_, i) => this.present[i]).map((e) => EXPERT_LABEL[e]).join(' + ');
  }

  /**
   * Brings the cache of `docKey` up to date with `prefix`, the text that ends at `offset` (the
   * cursor), and makes it the current document. Typing forward costs only the new characters.
   */
  observe(docKey: string, offset: number, prefix: string): void {
    let text = prefix;
    let base = offset - prefix.length;
    if (text.length > MAX_CACHE_CHARS) {
      const cut = text.length - MAX_CACHE_CHARS;
      text = text.slice(cut);
      base += cut;
    }
    let e = this.docs.get(docKey);
    if (e) this.docs.delete(docKey);
    if (!e || e.base !== base) {
      e = { cache: new DocumentCache(this.vocabSize), base, text: '', adv: new Float32Array(1024) };
    }
    let common = commonPrefixLength(e.text, text);
    if (common < e.text.length) {
      // Ids are per code point: never keep half of a surrogate pair.
      const c = e.text.charCodeAt(common - 1);
      if (common > 0 && c >= 0xd800 && c <= 0xdbff) common--;
      const kept = e.text.slice(0, common);
      e.cache.truncate(codePointLength(kept));
      e.text = kept;
    }
    if (text.length > e.text.length) {
      this.append(e, this.vocab.encode(text.slice(e.text.length)));
      e.text = text;
    }
    this.docs.set(docKey, e);
    while (this.docs.size > MAX_DOCS) this.docs.delete(this.docs.keys().next().value as string);
    this.current = e.cache;
    this.advantage = e.adv[e.cache.length];
  }

  /**
   * Appends `ids` to a document's cache, with the running advantage of the cache over the n-gram
   * after each of the last ADVANTAGE_WINDOW characters (each predicted before it is counted).
   */
  private append(e: DocEntry, ids: Int32Array): void {
    const held = e.cache.length;
    const end = held + ids.length;
    if (e.adv.length <= end) {
      const grown = new Float32Array(Math.max(2 * e.adv.length, end + 1));
      grown.set(e.adv.subarray(0, held + 1));
      e.adv = grown;
    }
    const bulk = this.ngram ? Math.max(0, ids.length - ADVANTAGE_WINDOW) : ids.length;
    if (bulk > 0) {
      e.cache.append(ids.subarray(0, bulk));
      e.adv.fill(0, held + 1, held + bulk + 1);
    }
    if (bulk === ids.length) return;
    // The context before the first character predicted: the held text's end, or the document start.
    const before = this.vocab.encode(e.text.slice(-2 * this.keep)).subarray(-this.keep);
    let ctx = (held < this.keep && e.base === 0 ? String.fromCharCode(this.vocabSize) : '') + String.fromCharCode(...before);
    if (bulk > 0) ctx = String.fromCharCode(...ids.subarray(Math.max(0, bulk - this.keep), bulk));
    let adv = e.adv[held + bulk];
    for (let i = bulk; i < ids.length; i++) {
      const id = ids[i];
      this.countDistributions(e.cache, ctx);
      adv = nextAdvantage(adv, this.pCa[id], this.pNg[id]);
      e.cache.append(ids.subarray(i, i + 1));
      e.adv[held + i + 1] = adv;
      ctx = this.extend(ctx, String.fromCharCode(id));
    }
  }

  /** Releases the LSTM's engine, if it has one to release. */
  dispose(): void {
    (this.lstm as { dispose?: () => void } | undefined)?.dispose?.();
  }

  forget(docKey: string): void {
    const e = this.docs.get(docKey);
    this.docs.delete(docKey);
    if (e && e.cache === this.current) {
      this.current = new DocumentCache(this.vocabSize);
      this.advantage = 0;
    }
  }

  initialState(): MixState<S> {
    return { ctx: String.fromCharCode(this.vocabSize), lstm: this.lstm?.initialState() };
  }

  /** The state for reading from the middle of a document (no start-of-document symbol). */
  midState(): MixState<S> {
    return { ctx: '', lstm: this.lstm?.initialState() };
  }

  advance(states: MixState<S>[], ids: number[]): MixState<S>[] {
    const lstm = this.lstm ? this.lstm.advance(states.map((s) => s.lstm as S), ids) : undefined;
    return states.map((s, i) => ({ ctx: this.extend(s.ctx, String.fromCharCode(ids[i])), lstm: lstm?.[i] }));
  }

  readSequence(state: MixState<S>, ids: ArrayLike<number>, shouldStop?: () => boolean): { state: MixState<S>; read: number } {
    let lstm = state.lstm;
    let read = ids.length;
    if (this.lstm) {
      if (this.lstm.readSequence) {
        const r = this.lstm.readSequence(state.lstm as S, ids, shouldStop);
        lstm = r.state;
        read = r.read;
      } else {
        let s = state.lstm as S;
        for (read = 0; read < ids.length; read++) {
          if (read % 64 === 0 && shouldStop?.()) break;
          s = this.lstm.advance([s], [ids[read]])[0];
        }
        lstm = s;
      }
    }
    const from = Math.max(0, read - this.keep);
    let tail = '';
    for (let i = from; i < read; i++) tail += String.fromCharCode(ids[i]);
    return { state: { ctx: this.extend(state.ctx, tail), lstm }, read };
  }

  logProbs(states: MixState<S>[]): Float32Array[] {
    const lstm = this.lstm ? this.lstm.logProbs(states.map((s) => s.lstm as S)) : undefined;
    return states.map((s, i) => this.mix(s.ctx, lstm?.[i]));
  }

  /** The mixture's log-probabilities after `ctx`, given the LSTM's (if any). */
  mix(ctx: string, lstmLogp: Float32Array | undefined, explain?: (f: MixFeatures, w: Float64Array) => void): Float32Array {
    return this.mixWith(this.setup, ctx, lstmLogp, explain);
  }

  private mixWith(m: MixSetup, ctx: string, lstmLogp: Float32Array | undefined, explain?: (f: MixFeatures, w: Float64Array) => void): Float32Array {
    const V = this.vocabSize;
    const f = this.features(ctx, lstmLogp);
    m.mixer.weights(f, m.present, this.w);
    explain?.(f, this.w);
    const [wn, wc, wl] = this.w;
    const out = new Float32Array(V);
    const lin = this.lin;
    for (let v = 0; v < V; v++) {
      let p = wn * this.pNg[v] + wc * this.pCa[v];
      if (lstmLogp) p += wl * Math.exp(lstmLogp[v]);
      lin[v] = p;
    }
    if (m.layer) {
      applyLayer(m.layer, layerGroup(f), lin, { ngram: this.ngram ? this.pNg : undefined, cache: this.pCa, lstmLogp }, out);
    } else {
      for (let v = 0; v < V; v++) out[v] = Math.log(lin[v]);
    }
    return out;
  }

  /** Runs the count models on `ctx` (into pNg, pCa) and returns the mixing features. */
  private features(ctx: string, lstmLogp: Float32Array | undefined): MixFeatures {
    const { ngramOrder, m } = this.countDistributions(this.current, ctx);
    return {
      ngramOrder, cacheOrder: m.order, cacheDistinct: m.distinct, lstmEntropy: lstmLogp ? entropyBits(lstmLogp) : NaN,
      ngramMax: this.ngram ? maxOf(this.pNg) : 0, cacheMax: maxOf(this.pCa), cacheAdvantage: this.advantage,
      afterWord: endsInWord(ctx, this.words),
    };
  }

  /** The n-gram's and the cache's distributions after `ctx` into pNg and pCa (the cache: the document's, or the saved files' where they match longer). */
  private countDistributions(cache: DocumentCache, ctx: string): { ngramOrder: number; m: CacheMatch } {
    const ngramOrder = this.ngram ? this.ngram.predict(ctx, this.pNg) : -1;
    if (!this.ngram) this.pNg.fill(0);
    let m: CacheMatch = cache.predict(ctx, this.pCa);
    const saved = this.savedCounts();
    if (saved) {
      const ms = saved.predict(ctx, this.pSaved);
      if (ms.order > m.order) {
        this.pCa.set(this.pSaved);
        m = ms;
      }
    }
    return { ngramOrder, m };
  }

  private extend(ctx: string, more: string): string {
    const next = ctx + more;
    return next.length > this.keep ? next.slice(next.length - this.keep) : next;
  }
}

function layerOf(mixer: Mixer): LayerJson | undefined {
  return mixer instanceof FittedMixer ? mixer.json.layer : undefined;
}

export const EXPERT_LABEL: Record<ExpertName, string> = { ngram: 'n-gram', cache: 'cache', lstm: 'LSTM' };

export function maxOf(p: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > m) m = p[i];
  return m;
}

export function entropyBits(logp: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < logp.length; i++) {
    const l = logp[i];
    if (l > -Infinity) h -= Math.exp(l) * l;
  }
  return h / Math.LN2;
}
