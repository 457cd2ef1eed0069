/**
 * The training run: corpus -> vocabulary -> split -> batches -> model -> train loop -> checkpoints.
 * Shared by the trainer child process (extension) and the CLI. Reports through `onEvent` with the
 * training events of trainEvents.ts; stops when `signal` aborts, saving the best
 * checkpoint so far. Losses are reported in bits per character.
 */
import type { TrainConfig } from '../contracts/config';
import { validateCorpusConfig, validateTrainConfig } from '../contracts/config';
import { collectCorpus, CorpusAbortedError, fingerprint, formatReport, type CorpusDoc, type CorpusOptions } from '../corpus/corpus';
import { inspectModelFolder, openModelFolder } from '../store/modelFolder';
import { BatchStream, splitCorpus, type Split } from './batching';
import { Vocab } from '../text/vocab';
import {
  hasLstm, loadCheckpoint, loadMeta, MAX_HISTORY_POINTS, saveCheckpoint, thinHistory, type Checkpoint, type CheckpointMeta, type CorpusFingerprint, type HistoryPoint,
} from '../store/checkpoint';
import { MixtureStage, type MixtureStageOptions } from './mixtureStage';
import { parameterCount, type NamedWeights } from '../lstm/weights';
import * as os from 'os';
import { initBackend, setWasmThreads, type BackendInfo } from '../lstm/engine/backend';
import { ThreadChooser } from '../lstm/engine/threadChoice';
import { DEFAULT_WARMUP_STEPS, learningRateAt, planSchedule, type LrSchedule } from '../lstm/schedule';
import { createCharRnn, initialWeights as freshWeights, type CharRnnTrainer } from '../lstm/engine/charRnn';
import { makeRng, type Rng } from '../util/random';
import { sampleFromWeights } from '../lstm/sample';
import { defaultBaseDir, loadBaseModel, weightsFromBase, type BaseModel } from '../store/baseModel';
import type { DoneEvent, DoneReason, OriginEvent, TrainingEvent } from '../contracts/trainEvents';
import type { PauseGate } from './pauseGate';

/**
 * A run that fine-tunes the base model peaks at this share of the configured learning rate: the
 * full rate (tuned for random weights) spends the first minutes unlearning the base (BENCHMARKS.md,
 * "Fine-tuning the base model").
 */
export const FINE_TUNE_LR_SCALE = 0.5;

/** What a run knows of its best weights when it validates (LstmStage). */
export interface BestSoFar {
  /** Validation bits/char of the weights kept (a fine-tune's base counts). */
  bestValLoss: number;
  /** The best validation of the run's own steps: early stopping counts from it. */
  bestStepValLoss: number;
  /** Validations since the best step. */
  sinceBest: number;
  /** Whether weights are kept at all. */
  haveBest: boolean;
}

/**
 * After a validation (`valLoss`; undefined: no validation text): whether to keep the current
 * weights, and the new bests. A fine-tune's base is its first candidate (bestValLoss) and is kept
 * when no step beats it; early stopping counts from the best step, so a fine-tune that is worse
 * than its base for a while (Python from the 4.0 h base, for 500 steps) may still pass it.
 */
export function afterValidation(b: BestSoFar, valLoss: number | undefined): BestSoFar & { keep: boolean } {
  // The first weights kept also restart the count (as before the base counted: a NaN first validation).
  const stepBetter = valLoss === undefined || valLoss < b.bestStepValLoss || !b.haveBest;
  const keep = valLoss === undefined || valLoss < b.bestValLoss || !b.haveBest;
  return {
    bestValLoss: valLoss !== undefined && valLoss < b.bestValLoss ? valLoss : b.bestValLoss,
    bestStepValLoss: valLoss !== undefined && valLoss < b.bestStepValLoss ? valLoss : b.bestStepValLoss,
    sinceBest: stepBetter ? 0 : b.sinceBest + 1,
    haveBest: b.haveBest || keep,
    keep,
  };
}

/** The schedule when the settings name none (`bench --learning`, BENCHMARKS.md: warm-up, peak, decay in the last 30%). */
export const DEFAULT_LR_SCHEDULE = 'decay' as const;

export interface TrainRunOptions {
  config: TrainConfig;
  /** Folders to collect the corpus from (with `corpus` options), or ready-made `docs`. */
  folders?: string[];
  docs?: CorpusDoc[];
  corpus?: CorpusOptions;
  checkpointDir: string;
  /** Continue from the checkpoint in checkpointDir when there is one. */
  resume: boolean;
  onEvent: (e: TrainingEvent) => void;
  signal?: AbortSignal;
  /** Awaited before every step: a closed gate pauses the run (paused time counts against no limit). */
  pause?: PauseGate;
  /** Threads for the wasm backend (undefined: its default). */
  threads?: number;
  /** Sample text after each validation (default true). */
  samples?: boolean;
  /** Wall clock, for tests. */
  now?: () => number;
  /** Who holds the model folder's lock, for the message another writer gets (e.g. "charrnn train"). */
  lockOwner?: string;
  /** The base model's folder (default: the shipped media/base, defaultBaseDir()). */
  baseDir?: string;
  /**
   * For benchmarks (time to quality): `take` gets a copy of the current weights when the run's time
   * (s, from its start: corpus and n-gram stage included, pauses excluded; the clock of maxMinutes)
   * first reaches each of `atSec`, and at the end of the run for the points not reached. The time
   * `take` spends is not counted (as a pause).
   */
  snapshots?: { atSec: number[]; take: (s: TrainSnapshot) => void };
}

