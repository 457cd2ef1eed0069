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
  private readonly touched: Int32Array = new Int32Array(SCAN);

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
   *
   * Witten–Bell, p_k = (c_k + u_k p_k-1) / (n_k + u_k) for the matched orders over a uniform
   * p_-1, unrolled from the longest order down so that each order touches only its followers:
   * p = Σ_k (Π_{i>k} λ_i) c_k / (n_k + u_k) + (Π λ) / V, with λ_k = u_k / (n_k + u_k).
   */
  predict(ctx: string, p: Float64Array): CacheMatch {
    const V = this.vocabSize;
    const match: CacheMatch = { order: -1, count: 0, distinct: 0 };
    if (this.n <= 1) {
      p.fill(1 / V);
      return match;
    }
    const m = ctx.length;
    // The orders that match: 1 and 2 from the tables, 3.. from the recent matches of the last 3 symbols.
    const f1 = m >= 1 ? this.low[0].get(ctx.charCodeAt(m - 1)) : undefined;
    const f2 = f1 && m >= 2 ? this.low[1].get(ctx.charCodeAt(m - 2) * 65536 + ctx.charCodeAt(m - 1)) : undefined;
    let found = 0;
    let longest = 0;
    if (f2 && m >= KEY) {
      const list = this.index.get((ctx.charCodeAt(m - 3) * 65536 + ctx.charCodeAt(m - 2)) * 65536 + ctx.charCodeAt(m - 1));
      if (list) {
        const s = this.seq;
        const maxLen = Math.min(CACHE_ORDER, m);
        for (let i = list.length - 1; i >= 0 && found < SCAN; i--) {
          const pos = list[i];
          let L = KEY;
          while (L < maxLen && pos - 1 - L >= 0 && s[pos - 1 - L] === ctx.charCodeAt(m - 1 - L)) L++;
          this.matchW[found] = s[pos];
          this.matchL[found] = L;
          found++;
          if (L > longest) longest = L;
        }
      }
    }
    p.fill(0);
    let scale = 1;
    const record = (order: number, count: number, distinct: number) => {
      if (match.order < 0) {
        match.order = order;
        match.count = count;
        match.distinct = distinct;
      }
    };
    // Orders longest..3: the followers of the matches at least k long (counts grow as k falls).
    if (found > 0) {
      const c = this.cnt;
      const touched = this.touched;
      let distinct = 0;
      let total = 0;
      for (let k = longest; k >= KEY; k--) {
        for (let j = 0; j < found; j++) {
          if (this.matchL[j] !== k) continue;
          const w = this.matchW[j];
          if (c[w]++ === 0) touched[distinct++] = w;
          total++;
        }
        const z = 1 / (total + distinct);
        for (let t = 0; t < distinct; t++) p[touched[t]] += scale * c[touched[t]] * z;
        scale *= distinct * z;
        record(k, total, distinct);
      }
      for (let t = 0; t < distinct; t++) c[touched[t]] = 0;
    }
    // Orders 2 and 1.
    for (const [k, f] of [[2, f2], [1, f1]] as const) {
      if (!f) continue;
      let total = 0;
      for (const v of f.values()) total += v;
      const z = 1 / (total + f.size);
      for (const [w, v] of f) p[w] += scale * v * z;
      scale *= f.size * z;
      record(k, total, f.size);
    }
    // Order 0, then the uniform base.
    const total = this.n - 1;
    let u = 0;
    for (let w = 0; w < V; w++) if (this.uni[w] > 0) u++;
    const z = 1 / (total + u);
    const base = (scale * u * z) / V;
    for (let w = 0; w < V; w++) p[w] += scale * this.uni[w] * z + base;
    record(0, total, u);
    return match;
  }
}

/** Length of the common prefix of two strings. */
export function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
