/**
 * The quality benchmark: on held-out files, bits per character and completion metrics at sampled
 * identifier positions for the checkpoint trained within a time budget — the CharRNN alone, the
 * n-gram + document cache mixture, and the full mixture the extension serves — against character
 * n-grams with interpolated Kneser–Ney smoothing (orders 7 and 12) and VS Code-style word
 * completion, all trained on the same files. The CharRNN and the n-grams are decoded by the same Completer
 * (src/core/complete/completer.ts: same context window, token rules, beam search and threshold).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Backend, ModelInit, TrainConfig } from '../src/core/contracts/config';
import { defaultBaseDir } from '../src/core/store/baseModel';
import { loadBaseCompleter, readServing } from '../src/core/complete/baseServing';
import { Completer, loadCompleter, type LoadedCompleter } from '../src/core/complete/completer';
import { loadMeta } from '../src/core/store/checkpoint';
import { loadBenchData, type BenchData, type BenchDoc } from './data';
import { completionMetrics, emptyTyping, quantile, typeThrough, type CompletionMetrics, type Outcome, type TypingCounts } from './metrics';
import { KneserNeyModel } from '../src/core/lm/ngram';
import { restOfLine, samplePositions, type Position } from '../src/core/text/positions';
import { ghostOutcome } from '../src/core/complete/continuation';
import { bitsPerChar } from '../src/core/lm/bitsPerChar';
import { calibrate, CONSERVATIVE_THRESHOLD, CONTINUATION_POSITIONS, CONTINUATION_TARGET, thresholdCurve, type CalibrateOptions, type CalibrationItem } from '../src/core/complete/calibrate';
import { mixtureBitsPerChar } from '../src/core/lm/fit';
import type { Calibration } from '../src/core/contracts/calibration';
import { splitCorpus } from '../src/core/training/batching';
import { CALIBRATION_POSITIONS, describeCalibration, rotationDue, rotationSources, TARGET_PRECISION, validationTexts } from '../src/core/training/mixtureStage';
import { benchTrainConfig, trainCharRnn, peakRssMB, type TrainOutcome } from './trainRun';
import { bestExactAt, WordCompleter } from './wordCompletion';

export interface QualityOptions {
  data?: string;
  cacheDir?: string;
  maxMinutes: number;
  lstmSize: number;
  numLayers: number;
  backend: Backend;
  positions: number;
  seed: number;
  /** Held-out characters scored for bits per character (same prefix of the test files for all). */
  bpcChars: number;
  /** Use this trained checkpoint instead of training. */
  checkpoint?: string;
  /** Keep the trained model here (default: a temp folder, deleted). */
  keepModel?: string;
  ngramOrders: number[];
  /** Where the CharRNN's training starts (default: the trainer's, the base model). */
  init?: ModelInit;
  /** Also score the base model before any training (base + document cache), when there is one. */
  base?: boolean;
  /** Score only the base model's rows (no training, no checkpoint): to compare bases or serving mixers quickly. */
  baseOnly?: boolean;
  /**
   * With `checkpoint`: calibrate its thresholds again with this code, on the validation split the
   * trainer used (the same files, rebuilt from the training files), before scoring.
   */
  recalibrate?: boolean;
  /** With `recalibrate`: calibration positions (default the trainer's) and z of the lower bound (default the trainer's). */
  calibrationPositions?: number;
  calibrationZ?: number;
  /** Keystrokes of the typing measure (held-out files typed character by character; 0 = skip). */
  typingKeystrokes?: number;
  log: (m: string) => void;
}

/** One engine typing the held-out files (see typeThrough). */
export interface TypingResult {
  engine: string;
  counts: TypingCounts;
  msP50: number;
  msP95: number;
}

export interface EngineResult {
  engine: string;
  /** Held-out bits per character (none for word completion). */
  bpc?: number;
  /** Seconds to train / build. */
  trainSec?: number;
  metrics: CompletionMetrics;
  /** The same metrics at identifier starts (nothing typed) and inside identifiers. */
  atStart: CompletionMetrics;
  inside: CompletionMetrics;
  msP50: number;
  msP95: number;
  /** Peak RSS of the process that trained it, MB, when measured. */
  peakRssMB?: number;
  detail?: Record<string, unknown>;
}