export interface TrainSnapshot {
  /** The point asked for and the run's time actually reached, seconds. */
  atSec: number;
  elapsedSec: number;
  step: number;
  charsSeen: number;
  weights: NamedWeights;
}

const LN2 = Math.log(2);
/**
 * Validation reads a fixed prefix of the held-out text: at most this many characters, and at most
 * a fifth of the characters trained between two validations, so that validating (a forward pass,
 * about a third of a training step's cost per character) takes under ~10% of the run.
 */
const MAX_VAL_CHARS = 65536;
const VAL_SHARE = 0.2;
/** Progress events (and history points) at most this often, plus at every validation. */
const PROGRESS_EVERY_MS = 250;
export class TrainingError extends Error {}

/**
 * Refuses, with a one-line ModelFolderError and before anything else, a checkpoint folder that
 * holds other files, is not writable, or is being written by another process; holds its lock
 * for the whole run. A run that continues a model (`resume`) loads and checks it first: a folder
 * without a model, a missing or corrupt file, a history point of the wrong type or a model of
 * another shape are refused before anything on disk changes.
 */
export async function runTraining(o: TrainRunOptions): Promise<DoneEvent> {
  const cfg = { ...o.config };
  const problems = [...validateTrainConfig(cfg), ...(o.corpus ? validateCorpusConfig(o.corpus) : [])];
  if (problems.length) throw new TrainingError(`invalid settings: ${problems.join('; ')}`);
  if (o.resume) {
    const kind = inspectModelFolder(o.checkpointDir).kind;
    if (kind === 'missing' || kind === 'empty') {
      throw new TrainingError(`there is no model in ${o.checkpointDir} to continue (${kind === 'missing' ? 'no such folder' : 'the folder is empty'}): start a fresh run instead`);
    }
  }
  const lock = openModelFolder(o.checkpointDir, o.lockOwner);
  try {
    const saved = o.resume ? loadCheckpoint(o.checkpointDir) : undefined;
    if (saved && hasLstm(saved.meta) && (saved.meta.config.lstmSize !== cfg.lstmSize || saved.meta.config.numLayers !== cfg.numLayers)) {
      throw new TrainingError(
        `the saved model is ${saved.meta.config.lstmSize}x${saved.meta.config.numLayers} but the settings ask for ` +
          `${cfg.lstmSize}x${cfg.numLayers}: start a fresh run to change the model's shape`,
      );
    }
    return await trainLocked(o, cfg, saved);
  } finally {
    lock.release();
  }
}

/** What a fresh run finds in its folder: a trained LSTM it must not replace with its n-gram stage. */
function savedLstm(dir: string): string | undefined {
  try {
    const m = loadMeta(dir);
    return hasLstm(m) ? `a trained ${m.config.lstmSize}x${m.config.numLayers} LSTM at step ${m.step}` : undefined;
  } catch {
    return undefined; // none, or unreadable: nothing worth keeping
  }
}

/**
 * The run, top to bottom (as char-rnn's train.lua reads): the engine, then
 *   1. collect     the corpus from the folders;
 *   2. vocabulary  and the starting weights: the saved model's, the base model's or fresh ones;
 *   3. batches     the split into training and validation text, and their batch streams;
 *   4. counts      the n-gram and the count models' mixture, saved as the first checkpoint;
 *   5. the LSTM    loop (LstmStage), validating, refitting the mixer and saving as it goes.
 * Each stage is a function of what the earlier ones gave; a Stop before the LSTM ends the run there.
 */
