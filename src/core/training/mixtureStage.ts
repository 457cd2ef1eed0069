/**
 * The count-model side of a training run: the workspace n-gram (built first, in seconds, so that
 * completions work before the LSTM has trained) and the mixture's fit on the validation split —
 * the mixer, the calibrated threshold and their held-out numbers — redone when the LSTM improves.
 * It says what goes into each checkpoint besides the LSTM's weights.
 */
import * as path from 'path';
import type { CheckpointExtras, CheckpointMeta, NgramMeta } from '../store/checkpoint';
import { NGRAM_FILE } from '../store/modelFolder';
import type { Split } from './batching';
import { IdentifierIndex } from '../complete/candidates';
import { Completer } from '../complete/completer';
import { LstmModel } from '../lstm/lstmModel';
import { calibrateSteps, CONSERVATIVE_THRESHOLD, CONTINUATION_POSITIONS, CONTINUATION_TARGET, type CalibrationSource } from '../complete/calibrate';
import { collectSamplesSteps, FIT_SEGMENT, fitMixtureSteps } from '../lm/fit';
import type { Calibration } from '../contracts/calibration';
import { FittedMixer, type MixerJson } from '../lm/mixer';
import { MixtureModel } from '../lm/mixture';
import { KneserNeyModel, NGRAM_FORMAT, NGRAM_VERSION } from '../lm/ngram';
import type { Vocab } from '../text/vocab';
import type { NamedWeights } from '../lstm/weights';
import { runStepsInSlices, type Steps } from '../util/steps';
import type { MixtureEvent, ThresholdPromise } from '../contracts/trainEvents';

/**
 * The workspace n-gram's order (lowered by its memory budget on big corpora): on a dev split of
 * zod's training files each step from 12 up to 24 lowered the mixture's bits/char, by less each
 * time: the last step gained least and costs the most memory (BENCHMARKS.md, "How the mixture's
 * choices were made").
 */
export const NGRAM_ORDER = 20;
/** Held-out characters the mixer is fitted on: without and with the LSTM (which costs time). */
const FIT_CHARS_COUNTS = 262_144;
const FIT_CHARS_LSTM = 65_536;
/**
 * Held-out identifier positions for the threshold (without and with the LSTM, whose positions
 * cost ~10 ms each), and the precision it aims at. A few hundred positions gave thresholds that
 * differed widely between samplings of zod's validation files; a thousand steadied it
 * (BENCHMARKS.md, "the mixer's log-linear layer, faster candidates, a steadier threshold").
 * Since the threshold needs a lower confidence bound on precision at the target (issue 19), more
 * positions lower the margin it keeps: on zod's n-gram + cache, 3,000 positions chose a lower
 * threshold than 1,000, still at the target on held-out positions, with more exact matches,
 * close to the best any threshold reaches there (BENCHMARKS.md, "a threshold that keeps its
 * promise"). The same holds with the LSTM: 3,000 positions instead of 2,000 on the fine-tuned
 * checkpoints of zod, Python and bstr gave 1.0-1.2 points more exact match, each still at 90.5-93%
 * on held-out files, for about 10 s more per fit (BENCHMARKS.md, 2026-12-08).
 */
export const CALIBRATION_POSITIONS = { counts: 3000, lstm: 3000 };
export const TARGET_PRECISION = 0.9;
/**
 * Training folds read for more calibration positions when the workspace is small (at most this
 * many training characters: five n-gram builds of a few seconds). On a 40 KB workspace, whose
 * few validation files were easy one-line modules, they raised the count models' threshold and
 * their precision on held-out files from well under to over the issue's target for a small
 * workspace (BENCHMARKS.md, "a threshold that keeps its promise", semver-small).
 */
const ROTATION_FOLDS = 5;
const ROTATION_MAX_CHARS = 512 * 1024;
/**
 * Refit the mixer with a better LSTM at most this often, and at most REFIT_SHARE of the run's time
 * (a fit with the LSTM reads held-out text through it: seconds); once more at the end.
 */
const REFIT_EVERY_MS = 120_000;
const REFIT_SHARE = 0.15;
/**
 * No refit during the run while the LSTM's validation bits/char is worse than the n-gram's by more
 * than this: such an LSTM gets no weight in the mixture, and a refit (20-50 s on 2 cores) is time
 * the LSTM does not train (issue 10). The fit at the end of the run happens regardless.
 */
export const REFIT_MAX_GAP_BITS = 1;