export interface QualityResult {
  data: { name: string; trainFiles: number; testFiles: number; trainChars: number; testChars: number; dropped: string[] };
  positions: number;
  bpcChars: number;
  training?: Omit<TrainOutcome, 'done'> & { reason: string; bestValLoss?: number; config: TrainConfig };
  engines: EngineResult[];
  /** Ghost texts while typing the held-out files character by character. */
  typing?: TypingResult[];
  /** The trained checkpoint folder, if kept (for the latency benchmark). */
  checkpointDir?: string;
  /** A temp folder to remove when the caller is done with checkpointDir. */
  cleanup?: string;
}

/** What a row's threshold promised: its target, how it was chosen, and what the calibration measured on its own held-out folds. */
export interface ThresholdPromise {
  target: number;
  rule?: Calibration['rule'];
  check?: Calibration['check'];
}

function promiseOf(c: Calibration | undefined): ThresholdPromise | undefined {
  return c ? { target: c.target, rule: c.rule, ...(c.check ? { check: c.check } : {}) } : undefined;
}

const chars = (docs: BenchDoc[]) => docs.reduce((n, d) => n + [...d.text].length, 0);

/** Runs `complete` at every position (in file order, so state caches see typing forward). */
export function evaluatePositions(
  positions: Position[],
  docs: Map<string, string>,
  complete: (relPath: string, prefix: string, offset: number) => string,
): { outcomes: Outcome[]; atStart: CompletionMetrics; inside: CompletionMetrics; ms: number[]; samples: { relPath: string; offset: number; typed: string; truth: string; completion: string }[] } {
  const outcomes: Outcome[] = [];
  const ms: number[] = [];
  const samples: { relPath: string; offset: number; typed: string; truth: string; completion: string }[] = [];
  const every = Math.max(1, Math.floor(positions.length / 12));
  positions.forEach((p, i) => {
    const text = docs.get(p.relPath)!;
    const t = process.hrtime.bigint();
    const completion = complete(p.relPath, text.slice(0, p.offset), p.offset);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    outcomes.push({ truth: p.truth, completion });
    if (i % every === 0) samples.push({ relPath: p.relPath, offset: p.offset, typed: p.typed, truth: p.truth, completion });
  });
  return {
    outcomes,
    atStart: completionMetrics(outcomes.filter((_, i) => positions[i].typed === '')),
    inside: completionMetrics(outcomes.filter((_, i) => positions[i].typed !== '')),
    ms,
    samples,
  };
}

/**
 * The best exact match at 85% and 90% precision over all thresholds, on the positions themselves
 * (an oracle threshold: how well the confidence separates right from wrong), for the decision
 * path as it is and without promoting the beam's other tokens.
 */
export function oracleExact(completer: Completer<unknown>, positions: Position[], docs: Map<string, string>): Record<string, { exact: number; precision: number; threshold: number }> {
  const items: CalibrationItem[] = positions.map((p) => ({
    group: 0, truth: p.truth,
    choices: completer.choices({ docKey: `\u0000oracle:${p.relPath}`, prefix: docs.get(p.relPath)!.slice(0, p.offset), offset: p.offset }),
  }));
  for (const relPath of new Set(positions.map((p) => p.relPath))) completer.forget(`\u0000oracle:${relPath}`);
  const out: Record<string, { exact: number; precision: number; threshold: number }> = {};
  for (const [name, its] of [['', items], [' without promotion', items.map((it) => ({ ...it, choices: it.choices.filter((c) => c.kind !== 'alternative') }))]] as const) {
    const curve = thresholdCurve(its, 0);
    for (const target of [0.85, 0.9]) {
      let best = { exact: 0, precision: NaN, threshold: NaN };
      curve.t.forEach((t, j) => {
        const precision = curve.ok[j] / curve.shown[j];
        if (curve.shown[j] >= 10 && precision >= target && curve.ok[j] / positions.length > best.exact) best = { exact: curve.ok[j] / positions.length, precision, threshold: t };
      });
      out[`${target}${name}`] = best;
    }
  }
  return out;
}

/** One way of showing ghosts at the positions (issue 23): tokens alone, or tokens and what follows on the line. */
export interface GhostFigures {
  /** Share of positions with a ghost; share of those right (a token equal to the truth; a ghost with a continuation a prefix of the rest of the line). */
  shown: number;
  precision: number;
  /** Characters of right ghosts per position (a right token still taken when its continuation is wrong). */
  savedPerPosition: number;
  /** Share of positions with a continuation, and its precision (line only). */
  continuationShown?: number;
  continuationPrecision?: number;
  msP50: number;
  msP95: number;
}

