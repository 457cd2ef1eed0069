/**
 * What the inline completion provider offers, decided without VS Code (pure, unit-tested): the
 * edit of the cursor's line that each candidate makes, how that edit must look while the suggest
 * widget has an item selected, and the candidates of an answer in the order they are offered.
 */
import type { Candidate } from './decision';
import { LANGUAGES, syntaxAt } from '../core/text/syntax';

/** A replacement on the cursor's line: columns [start, end) become `text`. */
export interface LineEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * The edit of a completion: the part of the token already typed plus the completion, over the
 * typed part (so VS Code keeps the same item while the user types into it).
 */
export function completionEdit(line: string, cursor: number, typedLength: number, completion: string): LineEdit {
  const start = cursor - Math.max(0, Math.min(typedLength, cursor));
  return { start, end: cursor, text: line.slice(start, cursor) + completion };
}

/** The line after the edit. */
export function applyEdit(line: string, e: LineEdit): string {
  return line.slice(0, e.start) + e.text + line.slice(e.end);
}

/**
 * Our edit as it may be shown while the suggest widget has `selected` selected, or undefined.
 *
 * VS Code's contract (InlineCompletionContext.selectedCompletionInfo): an inline completion shown
 * then must use the selected item's range and start with its text. And while the widget is open,
 * Tab accepts the widget's item, not the ghost text. So the ghost text is shown only when
 * accepting the selected item writes exactly what ours would: a ghost that went further than the
 * selected item (ghost `sert` after `as` with `as` selected) would promise what Tab does not give,
 * and a second Tab would be needed.
 */
export function agreeWithSelected(line: string, ours: LineEdit, selected: LineEdit): LineEdit | undefined {
  if (applyEdit(line, ours) !== applyEdit(line, selected)) return undefined;
  return { start: selected.start, end: selected.end, text: selected.text };
}

/**
 * The candidates of an answer, best first, each completion once (empty ones dropped): the
 * answer's own (its completion, then its alternatives), then those of `more` (e.g. the same place
 * asked with no threshold, on an explicit request).
 */
export function mergeCandidates(...lists: (readonly Candidate[] | undefined)[]): Candidate[] {
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const list of lists) {
    for (const c of list ?? []) {
      if (!c.completion || seen.has(c.completion)) continue;
      seen.add(c.completion);
      out.push({ completion: c.completion, confidence: c.confidence });
    }
  }
  return out;
}

/**
 * The candidates worth cycling through (Alt+]): a candidate that is only the start of a better
 * one (`Quant` after `Quantity`) shows nothing new, and accepting word by word gives it. (With
 * the suggest list open it may still be the one that agrees with the list's item: not used there.)
 */
export function distinctTokens(cands: readonly Candidate[]): Candidate[] {
  const out: Candidate[] = [];
  for (const c of cands) if (!out.some((o) => o.completion.startsWith(c.completion))) out.push(c);
  return out;
}

/** editor.autoClosingBrackets / editor.autoClosingQuotes. */
export type AutoCloseSetting = 'always' | 'languageDefined' | 'beforeWhitespace' | 'never';

const BRACKETS: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };
/** The characters before which VS Code's language configurations auto-close (their default autoCloseBefore). */
const AUTO_CLOSE_BEFORE = ';:.,=}])> \t';

/**
 * The closing character to add when a completion ends with an opening bracket or quote that
 * typing would have auto-closed here (undefined: none). Accepting ghost text inserts it as is, so
 * `'` accepted after `test(` gave `test(')` where typing gives `test('')`; the item then inserts
 * the pair with the cursor between, as typing would.
 *
 * `textBefore`: the document up to the cursor (or a tail that starts at a line start), for the
 * comment/string heuristic; `after`: the rest of the line.
 */
export function autoCloser(
  languageId: string,
  completion: string,
  textBefore: string,
  after: string,
  settings: { brackets: AutoCloseSetting; quotes: AutoCloseSetting },
): string | undefined {
  const lang = LANGUAGES[languageId];
  const open = completion.slice(-1);
  if (!lang || !open) return undefined;
  const isQuote = open === "'" || open === '"' || open === '`';
  const close = isQuote ? open : BRACKETS[open];
  if (!close) return undefined;
  // Only the quotes that open strings in this language (Rust's 'a is a lifetime).
  if (isQuote && !lang.strings.some((s) => s.open === open)) return undefined;
  const upTo = textBefore + completion.slice(0, -1);
  // In a comment or a string the character is text (or the string's end), not an opener.
  if (syntaxAt(languageId, upTo) !== 'code') return undefined;
  const next = after.charAt(0);
  const mode = isQuote ? settings.quotes : settings.brackets;
  const fits = mode === 'always'
    || (mode === 'beforeWhitespace' && (next === '' || /\s/.test(next)))
    || (mode === 'languageDefined' && (next === '' || AUTO_CLOSE_BEFORE.includes(next)));
  if (!fits) return undefined;
  // A quote right after a word character is an apostrophe or a suffix: VS Code does not pair it.
  if (isQuote && /[\p{L}\p{N}_$]/u.test(upTo.slice(-1))) return undefined;
  return close;
}
