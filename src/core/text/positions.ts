/**
 * Completion positions for the quality benchmark: deterministic samples of places in held-out
 * files where the cursor is inside an identifier or at its start. The truth is the rest of that
 * identifier; what was typed is the identifier's part before the cursor.
 * Identifiers are JavaScript-style ASCII words ([A-Za-z_$][A-Za-z0-9_$]*) that do not start a
 * number literal (the "x1F" of "0x1F" is not one).
 */
import { makeRng } from '../util/random';

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

/**
 * How much a text looks like data rather than code: the share of its characters in lines whose
 * shape (string and number literals blanked, spaces collapsed) repeats an earlier line of the
 * file. Lines of fewer than MIN_SHAPE characters (braces, `return;`, `else:`) do not count either
 * way. Tables of test cases, fixtures and generated lists score high, hand-written code low (the
 * shares measured on the bench's corpora are in BENCHMARKS.md, "a threshold that keeps its
 * promise").
 */
export function repeatedLineShare(text: string): number {
  const seen = new Set<string>();
  let repeated = 0;
  let total = 0;
  for (const line of text.split('\n')) {
    total += line.length + 1;
    const s = lineShape(line);
    if (s.length < MIN_SHAPE) continue;
    if (seen.has(s)) repeated += line.length + 1;
    else seen.add(s);
  }
  return total > 0 ? repeated / total : 0;
}

