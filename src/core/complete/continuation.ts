/**
 * The ghost past the token (issue 23): after the completed identifier (or right after one the user
 * typed), the most probable rest of the line, character by character (greedy, one model step per
 * character), with the places where it may be cut: token boundaries, each with the probability
 * that everything up to there is right. The caller shows the longest cut whose probability
 * reaches a calibrated threshold (the Completer).
 *
 * Never crosses a line break. Never repeats what is already after the cursor: when the rest of the
 * line is only closing brackets, quotes and separators (what auto-closing inserted), the text
 * stops where it would write the first of them; any other text after the cursor (an edit in the
 * middle of a line) means no continuation.
 */
import type { CharModel } from '../contracts/charModel';
import { CharClass, vocabClasses } from '../text/tokens';

/** A place where the continuation may be cut: its first `length` UTF-16 units, right with probability `confidence`. */
export interface Cut {
  length: number;
  confidence: number;
}

export interface Continuation {
  /** The greedy text (no line break); the cuts are prefixes of it. */
  text: string;
  /** Cuts at token boundaries, shortest (most probable) first. */
  cuts: Cut[];
  /** Model steps taken. */
  steps: number;
}

export interface ContinueOptions {
  /** The probability that what precedes the continuation in the ghost (the completed token) is right; 1 when nothing. */
  prior: number;
  /** Stop once the probability of the text so far falls below this (no cut below it is ever shown). */
  floor: number;
  /** Longest continuation, in characters. */
  maxChars: number;
  /**
   * The class of the character before the continuation (the token's last): a first character of the
   * same word, operator or bracket run would continue that token, not start the next.
   */
  after?: CharClass;
  /** The rest of the line after the cursor. */
  suffix: string;
  shouldStop?: () => boolean;
}

/** What auto-closing leaves after the cursor: closing brackets, quotes, separators and spaces. */
const CLOSERS_ONLY = /^[\s)\]}'"`;,]*$/;

/** Whether a continuation may be shown before `suffix` (nothing, or only what auto-closing inserted). */
export function continuationFits(suffix: string): boolean {
  return CLOSERS_ONLY.test(suffix);
}

/**
 * Greedy continuation from `state` (the model's state after the cursor's text and the completed
 * token). `chars` maps ids to characters (id 0, the unknown symbol, is never produced).
 */
export function continueLine<S>(model: CharModel<S>, chars: readonly string[], state: S, o: ContinueOptions): Continuation {
  const out: Continuation = { text: '', cuts: [], steps: 0 };
  if (!continuationFits(o.suffix) || !(o.prior > 0) || o.maxChars <= 0) return out;
  const classes = vocabClasses(chars);
  // The first character after the cursor that the continuation must not write again.
  const head = o.suffix.trimStart().charAt(0);
  const floor = Math.log(o.floor);
  const sameRun = (c: number | undefined) => c === CharClass.Word || c === CharClass.Op || c === CharClass.Close;
  let logp = Math.log(o.prior);
  let prev: number | undefined = o.after;
  let s = state;
  const V = model.vocabSize;
  for (let k = 0; ; k++) {
    if (o.shouldStop?.()) return { text: '', cuts: [], steps: out.steps };
    const lp = model.logProbs([s])[0];
    let best = -1;
    for (let id = 1; id < V; id++) {
      // The first character may not continue the token before it.
      if (k === 0 && sameRun(prev) && classes[id] === prev) continue;
      if (best < 0 || lp[id] > lp[best]) best = id;
    }
    if (best < 0) break;
    const cls = classes[best];
    const ch = chars[best];
    // A token boundary before this character: the text so far is a cut (not one that ends in a space).
    if (k > 0 && cls !== prev && prev !== CharClass.Space) out.cuts.push({ length: out.text.length, confidence: Math.exp(logp) });
    if (cls === CharClass.Eol || cls === CharClass.Unknown || (head !== '' && ch === head) || k >= o.maxChars) break;
    const l = logp + lp[best];
    if (l < floor) break;
    logp = l;
    out.text += ch;
    s = model.advance([s], [best])[0];
    out.steps++;
    prev = cls;
  }
  return out;
}

/** The longest cut of `cuts` whose probability reaches `t` (undefined: none). */
export function cutAt(cuts: readonly Cut[], t: number): Cut | undefined {
  let got: Cut | undefined;
  for (const c of cuts) if (c.confidence >= t) got = c;
  return got;
}

/**
 * How an answer's ghost fares at a position whose identifier goes on with `truth` and whose line
 * with `rest`: right when the token equals the truth (no continuation) or the token and its
 * continuation are a prefix of the rest of the line; the characters it saves are those of a right
 * ghost taken whole, else those of a right token (taken when its continuation is wrong).
 */
export function ghostOutcome(completion: string, continuation: string, truth: string, rest: string): { right: boolean; tokenRight: boolean; saved: number } {
  const tokenRight = completion !== '' && completion === truth;
  const right = continuation ? rest.startsWith(completion + continuation) : tokenRight;
  return { right, tokenRight, saved: right ? completion.length + continuation.length : tokenRight ? completion.length : 0 };
}
