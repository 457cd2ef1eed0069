/**
 * Beam search over characters for the most probable complete token (src/core/text/tokens.ts),
 * written against CharModel so the LSTM and the n-gram baseline are decoded the same way.
 *
 * A token's probability is the product of its characters' probabilities times the probability
 * that the next character ends it (the sum over every character that cannot continue it). The
 * search keeps the `beamWidth` most probable unfinished prefixes, advances them together (one
 * batched `advance` per step), and stops as soon as no unfinished prefix can beat the best
 * finished token (probabilities only shrink as a prefix grows) or none can reach `minConfidence`.
 */
import type { CharModel } from '../contracts/charModel';
import { END, endMass, nextPhase, Phase, REJECT, vocabClasses } from '../text/tokens';
import type { Vocab } from '../text/vocab';

export interface DecodeOptions {
  /** Phase.Word: complete the rest of a word; Phase.Lead: the next whole token. */
  start: Phase;
  /** Longest completion, in characters (code points). */
  maxChars: number;
  /** Abstain (empty completion) when the best token's probability is below this. */
  minConfidence: number;
  /** Unfinished prefixes kept per step (default 4). */
  beamWidth?: number;
  /** Polled once per step; true stops the search (the result is then an abstention). */
  shouldStop?: () => boolean;
}

export interface Decoded<S = unknown> {
  /** The completion (empty = abstain). */
  completion: string;
  /** Its probability (0 when abstaining). */
  confidence: number;
  /** Model steps taken (batched rows), for benchmarks. */
  steps: number;
  /** Why nothing is returned, when nothing is. */
  reason?: string;
  /** The next most probable distinct tokens that the search completed (at most MAX_ALTERNATIVES), best first. */
  alternatives?: { completion: string; confidence: number }[];
  /** When the token looks complete: the probability that it ends here (what no completion beat). */
  ended?: number;
  /** The model's state after the completion (for what follows it). */
  state?: S;
}

/** Alternatives returned besides the best token (VS Code cycles through them). */
export const MAX_ALTERNATIVES = 2;

interface Beam<S> {
  state: S;
  text: string;
  chars: number;
  logp: number;
  phase: Phase;
}

export const DEFAULT_BEAM_WIDTH = 4;

/** The reason given when ending the token here is more probable than any completion. */
export const LOOKS_COMPLETE = 'the token looks complete';

/**
 * Decodes from `state` (the model's state after the text before the cursor). `chars` maps ids
 * to characters (the vocabulary's `chars`; id 0, the unknown symbol, is never produced).
 */
export function decodeToken<S>(model: CharModel<S>, chars: readonly string[], state: S, opts: DecodeOptions): Decoded<S> {
  const classes = vocabClasses(chars);
  const V = model.vocabSize;
  const width = Math.max(1, opts.beamWidth ?? DEFAULT_BEAM_WIDTH);
  const floor = opts.minConfidence > 0 ? Math.log(opts.minConfidence) : -Infinity;
  let best: { text: string; logp: number; state: S } | undefined;
  // Every complete token the search met that reaches the floor (for the alternatives).
  const finished = new Map<string, number>();
  // A candidate must beat the best finished token, or reach the floor while there is none.
  let bestLogp = floor;
  const good = (l: number) => l > -Infinity && (best ? l > bestLogp : l >= floor);
  let beams: Beam<S>[] = [{ state, text: '', chars: 0, logp: 0, phase: opts.start }];
  let steps = 0;
  // Scratch for the candidate selection.
  const cand: { beam: Beam<S>; id: number; logp: number; phase: Phase }[] = [];
  while (beams.length > 0) {
    if (opts.shouldStop?.()) return { completion: '', confidence: 0, steps, reason: 'cancelled' };
    const lps = model.logProbs(beams.map((b) => b.state));
    cand.length = 0;
    for (let b = 0; b < beams.length; b++) {
      const beam = beams[b];
      const lp = lps[b];
      let endMass = 0;
      const canGrow = beam.chars < opts.maxChars;
      for (let id = 1; id < V; id++) {
        const next = nextPhase(beam.phase, classes[id]);
        if (next === END) {
          endMass += Math.exp(lp[id]);
        } else if (next !== REJECT && canGrow) {
          const l = beam.logp + lp[id];
          if (good(l)) cand.push({ beam, id, logp: l, phase: next });
        }
      }
      if (endMass > 0) {
        const l = beam.logp + Math.log(endMass);
        if (l >= floor && beam.text !== '' && !(l <= (finished.get(beam.text) ?? -Infinity))) finished.set(beam.text, l);
        if (good(l)) {
          best = { text: beam.text, logp: l, state: beam.state };
          bestLogp = l;
        }
      }
    }
    // Keep the `width` most probable candidates that can still beat the best finished token.
    const kept = cand.filter((c) => good(c.logp)).sort((a, b) => b.logp - a.logp).slice(0, width);
    if (kept.length === 0) break;
    const states = model.advance(kept.map((c) => c.beam.state), kept.map((c) => c.id));
    steps += kept.length;
    beams = kept.map((c, i) => ({
      state: states[i],
      text: c.beam.text + chars[c.id],
      chars: c.beam.chars + 1,
      logp: c.logp,
      phase: c.phase,
    }));
  }
  if (!best) return { completion: '', confidence: 0, steps, reason: 'no token reaches the minimum confidence' };
  if (best.text === '') return { completion: '', confidence: 0, steps, reason: LOOKS_COMPLETE, ended: Math.exp(best.logp) };
  const alternatives = [...finished]
    .filter(([text]) => text !== best!.text)
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_ALTERNATIVES)
    .map(([completion, l]) => ({ completion, confidence: Math.exp(l) }));
  return { completion: best.text, confidence: Math.exp(best.logp), steps, state: best.state, ...(alternatives.length ? { alternatives } : {}) };
}

/**
 * The log-probability that `model` gives the token `text` from `state` (as decodeToken scores
 * it: its characters, then the mass of the characters that end it); -Infinity when `text` is not
 * a token from `start` (a character that cannot continue it, or one outside the vocabulary).
 */
export function tokenLogProb<S>(model: CharModel<S>, vocab: Vocab, state: S, start: Phase, text: string): number {
  const classes = vocabClasses(vocab.chars);
  let s = state;
  let phase = start;
  let logp = 0;
  for (const ch of text) {
    if (!vocab.has(ch)) return -Infinity;
    const id = vocab.id(ch);
    const next = nextPhase(phase, classes[id]);
    if (next === END || next === REJECT) return -Infinity;
    logp += model.logProbs([s])[0][id];
    phase = next;
    s = model.advance([s], [id])[0];
  }
  return logp + Math.log(endMass(model.logProbs([s])[0], phase, classes));
}