async function trainLocked(o: TrainRunOptions, cfg: TrainConfig, saved: Checkpoint | undefined): Promise<DoneEvent> {
  const now = o.now ?? Date.now;
  const t0 = now();
  const emit = o.onEvent;
  const log = (message: string) => emit({ type: 'log', message });

  const backend = await initBackend(cfg.backend, { threads: o.threads });
  emit({ type: 'ready', backend: backend.name, threads: backend.threads });

  const corpus = await collect(o, log);
  if (!corpus) return finish(emit, { type: 'done', reason: 'stopped' });

  if (saved && !hasLstm(saved.meta)) log('the saved model has no trained LSTM yet (it stopped in the n-gram stage): training one from the start');
  // A fresh run keeps a trained LSTM in its folder serving until its own first LSTM checkpoint.
  const keep = saved ? undefined : savedLstm(o.checkpointDir);
  const start = vocabulary(cfg, saved, corpus.docs, new Date(t0).toISOString(), o.baseDir, log);

  const data = batches(cfg, corpus.docs, start.vocab, log);
  emit({
    type: 'corpus',
    files: corpus.fingerprint.files,
    bytes: corpus.fingerprint.bytes,
    chars: data.split.train.length + data.split.val.length,
    vocabSize: start.vocab.size,
    trainChars: data.split.train.length,
    valChars: data.split.val.length,
    skipped: corpus.skipped,
    parameters: parameterCount(start.vocab.size, cfg.lstmSize, cfg.numLayers),
  });

  // A Stop during the n-gram's build or a fit abandons it (they run in slices that let the IPC message in).
  const stopAsked = () => !!o.signal?.aborted;
  const counts = await countStage(cfg, start, data, { now, log, onMixture: emit }, stopAsked);
  if (!counts) {
    // Nothing of this run to save yet: the model folder is left as it was.
    log('stopped while building the n-gram: nothing saved, the model folder is unchanged');
    return finish(emit, { type: 'done', reason: 'stopped' });
  }

  return finish(emit, await new LstmStage(o, cfg, { t0, backend, keep, start, corpus, data, counts, stopAsked }).run());
}

function finish(emit: (e: TrainingEvent) => void, done: DoneEvent): DoneEvent {
  emit(done);
  return done;
}

/** What the corpus stage gives: the documents, what was skipped and why, and the corpus's fingerprint. */
interface Corpus {
  docs: CorpusDoc[];
  skipped: Record<string, number>;
  fingerprint: CorpusFingerprint;
}

/** Stage 1: the corpus, collected from the folders (or the documents given); undefined when a Stop ended the collection. */
async function collect(o: TrainRunOptions, log: (m: string) => void): Promise<Corpus | undefined> {
  if (o.docs) return { docs: o.docs, skipped: {}, fingerprint: fingerprint(o.docs) };
  if (!o.folders || !o.corpus) throw new TrainingError('no folders to train on');
  let collected: Awaited<ReturnType<typeof collectCorpus>>;
  try {
    collected = await collectCorpus(o.folders, { ...o.corpus, modelDir: o.checkpointDir, signal: o.signal });
  } catch (e) {
    if (!(e instanceof CorpusAbortedError)) throw e;
    return undefined;
  }
  log(formatReport(collected.report));
  return { docs: collected.docs, skipped: { ...collected.report.skipped }, fingerprint: fingerprint(collected.docs) };
}

/** Where the LSTM starts: its vocabulary, weights, the point the run continues from, and why. */
interface Start {
  vocab: Vocab;
  /** The saved model this run continues (its trained LSTM's weights and its meta.json). */
  resumed?: { weights: NamedWeights; meta: CheckpointMeta };
  /** A fresh run's starting weights when it fine-tunes the base model. */
  baseWeights?: NamedWeights;
  origin: OriginEvent;
  /** The continued model's counters (zero for a fresh run). */
  stepOffset: number;
  epochOffset: number;
  charsOffset: number;
  timeOffset: number;
  history: HistoryPoint[];
  bestValLoss: number;
  createdAt: string;
}

/**
 * Stage 2: the vocabulary and the starting weights. Continuing a trained LSTM takes both from its
 * checkpoint (characters it has never seen map to the unknown symbol); a fresh run builds the
 * vocabulary from the corpus (plus the base model's characters when it fine-tunes the base).
 */
function vocabulary(cfg: TrainConfig, saved: Checkpoint | undefined, docs: CorpusDoc[], createdAt: string, baseDir: string | undefined, log: (m: string) => void): Start {
  if (saved && hasLstm(saved.meta)) {
    const ck = saved;
    const vocab = ck.vocab;
    const history = thinHistory(ck.meta.history);
    const stepOffset = ck.meta.step;
    const last = history[history.length - 1];
    const bestValLoss = ck.meta.bestValLoss ?? Infinity;
    const unknown = new Set<string>();
    for (const d of docs) for (const ch of d.text) if (!vocab.has(ch)) unknown.add(ch);
    log(`continuing the model at step ${stepOffset} (best validation ${fmt(bestValLoss)} bits/char)` +
      (unknown.size ? `; ${unknown.size} characters not in its vocabulary map to the unknown symbol` : ''));
    return {
      vocab,
      resumed: { weights: ck.weights, meta: ck.meta },
      origin: { type: 'origin', from: 'checkpoint', note: `continuing the saved model at step ${stepOffset}` },
      stepOffset,
      epochOffset: ck.meta.epoch,
      charsOffset: last?.charsSeen ?? 0,
      timeOffset: last?.time ?? 0,
      history,
      bestValLoss,
      createdAt: ck.meta.createdAt,
    };
  }
  const start = chooseStart(cfg, baseDir);
  const vocab = Vocab.build(docs.map((d) => d.text), undefined, start.base?.vocab.chars);
  return {
    vocab,
    ...(start.base ? { baseWeights: weightsFromBase(start.base, vocab) } : {}),
    origin: { type: 'origin', from: start.base ? 'base' : 'scratch', ...(start.base ? { base: start.base.meta.name } : {}), note: start.note },
    stepOffset: 0,
    epochOffset: 0,
    charsOffset: 0,
    timeOffset: 0,
    history: [],
    bestValLoss: Infinity,
    createdAt,
  };
}