const MIN_SHAPE = 12;
const LITERAL = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\\n]|\\.)*`|\b\d[\w.]*/g;

function lineShape(line: string): string {
  return line.trim().replace(LITERAL, (m) => (/^\d/.test(m) ? '0' : '""')).replace(/\s+/g, ' ');
}

/**
 * Files with a repeatedLineShare up to DATA_FROM count fully in calibration; from there their
 * weight falls linearly to 0 at DATA_UNTIL (left out). Between: down-weighted.
 */
export const DATA_FROM = 0.3;
export const DATA_UNTIL = 0.6;

/** A file's weight in calibration from its repeatedLineShare (1: code, 0: data). */
export function codeWeight(repeatedShare: number): number {
  if (repeatedShare <= DATA_FROM) return 1;
  if (repeatedShare >= DATA_UNTIL) return 0;
  return (DATA_UNTIL - repeatedShare) / (DATA_UNTIL - DATA_FROM);
}

/** Default: no file gives more than this share of the calibration positions (see sampleStratified). */
export const MAX_FILE_SHARE = 0.05;

export interface FileDraw {
  relPath: string;
  /** Identifier positions in the file, and identifiers (at most one position is drawn from each). */
  available: number;
  identifiers: number;
  repeatedShare: number;
  weight: number;
  /** Positions drawn from it. */
  drawn: number;
}

export interface StratifiedOptions {
  /** No file gives more than max(ceil(maxFileShare x count), ceil(count / files that count)) positions. */
  maxFileShare?: number;
  /** A file's weight (default: codeWeight of its repeatedLineShare). */
  weight?: (d: PositionDoc, repeatedShare: number) => number;
}

/** The most positions one file may give out of `count`, among `files` files that count. */
export function fileCap(count: number, files: number, maxFileShare = MAX_FILE_SHARE): number {
  return Math.max(Math.ceil(maxFileShare * count), Math.ceil(count / Math.max(1, files)));
}

/**
 * Positions that represent the code of a workspace, for calibrating the threshold: stratified over
 * files, each file's share proportional to its identifier positions times its weight (data-like
 * files count less, or not at all), and capped (fileCap) so that no file gives more than a small
 * share; the positions a capped file cannot give go to the others. Within a file, uniform over its
 * identifier positions, at most one per identifier. When every file weighs 0 (only data), none is
 * drawn: such positions say nothing about the code (the calibration then falls back).
 * Deterministic for a seed, whatever order the docs come in. Sorted by file, then offset.
 */
export function sampleStratified(docs: PositionDoc[], count: number, seed = 1, o: StratifiedOptions = {}): { positions: Position[]; files: FileDraw[] } {
  const sorted = [...docs].sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  const spans = sorted.map((d) => identifierSpans(d.text));
  const files: FileDraw[] = sorted.map((d, i) => {
    const repeatedShare = repeatedLineShare(d.text);
    let available = 0;
    for (const [s, e] of spans[i]) available += e - s;
    return { relPath: d.relPath, available, identifiers: spans[i].length, repeatedShare, weight: Math.max(0, (o.weight ?? ((_d, r) => codeWeight(r)))(d, repeatedShare)), drawn: 0 };
  });
  const demand = files.map((f) => f.weight * f.available);
  const counted = demand.filter((x) => x > 0).length;
  const cap = fileCap(count, counted, o.maxFileShare);
  const quota = allocate(demand, files.map((f) => Math.min(f.identifiers, cap)), count);
  const positions: Position[] = [];
  sorted.forEach((d, i) => {
    const k = quota[i];
    if (k === 0) return;
    // The file's identifier positions: offset, and which identifier (its index in spans).
    const offs: number[] = [];
    const word: number[] = [];
    spans[i].forEach(([s, e], w) => {
      for (let j = s; j < e; j++) {
        offs.push(j);
        word.push(w);
      }
    });
    // Uniform over the positions, at most one per identifier (positions inside one identifier
    // are right or wrong together: they would count as more evidence than they are).
    const rng = makeRng((seed ^ pathSeed(d.relPath)) >>> 0);
    const idx = Int32Array.from(offs.keys());
    const used = new Set<number>();
    const chosen: number[] = [];
    for (let j = 0; j < idx.length && chosen.length < k; j++) {
      const r = j + Math.floor(rng() * (idx.length - j));
      const t = idx[j];
      idx[j] = idx[r];
      idx[r] = t;
      if (used.has(word[idx[j]])) continue;
      used.add(word[idx[j]]);
      chosen.push(idx[j]);
    }
    files[i].drawn = chosen.length;
    for (const c of chosen.sort((a, b) => a - b)) {
      const off = offs[c];
      const end = spans[i][word[c]][1];
      let start = off;
      while (start > 0 && isIdentChar(d.text[start - 1])) start--;
      positions.push({ relPath: d.relPath, offset: off, typed: d.text.slice(start, off), truth: d.text.slice(off, end) });
    }
  });
  return { positions, files };
}

/**
 * Splits `count` in proportion to `demand`, no share above its `limit` (whole numbers, largest
 * remainders first); what a limited share cannot take goes to the others.
 */
export function allocate(demand: number[], limit: number[], count: number): number[] {
  const out = demand.map(() => 0);
  const open = new Set(demand.map((_, i) => i).filter((i) => demand[i] > 0 && limit[i] > 0));
  let left = count;
  // Water-filling: fix every share that reaches its limit, then share the rest among the others.
  for (;;) {
    let total = 0;
    for (const i of open) total += demand[i];
    if (open.size === 0 || left <= 0 || total <= 0) break;
    const over = [...open].filter((i) => (left * demand[i]) / total >= limit[i]);
    if (over.length === 0) {
      const exact = [...open].map((i) => ({ i, x: (left * demand[i]) / total }));
      for (const e of exact) out[e.i] = Math.floor(e.x);
      let rest = left - exact.reduce((n, e) => n + Math.floor(e.x), 0);
      exact.sort((a, b) => (b.x - Math.floor(b.x)) - (a.x - Math.floor(a.x)) || a.i - b.i);
      for (const e of exact) {
        if (rest <= 0) break;
        if (out[e.i] < limit[e.i]) {
          out[e.i]++;
          rest--;
        }
      }
      break;
    }
    for (const i of over) {
      out[i] = limit[i];
      left -= limit[i];
      open.delete(i);
    }
  }
  return out;
}

/** Characters before the cursor that identify a position (positionKey). */
const KEY_CONTEXT = 64;

/**
 * A 32-bit key of a position: its file's text just before the cursor and the truth after it. The
 * same place in the same text has the same key in any file, so a checkpoint can say which
 * positions its threshold was calibrated on and `charrnn eval` can leave them out.
 */
export function positionKey(text: string, offset: number, truth: string): number {
  return pathSeed(text.slice(Math.max(0, offset - KEY_CONTEXT), offset) + '\u0000' + truth);
}

/** A 32-bit key of a whole text (the files a threshold was calibrated on). */
export function textKey(text: string): number {
  return pathSeed(text);
}

/** FNV-1a, 32 bits (per-file seeds and keys). */
function pathSeed(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The text from `offset` to the end of its line (the line break excluded), read no further than that. */
export function restOfLine(text: string, offset: number): string {
  let end = offset;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
  return text.slice(offset, end);
}
