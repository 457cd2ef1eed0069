/**
 * Completion of the token at the cursor: text before the cursor (+ the rest of the line) →
 * {completion, confidence}. Used by the completion worker and by `charrnn complete`, so both
 * answer the same. Generic over CharModel (the LSTM, or a baseline).
 *
 * State: resumed from the state cache when an earlier request of the same document shares the
 * text (typing forward costs a step per new character); otherwise read from up to
 * `contextChars` characters before the cursor, starting at the first line break in that window
 * when there is one (the model then starts from a line start, as it has seen many times).
 */
import { SETTINGS, type CompletionLength } from '../contracts/config';
import type { CompleteOptions, CompleteRequest, CompleteResult } from '../contracts/completion';

import { hasLstm, loadCheckpoint, type CheckpointMeta } from '../store/checkpoint';
import { JUDGED_CONFIDENCE, type Calibration } from '../contracts/calibration';
import { FittedMixer } from '../lm/mixer';
import { MixtureModel } from '../lm/mixture';
import type { Vocab } from '../text/vocab';
import type { CharModel, DocumentAware } from '../contracts/charModel';
import { decodeToken, DEFAULT_BEAM_WIDTH, LOOKS_COMPLETE, tokenLogProb, type Decoded } from './decode';
import { bestCandidate, candidateWords, IdentifierIndex } from './candidates';
import { LstmModel, type SequenceReader } from '../lstm/lstmModel';
import type { EngineKind } from '../lstm/matMulEngine';
import { StateCache } from './stateCache';
import { choiceAt, type Choice } from './choice';
import { charClass, tokenContext, type Phase } from '../text/tokens';
import { continueLine, cutAt, type Cut } from './continuation';

export const DEFAULT_COMPLETE_OPTIONS: CompleteOptions = {
  maxChars: SETTINGS['completion.maxChars'].default,
  minConfidence: SETTINGS['completion.minConfidence'].default,
  contextChars: SETTINGS['completion.contextChars'].default,
  length: SETTINGS['completion.length'].default as CompletionLength,
  maxContinuationChars: SETTINGS['completion.maxContinuationChars'].default,
  beamWidth: DEFAULT_BEAM_WIDTH,
};

/** What the decision path found at a position (Completer.decide). */
interface Decision<S> {
  d: Decoded<S>;
  choices: Choice[];
  base: Pick<CompleteResult, 'typedLength' | 'charsRead' | 'decodeSteps'>;
  /** The model's state after the text before the cursor, and the part of the token typed. */
  state: S;
  typed: string;
}

/**
 * The least threshold a continuation is ever calibrated or shown at: the greedy decoding stops
 * once the whole ghost's probability falls below it.
 */
export const CONTINUATION_FLOOR = 0.3;

type Model<S> = CharModel<S> & Partial<SequenceReader<S>> & Partial<DocumentAware<S>> & { countsOnly?(): CharModel<S> | undefined };

/** The reason given when no completion reaches the threshold (as the decoder words it). */
const BELOW_THRESHOLD = 'no token reaches the minimum confidence';

export class Completer<S> {
  readonly cache: StateCache<S>;

  /**
   * The count models' view of the same states (the mixture's `countsOnly`), when the model has
   * one. A completion's confidence is then the geometric mean of the whole mixture's probability
   * of it and the count models': the mixture (with the LSTM) picks the completion, and the two
   * opinions together say better whether it is right than the mixture's alone: at the same
   * precision, more held-out positions completed on zod and on Python (BENCHMARKS.md, "completions
   * judged by the count models too").
   */
  readonly judge?: CharModel<S>;

  constructor(readonly model: Model<S>, readonly vocab: Vocab, cache?: StateCache<S>) {
    if (model.vocabSize !== vocab.size) throw new Error(`model has ${model.vocabSize} classes but the vocabulary ${vocab.size}`);
    this.cache = cache ?? new StateCache<S>();
    this.judge = model.countsOnly?.();
  }

  /**
   * The least probability (under the whole mixture) that a completion needs to reach
   * `minConfidence` once judged: the count models' probability is at most 1.
   */
  private mixtureFloor(minConfidence: number): number {
    return this.judge ? minConfidence * minConfidence : minConfidence;
  }