/** What the batches stage gives: the split, the training stream and the validation stream (when there is validation text). */
interface Batches {
  split: Split;
  /** Streams per batch (fewer than the settings' on a tiny corpus) and characters per stream per batch. */
  batch: number;
  steps: number;
  stream: BatchStream;
  valStream?: BatchStream;
  valBatch: number;
}

/**
 * Stage 3: the split into training and validation text and their batch streams. Validation reads
 * a fixed prefix of the held-out text (MAX_VAL_CHARS, VAL_SHARE).
 */
function batches(cfg: TrainConfig, docs: CorpusDoc[], vocab: Vocab, log: (m: string) => void): Batches {
  const split = splitCorpus(docs, vocab, cfg.valFraction);
  // A corpus smaller than one batch: fewer streams rather than no training.
  let batch = cfg.batchSize;
  const steps = cfg.numSteps;
  if (Math.floor((split.train.length - 1) / batch) < steps) {
    const fit = Math.floor((split.train.length - 1) / steps);
    if (fit < 1) {
      throw new TrainingError(
        `the corpus is too small: ${split.train.length} training characters, but one sequence of num_steps = ${steps} needs ${steps + 1}`,
      );
    }
    log(`the corpus holds fewer than batch_size x num_steps characters: using ${fit} streams instead of ${batch}`);
    batch = fit;
  }
  const stream = new BatchStream(split.train, batch, steps);
  const valBudget = Math.min(MAX_VAL_CHARS, Math.max(4 * batch * steps, Math.floor(VAL_SHARE * cfg.evalEvery * batch * steps)));
  const valData = split.val.length > valBudget ? split.val.subarray(0, valBudget) : split.val;
  const valBatch = Math.max(1, Math.min(batch, Math.floor((valData.length - 1) / steps)));
  const valStream = valData.length > steps + 1 ? new BatchStream(valData, valBatch, steps) : undefined;
  if (!valStream) log('no validation text (corpus too small or valFraction 0): the latest weights are saved instead of the best');
  return { split, batch, steps, stream, ...(valStream ? { valStream } : {}), valBatch };
}

/**
 * Stage 4: the workspace n-gram (seconds), mixed with the document cache and calibrated:
 * completions work from here on, before any LSTM checkpoint. A continued LSTM is mixed anew too.
 * Undefined when a Stop came during the n-gram's build.
 */
async function countStage(
  cfg: TrainConfig, start: Start, data: Batches, io: Pick<MixtureStageOptions, 'now' | 'log' | 'onMixture'>, stopAsked: () => boolean,
): Promise<MixtureStage | undefined> {
  const counts = await MixtureStage.create({
    vocab: start.vocab, split: data.split, lstmSize: cfg.lstmSize, numLayers: cfg.numLayers, ...io,
    ...(start.resumed ? { previous: start.resumed.meta } : {}),
  }, stopAsked);
  if (!counts) return undefined;
  await counts.fit(undefined, 0, stopAsked);
  if (start.resumed && !stopAsked()) await counts.fit(start.resumed.weights, start.stepOffset, stopAsked);
  return counts;
}

/** What the LSTM stage starts from: the earlier stages' results. */
interface LstmStageInputs {
  t0: number;
  backend: BackendInfo;
  /** A trained LSTM in the folder that this fresh run must not replace with its n-gram stage. */
  keep: string | undefined;
  start: Start;
  corpus: Corpus;
  data: Batches;
  counts: MixtureStage;
  stopAsked: () => boolean;
}

/**
 * Stage 5: the LSTM. `run` saves the count stage's checkpoint, measures the starting weights on the
 * validation text, then loops over epochs of batches (trainStep); every evalEvery steps it
 * validates, keeps the best weights, refits the mixer for them when due, saves and samples
 * (checkpoint). At the end: a last validation, the mixer refitted for the best weights, saved.
 * The state of the run (its counters, the best weights, the clock) lives in the fields below.
 */
