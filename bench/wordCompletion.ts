/**
 * The VS Code-style word completion baseline: complete the typed part of an identifier with the
 * most frequent identifier that starts with it, counting the training files plus the current
 * file's text before the cursor. Abstains when nothing is typed or nothing longer matches.
 * Ties go to the alphabetically first word.
 */
import { identifierSpans, isIdentChar } from '../src/core/text/positions';

export class WordCompleter {
  /** Training words, sorted, with their counts. */
  private readonly words: string[];
  private readonly counts: Int32Array;

  constructor(trainTexts: Iterable<string>) {
    const counts = countWords(trainTexts);
    this.words = [...counts.keys()].sort();
    this.counts = Int32Array.from(this.words, (w) => counts.get(w)!);
  }

  get vocabularySize(): number {
    return this.words.length;
  }

  /** The completion for the text before the cursor ('' = abstain). */
  complete(prefix: string): string {
    return this.scored(prefix).completion;
  }

  /**
   * The completion and a confidence for thresholding it: the winner's share of the counts of all
   * the words that start with what is typed (how a word completer could decide to stay silent).
   */
  scored(prefix: string): { completion: string; confidence: number } {
    let start = prefix.length;
    while (start > 0 && isIdentChar(prefix[start - 1])) start--;
    const typed = prefix.slice(start);
    if (typed === '' || /^[0-9]/.test(typed)) return { completion: '', confidence: 0 };
    const fileCounts = countWords([prefix.slice(0, start)]);
    const score = new Map<string, number>();
    for (let i = lowerBound(this.words, typed); i < this.words.length && this.words[i].startsWith(typed); i++) {
      if (this.words[i].length > typed.length) score.set(this.words[i], this.counts[i]);
    }
    for (const [w, n] of fileCounts) {
      if (w.length > typed.length && w.startsWith(typed)) score.set(w, (score.get(w) ?? 0) + n);
    }
    let best = '';
    let bestN = 0;
    let total = 0;
    for (const [w, n] of score) {
      total += n;
      if (n > bestN || (n === bestN && w < best)) {
        best = w;
        bestN = n;
      }
    }
    return best ? { completion: best.slice(typed.length), confidence: bestN / total } : { completion: '', confidence: 0 };
  }
}

function countWords(texts: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of texts) {
    for (const [s, e] of identifierSpans(t)) {
      const w = t.slice(s, e);
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }
  return counts;
}

function lowerBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The best exact match at precision `target` or better over every threshold on the confidence,
 * chosen on the positions themselves (an oracle: an upper bound for word completion at that precision).
 */
export function bestExactAt(answers: readonly { confidence: number; right: boolean; shown: boolean }[], target: number): { exact: number; precision: number; threshold: number } {
  const shown = answers.filter((a) => a.shown).sort((a, b) => b.confidence - a.confidence);
  let best = { exact: 0, precision: NaN, threshold: NaN };
  let right = 0;
  shown.forEach((a, i) => {
    if (a.right) right++;
    const next = shown[i + 1];
    if (next && next.confidence === a.confidence) return;
    const precision = right / (i + 1);
    if (i + 1 >= 10 && precision >= target && right / answers.length > best.exact) best = { exact: right / answers.length, precision, threshold: a.confidence };
  });
  return best;
}