/** Ghosts at the positions in `token` and in `line` mode (each pass with its own document states), and the continuation's threshold. */
export function ghostFigures(completer: Completer<unknown>, positions: Position[], docs: Map<string, string>): { token: GhostFigures; line: GhostFigures; threshold?: number } {
  const pass = (length: 'token' | 'line'): GhostFigures => {
    let shown = 0;
    let right = 0;
    let saved = 0;
    let cShown = 0;
    let cRight = 0;
    const ms: number[] = [];
    for (const p of positions) {
      const text = docs.get(p.relPath)!;
      const t = performance.now();
      const r = completer.complete({ docKey: `\u0000${length}:${p.relPath}`, prefix: text.slice(0, p.offset), offset: p.offset, suffix: '' }, { length });
      ms.push(performance.now() - t);
      const cont = r.continuation ?? '';
      if (!r.completion && !cont) continue;
      const g = ghostOutcome(r.completion, cont, p.truth, restOfLine(text, p.offset));
      shown++;
      saved += g.saved;
      if (g.right) right++;
      if (cont) {
        cShown++;
        if (g.right) cRight++;
      }
    }
    for (const relPath of new Set(positions.map((p) => p.relPath))) completer.forget(`\u0000${length}:${relPath}`);
    const n = positions.length || 1;
    return {
      shown: shown / n, precision: shown ? right / shown : NaN, savedPerPosition: saved / n,
      ...(length === 'line' ? { continuationShown: cShown / n, continuationPrecision: cShown ? cRight / cShown : NaN } : {}),
      msP50: quantile(ms, 0.5), msP95: quantile(ms, 0.95),
    };
  };
  return { token: pass('token'), line: pass('line'), ...(completer.continuationMinConfidence !== undefined ? { threshold: completer.continuationMinConfidence } : {}) };
}

/** The fields every engine's result shares, from its evaluation at the positions. */
function scoreFields(ev: ReturnType<typeof evaluatePositions>) {
  return {
    metrics: completionMetrics(ev.outcomes),
    atStart: ev.atStart,
    inside: ev.inside,
    msP50: quantile(ev.ms, 0.5),
    msP95: quantile(ev.ms, 0.95),
  };
}

const scoreLine = (m: CompletionMetrics) =>
  `accuracy ${(m.accuracy * 100).toFixed(1)}%, precision ${(m.precision * 100).toFixed(1)}%, shown ${(m.shownShare * 100).toFixed(1)}%`;