class LstmStage {
  private readonly model: CharRnnTrainer;
  private readonly now: () => number;
  private readonly emit: (e: TrainingEvent) => void;
  private backend: BackendInfo;
  private chooser?: ThreadChooser;
  private readonly vocab: Vocab;
  private readonly batch: number;
  private readonly steps: number;
  private readonly perEpoch: number;
  private readonly totalSteps: number;
  private readonly schedule: LrSchedule;
  private readonly rng: Rng;
  private readonly stepOffset: number;
  private readonly epochOffset: number;
  private readonly charsOffset: number;
  private readonly timeOffset: number;
  private readonly snapshotPoints: number[];
  private origin: OriginEvent;
  private history: HistoryPoint[];
  private bestValLoss: number;
  /** The run's clock: the LSTM's start, its end (moved on by pauses), pauses so far. */
  private readonly trainStart: number;
  private deadline: number;
  private pausedMs = 0;
  private step = 0;
  private epoch = 0;
  private smooth = NaN;
  private firstLoss = NaN;
  private lastLr: number;
  private sinceBest = 0;
  /** The best validation of this model's steps (the base, a fine-tune's first candidate, is not one): early stopping counts from it. */
  private bestStepValLoss: number;
  private lastProgress = 0;
  private savedStep = -1;
  private bestWeights: NamedWeights | undefined;
  /** The best weights have no mixer fitted for them yet. */
  private bestUnmixed = false;
  private checkpointPath: string | undefined;

  constructor(private readonly o: TrainRunOptions, private readonly cfg: TrainConfig, private readonly i: LstmStageInputs) {
    const { start, data } = i;
    this.now = o.now ?? Date.now;
    this.emit = o.onEvent;
    this.backend = i.backend;
    this.vocab = start.vocab;
    ({ batch: this.batch, steps: this.steps } = data);
    ({ stepOffset: this.stepOffset, epochOffset: this.epochOffset, charsOffset: this.charsOffset, timeOffset: this.timeOffset } = start);
    this.origin = start.origin;
    this.history = start.history;
    this.bestValLoss = start.bestValLoss;
    this.bestStepValLoss = start.bestValLoss;
    this.model = createCharRnn(
      {
        vocabSize: this.vocab.size,
        lstmSize: cfg.lstmSize,
        numLayers: cfg.numLayers,
        dropout: cfg.dropout,
        learningRate: cfg.learningRate,
        gradClip: cfg.gradClip,
        seed: cfg.seed,
      },
      start.resumed?.weights ?? start.baseWeights ?? startingWeights(this.vocab.size, cfg, data.split.train),
    );
    this.perEpoch = data.stream.batchesPerEpoch;
    this.totalSteps = cfg.epochs > 0 ? cfg.epochs * this.perEpoch : 0;
    this.deadline = cfg.maxMinutes > 0 ? i.t0 + cfg.maxMinutes * 60_000 : Infinity;
    this.rng = makeRng(cfg.seed + this.stepOffset);
    this.bestWeights = start.resumed?.weights;
    this.trainStart = this.now();
    const plan = planSchedule({
      kind: cfg.lrSchedule ?? DEFAULT_LR_SCHEDULE,
      peak: start.baseWeights ? cfg.learningRate * FINE_TUNE_LR_SCALE : cfg.learningRate,
      warmupSteps: cfg.warmupSteps ?? DEFAULT_WARMUP_STEPS,
      decayShare: cfg.decayShare,
      step: this.stepOffset,
      sec: this.timeOffset,
      runSec: Number.isFinite(this.deadline) ? (this.deadline - this.trainStart) / 1000 : Infinity,
      runSteps: this.totalSteps,
      saved: start.resumed?.meta.schedule,
    });
    this.schedule = plan.schedule;
    this.lastLr = learningRateAt(this.schedule, this.stepOffset, this.timeOffset);
    if (plan.continued) {
      if (plan.runSec !== undefined) this.deadline = this.trainStart + plan.runSec * 1000;
      this.log(`continuing the learning-rate schedule of the saved model: ${plan.runSec !== undefined ? `${Math.round(plan.runSec)} s` : 'its steps'} to its end`);
    }
    // Automatic threads on wasm: chosen from measured step times, re-checked every few minutes.
    const cores = os.cpus().length;
    this.chooser = this.backend.name === 'wasm' && o.threads === undefined && cores >= 2
      ? new ThreadChooser({ candidates: [1, cores], initial: this.backend.threads })
      : undefined;
    this.snapshotPoints = [...(o.snapshots?.atSec ?? [])].sort((a, b) => a - b);
  }

  /** The stage: the first checkpoint, the starting point, the loop, then the last validation, refit and save. */
  async run(): Promise<DoneEvent> {
    // The first checkpoint: the n-gram stage (or the resumed LSTM, mixed anew).
    this.save(this.bestWeights, true);
    await this.announceOrigin();
    let reason: DoneReason;
    try {
      reason = await this.loop();
      if (this.cfg.epochs > 0 && this.epoch >= this.cfg.epochs) this.epoch = this.cfg.epochs;
      this.snapshot(true);
      // Final validation unless the last step already did one; keeps the best weights.
      if (reason !== 'diverged' && this.step > 0 && this.savedStep !== this.step && this.step % this.cfg.evalEvery !== 0) {
        await this.checkpoint();
      }
      // The mixer and threshold for the best LSTM (skipped on a stop request: it asks to exit now).
      if (this.bestUnmixed && this.bestWeights && reason !== 'stopped' && !this.o.signal?.aborted) {
        if (await this.refit(this.bestWeights)) this.save(this.bestWeights, false);
      }
    } finally {
      this.model.dispose();
    }
    if (!this.checkpointPath && this.i.keep) this.log(`nothing was saved: ${this.o.checkpointDir} still holds ${this.i.keep}, unchanged`);
    return {
      type: 'done',
      reason,
      ...(Number.isFinite(this.bestValLoss) ? { bestValLoss: this.bestValLoss } : {}),
      ...(this.checkpointPath ? { checkpointPath: this.checkpointPath } : {}),
    };
  }

