/**
 * Calibration: the show/abstain threshold that makes shown completions right `target` of the
 * time on held-out identifier positions, read through the decision path the editor uses
 * (Completer.choices), with a lower confidence bound on precision and a held-out check by folds
 * of files. The result is the checkpoint's Calibration (../contracts/calibration.ts).
 */
import { JUDGED_CONFIDENCE, type Calibration, type ContinuationCalibration } from '../contracts/calibration';
import { choiceAt, type Choice } from './choice';
import type { Completer } from './completer';
import { positionKey, restOfLine, sampleStratified, textKey } from '../text/positions';
import { runSteps, type Steps } from '../util/steps';

/** Precision targets besides the chosen one whose thresholds are recorded. */
const OTHER_TARGETS = [0.8, 0.85, 0.95];

/** The continuation's default precision target (issue 23). */
export const CONTINUATION_TARGET = 0.85;
/** Positions read for the continuation's threshold (after the token's, on the same ones). */
export const CONTINUATION_POSITIONS = 1000;


/**
 * z of the one-sided lower confidence bound on precision: 1.28, so that a threshold whose bound
 * reaches the target keeps it on 9 workspaces out of 10 that look like the calibration positions.
 */
export const CONFIDENCE_Z = 1.2816;
/**
 * The threshold when the calibration positions cannot show that any threshold keeps the target
 * (a workspace too small to tell): high, so that few ghosts are shown rather than wrong ones:
 * above the thresholds calibrated for 90% precision on the bench's corpora (BENCHMARKS.md).
 */
export const CONSERVATIVE_THRESHOLD = 0.8;
/** A threshold must show at least this many calibration positions. */
const MIN_SHOWN = 10;
/** Folds of files for the held-out check of the threshold. */
const CHECK_FOLDS = 5;
/** Positions are grouped by file when they come from at least this many; else by blocks of text. */
const MIN_GROUP_FILES = 4;
const GROUP_BLOCK_CHARS = 2048;

/**
 * Wilson's lower confidence bound on a proportion: `ok` right out of `n` (which may be fractional,
 * an effective number), at `z`.
 */
export function wilsonLower(ok: number, n: number, z = CONFIDENCE_Z): number {
  if (!(n > 0)) return 0;
  const p = Math.min(1, Math.max(0, ok / n));
  const z2 = z * z;
  return Math.max(0, (p + z2 / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n));
}

/**
 * The lower confidence bound on the precision of shown completions, `ok` right out of `n`, whose
 * positions fall in groups (files): Wilson's bound at the effective number of positions n / deff,
 * where the design effect deff = (the variance of the ratio estimated from the groups) / (the
 * binomial variance), at least 1. Positions of one file are alike (a table of test cases is right
 * everywhere), so a few files that make up most of the shown positions count as few positions.
 * `sums`: Σ ok_g², Σ ok_g n_g, Σ n_g² over the groups with shown positions, and their number.
 */
export function precisionLowerBound(ok: number, n: number, sums: { oo: number; on: number; nn: number; groups: number }, z = CONFIDENCE_Z): number {
  if (!(n > 0)) return 0;
  const p = ok / n;
  const binomial = (p * (1 - p)) / n;
  let deff = 1;
  if (sums.groups >= 2 && binomial > 0) {
    const between = (sums.groups / (sums.groups - 1)) * Math.max(0, sums.oo - 2 * p * sums.on + p * p * sums.nn) / (n * n);
    deff = Math.min(n, Math.max(1, between / binomial));
  }
  return wilsonLower(ok / deff, n / deff, z);
}

/** One calibration position as the decision path saw it. */
export interface CalibrationItem {
  /** The group (file) of the position. */
  group: number;
  choices: readonly Choice[];
  truth: string;
  /** Whether a shown completion is right (default: it equals `truth`). */
  right?: (completion: string) => boolean;
}

const isRight = (it: CalibrationItem, completion: string) => (it.right ? it.right(completion) : completion === it.truth);

/** Precision against the threshold: at each threshold t[j] (descending), shown and right positions and the lower bound. */
export interface ThresholdCurve {
  t: number[];
  shown: number[];
  ok: number[];
  lower: number[];
}

/**
 * The curve of `items` at every threshold where what is shown can change (each choice's
 * confidence): a sweep from the highest threshold down, re-deciding a position only where one of
 * its own choices starts or stops passing.
 */
