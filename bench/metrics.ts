/**
 * Scores for the quality benchmark.
 * Completion metrics, over positions where each engine either shows a completion or abstains (''):
 *   accuracy    exact matches / positions        (a completion is right only if it equals the truth)
 *   precision   exact matches / shown completions
 *   shown       shown completions / positions
 *   charsSaved  characters of the truth accepted through exact matches / all truth characters
 * (Bits per character: src/core/lm/bitsPerChar.ts, the same function `charrnn eval` uses.)
 */

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