  /** The threshold whose mixture floor is `p` (mixtureFloor's inverse). */
  private thresholdOf(p: number): number {
    return this.judge ? Math.sqrt(p) : p;
  }

  /** The confidence of `completion` whose mixture probability is `p`, read from `state`. */
  private confidence(state: S, start: Phase, completion: string, p: number): number {
    if (!this.judge || p <= 0) return p;
    return Math.sqrt(p * Math.exp(tokenLogProb(this.judge, this.vocab, state, start, completion)));
  }

  /** The show/abstain threshold when a request does not set one (the model's calibrated one). */
  minConfidence = DEFAULT_COMPLETE_OPTIONS.minConfidence;
  /** The workspace's identifiers, candidates besides the beam (with the document's). */
  identifiers?: IdentifierIndex;

  complete(req: CompleteRequest, options: Partial<CompleteOptions> = {}, shouldStop?: () => boolean): CompleteResult {
    const opts = this.optionsOf(options);
    const none = (reason: string, extra: Partial<CompleteResult> = {}): CompleteResult =>
      ({ completion: '', confidence: 0, typedLength: 0, reason, charsRead: 0, decodeSteps: 0, threshold: opts.minConfidence, ...extra });
    const got = this.decide(req, opts, opts.minConfidence, shouldStop);
    if ('reason' in got) return none(got.reason, got.extra);
    const { d, choices, base } = got;
    const t = opts.minConfidence;
    const chosen = choiceAt(choices, t);
    if (!chosen || !chosen.completion) {
      if (!d.completion) {
        // The token typed looks complete: the ghost may still be what follows it.
        const after = d.reason === LOOKS_COMPLETE ? this.continuationOf(req, got, '', 1, opts, shouldStop) : {};
        return none(d.reason ?? 'nothing to complete', { ...base, ...after });
      }
      if ((req.suffix ?? '').startsWith(d.completion)) return none('the completion is already there', base);
      return none(BELOW_THRESHOLD, base);
    }
    // The other beam tokens that pass, for VS Code's next/previous suggestion (not beside a known identifier).
    const alternatives = chosen.kind === 'known' ? [] : choices
      .filter((c) => c.kind === 'alternative' && c !== chosen && c.completion !== chosen.completion && c.confidence >= t)
      .map((c) => ({ completion: c.completion, confidence: c.confidence }));
    return {
      completion: chosen.completion, confidence: chosen.confidence, threshold: t, ...base,
      ...(alternatives.length ? { alternatives } : {}),
      ...this.continuationOf(req, got, chosen.completion, chosen.confidence, opts, shouldStop),
    };
  }

  /** The calibrated threshold of the ghost past the token (undefined: the model has none: no continuation). */
  continuationMinConfidence?: number;

  /** The continuation fields of an answer whose token part is `completion` (right with probability `prior`). */
  private continuationOf(req: CompleteRequest, got: Decision<S>, completion: string, prior: number, opts: CompleteOptions, shouldStop?: () => boolean):
    Pick<CompleteResult, 'continuation' | 'continuationConfidence'> {
    const t = opts.continuationMinConfidence ?? this.continuationMinConfidence;
    if (opts.length !== 'line' || t === undefined || t >= 1 || prior < t) return {};
    const cuts = this.continuationCuts(req, got, completion, prior, Math.max(t, CONTINUATION_FLOOR), opts.maxContinuationChars, shouldStop);
    const cut = cuts && cutAt(cuts.cuts, t);
    return cut ? { continuation: cuts.text.slice(0, cut.length), continuationConfidence: cut.confidence } : {};
  }

  /** The greedy continuation after the cursor's text and `completion`, with its cuts down to `floor`. */
  private continuationCuts(req: CompleteRequest, got: Decision<S>, completion: string, prior: number, floor: number, maxChars: number, shouldStop?: () => boolean):
    { text: string; cuts: Cut[] } | undefined {
    const lastText = completion || got.typed;
    if (!lastText) return undefined;
    let state = got.state;
    if (completion && completion === got.d.completion && got.d.state !== undefined) {
      // The beam's best: the search already read it.
      state = got.d.state;
    } else {
      const ids = this.vocab.encode(completion);
      if (ids.includes(0)) return undefined;
      for (const id of ids) state = this.model.advance([state], [id])[0];
    }
    const c = continueLine(this.model, this.vocab.chars, state, {
      prior, floor, maxChars, suffix: req.suffix ?? '', shouldStop,
      after: charClass(lastText.slice(-1)),
    });
    return c.cuts.length ? c : undefined;
  }

