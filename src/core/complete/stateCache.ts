/**
 * Model states for recent (document, offset) prefixes, so that typing one more character costs
 * one step instead of a re-read of the context. Bounded: at most `maxEntries` states (least
 * recently used out first) and at most `maxText` characters of text kept per entry.
 *
 * An entry remembers the text it has read (its tail) ending at `end`. It can be resumed for a
 * request at `offset` with `prefix` (the text ending at `offset`) when it ends at or before the
 * offset, within the prefix, and the text they share is identical: then only the characters
 * between `end` and `offset` need reading. Edits before the entry's end change the shared text
 * and the entry no longer matches.
 */

export interface CacheEntry<S> {
  docKey: string;
  /** Offset in the document just after the last character read. */
  end: number;
  /** The last characters read (at most maxText), ending at `end`. */
  text: string;
  state: S;
}

export interface CacheHit<S> {
  entry: CacheEntry<S>;
  /** The characters to read from the entry's state to reach the requested offset. */
  missing: string;
}

export class StateCache<S> {
  private readonly entries = new Map<string, CacheEntry<S>>();

  constructor(
    readonly maxEntries = 64,
    readonly maxText = 512,
    /** Minimum shared text (or the whole entry text when shorter) for a match. */
    readonly minOverlap = 32,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  private static key(docKey: string, end: number): string {
    return `${end}\u0000${docKey}`;
  }

  /** The matching entry that needs the fewest characters read, or undefined. */
  lookup(docKey: string, offset: number, prefix: string): CacheHit<S> | undefined {
    const winStart = offset - prefix.length;
    let best: CacheEntry<S> | undefined;
    for (const e of this.entries.values()) {
      if (e.docKey !== docKey || e.end > offset || e.end < winStart) continue;
      if (best && best.end >= e.end) continue;
      const entryStart = e.end - e.text.length;
      const from = Math.max(winStart, entryStart);
      const shared = e.end - from;
      if (shared < Math.min(this.minOverlap, e.text.length)) continue;
      if (prefix.slice(from - winStart, e.end - winStart) !== e.text.slice(from - entryStart)) continue;
      best = e;
    }
    if (!best) return undefined;
    // Mark as recently used.
    const k = StateCache.key(best.docKey, best.end);
    this.entries.delete(k);
    this.entries.set(k, best);
    return { entry: best, missing: prefix.slice(best.end - winStart) };
  }

  store(docKey: string, end: number, text: string, state: S): void {
    const k = StateCache.key(docKey, end);
    this.entries.delete(k);
    this.entries.set(k, { docKey, end, text: text.length > this.maxText ? text.slice(-this.maxText) : text, state });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Drops every state of one document (closed, or edited beyond recognition). */
  forget(docKey: string): void {
    for (const [k, e] of this.entries) if (e.docKey === docKey) this.entries.delete(k);
  }
}
