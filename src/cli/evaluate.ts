/**
 * `charrnn eval`: bits per character of a checkpoint on files and folders, for each expert (the
 * workspace n-gram, the document cache, the CharRNN) and for the mixture that serves completions.
 * Each file is read from its start by the inference models (the same numbers as the bench).
 * And what the threshold promises against what it keeps: at identifier positions of those files
 * (sampled as the bench samples them), completed as the editor does at the model's calibrated
 * threshold, the precision of what is shown next to the target it was calibrated for, leaving
 * out the files and positions it was calibrated on.
 * Inputs are bounded (./evalInputs.ts); long evaluations report progress.
 */
import { SETTINGS } from '../core/contracts/config';
import { collectCorpus } from '../core/corpus/corpus';
import { hasLstm } from '../core/store/checkpoint';
import { loadCompleter, servingCalibration, type Completer } from '../core/complete/completer';
import { mixtureBitsPerChar } from '../core/lm/fit';
import type { Calibration } from '../core/contracts/calibration';
import { positionKey, restOfLine, samplePositions, textKey } from '../core/text/positions';
import { ghostOutcome } from '../core/complete/continuation';
import type { ExpertName } from '../core/lm/features';
import { readEvalInputs } from './evalInputs';

export interface EvalResult {
  /** The mixture's bits per character (the LSTM's when the checkpoint has no mixer). */
  bitsPerChar: number;
  /** Each expert's, and the mixture's. */
  experts: Partial<Record<ExpertName | 'mixture', number>>;
  chars: number;
  files: number;
  unknownChars: number;
  /** What answers completions, e.g. "n-gram + cache + LSTM". */
  model: string;
  engine: string;
  /** The threshold's promise against held-out positions (absent when asked for none or the model has no calibration). */
  promise?: PromiseResult;
}

export interface PromiseResult {
  /** The precision the threshold was calibrated for, and the threshold. */
  target: number;
  threshold: number;
  /** On the positions evaluated: shown completions that are right, share shown, right over all. */
  precision: number;
  shown: number;
  exact: number;
  positions: number;
  /** Left out: files whose text the threshold was calibrated on, and positions it was calibrated on. */
  excludedFiles: number;
  excludedPositions: number;
  /** What the calibration itself measured on held-out folds, when it did. */
  check?: Calibration['check'];
  /** The ghost past the token on the same positions (when the model has a continuation threshold). */
  line?: LineResult;
}

/** Ghosts that go past the token (issue 23), on the promise's positions. */
export interface LineResult {
  /** The continuation's threshold and its target. */
  threshold: number;
  target: number;
  /** Share of positions with a continuation shown; among those, the whole ghost a prefix of the real rest of the line. */
  shown: number;
  precision: number;
  /** Characters of right ghosts per position (a right token still taken when its continuation is wrong), and with tokens alone. */
  savedPerPosition: number;
  tokenSavedPerPosition: number;
}

/** Identifier positions evaluated for the promise by default (as the bench). */
export const EVAL_POSITIONS = 500;

export interface EvalLimits {
  maxFileBytes: number;
  maxCorpusBytes: number;
  /** Called as characters are scored: characters done, characters in all. */
  onProgress?: (done: number, total: number) => void;
  /** Identifier positions for the threshold's promise (default EVAL_POSITIONS; 0: none), and their seed. */
  positions?: number;
  seed?: number;
}

export const DEFAULT_EVAL_LIMITS: EvalLimits = {
  maxFileBytes: SETTINGS['training.maxFileBytes'].default,
  maxCorpusBytes: SETTINGS['training.maxCorpusBytes'].default,
};

export async function evaluateModel(modelDir: string, paths: string[], limits: EvalLimits = DEFAULT_EVAL_LIMITS): Promise<EvalResult> {
  const { texts, folders } = readEvalInputs(paths, limits.maxFileBytes, limits.maxCorpusBytes);
  if (folders.length) {
    const { docs } = await collectCorpus(folders, {
      include: ['**/*'],
      exclude: [],
      maxFileBytes: limits.maxFileBytes,
      maxCorpusBytes: limits.maxCorpusBytes,
    });
    texts.push(...docs.map((d) => d.text));
  }
  const { completer, model, lstm, meta, vocab } = await loadCompleter(modelDir);
  try {
    const docs = texts.map((t) => vocab.encode(t)).filter((d) => d.length > 0);
    let unknownChars = 0;
    for (const d of docs) for (const id of d) if (id === 0) unknownChars++;
    if (docs.length === 0) throw new Error('no text to evaluate');
    const { bpc: experts, chars } = mixtureBitsPerChar(
      { vocabSize: vocab.size, ngram: model.ngram, lstm, docs, maxChars: Infinity, onProgress: limits.onProgress, chars: vocab.chars },
      meta.mixer ?? meta.countMixer,
    );
    const calibration = servingCalibration(meta, hasLstm(meta));
    const count = limits.positions ?? EVAL_POSITIONS;
    return {
      bitsPerChar: experts.mixture ?? experts.lstm ?? experts.ngram ?? NaN,
      experts,
      chars,
      files: texts.length,
      unknownChars,
      model: model.description,
      engine: lstm ? lstm.engine.name : 'none',
      ...(calibration && count > 0 ? { promise: evaluatePromise(completer, texts, calibration, count, limits.seed ?? 1) } : {}),
    };
  } finally {
    model.dispose();
  }
}