export interface MixtureStageOptions {
  vocab: Vocab;
  split: Pick<Split, 'trainDocs' | 'valDocs'>;
  /** The LSTM's shape, for fits with its weights. */
  lstmSize: number;
  numLayers: number;
  now: () => number;
  log: (message: string) => void;
  onMixture: (m: MixtureEvent) => void;
  /** Wall-clock milliseconds a fit works between two turns of the event loop (default 50). */
  sliceMs?: number;
  /**
   * The mixers and thresholds saved with the LSTM this run continues: they serve (and are saved)
   * until this run's fits replace them, so a Stop during those fits loses nothing.
   */
  previous?: Pick<CheckpointMeta, 'mixer' | 'calibration' | 'countMixer' | 'countCalibration'>;
}

export class MixtureStage {
  readonly ngram: KneserNeyModel;
  private readonly ngramMeta: NgramMeta;
  private readonly identifiers: [string, number][];
  private readonly identifierIndex: IdentifierIndex;
  private readonly valTexts: { relPath: string; text: string }[];
  private mixer?: MixerJson;
  private calibration?: Calibration;
  private countMixer?: MixerJson;
  private countCalibration?: Calibration;
  /** The saved ngram.bin, linked into later checkpoints instead of being written again. */
  private ngramFile?: string;
  private lastFit = 0;
  private lastFitMs = 0;

  /**
   * Builds the n-gram from the training documents (the first stage of a run) in slices that let
   * the event loop in: undefined when `shouldStop` says so before it is done (the build is
   * abandoned; a Stop during it was heard only after it, 18 s on 13.6 MB, issue 20).
   */
  static async create(o: MixtureStageOptions, shouldStop?: () => boolean): Promise<MixtureStage | undefined> {
    // Let a Stop already on its way in first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (shouldStop?.()) return undefined;
    const t = o.now();
    const ngram = await runStepsInSlices(KneserNeyModel.buildSteps(o.split.trainDocs, o.vocab, NGRAM_ORDER), { shouldStop, sliceMs: o.sliceMs });
    if (ngram === undefined || shouldStop?.()) return undefined;
    return new MixtureStage(o, { ngram, buildSeconds: (o.now() - t) / 1000 });
  }

  /** Builds the n-gram at once unless `built` brings it (see create). */
  constructor(
    private readonly o: MixtureStageOptions,
    built?: { ngram: KneserNeyModel; buildSeconds: number },
  ) {
    if (o.previous?.mixer && o.previous.calibration) {
      this.mixer = o.previous.mixer;
      this.calibration = o.previous.calibration;
    }
    if (o.previous?.countMixer && o.previous.countCalibration) {
      this.countMixer = o.previous.countMixer;
      this.countCalibration = o.previous.countCalibration;
    }
    const t = o.now();
    this.ngram = built?.ngram ?? KneserNeyModel.fromIds(o.split.trainDocs, o.vocab, NGRAM_ORDER);
    this.ngramMeta = {
      file: NGRAM_FILE,
      format: NGRAM_FORMAT,
      version: NGRAM_VERSION,
      order: this.ngram.order,
      bytes: this.ngram.stats.bytes,
      trainChars: this.ngram.stats.trainChars,
      buildSeconds: built?.buildSeconds ?? (o.now() - t) / 1000,
    };
    o.log(`n-gram: order ${this.ngram.order}${this.ngram.order < NGRAM_ORDER ? ` (lowered from ${NGRAM_ORDER} to fit its memory budget)` : ''}, ` +
      `${(this.ngram.stats.bytes / 1e6).toFixed(1)} MB, built in ${this.ngramMeta.buildSeconds.toFixed(1)} s`);
    this.valTexts = validationTexts(o.split, o.vocab);
    this.identifiers = IdentifierIndex.count(o.split.trainDocs.map((ids) => o.vocab.decode(ids)));
    this.identifierIndex = new IdentifierIndex(this.identifiers);
  }

  /** The mixture's held-out bits/char of the latest fit. */
  get mixtureBitsPerChar(): number | undefined {
    return this.mixer?.bitsPerChar?.mixture;
  }

  /** True when a better LSTM (validation `lstmBpc` bits/char, if known) is worth a refit now (see REFIT_*). */
  refitDue(lstmBpc?: number): boolean {
    const ngramBpc = this.countMixer?.bitsPerChar?.ngram;
    if (lstmBpc !== undefined && ngramBpc !== undefined && lstmBpc > ngramBpc + REFIT_MAX_GAP_BITS) return false;
    return this.o.now() - this.lastFit >= Math.max(REFIT_EVERY_MS, this.lastFitMs / REFIT_SHARE);
  }