export function thresholdCurve(items: readonly CalibrationItem[], z = CONFIDENCE_Z): ThresholdCurve {
  const ts = [...new Set(items.flatMap((it) => it.choices.map((c) => c.confidence)).filter((c) => c > 0))].sort((a, b) => b - a);
  // The first threshold index at which each position may change.
  const firstAtOrBelow = (x: number) => {
    let lo = 0;
    let hi = ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ts[mid] <= x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const dirty: number[][] = ts.map(() => []);
  items.forEach((it, i) => {
    const at = new Set<number>();
    for (const c of it.choices) {
      at.add(firstAtOrBelow(c.confidence));
      if (c.above !== undefined) at.add(firstAtOrBelow(c.above));
    }
    for (const j of at) if (j < ts.length) dirty[j].push(i);
  });
  const G = Math.max(0, ...items.map((it) => it.group + 1));
  const gn = new Float64Array(G);
  const gok = new Float64Array(G);
  const state = new Int8Array(items.length); // 0: nothing shown, 1: wrong, 2: right
  let n = 0;
  let ok = 0;
  const sums = { oo: 0, on: 0, nn: 0, groups: 0 };
  const setGroup = (g: number, dn: number, dok: number) => {
    sums.oo -= gok[g] * gok[g];
    sums.on -= gok[g] * gn[g];
    sums.nn -= gn[g] * gn[g];
    if (gn[g] > 0) sums.groups--;
    gn[g] += dn;
    gok[g] += dok;
    sums.oo += gok[g] * gok[g];
    sums.on += gok[g] * gn[g];
    sums.nn += gn[g] * gn[g];
    if (gn[g] > 0) sums.groups++;
  };
  const out: ThresholdCurve = { t: [], shown: [], ok: [], lower: [] };
  ts.forEach((t, j) => {
    for (const i of dirty[j]) {
      const c = choiceAt(items[i].choices, t);
      const next = c && c.completion ? (isRight(items[i], c.completion) ? 2 : 1) : 0;
      const prev = state[i];
      if (next === prev) continue;
      const dn = (next > 0 ? 1 : 0) - (prev > 0 ? 1 : 0);
      const dok = (next === 2 ? 1 : 0) - (prev === 2 ? 1 : 0);
      n += dn;
      ok += dok;
      setGroup(items[i].group, dn, dok);
      state[i] = next;
    }
    out.t.push(t);
    out.shown.push(n);
    out.ok.push(ok);
    out.lower.push(precisionLowerBound(ok, n, sums, z));
  });
  return out;
}

/** The lowest threshold of the curve that shows at least MIN_SHOWN positions with a lower bound at the target (undefined: none). */
export function pickThreshold(curve: ThresholdCurve, target: number): number | undefined {
  let best: number | undefined;
  for (let j = 0; j < curve.t.length; j++) if (curve.shown[j] >= MIN_SHOWN && curve.lower[j] >= target) best = j;
  return best === undefined ? undefined : curve.t[best];
}

/**
 * The lower bound where the curve shows what threshold `t` shows: at the lowest curve point at or
 * above it (undefined when `t` is above every point).
 */
function lowerBoundAt(curve: ThresholdCurve, t: number): number | undefined {
  let j = -1;
  for (let i = 0; i < curve.t.length && curve.t[i] >= t; i++) j = i;
  return j >= 0 ? curve.lower[j] : undefined;
}

/** Shown and right positions among `items` at threshold `t`. */
function outcomeAt(items: readonly CalibrationItem[], t: number): { shown: number; ok: number } {
  let shown = 0;
  let ok = 0;
  for (const it of items) {
    const c = choiceAt(it.choices, t);
    if (!c || !c.completion) continue;
    shown++;
    if (isRight(it, c.completion)) ok++;
  }
  return { shown, ok };
}

/**
 * The held-out check of the rule: items in folds of groups; each fold at the threshold picked
 * on the others (the fallback when they cannot tell).
 */
export function crossCheck(items: readonly CalibrationItem[], target: number, fallback: number, z = CONFIDENCE_Z, minThreshold = 0): NonNullable<Calibration['check']> {
  const groups = [...new Set(items.map((it) => it.group))].sort((a, b) => a - b);
  const folds = Math.min(CHECK_FOLDS, groups.length);
  let shown = 0;
  let ok = 0;
  for (let k = 0; k < folds; k++) {
    const inFold = (it: CalibrationItem) => groups.indexOf(it.group) % folds === k;
    const picked = pickThreshold(thresholdCurve(items.filter((it) => !inFold(it)), z), target);
    const t = picked === undefined ? fallback : Math.max(picked, minThreshold);
    const r = outcomeAt(items.filter(inFold), t);
    shown += r.shown;
    ok += r.ok;
  }
  return { precision: shown ? ok / shown : NaN, shown: items.length ? shown / items.length : 0, positions: items.length, folds };
}

/**
 * The threshold for `target` precision on held-out identifier positions of the decision path
 * the editor uses (Completer.choices): positions stratified over files with a cap per file and
 * data-like files left out (sampleStratified), the lowest threshold whose lower confidence bound
 * on precision reaches the target, or `fallback` (a conservative threshold) when the positions
 * cannot show that any threshold does.
 */
export function calibrate(completer: Completer<unknown>, docs: readonly { relPath: string; text: string }[], o: CalibrateOptions): Calibration {
  return runSteps(calibrateSteps(completer, docs, o));
}

export interface CalibrateOptions {
  positions: number;
  target: number;
  /** The threshold when the positions cannot tell: a conservative one (never 0: never everything). */
  fallback: number;
  seed?: number;
  /** z of the lower confidence bound (default CONFIDENCE_Z; 0: the raw ratio). */
  z?: number;
  /** The most positions one file may give, as a share (sampleStratified). */
  maxFileShare?: number;
  /**
   * More positions when `docs` give fewer than `positions`: other documents, each read by a
   * completer that has not learnt them (the count models rebuilt without them), up to `positions`
   * in all, shared evenly among the sources.
   */
  more?: CalibrationSource[];
  /** The threshold is at least this (when the positions choose one). */
  minThreshold?: number;
  /** Also the continuation's threshold (issue 23), for this precision target, on up to `positions` of the own positions. */
  continuation?: { target: number; positions: number };
}

/** Documents and a completer that has not learnt from them (CalibrateOptions.more). */
export interface CalibrationSource {
  docs: readonly { relPath: string; text: string }[];
  /** Builds the completer, when its positions are read (one source at a time). */
  completer: () => Completer<unknown>;
}

/** calibrate, yielding after each position. */
export function* calibrateSteps(completer: Completer<unknown>, docs: readonly { relPath: string; text: string }[], o: CalibrateOptions): Steps<Calibration> {
  const z = o.z ?? CONFIDENCE_Z;
  const items: CalibrationItem[] = [];
  const used: { positions: number[]; texts: number[] } = { positions: [], texts: [] };
  const groupIds = new Map<string, number>();
  let files = 0;
  /** Reads `count` stratified positions of `docs` through `c` into the items (groups named under `tag`). */
  const own: ContinuationPosition[] = [];
  function* read(c: Completer<unknown>, ds: readonly { relPath: string; text: string }[], count: number, tag: string): Steps<number> {
    const { positions: pos, files: drawn } = sampleStratified([...ds], count, o.seed ?? 1, { maxFileShare: o.maxFileShare });
    const text = new Map(ds.map((d) => [d.relPath, d.text]));
    const fileIndex = new Map(drawn.map((f, i) => [f.relPath, i]));
    const byFiles = new Set(pos.map((p) => p.relPath)).size >= MIN_GROUP_FILES;
    try {
      for (const p of pos) {
        const t = text.get(p.relPath)!;
        // As in the benchmark: the text after the cursor is not typed yet.
        const choices = c.choices({ docKey: `\u0000calibrate:${p.relPath}`, prefix: t.slice(0, p.offset), suffix: '' });
        const g = `${tag}:${fileIndex.get(p.relPath)}` + (byFiles ? '' : `:${Math.floor(p.offset / GROUP_BLOCK_CHARS)}`);
        if (!groupIds.has(g)) groupIds.set(g, groupIds.size);
        items.push({ group: groupIds.get(g)!, choices, truth: p.truth });
        if (tag === 'v') own.push({ relPath: p.relPath, text: t, offset: p.offset, truth: p.truth, group: groupIds.get(g)!, choices });
        used.positions.push(positionKey(t, p.offset, p.truth));
        yield;
      }
    } finally {
      for (const d of ds) c.forget(`\u0000calibrate:${d.relPath}`);
    }
    for (const d of ds) used.texts.push(textKey(d.text));
    files += drawn.filter((f) => f.drawn > 0).length;
    return pos.length;
  }
  const ownCount = yield* read(completer, docs, o.positions, 'v');
  let rotated = 0;
  const more = o.more ?? [];
  if (ownCount < o.positions && more.length) {
    const each = Math.ceil((o.positions - ownCount) / more.length);
    for (const [k, src] of more.entries()) rotated += yield* read(src.completer(), src.docs, each, `m${k}`);
  }
  const curve = thresholdCurve(items, z);
  yield;
  const byTarget: Record<string, number> = {};
  for (const target of OTHER_TARGETS) {
    const t = pickThreshold(curve, target);
    if (t !== undefined) byTarget[String(target)] = t;
  }
  const chosen = pickThreshold(curve, o.target);
  const threshold = chosen === undefined ? o.fallback : Math.max(chosen, o.minThreshold ?? 0);
  const at = outcomeAt(items, threshold);
  const lowerBound = lowerBoundAt(curve, threshold);
  const n = items.length || 1;
  const check = items.length ? { check: crossCheck(items, o.target, o.fallback, z, o.minThreshold) } : {};
  const how: Pick<Calibration, 'confidence'> = completer.judge ? { confidence: JUDGED_CONFIDENCE } : {};
  const cont = o.continuation && chosen !== undefined
    ? { continuation: yield* calibrateContinuation(completer, own.slice(0, o.continuation.positions), threshold, o.continuation.target, z) }
    : {};
  return {
    ...cont,
    minConfidence: threshold,
    precision: at.shown ? at.ok / at.shown : 0,
    shown: at.shown / n,
    positions: items.length,
    target: o.target,
    byTarget,
    ...how,
    rule: chosen === undefined ? 'fallback' : 'lower-bound',
    ...(lowerBound !== undefined ? { lowerBound } : {}),
    files,
    ...(rotated ? { rotated } : {}),
    ...(chosen !== undefined && o.minThreshold !== undefined && o.minThreshold > chosen ? { floor: o.minThreshold } : {}),
    ...check,
    used,
  };
}

/** A calibration position read for the continuation: its file, where, its truth, its group and the token's choices there. */
export interface ContinuationPosition {
  relPath: string;
  text: string;
  offset: number;
  truth: string;
  group: number;
  choices: readonly Choice[];
}

/**
 * The continuation's threshold (issue 23): at each position, the ghost the editor shows at the
 * token threshold `t` and the cuts of its continuation; the lowest threshold on the whole ghost's
 * probability whose lower confidence bound on precision (a ghost is right when it is a prefix of
 * the real rest of the line) reaches `target`.
 */
export function* calibrateContinuation(
  completer: Completer<unknown>,
  positions: readonly ContinuationPosition[],
  t: number,
  target: number,
  z = CONFIDENCE_Z,
): Steps<ContinuationCalibration> {
  const items: CalibrationItem[] = [];
  /** The token part of each item's ghost, and whether it is right alone. */
  const tokens: { completion: string; right: boolean }[] = [];
  const docKeys = new Set<string>();
  let tokenSaved = 0;
  try {
    for (const p of positions) {
      const docKey = `\u0000continue:${p.relPath}`;
      docKeys.add(docKey);
      // The token alone, where it is right (what the token threshold shows at this position).
      const token = choiceAt(p.choices, t);
      if (token?.completion && token.completion === p.truth) tokenSaved += token.completion.length;
      const c = completer.continuationChoices({ docKey, prefix: p.text.slice(0, p.offset), suffix: '' }, t);
      yield;
      if (!c) continue;
      const rest = restOfLine(p.text, p.offset);
      // Longest first: the first that passes a threshold is what is shown at it.
      const choices: Choice[] = [...c.cuts].reverse().map((cut) => ({ completion: c.completion + c.text.slice(0, cut.length), confidence: cut.confidence, kind: 'beam' }));
      items.push({ group: p.group, choices, truth: rest, right: (ghost) => rest.startsWith(ghost) });
      tokens.push({ completion: c.completion, right: c.completion !== '' && c.completion === p.truth });
    }
  } finally {
    for (const k of docKeys) completer.forget(k);
  }
  const curve = thresholdCurve(items, z);
  const picked = pickThreshold(curve, target);
  const n = positions.length || 1;
  // At the picked threshold: a right ghost is taken whole (in place of its right token, if any).
  let saved = tokenSaved;
  let shown = 0;
  let ok = 0;
  if (picked !== undefined) {
    items.forEach((it, i) => {
      const c = choiceAt(it.choices, picked);
      if (!c) return;
      shown++;
      if (!isRight(it, c.completion)) return;
      ok++;
      saved += c.completion.length - (tokens[i].right ? tokens[i].completion.length : 0);
    });
  }
  const lowerBound = picked === undefined ? undefined : lowerBoundAt(curve, picked);
  return {
    ...(picked !== undefined ? { minConfidence: picked } : {}),
    target,
    precision: shown ? ok / shown : NaN,
    shown: shown / n,
    ...(lowerBound !== undefined ? { lowerBound } : {}),
    positions: positions.length,
    savedPerPosition: saved / n,
    tokenSavedPerPosition: tokenSaved / n,
  };
}
