/**
 * What the mixer's two layers (./mixer.ts, ./logLinear.ts) mix and by what: the experts, the
 * mixing features of a context, and the levels both layers cut the features into (both select
 * weights by how sure the LSTM is and how long a context the document cache matched, at the same
 * edges).
 */

export const EXPERTS = ['ngram', 'cache', 'lstm'] as const;
export type ExpertName = (typeof EXPERTS)[number];

/** What the mixer reads of a context to choose its weights. */
export interface MixFeatures {
  /** Longest context the n-gram matched (-1: none). */
  ngramOrder: number;
  /** Longest context the document cache matched (-1: none). */
  cacheOrder: number;
  /** Distinct followers of the cache's longest matched context. */
  cacheDistinct: number;
  /** The LSTM's entropy in bits (NaN: no LSTM). */
  lstmEntropy: number;
  /** The largest probability each count model gives (how sure it is). */
  ngramMax: number;
  cacheMax: number;
  /**
   * How much better the cache than the n-gram has predicted this document's last characters
   * (a running mean of the log-ratio of their probabilities of the true character; 0: unknown).
   * Only the second layer (./logLinear.ts) uses it.
   */
  cacheAdvantage: number;
  /**
   * The character before the position is an identifier character (isWordChar); false at the
   * document start, and when absent. Only the 'cache-doubt' layout (./mixer.ts) uses it.
   */
  afterWord?: boolean;
}

/** Which interval of the ascending `edges` `x` falls in (0 below the first; NaN: 0). */
export function level(x: number, edges: readonly number[]): number {
  let i = 0;
  while (i < edges.length && x >= edges[i]) i++;
  return i;
}

/** The LSTM's entropy in bits: ≤0.5, 0.5-1.5, 1.5-3, 3+. */
export const ENTROPY_EDGES = [0.5, 1.5, 3];
/** The document cache's matched order: ≤2, 3-5, 6-8, 9-11, 12-14, 15+. */
export const CACHE_ORDER_EDGES = [3, 6, 9, 12, 15];

/** The LSTM's entropy level; 0 without an LSTM (entropy NaN). */
export function entropyLevel(entropyBits: number): number {
  return Number.isNaN(entropyBits) ? 0 : level(entropyBits, ENTROPY_EDGES);
}