  /**
   * Fits the mixer and the threshold on the validation split, with the LSTM `weights` if given.
   * The work runs in slices that let the event loop in, so a Stop (an IPC message) is heard
   * mid-fit: when `shouldStop` says so the fit is abandoned, the previous one kept, and false
   * returned.
   */
  async fit(weights: NamedWeights | undefined, lstmStep: number, shouldStop?: () => boolean): Promise<boolean> {
    const { vocab, now } = this.o;
    const t = now();
    const lstm = weights ? await LstmModel.create({ vocabSize: vocab.size, lstmSize: this.o.lstmSize, numLayers: this.o.numLayers }, weights, 'auto') : undefined;
    try {
      const got = await runStepsInSlices(this.fitSteps(lstm), { shouldStop, sliceMs: this.o.sliceMs });
      if (got === undefined) {
        this.o.log('mixture fit stopped: the previous fit stays');
        return false;
      }
      if (got === 'no text') return true;
      const { mixer, calibration, description, chars } = got;
      // A fit without the LSTM does not replace one with it (a continued run's, until refitted).
      const serving = !!lstm || !this.mixer?.experts.includes('lstm');
      if (serving) {
        this.mixer = mixer;
        this.calibration = calibration;
      }
      if (!lstm) {
        this.countMixer = mixer;
        this.countCalibration = calibration;
      }
      this.lastFit = now();
      this.lastFitMs = this.lastFit - t;
      const b = mixer.bitsPerChar ?? {};
      // The panel shows the mixture that serves: not a count models' fit behind a continued LSTM's.
      if (serving) {
        this.o.onMixture({
          type: 'mixture', step: lstmStep, experts: description, bitsPerChar: b,
          minConfidence: calibration.minConfidence, precision: calibration.precision,
          ...promiseOf(calibration),
        });
      }
      this.o.log(`mixture (${description}) on ${chars} held-out characters: ` +
        Object.entries(b).map(([k, v]) => `${k} ${(v as number).toFixed(3)}`).join(', ') + ' bits/char; ' + describeCalibration(calibration) +
        `, ${(this.lastFitMs / 1000).toFixed(1)} s`);
      return true;
    } finally {
      lstm?.dispose();
    }
  }

  /** The fit itself: samples, mixer, threshold. */
  private *fitSteps(lstm: LstmModel | undefined): Steps<'no text' | { mixer: MixerJson; calibration: Calibration; description: string; chars: number }> {
    const { vocab, split } = this.o;
    const samples = yield* collectSamplesSteps({
      vocabSize: vocab.size, ngram: this.ngram, lstm, docs: split.valDocs, maxChars: lstm ? FIT_CHARS_LSTM : FIT_CHARS_COUNTS,
      segment: lstm ? FIT_SEGMENT : undefined,
    });
    if (samples.length === 0) return 'no text';
    const mixer = yield* fitMixtureSteps(samples);
    // With the LSTM, completions are judged by the n-gram + cache too (their mixer, fitted first).
    const countMixer = lstm && this.countMixer ? new FittedMixer(this.countMixer) : undefined;
    const model = new MixtureModel({ vocab, ngram: this.ngram, lstm, mixer: new FittedMixer(mixer), countMixer });
    const completer = new Completer(model, vocab) as Completer<unknown>;
    completer.identifiers = this.identifierIndex;
    // A small workspace: the count models' threshold also reads training files, each fold by an
    // n-gram rebuilt without it; the LSTM has learnt those files, so its mixture's threshold reads
    // validation alone and is at least the count models' (their confidences are on one scale: the
    // judged one is the geometric mean of the mixture's and theirs).
    const rotate = !lstm && rotationDue(split);
    const counted = lstm && this.countCalibration?.rotated ? this.countCalibration : undefined;
    const calibration = yield* calibrateSteps(completer, this.valTexts, {
      positions: lstm ? CALIBRATION_POSITIONS.lstm : CALIBRATION_POSITIONS.counts,
      target: TARGET_PRECISION,
      fallback: CONSERVATIVE_THRESHOLD,
      continuation: { target: CONTINUATION_TARGET, positions: CONTINUATION_POSITIONS },
      ...(rotate ? { more: rotationSources(split, vocab, this.ngram.order, mixer) } : {}),
      ...(counted ? { minThreshold: counted.minConfidence } : {}),
    });
    return { mixer, calibration, description: model.description, chars: samples.length };
  }

