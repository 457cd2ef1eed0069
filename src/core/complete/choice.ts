/**
 * What the completer's decision path may show at a position, whatever the threshold
 * (Completer.choices), and what it shows at a given one: the threshold is calibrated on these, so
 * that its measured precision is that of the ghosts the editor shows.
 */

/** One thing the decision path may show (Completer.choices). */
export interface Choice {
  /** '' when showing it means showing nothing (the best token is already after the cursor). */
  completion: string;
  confidence: number;
  /** The beam's best token, a known identifier, or another token of the beam. */
  kind: 'beam' | 'known' | 'alternative';
  /** Tried only at thresholds above this (a known identifier when the word looks complete below it). */
  above?: number;
}

/** What the decision path shows at threshold `t`: the first choice that passes it (undefined: nothing). */
export function choiceAt(choices: readonly Choice[], t: number): Choice | undefined {
  for (const c of choices) if (c.confidence >= t && !(c.above !== undefined && t <= c.above)) return c;
  return undefined;
}