  /** Where the LSTM starts, and how well its starting weights know this workspace (base and checkpoint starts). */
  private async announceOrigin(): Promise<void> {
    if (this.origin.from !== 'scratch' && !this.i.stopAsked()) {
      const before = await this.validate();
      if (before !== undefined) this.origin = { ...this.origin, valBits: before, note: `${this.origin.note}; ${fmt(before)} bits/char on this workspace's validation text before the first step` };
      // The base is the run's first candidate: a fine-tune that never beats it on validation
      // keeps it (Python's standard library, from the 5.0 h base: 1.611 before the first step,
      // 1.635 at best after it, and that worse LSTM was kept; BENCHMARKS.md, 2026-12-08 later).
      // Early stopping still counts from the best step (bestStepValLoss): from the 4.0 h base,
      // Python's validation was worse than the base's for 500 steps and passed it in the decay.
      if (this.origin.from === 'base' && before !== undefined && before < this.bestValLoss) {
        this.bestValLoss = before;
        this.bestWeights = this.model.getWeights();
        this.bestUnmixed = true;
      }
    }
    this.emit(this.origin);
    this.log(this.origin.note);
  }

  /** Epochs of steps until the epochs, the time limit, a Stop, early stopping or divergence end them. */
  private async loop(): Promise<DoneReason> {
    for (this.epoch = 0; this.cfg.epochs === 0 || this.epoch < this.cfg.epochs; this.epoch++) {
      this.model.resetState();
      for (let k = 0; k < this.perEpoch; k++) {
        const end = await this.trainStep(k);
        if (end) return end;
      }
    }
    return 'completed';
  }

  /** One step on batch `k` (after a pause, if one is asked for), then validation when due; what ends the loop, if anything. */
  private async trainStep(k: number): Promise<DoneReason | undefined> {
    const { o, cfg, now } = this;
    const waited = o.pause ? await o.pause.wait(o.signal) : 0;
    this.pausedMs += waited;
    this.deadline += waited;
    if (o.signal?.aborted) return 'stopped';
    this.snapshot(false);
    if (now() >= this.deadline) return 'time-limit';
    const { x, y } = this.i.data.stream.batch(k);
    this.lastLr = learningRateAt(this.schedule, this.stepOffset + this.step, this.timeOffset + this.elapsed());
    this.model.setLearningRate(this.lastLr);
    const stepStart = now();
    const nats = await this.model.trainStep(x, y, this.batch, this.steps);
    const stepMs = now() - stepStart;
    this.step++;
    const bits = nats / LN2;
    if (!Number.isFinite(bits) || (this.step > 50 && bits > 3 * this.firstLoss)) {
      this.log(`the loss ${Number.isFinite(bits) ? `blew up to ${fmt(bits)}` : 'became NaN'}: stopping; lower the learning rate or gradient clip`);
      return 'diverged';
    }
    if (Number.isNaN(this.firstLoss)) this.firstLoss = bits;
    this.smooth = Number.isNaN(this.smooth) ? bits : 0.95 * this.smooth + 0.05 * bits;
    if (this.step % cfg.evalEvery === 0) {
      if (await this.checkpoint()) return 'early-stop';
    } else if (now() - this.lastProgress >= PROGRESS_EVERY_MS) {
      this.progress();
    }
    await this.chooseThreads(stepMs);
    // Let IPC messages (stop) in between steps.
    await new Promise<void>((r) => setImmediate(r));
    return undefined;
  }

  /** Held-out bits/char of the current weights on the validation prefix (undefined: no validation text). */
  private async validate(): Promise<number | undefined> {
    const { valStream, valBatch } = this.i.data;
    if (!valStream) return undefined;
    this.model.resetEvalState();
    let sum = 0;
    for (let k = 0; k < valStream.batchesPerEpoch; k++) {
      const { x, y } = valStream.batch(k);
      sum += await this.model.evalLoss(x, y, valBatch, this.steps);
    }
    return sum / valStream.batchesPerEpoch / LN2;
  }

