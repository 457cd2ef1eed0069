/**
 * Completion positions for the quality benchmark: deterministic samples of places in held-out
 * files where the cursor is inside an identifier or at its start. The truth is the rest of that
 * identifier; what was typed is the identifier's part before the cursor.
 * Identifiers are JavaScript-style ASCII words ([A-Za-z_$][A-Za-z0-9_$]*) that do not start a
 * number literal (the "x1F" of "0x1F" is not one).
 */
import { makeRng } from './random';

export interface PositionDoc {
  relPath: string;
  text: string;
}

export interface Position {
  relPath: string;
  /** Offset of the cursor (UTF-16 units) in the file. */
  offset: number;
  /** The identifier's characters before the cursor ('' at its start). */
  typed: string;
  /** The rest of the identifier after the cursor (never empty). */
  truth: string;
}

const WORD = /[A-Za-z0-9_$]+/g;

export function isIdentChar(ch: string): boolean {
  return /^[A-Za-z0-9_$]$/.test(ch);
}

/** The identifiers of a text, as [start, end) offsets (words that start with a digit excluded). */
export function identifierSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  WORD.lastIndex = 0;
  for (let m = WORD.exec(text); m; m = WORD.exec(text)) {
    const c = m[0].charCodeAt(0);
    if (c >= 48 && c <= 57) continue;
    spans.push([m.index, m.index + m[0].length]);
  }
  return spans;
}

/**
 * Picks `count` positions uniformly among all identifier positions of `docs` (every offset from an
 * identifier's start to its last character), with a seeded generator: the same docs and seed give
 * the same positions whatever order the docs come in. Sorted by file, then offset.
 */
export function samplePositions(docs: PositionDoc[], count: number, seed = 1): Position[] {
  const sorted = [...docs].sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  const docOf: number[] = [];
  const offs: number[] = [];
  const ends: number[] = [];
  sorted.forEach((d, di) => {
    for (const [s, e] of identifierSpans(d.text)) {
      for (let i = s; i < e; i++) {
        docOf.push(di);
        offs.push(i);
        ends.push(e);
      }
    }
  });
  const total = docOf.length;
  const k = Math.min(count, total);
  // Partial Fisher–Yates over candidate indices.
  const idx = new Int32Array(total);
  for (let i = 0; i < total; i++) idx[i] = i;
  const rng = makeRng(seed);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (total - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  const chosen = [...idx.subarray(0, k)].sort((a, b) => a - b);
  return chosen.map((c) => {
    const d = sorted[docOf[c]];
    const off = offs[c];
    let start = off;
    while (start > 0 && isIdentChar(d.text[start - 1])) start--;
    return { relPath: d.relPath, offset: off, typed: d.text.slice(start, off), truth: d.text.slice(off, ends[c]) };
  });
}