  /** The checkpoint fields of the n-gram, the mixers and the thresholds. */
  meta(): Pick<CheckpointMeta, 'ngram' | 'mixer' | 'calibration' | 'countMixer' | 'countCalibration'> {
    return {
      ngram: this.ngramMeta,
      ...(this.mixer ? { mixer: this.mixer } : {}),
      ...(this.calibration ? { calibration: this.calibration } : {}),
      ...(this.countMixer ? { countMixer: this.countMixer } : {}),
      ...(this.countCalibration ? { countCalibration: this.countCalibration } : {}),
    };
  }

  /** The checkpoint's files besides the LSTM's; call `saved` once they are written to `dir`. */
  extras(): CheckpointExtras {
    return { ngram: this.ngramFile ?? this.ngram, identifiers: this.identifiers };
  }

  saved(dir: string): void {
    this.ngramFile = path.join(dir, NGRAM_FILE);
  }
}

/** True when the count models' threshold should also read training folds (a small workspace). */
export function rotationDue(split: Pick<Split, 'trainDocs'>): boolean {
  return split.trainDocs.length >= ROTATION_FOLDS && split.trainDocs.reduce((n, d) => n + d.length, 0) <= ROTATION_MAX_CHARS;
}

/**
 * The training files in ROTATION_FOLDS folds, each with the count models rebuilt without it (an
 * n-gram of `order` from the other folds, the count `mixer`), for calibration positions that the
 * validation files of a small workspace are too few to give.
 */
export function rotationSources(split: Pick<Split, 'trainDocs'>, vocab: Vocab, order: number, mixer: MixerJson): CalibrationSource[] {
  const docs = split.trainDocs.map((ids, i) => ({ relPath: `train/${i}`, ids }));
  return Array.from({ length: ROTATION_FOLDS }, (_, k) => {
    const inFold = (i: number) => i % ROTATION_FOLDS === k;
    return {
      docs: docs.filter((_, i) => inFold(i)).map((d) => ({ relPath: d.relPath, text: vocab.decode(d.ids) })),
      completer: () => {
        const rest = docs.filter((_, i) => !inFold(i)).map((d) => d.ids);
        const ngram = KneserNeyModel.fromIds(rest, vocab, order);
        const c = new Completer(new MixtureModel({ vocab, ngram, mixer: new FittedMixer(mixer) }), vocab) as Completer<unknown>;
        c.identifiers = new IdentifierIndex(IdentifierIndex.count(rest.map((ids) => vocab.decode(ids))));
        return c;
      },
    };
  });
}

/** What a calibration promises (its held-out check), when it measured one. */
export function promiseOf(c: Calibration | undefined): { promise?: ThresholdPromise } {
  const k = c?.check;
  return k && Number.isFinite(k.precision) && k.shown > 0 ? { promise: { precision: k.precision, positions: k.positions } } : {};
}

/** The validation documents as texts, named as the calibration knows them. */
export function validationTexts(split: Pick<Split, 'valDocs'>, vocab: Vocab): { relPath: string; text: string }[] {
  return split.valDocs.map((ids, i) => ({ relPath: `val/${i}`, text: vocab.decode(ids) }));
}

/** One line on a threshold: how it was chosen and what it promises. */
export function describeCalibration(c: Calibration): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const rule = c.rule === 'fallback' ? ', too few positions to tell: the conservative threshold' : c.lowerBound !== undefined ? `, lower bound ${pct(c.lowerBound)}` : '';
  return `threshold ${c.minConfidence.toFixed(3)} for ${pct(c.target)} precision (precision ${pct(c.precision)}${rule}, ` +
    `shown ${pct(c.shown)} of ${c.positions} positions${c.files !== undefined ? ` from ${c.files} files` : ''}` +
    `${c.rotated ? `, ${c.rotated} of them in training files read by count models rebuilt without them` : ''}` +
    `${c.floor !== undefined ? `, raised to the count models' threshold` : ''})` +
    (c.check ? `; held out: precision ${Number.isFinite(c.check.precision) ? pct(c.check.precision) : '-'}, shown ${pct(c.check.shown)} (${c.check.folds} folds)` : '') +
    (c.continuation ? `; past the token: ${c.continuation.minConfidence === undefined ? 'no threshold keeps the target: no continuation'
      : `threshold ${c.continuation.minConfidence.toFixed(3)} for ${pct(c.continuation.target)} (precision ${pct(c.continuation.precision)}, shown ${pct(c.continuation.shown)}, ` +
        `${c.continuation.savedPerPosition.toFixed(2)} chars saved per position, tokens alone ${c.continuation.tokenSavedPerPosition.toFixed(2)})`}` : '');
}