  /**
   * For calibrating the continuation's threshold: the ghost the editor would show at the token
   * threshold `t` (its token part, possibly empty when the typed token looks complete) and every
   * cut of the continuation after it whose probability reaches CONTINUATION_FLOOR. Undefined when
   * nothing would be shown past the token.
   */
  continuationChoices(req: CompleteRequest, t: number, options: Partial<CompleteOptions> = {}): { completion: string; text: string; cuts: Cut[] } | undefined {
    const opts = this.optionsOf(options);
    const got = this.decide(req, opts, t);
    if ('reason' in got) return undefined;
    const chosen = choiceAt(got.choices, t);
    let completion = '';
    let prior = 1;
    if (chosen && chosen.completion) {
      completion = chosen.completion;
      prior = chosen.confidence;
    } else if (got.d.completion || got.d.reason !== LOOKS_COMPLETE) {
      return undefined;
    }
    const c = this.continuationCuts(req, got, completion, prior, CONTINUATION_FLOOR, opts.maxContinuationChars);
    return c && { completion, ...c };
  }

  /**
   * Everything the decision path of `complete` could show at this position, whatever the
   * threshold (the beam searched without a floor, the known identifier that would be tried, the
   * alternatives that would be promoted): `choiceAt(choices, t)` is what `complete` shows at
   * threshold `t`. The threshold is calibrated on these, so that the measured precision is that of
   * the ghosts shown. Empty when there is nothing to complete here.
   */
  choices(req: CompleteRequest, options: Partial<CompleteOptions> = {}, shouldStop?: () => boolean): Choice[] {
    const got = this.decide(req, this.optionsOf(options), undefined, shouldStop);
    return 'reason' in got ? [] : got.choices;
  }

  private optionsOf(options: Partial<CompleteOptions>): CompleteOptions {
    const opts = { ...DEFAULT_COMPLETE_OPTIONS, minConfidence: this.minConfidence };
    for (const [k, v] of Object.entries(options)) if (v !== undefined) (opts as Record<string, unknown>)[k] = v;
    return opts;
  }

  /**
   * The decision path: the state before the cursor, the beam search (with the floor that threshold
   * `t` allows; none when `t` is undefined, i.e. every threshold), and the choices in the order
   * the path tries them: the beam's best; a known identifier the beam may have lost (only when the
   * best fails `t`, and not when the word looks complete); the beam's other tokens, most
   * confident first (promoted when neither of the first two passes).
   */
  private decide(req: CompleteRequest, opts: CompleteOptions, t: number | undefined, shouldStop?: () => boolean):
    { reason: string; extra?: Partial<CompleteResult> } | Decision<S> {
    const suffix = req.suffix ?? '';
    const ctx = tokenContext(req.prefix, suffix);
    if (ctx.mode === 'none') return { reason: ctx.reason };
    const offset = req.offset ?? req.prefix.length;
    this.model.observe?.(req.docKey, offset, req.prefix);
    const got = this.stateAt(req.docKey, offset, req.prefix, opts.contextChars, shouldStop);
    if (!got.state) return { reason: 'cancelled', extra: { cancelled: true, charsRead: got.read } };
    const state = got.state;
    const mixFloor = this.mixtureFloor(t ?? 0);
    const d = decodeToken(this.model, this.vocab.chars, state, {
      start: ctx.start,
      maxChars: opts.maxChars,
      minConfidence: mixFloor,
      beamWidth: opts.beamWidth,
      shouldStop,
    });
    const base = { typedLength: ctx.typed.length, charsRead: got.read, decodeSteps: d.steps };
    if (d.reason === 'cancelled') return { reason: 'cancelled', extra: { ...base, cancelled: true } };
    const choices: Choice[] = [];
    let best = 0;
    if (d.completion) {
      best = this.confidence(state, ctx.start, d.completion, d.confidence);
      // A best token already there after the cursor: when it passes, nothing is shown.
      choices.push({ completion: suffix.startsWith(d.completion) ? '' : d.completion, confidence: best, kind: 'beam' });
    }
    // Known identifiers that the beam may have lost, when its best is not worth showing (not
    // when the word looks complete: the probability that it ends here is not known to beat).
    const looksComplete = d.reason === LOOKS_COMPLETE;
    const ended = looksComplete ? d.ended ?? 0 : 0;
    if (ctx.mode === 'word' && (t === undefined || (best < t && !looksComplete)) && !shouldStop?.()) {
      // Only a word at least as probable as the threshold allows and the beam's answer can win.
      const beat = Math.max(d.confidence, ended);
      const c = bestCandidate(this.model, this.vocab, state, ctx.typed, candidateWords(req.prefix, ctx.typed, this.identifiers), opts.maxChars, Math.log(Math.max(mixFloor, beat)));
      const p = c ? Math.exp(c.logp) : 0;
      if (c && p > beat && !suffix.startsWith(c.completion)) {
        // Tried only at thresholds whose floor the ending does not reach.
        choices.push({ completion: c.completion, confidence: this.confidence(state, ctx.start, c.completion, p), kind: 'known', ...(looksComplete ? { above: this.thresholdOf(ended) } : {}) });
      }
    }
    const alternatives = (d.alternatives ?? [])
      .filter((a) => !suffix.startsWith(a.completion))
      .map((a): Choice => ({ completion: a.completion, confidence: this.confidence(state, ctx.start, a.completion, a.confidence), kind: 'alternative' }))
      .sort((a, b) => b.confidence - a.confidence);
    choices.push(...alternatives);
    return { d, choices, base, state, typed: ctx.typed };
  }