  /** Validates, saves when better (or always without validation text), samples. Returns true to stop early. */
  private async checkpoint(): Promise<boolean> {
    const valLoss = await this.validate();
    this.progress(valLoss);
    const next = afterValidation({ bestValLoss: this.bestValLoss, bestStepValLoss: this.bestStepValLoss, sinceBest: this.sinceBest, haveBest: !!this.bestWeights }, valLoss);
    ({ bestValLoss: this.bestValLoss, bestStepValLoss: this.bestStepValLoss, sinceBest: this.sinceBest } = next);
    const improved = next.keep;
    if (improved) {
      this.bestWeights = this.model.getWeights();
      this.bestUnmixed = true;
      if (this.i.counts.refitDue(valLoss)) await this.refit(this.bestWeights);
    }
    this.save(this.bestWeights!, improved);
    if (this.o.samples !== false) {
      const text = sampleFromWeights(this.model.getWeights(), this.vocab, this.cfg, { prime: '', length: 200, temperature: 0.8, rng: this.rng });
      this.emit({ type: 'sample', text, step: this.stepOffset + this.step });
    }
    return this.cfg.patience > 0 && this.sinceBest >= this.cfg.patience;
  }

  /**
   * Refits the mixer and threshold for `weights` (the best LSTM) and records the mixture's
   * held-out bits/char on the latest history point (the panel's chart). False when a Stop
   * abandoned the fit.
   */
  private async refit(weights: NamedWeights): Promise<boolean> {
    if (!(await this.i.counts.fit(weights, this.stepOffset + this.step, this.i.stopAsked))) return false;
    this.bestUnmixed = false;
    const last = this.history[this.history.length - 1];
    const mix = this.i.counts.mixtureBitsPerChar;
    if (last && mix !== undefined) last.mixLoss = mix;
    return true;
  }

  /** Writes the best weights so far with the whole history; announces it when the weights changed. */
  private save(weights: NamedWeights | undefined, improved: boolean): void {
    const { o, cfg, i } = this;
    const stage: CheckpointMeta['stage'] = weights ? 'lstm' : 'ngram';
    if (!weights && i.keep) {
      this.log(`${o.checkpointDir} holds ${i.keep}: it keeps serving until this run's first LSTM checkpoint replaces it`);
      return;
    }
    saveCheckpoint(
      o.checkpointDir,
      {
        stage,
        ...i.counts.meta(),
        config: { ...cfg, batchSize: this.batch },
        vocab: this.vocab.toJSON(),
        history: this.history,
        corpus: i.corpus.fingerprint,
        backend: this.backend.name,
        createdAt: i.start.createdAt,
        updatedAt: new Date(this.now()).toISOString(),
        bestValLoss: Number.isFinite(this.bestValLoss) ? this.bestValLoss : null,
        schedule: this.schedule,
        step: this.stepOffset + this.step,
        epoch: this.epochOffset + this.epoch,
      },
      weights ?? [],
      i.counts.extras(),
    );
    i.counts.saved(o.checkpointDir);
    this.savedStep = this.step;
    this.checkpointPath = o.checkpointDir;
    const valLoss = Number.isFinite(this.bestValLoss) ? this.bestValLoss : i.counts.mixtureBitsPerChar;
    if (improved) this.emit({ type: 'checkpoint', path: o.checkpointDir, ...(valLoss !== undefined ? { valLoss } : {}), step: this.stepOffset + this.step });
  }

  /** A progress event and a history point (with `valLoss` on validation steps). */
  private progress(valLoss?: number): void {
    const { now, totalSteps, step } = this;
    const secs = this.elapsed();
    const cps = (step * this.batch * this.steps) / Math.max(secs, 1e-3);
    const stepsPerSec = step / Math.max(secs, 1e-3);
    const etaSteps = totalSteps > 0 ? (totalSteps - step) / Math.max(stepsPerSec, 1e-9) : Infinity;
    const etaTime = Number.isFinite(this.deadline) ? Math.max(0, (this.deadline - now()) / 1000) : Infinity;
    const eta = Math.min(etaSteps, etaTime);
    const point: HistoryPoint = {
      step: this.stepOffset + step,
      epoch: this.epochOffset + this.epoch,
      charsSeen: this.charsSeen(),
      loss: this.smooth,
      time: this.timeOffset + secs,
      lr: this.lastLr,
    };
    if (valLoss !== undefined) point.valLoss = valLoss;
    this.history.push(point);
    // Bounded: the older half thinned whenever the history outgrows MAX_HISTORY_POINTS.
    if (this.history.length > MAX_HISTORY_POINTS) this.history = thinHistory(this.history);
    this.emit({
      type: 'progress',
      step: this.stepOffset + step,
      epoch: this.epochOffset + this.epoch,
      totalSteps: totalSteps > 0 ? this.stepOffset + totalSteps : 0,
      loss: this.smooth,
      ...(valLoss !== undefined ? { valLoss } : {}),
      charsPerSec: cps,
      etaSec: Number.isFinite(eta) ? eta : -1,
      elapsedSec: secs,
      charsSeen: this.charsSeen(),
    });
    this.lastProgress = now();
  }

