/**
 * The data of the local completion statistics (see ./stats.ts, which keeps them in a file) and
 * the panel's view of them. Pure: no Node or DOM, so the webview can import its types.
 */
export const STATS_VERSION = 1;
/** Upper bounds (ms) of the latency histogram's buckets; the last bucket is everything above. */
export const LATENCY_BUCKETS_MS = [2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000] as const;

export interface LanguageStats {
  shown: number;
  accepted: number;
  /** Shown completions of which only a part was accepted (word by word). */
  partial: number;
  /** Characters inserted by accepting (fully or partly) instead of typed. */
  charsSaved: number;
  /** Requests answered by the model: count, total and a histogram over LATENCY_BUCKETS_MS. */
  latency: { count: number; totalMs: number; buckets: number[] };
}

export interface StatsData {
  version: number;
  /** ISO time of the first record (or of the last reset). */
  since: string;
  languages: Record<string, LanguageStats>;
}

export type StatsEvent = 'shown' | 'accepted' | 'partial' | 'partialBecameAccepted';

export function emptyLanguageStats(): LanguageStats {
  return { shown: 0, accepted: 0, partial: 0, charsSaved: 0, latency: { count: 0, totalMs: 0, buckets: LATENCY_BUCKETS_MS.map(() => 0).concat(0) } };
}

export function emptyData(now: number): StatsData {
  return { version: STATS_VERSION, since: new Date(now).toISOString(), languages: {} };
}

const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);

/** Reads what a stats file holds, keeping only well-formed numbers. */
export function parseStats(text: string, now = Date.now()): StatsData {
  const raw = JSON.parse(text) as Partial<StatsData>;
  if (!raw || typeof raw !== 'object' || raw.version !== STATS_VERSION || typeof raw.languages !== 'object' || raw.languages === null) {
    return emptyData(now);
  }
  const out = emptyData(now);
  if (typeof raw.since === 'string') out.since = raw.since;
  for (const [lang, l] of Object.entries(raw.languages)) {
    if (!l || typeof l !== 'object') continue;
    const s = emptyLanguageStats();
    s.shown = count(l.shown);
    s.accepted = count(l.accepted);
    s.partial = count(l.partial);
    s.charsSaved = count(l.charsSaved);
    s.latency.count = count(l.latency?.count);
    s.latency.totalMs = count(l.latency?.totalMs);
    const b = l.latency?.buckets;
    if (Array.isArray(b) && b.length === s.latency.buckets.length) s.latency.buckets = b.map(count);
    Object.defineProperty(out.languages, lang, { value: s, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The upper bound of the bucket holding quantile `q` (0..1), or undefined without data. */
export function latencyQuantileMs(l: LanguageStats['latency'], q: number): number | undefined {
  if (l.count === 0) return undefined;
  const target = q * l.count;
  let seen = 0;
  for (let i = 0; i < l.buckets.length; i++) {
    seen += l.buckets[i];
    if (seen >= target && l.buckets[i] > 0) return i < LATENCY_BUCKETS_MS.length ? LATENCY_BUCKETS_MS[i] : Infinity;
  }
  return Infinity;
}

/** All languages added up. */
export function totals(data: StatsData): LanguageStats {
  const t = emptyLanguageStats();
  for (const l of Object.values(data.languages)) {
    t.shown += l.shown;
    t.accepted += l.accepted;
    t.partial += l.partial;
    t.charsSaved += l.charsSaved;
    t.latency.count += l.latency.count;
    t.latency.totalMs += l.latency.totalMs;
    l.latency.buckets.forEach((n, i) => (t.latency.buckets[i] += n));
  }
  return t;
}

/** One row of the panel's statistics table. */
export interface StatsRow {
  language: string;
  shown: number;
  accepted: number;
  partial: number;
  charsSaved: number;
  /** Share of shown completions accepted fully or in part (0..1), undefined when none shown. */
  acceptRate?: number;
  meanMs?: number;
  /** Upper bounds of the histogram buckets holding the median and the 95th percentile. */
  p50Ms?: number;
  p95Ms?: number;
}

/** What the panel shows: one row per language (most shown first) and the totals. */
export interface StatsView {
  since: string;
  rows: StatsRow[];
  total: StatsRow;
}

function row(language: string, l: LanguageStats): StatsRow {
  const r: StatsRow = { language, shown: l.shown, accepted: l.accepted, partial: l.partial, charsSaved: l.charsSaved };
  if (l.shown > 0) r.acceptRate = Math.min(1, (l.accepted + l.partial) / l.shown);
  if (l.latency.count > 0) {
    r.meanMs = l.latency.totalMs / l.latency.count;
    const p50 = latencyQuantileMs(l.latency, 0.5);
    const p95 = latencyQuantileMs(l.latency, 0.95);
    // JSON has no Infinity: leave the bound out ("over the last bucket").
    if (p50 !== undefined && Number.isFinite(p50)) r.p50Ms = p50;
    if (p95 !== undefined && Number.isFinite(p95)) r.p95Ms = p95;
  }
  return r;
}

export function statsView(data: StatsData): StatsView {
  const rows = Object.entries(data.languages)
    .map(([lang, l]) => row(lang, l))
    .sort((a, b) => b.shown - a.shown || a.language.localeCompare(b.language));
  return { since: data.since, rows, total: row('all', totals(data)) };
}