  /** The model state after the text before `offset`; undefined when cancelled. */
  private stateAt(docKey: string, offset: number, prefix: string, contextChars: number, shouldStop?: () => boolean): { state?: S; read: number } {
    const hit = this.cache.lookup(docKey, offset, prefix);
    let start: S;
    let text: string;
    let base: string;
    if (hit && hit.missing.length <= contextChars) {
      start = hit.entry.state;
      base = hit.entry.text;
      text = hit.missing;
    } else {
      base = '';
      text = contextWindow(prefix, contextChars);
      const atDocStart = text.length === prefix.length && offset === prefix.length;
      start = atDocStart || !this.model.midState ? this.model.initialState() : this.model.midState();
    }
    if (text.length === 0) return { state: start, read: 0 };
    const ids = this.vocab.encode(text);
    const { state, read } = readIds(this.model, start, ids, shouldStop);
    // Cache what was read, even when interrupted: a later request resumes from there.
    const readText = read === ids.length ? text : decodeFirst(text, read);
    const end = offset - (text.length - readText.length);
    if (read > 0) this.cache.store(docKey, end, base + readText, state);
    if (read < ids.length) return { read };
    return { state, read };
  }

  forget(docKey: string): void {
    this.cache.forget(docKey);
    this.model.forget?.(docKey);
  }
}

/** The first `n` code points of `text`. */
function decodeFirst(text: string, n: number): string {
  let i = 0;
  for (let k = 0; k < n && i < text.length; k++) i += text.codePointAt(i)! > 0xffff ? 2 : 1;
  return text.slice(0, i);
}

/**
 * The cold-start context: the last `contextChars` characters, from the first line break in
 * that window when there is one (the break itself is read: the model starts "at a line start").
 */
export function contextWindow(prefix: string, contextChars: number): string {
  let w = prefix.length > contextChars ? prefix.slice(prefix.length - contextChars) : prefix;
  // Do not start with the second half of a surrogate pair.
  if (w.length > 0 && w.length < prefix.length) {
    const c = w.charCodeAt(0);
    if (c >= 0xdc00 && c <= 0xdfff) w = w.slice(1);
  }
  if (w.length < prefix.length) {
    const nl = w.indexOf('\n');
    if (nl >= 0) w = w.slice(nl);
  }
  return w;
}

function readIds<S>(model: Model<S>, state: S, ids: Int32Array, shouldStop?: () => boolean): { state: S; read: number } {
  if (model.readSequence) return model.readSequence(state, ids, shouldStop);
  let s = state;
  let read = 0;
  for (; read < ids.length; read++) {
    if (read % 64 === 0 && shouldStop?.()) break;
    s = model.advance([s], [ids[read]])[0];
  }
  return { state: s, read };
}

