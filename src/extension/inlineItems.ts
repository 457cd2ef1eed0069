/**
 * What the inline completion provider offers, decided without VS Code (pure, unit-tested): the
 * edit of the cursor's line that each candidate makes, how that edit must look while the suggest
 * widget has an item selected, and the candidates of an answer in the order they are offered.
 */
import type { Candidate } from './decision';

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