  /** Hands the weights to o.snapshots for every point reached (all remaining ones when `final`). */
  private snapshot(final: boolean): void {
    const { now, snapshotPoints } = this;
    const runSec = () => (now() - this.i.t0 - this.pausedMs) / 1000;
    while (snapshotPoints.length && (final || runSec() >= snapshotPoints[0])) {
      const t = now();
      this.o.snapshots!.take({ atSec: snapshotPoints.shift()!, elapsedSec: runSec(), step: this.stepOffset + this.step, charsSeen: this.charsSeen(), weights: this.model.getWeights() });
      const took = now() - t;
      this.pausedMs += took;
      this.deadline += took;
    }
  }

  /** Runs the next step with the thread count the chooser asks for (re-creating the backend). */
  private async chooseThreads(stepMs: number): Promise<void> {
    const chooser = this.chooser;
    if (!chooser) return;
    chooser.record(this.backend.threads, stepMs);
    const d = chooser.takeDecision();
    if (d) this.log(`wasm threads: ${d.reason}`);
    const want = chooser.next();
    if (want === this.backend.threads) return;
    const before = this.backend.threads;
    try {
      this.backend = await setWasmThreads(want);
    } catch (e) {
      this.chooser = undefined;
      this.log(`wasm threads: switching to ${want} failed (${(e as Error).message}); staying with the backend as it is`);
      this.backend = await initBackend(this.cfg.backend, { threads: before });
      return;
    }
    if (this.backend.threads !== want) {
      this.chooser = undefined;
      this.log(`wasm threads: asked for ${want}, the backend runs ${this.backend.threads}: no more switching`);
    }
  }

  /** Seconds of training so far (pauses excluded). */
  private elapsed(): number {
    return (this.now() - this.trainStart - this.pausedMs) / 1000;
  }

  private charsSeen(): number {
    return this.charsOffset + this.step * this.batch * this.steps;
  }

  private log(message: string): void {
    this.emit({ type: 'log', message });
  }
}

/**
 * Scale of the first layer's input kernel over charRnn's Glorot initialisation. Its input is
 * one-hot, so a row of the kernel is the whole input signal of a gate: Glorot's ±sqrt(6/(V+4H))
 * (±0.063 at 256 units, 464 characters) makes it faint next to the recurrent signal; x16 (±1, an
 * embedding's scale) removed most of the early plateau on zod (BENCHMARKS.md, issue 10: held-out
 * 1.87 bits/char at step 200 against 3.1 with x1 and the unigram bias, 4.9 with neither).
 */
export const DEFAULT_INPUT_SCALE = 16;

/** The output bias that makes a fresh LSTM predict the unigram distribution (add-one smoothed log frequencies). */
export function unigramLogits(ids: ArrayLike<number>, vocabSize: number): Float32Array {
  const counts = new Float64Array(vocabSize).fill(1);
  for (let i = 0; i < ids.length; i++) counts[ids[i]]++;
  const total = counts.reduce((a, b) => a + b, 0);
  return Float32Array.from(counts, (c) => Math.log(c / total));
}

/**
 * A fresh model's weights: seeded initialisation (charRnn.ts), and unless cfg.unigramBias is
 * false the output bias at the training text's unigram log-frequencies, so that the first step
 * starts at the unigram level (~5 bits/char on code) rather than at log2(vocabulary) (issue 10).
 */
export function startingWeights(vocabSize: number, cfg: TrainConfig, train: Int32Array): NamedWeights {
  const w = freshWeights(vocabSize, cfg.lstmSize, cfg.numLayers, cfg.seed);
  if (cfg.unigramBias !== false) w.find((x) => x.name === 'dense/bias')!.data.set(unigramLogits(train, vocabSize));
  const scale = cfg.inputScale ?? DEFAULT_INPUT_SCALE;
  if (scale !== 1) for (const x of w) if (x.name === 'lstm_0/kernel') for (let i = 0; i < x.data.length; i++) x.data[i] *= scale;
  return w;
}

/** The base model a fresh run fine-tunes, or why it starts from random weights. */
export function chooseStart(cfg: TrainConfig, baseDir?: string): { base?: BaseModel; note: string } {
  if (cfg.init === 'scratch') return { note: 'training from scratch (random weights), as charrnn.model.init asks' };
  const dir = baseDir ?? defaultBaseDir();
  if (!dir) return { note: 'training from scratch: no base model was found next to the extension' };
  let base: BaseModel;
  try {
    base = loadBaseModel(dir);
  } catch (e) {
    return { note: `training from scratch: ${(e as Error).message}` };
  }
  if (base.lstmSize !== cfg.lstmSize || base.numLayers !== cfg.numLayers) {
    return { note: `training from scratch: the base model is ${base.lstmSize}x${base.numLayers} and the settings ask for ${cfg.lstmSize}x${cfg.numLayers}` };
  }
  const hours = base.meta.pretraining.run ? ` (pretrained ${(base.meta.pretraining.run.elapsed / 3600).toFixed(1)} h on public code)` : '';
  return { base, note: `fine-tuning the base model ${base.meta.name}${hours}` };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : String(x);
}