/**
 * One throwaway completion (then forgotten) so the first real request does not pay for JIT
 * compilation and XNNPACK's one-time weight packing.
 */
export function warmUp(completer: Completer<unknown>): void {
  const docKey = '\u0000warm-up';
  const prefix = 'function add(a, b) {\n  return a + b;\n}\n\nconst total = add(1, 2);\nconsole.log(tot';
  completer.complete({ docKey, prefix }, { minConfidence: 0 });
  completer.complete({ docKey, prefix: prefix + 'a' }, { minConfidence: 0 });
  completer.forget(docKey);
}

export interface LoadedCompleter {
  completer: Completer<unknown>;
  /** The mixture that answers; its `lstm` is the LSTM when the checkpoint has one. */
  model: MixtureModel<unknown>;
  lstm?: LstmModel;
  meta: CheckpointMeta;
  vocab: Vocab;
  /** 'wasm' or 'js' for the LSTM; 'none' without one. */
  engine: string;
  /** The calibrated show/abstain threshold, when the checkpoint has one. */
  minConfidence?: number;
}

/** Which experts of a checkpoint to load: all of them, or the count models only (n-gram + cache). */
export type ExpertSet = 'all' | 'counts';

/** The threshold's calibration that serves with a checkpoint's mixture (with or without its LSTM). */
export function servingCalibration(meta: CheckpointMeta, withLstm: boolean): Calibration | undefined {
  return withLstm || !meta.countCalibration ? meta.calibration : meta.countCalibration;
}

/** The mixture of a loaded checkpoint (and its LSTM, when it has one and `experts` is 'all'). */
export async function loadMixture(modelDir: string, engine: EngineKind = 'auto', log?: (m: string) => void, experts: ExpertSet = 'all'):
  Promise<{ model: MixtureModel<unknown>; lstm?: LstmModel; meta: CheckpointMeta; vocab: Vocab; minConfidence?: number; continuationMinConfidence?: number; identifiers: IdentifierIndex }> {
  const ckpt = loadCheckpoint(modelDir);
  const { lstmSize, numLayers } = ckpt.meta.config;
  const withLstm = experts === 'all' && hasLstm(ckpt.meta);
  const lstm = withLstm
    ? await LstmModel.create({ vocabSize: ckpt.vocab.size, lstmSize, numLayers }, ckpt.weights, engine, log)
    : undefined;
  const mixer = withLstm || !ckpt.meta.countMixer ? ckpt.meta.mixer : ckpt.meta.countMixer;
  const calibration = servingCalibration(ckpt.meta, withLstm);
  // Completions are judged by the count models too when the threshold was calibrated that way.
  const judged = withLstm && ckpt.meta.countMixer && calibration?.confidence === JUDGED_CONFIDENCE;
  const model = new MixtureModel<unknown>({
    vocab: ckpt.vocab,
    ngram: ckpt.ngram,
    lstm: lstm as MixtureModel<unknown>['lstm'],
    mixer: mixer ? new FittedMixer(mixer) : undefined,
    ...(judged ? { countMixer: new FittedMixer(ckpt.meta.countMixer!) } : {}),
  });
  return {
    model, lstm, meta: ckpt.meta, vocab: ckpt.vocab, minConfidence: calibration?.minConfidence,
    continuationMinConfidence: calibration?.continuation?.minConfidence, identifiers: new IdentifierIndex(ckpt.identifiers),
  };
}

/** Loads a checkpoint folder into a ready completer (throws CheckpointError on a bad model). */
export async function loadCompleter(modelDir: string, engine: EngineKind = 'auto', log?: (m: string) => void, experts: ExpertSet = 'all'): Promise<LoadedCompleter> {
  const { model, lstm, meta, vocab, minConfidence, continuationMinConfidence, identifiers } = await loadMixture(modelDir, engine, log, experts);
  const completer = new Completer(model, vocab) as Completer<unknown>;
  completer.identifiers = identifiers;
  if (minConfidence !== undefined) completer.minConfidence = minConfidence;
  completer.continuationMinConfidence = continuationMinConfidence;
  return {
    completer,
    model,
    lstm,
    meta,
    vocab,
    engine: lstm ? lstm.engine.name : 'none',
    minConfidence,
  };
}