/**
 * The precision `completer` achieves at its threshold on identifier positions of `texts`, next
 * to the target of `calibration`: positions sampled uniformly (as the bench does), leaving out
 * every text and every position the threshold was calibrated on.
 */
export function evaluatePromise(completer: Completer<unknown>, texts: readonly string[], calibration: Calibration, count: number, seed = 1): PromiseResult {
  const usedTexts = new Set(calibration.used?.texts ?? []);
  const usedPositions = new Set(calibration.used?.positions ?? []);
  const docs = texts.map((text, i) => ({ relPath: `file${i}`, text }));
  const fresh = docs.filter((d) => !usedTexts.has(textKey(d.text)));
  const byPath = new Map(fresh.map((d) => [d.relPath, d.text]));
  const all = samplePositions(fresh, count, seed);
  const positions = all.filter((p) => !usedPositions.has(positionKey(byPath.get(p.relPath)!, p.offset, p.truth)));
  let shown = 0;
  let right = 0;
  const line = { shown: 0, right: 0, saved: 0, tokenSaved: 0 };
  for (const p of positions) {
    const text = byPath.get(p.relPath)!;
    // As the editor with completion.length 'line' (the token part is decided as with 'token').
    const r = completer.complete({ docKey: p.relPath, prefix: text.slice(0, p.offset), offset: p.offset, suffix: '' }, { length: 'line' });
    const g = ghostOutcome(r.completion, r.continuation ?? '', p.truth, restOfLine(text, p.offset));
    if (g.tokenRight) line.tokenSaved += r.completion.length;
    line.saved += g.saved;
    if (r.continuation) {
      line.shown++;
      if (g.right) line.right++;
    }
    if (!r.completion) continue;
    shown++;
    if (g.tokenRight) right++;
  }
  for (const d of fresh) completer.forget(d.relPath);
  const n = positions.length;
  return {
    target: calibration.target,
    threshold: completer.minConfidence,
    precision: shown ? right / shown : NaN,
    shown: n ? shown / n : 0,
    exact: n ? right / n : 0,
    positions: n,
    excludedFiles: docs.length - fresh.length,
    excludedPositions: all.length - n,
    ...(calibration.check ? { check: calibration.check } : {}),
    ...(completer.continuationMinConfidence !== undefined && calibration.continuation ? {
      line: {
        threshold: completer.continuationMinConfidence, target: calibration.continuation.target,
        shown: n ? line.shown / n : 0, precision: line.shown ? line.right / line.shown : NaN,
        savedPerPosition: n ? line.saved / n : 0, tokenSavedPerPosition: n ? line.tokenSaved / n : 0,
      },
    } : {}),
  };
}

/** The promise in words: target against achieved precision, on how many positions, and what was left out. */
export function formatPromise(p: PromiseResult): string {
  const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-');
  const left = p.excludedFiles || p.excludedPositions
    ? ` (left out, calibrated on: ${p.excludedFiles} files, ${p.excludedPositions} positions)` : '';
  return `threshold ${p.threshold.toFixed(3)}, calibrated for ${pct(p.target)} precision: ${pct(p.precision)} of the shown completions right, ` +
    `${pct(p.shown)} shown, ${pct(p.exact)} right in all, on ${p.positions} identifier positions not used for calibration${left}` +
    (p.check ? `\n  at calibration, on held-out folds of the validation files: ${pct(p.check.precision)} right, ${pct(p.check.shown)} shown (${p.check.positions} positions)` : '') +
    (p.line ? `\n  past the token: threshold ${p.line.threshold.toFixed(3)} for ${pct(p.line.target)} precision: a continuation shown at ${pct(p.line.shown)} of the positions, ` +
      `${pct(p.line.precision)} of those right to the end of the ghost; characters saved per position ${p.line.savedPerPosition.toFixed(2)} ` +
      `(tokens alone ${p.line.tokenSavedPerPosition.toFixed(2)}, ${p.line.tokenSavedPerPosition > 0 ? (p.line.savedPerPosition / p.line.tokenSavedPerPosition).toFixed(2) : '-'}x)` : '');
}
