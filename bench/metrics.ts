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

/** Ghost texts shown while typing, and how many were right, of one kind. */
export interface GhostCounts {
  shown: number;
  right: number;
}

export interface TypingCounts {
  /** Keystrokes typed (one per character of the text typed). */
  keystrokes: number;
  /** All ghost texts, then those that complete an identifier and the others (punctuation, operators). */
  all: GhostCounts;
  identifier: GhostCounts;
  punctuation: GhostCounts;
  /** Characters of right ghost texts (what accepting them would have saved). */
  rightChars: number;
}

export const emptyTyping = (): TypingCounts => ({
  keystrokes: 0,
  all: { shown: 0, right: 0 },
  identifier: { shown: 0, right: 0 },
  punctuation: { shown: 0, right: 0 },
  rightChars: 0,
});

/**
 * Types `text` character by character, as a user meets the ghost text: after every keystroke the
 * engine is asked with the text typed so far (nothing after the cursor); a ghost text shown is
 * right when the text goes on with exactly it. Adds to `into`; stops after `maxKeystrokes`.
 */
export function typeThrough(
  text: string,
  complete: (prefix: string, offset: number) => string,
  into: TypingCounts = emptyTyping(),
  maxKeystrokes = Infinity,
): TypingCounts {
  for (let p = 1; p <= text.length && into.keystrokes < maxKeystrokes; p++) {
    into.keystrokes++;
    const ghost = complete(text.slice(0, p), p);
    if (!ghost) continue;
    const right = text.startsWith(ghost, p);
    const kind = /^[\p{L}\p{N}_$]/u.test(ghost) ? into.identifier : into.punctuation;
    for (const c of [into.all, kind]) {
      c.shown++;
      if (right) c.right++;
    }
    if (right) into.rightChars += ghost.length;
  }
  return into;
}
