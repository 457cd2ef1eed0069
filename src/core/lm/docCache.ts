/**
 * The document cache: character n-gram counts over the text of one document (the one being
 * edited), for contexts of up to CACHE_ORDER characters, updated as the text changes. It is the
 * mixture's expert for what repeats inside a file: most identifiers to complete already occur
 * earlier in the same file.
 *
 * Storage: the document as ids (after a start-of-document symbol BOS = vocabSize); order-0, 1
 * and 2 follower counts in tables; for longer contexts, an index from the last 3 symbols before
 * each position to the positions (ascending), from which a query extends each recent match
 * backwards to its full length (at most SCAN most recent positions per key). `append` and
 * `truncate` keep all of it exact, so an edited cache equals one rebuilt from the new text.
 *
 * The distribution interpolates the orders from 0 up to the longest matched context with
 * Witten–Bell weights (each order's counts plus its number of distinct followers times the
 * lower order's distribution), over a uniform base: it sums to 1 over the vocabulary and is
 * never zero.
 */
export const CACHE_ORDER = 16;
/** Positions scanned per query (the most recent occurrences of the last 3 symbols). */
const SCAN = 256;
const KEY = 3;

export interface CacheMatch {
  /** Length of the longest context seen in the document (-1: empty document). */
  order: number;
  /** Occurrences of that context, and its distinct followers. */
  count: number;
  distinct: number;
}

export class DocumentCache {
  private seq: Int32Array;
  private n = 1;
  private readonly uni: Int32Array;
  private readonly low = [new Map<number, Map<number, number>>(), new Map<number, Map<number, number>>()];
  private readonly index = new Map<number, number[]>();
  // Scratch for queries.
  private readonly cnt: Float64Array;
  private readonly matchW: Int32Array = new Int32Array(SCAN);
  private readonly matchL: Int32Array = new Int32Array(SCAN);

  constructor(readonly vocabSize: number) {
    this.seq = new Int32Array(1024);
    this.seq[0] = vocabSize; // BOS
    this.uni = new Int32Array(vocabSize);
    this.cnt = new Float64Array(vocabSize);
  }

  /** Characters of the document held. */
  get length(): number {
    return this.n - 1;
  }

  /** The ids held (a copy), for tests. */
  ids(): Int32Array {
    return this.seq.slice(1, this.n);
  }

  append(ids: ArrayLike<number>): void {
    if (this.n + ids.length > this.seq.length) {
      const grown = new Int32Array(Math.max(this.seq.length * 2, this.n + ids.length));
      grown.set(this.seq.subarray(0, this.n));
      this.seq = grown;
    }
    for (let i = 0; i < ids.length; i++) {
      const w = ids[i];
      if (!(w >= 0 && w < this.vocabSize)) throw new Error(`symbol ${w} outside the vocabulary`);
      const p = this.n++;
      this.seq[p] = w;
      this.count(p, +1);
    }
  }

  /** Keeps the first `length` characters. */
  truncate(length: number): void {
    const target = Math.max(0, Math.min(length, this.length)) + 1;
    while (this.n > target) this.count(--this.n, -1);
  }

  /** Adds (+1) or removes (-1) the counts of position p (removals come last-first). */
  private count(p: number, delta: 1 | -1): void {
    const s = this.seq;
    const w = s[p];
    this.uni[w] += delta;
    for (let k = 1; k <= 2 && p - k >= 0; k++) {
      const key = k === 1 ? s[p - 1] : s[p - 2] * 65536 + s[p - 1];
      const table = this.low[k - 1];
      let f = table.get(key);
      if (!f) table.set(key, (f = new Map()));
      const c = (f.get(w) ?? 0) + delta;
      if (c > 0) f.set(w, c);
      else f.delete(w);
      if (f.size === 0) table.delete(key);
    }
    if (p - KEY >= 0) {
      const key = (s[p - 3] * 65536 + s[p - 2]) * 65536 + s[p - 1];
      let list = this.index.get(key);
      if (delta > 0) {
        if (!list) this.index.set(key, (list = []));
        list.push(p);
      } else if (list) {
        list.pop();
        if (list.length === 0) this.index.delete(key);
      }
    }
  }

  /**
   * Writes the next-symbol distribution after the context `ctx` (symbol ids as UTF-16 units, the
   * last ones matter; BOS = vocabSize marks the document start) into `p`.
   */
  predict(ctx: string, p: Float64Array): CacheMatch {
    const V = this.vocabSize;
    p.fill(1 / V);
    const match: CacheMatch = { order: -1, count: 0, distinct: 0 };
    if (this.n <= 1) return match;
    // Order 0.
    this.mixCounts(p, this.uni, this.n - 1, match, 0);
    const m = ctx.length;
    // Orders 1 and 2.
    for (let k = 1; k <= 2 && k <= m; k++) {
      const key = k === 1 ? ctx.charCodeAt(m - 1) : ctx.charCodeAt(m - 2) * 65536 + ctx.charCodeAt(m - 1);
      const f = this.low[k - 1].get(key);
      if (!f) return match;
      const c = this.cnt;
      c.fill(0);
      let total = 0;
      for (const [w, v] of f) {
        c[w] = v;
        total += v;
      }
      this.mixCounts(p, c, total, match, k, f.size);
    }
    if (m < KEY) return match;
    // Orders 3..CACHE_ORDER: the recent matches of the last 3 symbols, extended backwards.
    const list = this.index.get((ctx.charCodeAt(m - 3) * 65536 + ctx.charCodeAt(m - 2)) * 65536 + ctx.charCodeAt(m - 1));
    if (!list) return match;
    const s = this.seq;
    const maxLen = Math.min(CACHE_ORDER, m);
    let found = 0;
    let longest = 0;
    for (let i = list.length - 1; i >= 0 && found < SCAN; i--) {
      const pos = list[i];
      let L = KEY;
      while (L < maxLen && pos - 1 - L >= 0 && s[pos - 1 - L] === ctx.charCodeAt(m - 1 - L)) L++;
      this.matchW[found] = s[pos];
      this.matchL[found] = L;
      found++;
      if (L > longest) longest = L;
    }
    const c = this.cnt;
    for (let k = KEY; k <= longest; k++) {
      c.fill(0);
      let total = 0;
      let distinct = 0;
      for (let j = 0; j < found; j++) {
        if (this.matchL[j] < k) continue;
        if (c[this.matchW[j]]++ === 0) distinct++;
        total++;
      }
      this.mixCounts(p, c, total, match, k, distinct);
    }
    return match;
  }

  /** p ← (c + u·p) / (n + u) (Witten–Bell), and records the order as matched. */
  private mixCounts(p: Float64Array, c: ArrayLike<number>, total: number, match: CacheMatch, order: number, distinct = -1): void {
    if (total <= 0) return;
    const V = this.vocabSize;
    let u = distinct;
    if (u < 0) {
      u = 0;
      for (let w = 0; w < V; w++) if (c[w] > 0) u++;
    }
    const z = 1 / (total + u);
    for (let w = 0; w < V; w++) p[w] = (c[w] + u * p[w]) * z;
    match.order = order;
    match.count = total;
    match.distinct = u;
  }
}

/** Length of the common prefix of two strings. */
export function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
