/**
 * Scores for the quality benchmark.
 * Completion metrics, over positions where each engine either shows a completion or abstains (''):
 *   accuracy    exact matches / positions        (a completion is right only if it equals the truth)
 *   precision   exact matches / shown completions
 *   shown       shown completions / positions
 *   charsSaved  characters of the truth accepted through exact matches / all truth characters
 * Bits per character of any CharModel over held-out documents, read from each document's start.
 */
import type { CharModel } from '../src/core/infer/charModel';

export interface Outcome {
  truth: string;
  /** '' when the engine abstained. */
  completion: string;
}

export interface CompletionMetrics {
  positions: number;
  shown: number;
  correct: number;
  accuracy: number;
  precision: number;
  shownShare: number;
  /** Share of all truth characters saved by accepted (exact) completions. */
  charsSaved: number;
  /** Mean characters saved per position. */
  charsSavedPerPosition: number;
}

export function completionMetrics(outcomes: Outcome[]): CompletionMetrics {
  let shown = 0;
  let correct = 0;
  let saved = 0;
  let truthChars = 0;
  for (const o of outcomes) {
    truthChars += o.truth.length;
    if (o.completion === '') continue;
    shown++;
    if (o.completion === o.truth) {
      correct++;
      saved += o.truth.length;
    }
  }
  const n = outcomes.length;
  return {
    positions: n,
    shown,
    correct,
    accuracy: n ? correct / n : NaN,
    precision: shown ? correct / shown : NaN,
    shownShare: n ? shown / n : NaN,
    charsSaved: truthChars ? saved / truthChars : NaN,
    charsSavedPerPosition: n ? saved / n : NaN,
  };
}

/**
 * Bits per character of `model` on `texts`, each read from the model's initial state, in batches
 * of `batch` documents in parallel (one `advance` / `logProbs` call per step for the whole batch).
 * At most `maxChars` characters are scored, taken from the documents in order.
 */
export function modelBitsPerChar<S>(
  model: CharModel<S>,
  encode: (text: string) => ArrayLike<number>,
  texts: Iterable<string>,
  opts: { maxChars?: number; batch?: number } = {},
): { bpc: number; chars: number } {
  const maxChars = opts.maxChars ?? Infinity;
  const batch = Math.max(1, opts.batch ?? 16);
  // Cut the documents to the character budget first.
  const docs: ArrayLike<number>[] = [];
  let budget = maxChars;
  for (const t of texts) {
    if (budget <= 0) break;
    const ids = encode(t);
    const n = Math.min(ids.length, budget);
    if (n > 0) docs.push(n === ids.length ? ids : Array.prototype.slice.call(ids, 0, n) as number[]);
    budget -= n;
  }
  let bits = 0;
  let chars = 0;
  let next = 0;
  // Slots: each holds one document being read.
  const slotDoc: number[] = [];
  const slotPos: number[] = [];
  let states: S[] = [];
  const fill = () => {
    while (slotDoc.length < batch && next < docs.length) {
      slotDoc.push(next++);
      slotPos.push(0);
      states.push(model.initialState());
    }
  };
  fill();
  while (slotDoc.length > 0) {
    const lp = model.logProbs(states);
    const ids = slotDoc.map((d, i) => docs[d][slotPos[i]]);
    for (let i = 0; i < ids.length; i++) bits -= lp[i][ids[i]] / Math.LN2;
    chars += ids.length;
    states = model.advance(states, ids);
    for (let i = slotDoc.length - 1; i >= 0; i--) {
      slotPos[i]++;
      if (slotPos[i] >= docs[slotDoc[i]].length) {
        slotDoc.splice(i, 1);
        slotPos.splice(i, 1);
        states.splice(i, 1);
      }
    }
    fill();
  }
  return { bpc: chars ? bits / chars : NaN, chars };
}

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The q-quantile (nearest rank) of xs. */
export function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}
