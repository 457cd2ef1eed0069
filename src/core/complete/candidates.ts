/**
 * Known identifiers as candidates: besides the beam search, the identifiers of the document (near
 * the cursor) and of the workspace that extend the typed part of a word are scored by the model
 * (the probability of their remaining characters, times the probability that the word ends
 * there), and the decoder's answer is replaced when one of them is more probable. The beam keeps
 * only a few prefixes per step and can lose a long identifier that the model rates well; this
 * finds it again. The completer asks only when the beam found nothing worth showing (the measured
 * gain elsewhere was nil: the distributions are peaked). Candidates are few (MAX_CANDIDATES) and scored together, one batched model call
 * per character position.
 */
import type { CharModel } from '../contracts/charModel';
import { CharClass, endMass, nextPhase, Phase, REJECT, vocabClasses } from '../text/tokens';
import type { Vocab } from '../text/vocab';

/** Identifiers scored per request at most (the most frequent that match). */
export const MAX_CANDIDATES = 8;
/** Characters before the cursor searched for the document's identifiers. */
export const DOC_WINDOW = 8_000;
const IDENT = /[\p{L}_$][\p{L}\p{N}\p{Mn}\p{Mc}_$]*/gu;

/** Workspace identifiers, sorted, for prefix look-ups; with their counts. */
export class IdentifierIndex {
  private readonly words: string[];
  private readonly counts: number[];

  constructor(entries: readonly (readonly [string, number])[]) {
    const sorted = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.words = sorted.map((e) => e[0]);
    this.counts = sorted.map((e) => e[1]);
  }

  get size(): number {
    return this.words.length;
  }

  /** Identifiers of a corpus with at least `minCount` occurrences (the `max` most frequent). */
  static count(texts: Iterable<string>, max = 20_000, minCount = 2): [string, number][] {
    const counts = new Map<string, number>();
    for (const t of texts) for (const m of t.matchAll(IDENT)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
    return [...counts].filter(([w, c]) => c >= minCount && w.length >= 3).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, max);
  }

  /** The identifiers that start with `prefix` (and are longer), with their counts. */
  withPrefix(prefix: string, limit = 256): [string, number][] {
    let lo = 0;
    let hi = this.words.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.words[mid] < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: [string, number][] = [];
    for (let i = lo; i < this.words.length && out.length < limit && this.words[i].startsWith(prefix); i++) {
      if (this.words[i].length > prefix.length) out.push([this.words[i], this.counts[i]]);
    }
    return out;
  }
}

/**
 * The identifiers that extend `typed`: from the document's last DOC_WINDOW characters before the
 * cursor (counted there, the word being typed excluded) and the workspace index; the most
 * frequent first (the document's counts weigh more).
 */
export function candidateWords(prefix: string, typed: string, workspace?: IdentifierIndex): string[] {
  if (typed === '') return [];
  const window = prefix.slice(Math.max(0, prefix.length - DOC_WINDOW), prefix.length - typed.length);
  const score = new Map<string, number>();
  for (const m of window.matchAll(IDENT)) {
    const w = m[0];
    if (w.length > typed.length && w.startsWith(typed)) score.set(w, (score.get(w) ?? 0) + 10);
  }
  for (const [w, c] of workspace?.withPrefix(typed) ?? []) score.set(w, (score.get(w) ?? 0) + Math.log2(1 + c));
  return [...score].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_CANDIDATES).map(([w]) => w);
}

/**
 * Scores the rests of `words` (after `typed`) from `state`: each one's log-probability as a whole
 * word (its characters, then a character that ends the word). Returns the best, or undefined
 * when none is a word the model can produce or reaches `floor`. A word is dropped as soon as its
 * log-probability so far falls below `floor` or below the best whole word (it can only fall
 * further), so most cost one or two model steps, not one per character.
 */
export function bestCandidate<S>(
  model: CharModel<S>,
  vocab: Vocab,
  state: S,
  typed: string,
  words: readonly string[],
  maxChars: number,
  floor = -Infinity,
): { completion: string; logp: number } | undefined {
  const classes = vocabClasses(vocab.chars);
  const rests = words
    .map((w) => [...w.slice(typed.length)])
    .filter((r) => r.length > 0 && r.length <= maxChars && r.every((ch) => vocab.has(ch) && classes[vocab.id(ch)] === CharClass.Word));
  if (rests.length === 0) return undefined;
  let states = rests.map(() => state);
  const logp = rests.map(() => 0);
  const longest = Math.max(...rests.map((r) => r.length));
  let best: { completion: string; logp: number } | undefined;
  for (let k = 0; k <= longest; k++) {
    const active = rests.map((_, i) => i).filter((i) => rests[i].length >= k);
    if (active.length === 0) break;
    const lps = model.logProbs(active.map((i) => states[i]));
    const advance: number[] = [];
    active.forEach((i, a) => {
      const lp = lps[a];
      if (k === rests[i].length) {
        // The word ends here: any character that cannot continue it.
        const end = endMass(lp, Phase.Word, classes);
        const total = logp[i] + Math.log(end);
        if (end > 0 && total >= floor && (!best || total > best.logp)) best = { completion: rests[i].join(''), logp: total };
      } else {
        const id = vocab.id(rests[i][k]);
        if (nextPhase(Phase.Word, classes[id]) === REJECT) return;
        logp[i] += lp[id];
        if (logp[i] < floor || (best && logp[i] <= best.logp)) return;
        advance.push(i);
      }
    });
    if (advance.length === 0) break;
    const next = model.advance(advance.map((i) => states[i]), advance.map((i) => vocab.id(rests[i][k])));
    states = states.slice();
    advance.forEach((i, a) => (states[i] = next[a]));
  }
  return best;
}