export async function runQuality(o: QualityOptions): Promise<QualityResult> {
  const log = o.log;
  const data: BenchData = await loadBenchData({ data: o.data, cacheDir: o.cacheDir, log });
  const testDocs = new Map(data.test.map((d) => [d.relPath, d.text]));
  const positions = samplePositions(data.test, o.positions, o.seed);
  const testTexts = data.test.map((d) => d.text);
  log(`data: ${data.name}: ${data.train.length} training files (${chars(data.train)} chars), ${data.test.length} held-out files (${chars(data.test)} chars)` +
    (data.dropped.length ? `; dropped by the corpus rules: ${data.dropped.join(', ')}` : ''));
  log(`positions: ${positions.length} identifier positions in the held-out files (seed ${o.seed})`);
  const result: QualityResult = {
    data: { name: data.name, trainFiles: data.train.length, testFiles: data.test.length, trainChars: chars(data.train), testChars: chars(data.test), dropped: data.dropped },
    positions: positions.length,
    bpcChars: o.bpcChars,
    engines: [],
  };

  // 0. The shipped base model before any training: the base CharRNN alone, and with the document
  // cache as it serves from the first second (its threshold calibrated at pretraining time).
  const baseDir = o.base === false ? undefined : defaultBaseDir();
  if (baseDir) {
    const b = await loadBaseCompleter(baseDir);
    try {
      const serving = readServing(b.base);
      const bpcLstm = bitsPerChar(b.lstm, (s) => b.base.vocab.encode(s), testTexts, { maxChars: o.bpcChars, batch: 32 });
      const mix = mixtureBitsPerChar({ vocabSize: b.base.vocab.size, lstm: b.lstm, docs: data.test.map((d) => b.base.vocab.encode(d.text)), maxChars: o.bpcChars, chars: b.base.vocab.chars }, serving.mixer);
      for (const [engine, completer, bpc] of [
        ['base CharRNN alone (no training)', new Completer(b.lstm, b.base.vocab) as Completer<unknown>, bpcLstm.bpc],
        ['base + cache (no training)', b.completer, mix.bpc.mixture],
      ] as const) {
        const ev = evaluatePositions(positions, testDocs, (relPath, prefix, offset) => completer.complete({ docKey: relPath, prefix, offset }).completion);
        const scores = scoreFields(ev);
        log(`${engine}: ${bpc?.toFixed(3) ?? '-'} bits/char, ${scoreLine(scores.metrics)}, threshold ${completer.minConfidence.toFixed(3)}`);
        const promise = completer === b.completer ? { promise: promiseOf(serving.calibration), line: ghostFigures(completer, positions, testDocs) } : {};
        result.engines.push({ engine, bpc, ...scores, detail: { base: b.base.meta.name, steps: b.base.meta.pretraining.run?.steps, minConfidence: completer.minConfidence, bpcByExpert: mix.bpc, samples: ev.samples, ...promise } });
      }
    } finally {
      b.model.dispose(); // and its LSTM
    }
  }
  // 3. Word completion (and its best exact match at 85% / 90% precision, thresholding the winner's share).
  function wordRow(): void {
    const t = Date.now();
    const words = new WordCompleter(data.train.map((d) => d.text));
    const trainSec = (Date.now() - t) / 1000;
    const answers: { confidence: number; right: boolean; shown: boolean }[] = [];
    const ev = evaluatePositions(positions, testDocs, (_relPath, prefix) => {
      const a = words.scored(prefix);
      answers.push({ confidence: a.confidence, shown: a.completion !== '', right: false });
      return a.completion;
    });
    ev.outcomes.forEach((o, i) => (answers[i].right = answers[i].shown && o.completion === o.truth));
    const scores = scoreFields(ev);
    const atPrecision = { '0.85': bestExactAt(answers, 0.85), '0.9': bestExactAt(answers, 0.9) };
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    log(`word completion: ${scoreLine(scores.metrics)}; at its best threshold for 85% precision: exact ${pct(atPrecision['0.85'].exact)}, for 90%: ${pct(atPrecision['0.9'].exact)}`);
    result.engines.push({
      engine: 'word completion (VS Code-style)',
      trainSec,
      ...scores,
      detail: { words: words.vocabularySize, samples: ev.samples, atPrecision },
    });
  }
  if (o.baseOnly) {
    if (!baseDir) throw new Error('--base-only: there is no base model (media/base)');
    wordRow();
    return result;
  }

  // 1. The CharRNN.
  let modelDir = o.checkpoint;
  if (!modelDir) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-bench-'));
    result.cleanup = work;
    modelDir = o.keepModel ? path.resolve(o.keepModel) : path.join(work, 'model');
    const config = benchTrainConfig({ ...o, init: o.init });
    log(`training the CharRNN ${config.lstmSize}x${config.numLayers} for ${o.maxMinutes} min (batch ${config.batchSize}, ${config.numSteps} steps, lr ${config.learningRate})`);
    const trained = await trainCharRnn({ config, docs: data.train, workDir: work, checkpointDir: modelDir, log });
    const { done, ...rest } = trained;
    result.training = { ...rest, reason: done.reason, bestValLoss: done.bestValLoss, config };
    log(`trained: ${done.reason}, best validation ${done.bestValLoss?.toFixed(3) ?? '-'} bits/char, peak RSS ${rest.peakRssMB?.toFixed(0) ?? '?'} MB (${rest.where})`);
    if (!done.checkpointPath) throw new Error('the training run saved no checkpoint');
  }
  result.checkpointDir = modelDir;
  const meta = loadMeta(modelDir);
  const loaded: LoadedCompleter = await loadCompleter(modelDir);
  const counts: LoadedCompleter = await loadCompleter(modelDir, 'auto', log, 'counts');
  log(`checkpoint loaded: ${loaded.model.description} (LSTM ${meta.config.lstmSize}x${meta.config.numLayers}, ${loaded.engine} engine, ` +
    `vocabulary ${loaded.vocab.size}, step ${meta.step}; n-gram order ${meta.ngram?.order ?? '-'})`);
  const encodedTest = data.test.map((d) => loaded.vocab.encode(d.text));
  // The thresholds that serve: the checkpoint's, or calibrated again by this code.
  const calibrations: { counts?: Calibration; full?: Calibration } = { counts: meta.countCalibration, full: meta.calibration };
  if (o.recalibrate) {
    const split = splitCorpus(data.train.map((d) => ({ ...d, path: d.relPath, folder: '', bytes: d.text.length })), loaded.vocab, meta.config.valFraction);
    const val = validationTexts(split, loaded.vocab);
    // As the trainer's fits: a small workspace's count models also read training folds, and the
    // full mixture's threshold is then at least theirs.
    const again = (name: string, completer: Completer<unknown>, positions: number, extra: Partial<CalibrateOptions>) => {
      const t = Date.now();
      const c = calibrate(completer, val, {
        positions: o.calibrationPositions ?? positions, target: TARGET_PRECISION, fallback: CONSERVATIVE_THRESHOLD, z: o.calibrationZ,
        continuation: { target: CONTINUATION_TARGET, positions: CONTINUATION_POSITIONS }, ...extra,
      });
      completer.minConfidence = c.minConfidence;
      completer.continuationMinConfidence = c.continuation?.minConfidence;
      log(`recalibrated ${name} on ${val.length} validation files: ${describeCalibration(c)} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
      return c;
    };
    if (meta.countMixer && counts.model.ngram) {
      const more = rotationDue(split) ? { more: rotationSources(split, loaded.vocab, counts.model.ngram.order, meta.countMixer) } : {};
      calibrations.counts = again('n-gram + cache', counts.completer, CALIBRATION_POSITIONS.counts, more);
    }
    if (meta.mixer && loaded.lstm) {
      const floor = calibrations.counts?.rotated ? { minThreshold: calibrations.counts.minConfidence } : {};
      calibrations.full = again('full mixture', loaded.completer, CALIBRATION_POSITIONS.lstm, floor);
    }
  }
  const trainSec = result.training?.wallSec;
  /** Scores one completer of the checkpoint at the positions and pushes its row. */
  const row = (engine: string, completer: Completer<unknown>, bpc: number | undefined, detail: Record<string, unknown>) => {
    const ev = evaluatePositions(positions, testDocs, (relPath, prefix, offset) => completer.complete({ docKey: relPath, prefix, offset }).completion);
    const scores = scoreFields(ev);
    // How well the confidence ranks the answers, whatever the threshold: the best exact match at
    // 85% and 90% precision on these positions (each at its own best threshold: an upper bound).
    if (detail.promise && !detail.target) {
      detail.oracle = oracleExact(completer, positions, testDocs);
      detail.line = ghostFigures(completer, positions, testDocs);
    }
    log(`${engine}: ${bpc?.toFixed(3) ?? '-'} bits/char, ${scoreLine(scores.metrics)}, threshold ${completer.minConfidence.toFixed(3)}`);
    result.engines.push({
      engine, bpc, trainSec, ...scores, peakRssMB: result.training?.peakRssMB,
      detail: { ...detail, minConfidence: completer.minConfidence, samples: ev.samples },
    });
  };
  /** The same completer with the threshold calibrated (on validation) for 85% precision. */
  const atTarget = (name: string, completer: Completer<unknown>, c: Calibration | undefined, bpc: number | undefined) => {
    const t = c?.byTarget?.['0.85'];
    if (t === undefined) return;
    const saved = completer.minConfidence;
    completer.minConfidence = t;
    try {
      row(`${name}, threshold for 85% precision`, completer, bpc, { target: 0.85, promise: { target: 0.85, rule: c?.rule } });
    } finally {
      completer.minConfidence = saved;
    }
  };
  // 1a. The CharRNN alone (the default threshold, as before the mixture).
  if (loaded.lstm) {
    const t = Date.now();
    const bpc = bitsPerChar(loaded.lstm, (s) => loaded.vocab.encode(s), testTexts, { maxChars: o.bpcChars, batch: 32 });
    log(`CharRNN alone: ${bpc.bpc.toFixed(3)} bits/char on ${bpc.chars} held-out chars (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    row(`CharRNN ${meta.config.lstmSize}x${meta.config.numLayers} alone`, new Completer(loaded.lstm, loaded.vocab) as Completer<unknown>, bpc.bpc,
      { step: meta.step, epoch: meta.epoch, bestValLoss: meta.bestValLoss, engine: loaded.engine });
  }
  // 1b. The count models: workspace n-gram + document cache, mixed (the first stage of training).
  if (meta.countMixer && counts.model.ngram) {
    const b = mixtureBitsPerChar({ vocabSize: loaded.vocab.size, ngram: counts.model.ngram, docs: encodedTest, maxChars: o.bpcChars }, meta.countMixer);
    row('n-gram + cache (mixture)', counts.completer, b.bpc.mixture, { bpcByExpert: b.bpc, ngramOrder: meta.ngram?.order, ngramMB: (meta.ngram?.bytes ?? 0) / 1e6, promise: promiseOf(calibrations.counts) });
    atTarget('n-gram + cache', counts.completer, calibrations.counts, b.bpc.mixture);
  }
  // 1c. The full mixture: n-gram + cache + CharRNN, as the extension answers.
  if (meta.mixer && loaded.lstm) {
    const b = mixtureBitsPerChar({ vocabSize: loaded.vocab.size, ngram: loaded.model.ngram, lstm: loaded.lstm, docs: encodedTest, maxChars: o.bpcChars }, meta.mixer);
    row('full mixture (n-gram + cache + CharRNN)', loaded.completer, b.bpc.mixture, { bpcByExpert: b.bpc, step: meta.step, calibration: { ...calibrations.full, used: undefined }, promise: promiseOf(calibrations.full) });
    atTarget('full mixture', loaded.completer, calibrations.full, b.bpc.mixture);
  }

  // 1d. Typing the held-out files character by character, as a user meets the ghost text: the
  // share of keystrokes after which one is shown and its precision, identifiers and punctuation.
  if (o.typingKeystrokes) {
    result.typing = [];
    const typing = (engine: string, completer: Completer<unknown>) => {
      const counts = emptyTyping();
      const ms: number[] = [];
      const t0 = Date.now();
      for (const d of data.test) {
        if (counts.keystrokes >= o.typingKeystrokes!) break;
        typeThrough(d.text, (prefix, offset) => {
          const t = performance.now();
          const c = completer.complete({ docKey: `typing:${engine}:${d.relPath}`, prefix, offset }).completion;
          ms.push(performance.now() - t);
          return c;
        }, counts, o.typingKeystrokes);
      }
      const r = { engine, counts, msP50: quantile(ms, 0.5), msP95: quantile(ms, 0.95) };
      result.typing!.push(r);
      const share = (n: number) => `${((100 * n) / counts.keystrokes).toFixed(1)}%`;
      const prec = (g: { shown: number; right: number }) => (g.shown ? `${((100 * g.right) / g.shown).toFixed(1)}%` : '–');
      log(`typing, ${engine}: ${counts.keystrokes} keystrokes, ghost text after ${share(counts.all.shown)} (precision ${prec(counts.all)}); ` +
        `identifiers ${share(counts.identifier.shown)} (${prec(counts.identifier)}), punctuation ${share(counts.punctuation.shown)} (${prec(counts.punctuation)}); ` +
        `${((Date.now() - t0) / 1000).toFixed(0)} s`);
    };
    if (meta.countMixer && counts.model.ngram) typing('n-gram + cache (mixture)', counts.completer);
    if (meta.mixer && loaded.lstm) typing('full mixture (n-gram + cache + CharRNN)', loaded.completer);
  }

  // 2. Kneser–Ney n-grams, decoded by the same Completer.
  for (const order of o.ngramOrders) {
    const t = Date.now();
    const before = peakRssMB();
    const model = KneserNeyModel.train(data.train.map((d) => d.text), { order });
    const trainSec = (Date.now() - t) / 1000;
    const bpc = bitsPerChar(model, (s) => model.vocab.encode(s), testTexts, { maxChars: o.bpcChars, batch: 32 });
    const completer = new Completer(model, model.vocab);
    const ev = evaluatePositions(positions, testDocs, (relPath, prefix, offset) => completer.complete({ docKey: relPath, prefix, offset }).completion);
    const scores = scoreFields(ev);
    log(`${order}-gram KN: built in ${trainSec.toFixed(1)} s (${(model.stats.bytes / 1e6).toFixed(0)} MB), ${bpc.bpc.toFixed(3)} bits/char, ${scoreLine(scores.metrics)}`);
    result.engines.push({
      engine: `${order}-gram Kneser–Ney`,
      bpc: bpc.bpc,
      trainSec,
      ...scores,
      detail: { modelMB: model.stats.bytes / 1e6, vocab: model.vocabSize, peakRssBeforeMB: before, samples: ev.samples },
    });
  }

  wordRow();
  return result;
}
