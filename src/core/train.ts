/**
 * The training run: corpus -> vocabulary -> split -> batches -> model -> train loop -> checkpoints.
 * Shared by the trainer child process (extension) and the CLI. Reports through `onEvent` with the
 * training events of trainEvents.ts; stops when `signal` aborts, saving the best
 * checkpoint so far. Losses are reported in bits per character.
 */
import type { TrainConfig } from './config';
import { validateCorpusConfig, validateTrainConfig } from './config';
import { collectCorpus, CorpusAbortedError, fingerprint, formatReport, type CorpusDoc, type CorpusOptions } from './corpus';
import { inspectModelFolder, openModelFolder } from './modelFolder';
import { BatchStream, splitCorpus } from './batching';
import { Vocab } from './vocab';
import { hasLstm, loadCheckpoint, loadMeta, MAX_HISTORY_POINTS, saveCheckpoint, thinHistory, type Checkpoint, type CheckpointMeta, type HistoryPoint } from './checkpoint';
import { MixtureStage } from './mixtureStage';
import { parameterCount, type NamedWeights } from './weights';
import * as os from 'os';
import { initBackend, setWasmThreads } from './engine/backend';
import { ThreadChooser } from './engine/threadChoice';
import { DEFAULT_WARMUP_STEPS, learningRateAt, planSchedule } from './schedule';
import { createCharRnn, initialWeights as freshWeights, type CharRnnTrainer } from './engine/charRnn';
import { makeRng } from './random';
import { sampleFromWeights } from './infer/sample';
import { defaultBaseDir, loadBaseModel, weightsFromBase, type BaseModel } from './baseModel';
import type { DoneEvent, DoneReason, OriginEvent, TrainingEvent } from './trainEvents';
import type { PauseGate } from './pauseGate';

/**
 * A run that fine-tunes the base model peaks at this share of the configured learning rate: the
 * full rate (tuned for random weights) spends the first minutes unlearning the base (BENCHMARKS.md,
 * "Fine-tuning the base model").
 */
export const FINE_TUNE_LR_SCALE = 0.5;

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

async function trainLocked(o: TrainRunOptions, cfg: TrainConfig, saved: Checkpoint | undefined): Promise<DoneEvent> {
  const now = o.now ?? Date.now;
  const t0 = now();
  const emit = o.onEvent;
  const log = (message: string) => emit({ type: 'log', message });

  let backend = await initBackend(cfg.backend, { threads: o.threads });
  emit({ type: 'ready', backend: backend.name, threads: backend.threads });

  // Corpus.
  let skipped: Record<string, number> = {};
  let docs: CorpusDoc[];
  if (o.docs) {
    docs = o.docs;
  } else {
    if (!o.folders || !o.corpus) throw new TrainingError('no folders to train on');
    let collected: Awaited<ReturnType<typeof collectCorpus>>;
    try {
      collected = await collectCorpus(o.folders, { ...o.corpus, modelDir: o.checkpointDir, signal: o.signal });
    } catch (e) {
      if (!(e instanceof CorpusAbortedError)) throw e;
      const stopped: DoneEvent = { type: 'done', reason: 'stopped' };
      emit(stopped);
      return stopped;
    }
    docs = collected.docs;
    skipped = { ...collected.report.skipped };
    log(formatReport(collected.report));
  }

  // Vocabulary and weights: from the checkpoint when resuming.
  let vocab: Vocab;
  let initialWeights: NamedWeights | undefined;
  /** A fresh run's starting weights when it fine-tunes the base model. */
  let baseWeights: NamedWeights | undefined;
  let origin: OriginEvent;
  let history: HistoryPoint[] = [];
  let stepOffset = 0;
  let epochOffset = 0;
  let charsOffset = 0;
  let timeOffset = 0;
  let bestValLoss = Infinity;
  let createdAt = new Date(t0).toISOString();
  if (saved && !hasLstm(saved.meta)) log('the saved model has no trained LSTM yet (it stopped in the n-gram stage): training one from the start');
  // A fresh run keeps a trained LSTM in its folder serving until its own first LSTM checkpoint.
  const keep = saved ? undefined : savedLstm(o.checkpointDir);
  if (saved && hasLstm(saved.meta)) {
    const ck = saved;
    vocab = ck.vocab;
    initialWeights = ck.weights;
    history = thinHistory(ck.meta.history);
    stepOffset = ck.meta.step;
    epochOffset = ck.meta.epoch;
    const last = history[history.length - 1];
    charsOffset = last?.charsSeen ?? 0;
    timeOffset = last?.time ?? 0;
    bestValLoss = ck.meta.bestValLoss ?? Infinity;
    createdAt = ck.meta.createdAt;
    const unknown = new Set<string>();
    for (const d of docs) for (const ch of d.text) if (!vocab.has(ch)) unknown.add(ch);
    log(`continuing the model at step ${stepOffset} (best validation ${fmt(bestValLoss)} bits/char)` +
      (unknown.size ? `; ${unknown.size} characters not in its vocabulary map to the unknown symbol` : ''));
    origin = { type: 'origin', from: 'checkpoint', note: `continuing the saved model at step ${stepOffset}` };
  } else {
    const start = chooseStart(cfg, o.baseDir);
    vocab = Vocab.build(docs.map((d) => d.text), undefined, start.base?.vocab.chars);
    if (start.base) baseWeights = weightsFromBase(start.base, vocab);
    origin = { type: 'origin', from: start.base ? 'base' : 'scratch', ...(start.base ? { base: start.base.meta.name } : {}), note: start.note };
  }

  const split = splitCorpus(docs, vocab, cfg.valFraction);
  const totalChars = split.train.length + split.val.length;
  const fp = fingerprint(docs);

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

  emit({
    type: 'corpus',
    files: fp.files,
    bytes: fp.bytes,
    chars: totalChars,
    vocabSize: vocab.size,
    trainChars: split.train.length,
    valChars: split.val.length,
    skipped,
    parameters: parameterCount(vocab.size, cfg.lstmSize, cfg.numLayers),
  });

  // Stage 1: the workspace n-gram (seconds), mixed with the document cache: completions work
  // from here on, before any LSTM checkpoint.
  // A Stop during the build or a fit abandons it (they run in slices that let the IPC message in).
  const stopAsked = () => !!o.signal?.aborted;
  const counts = await MixtureStage.create({
    vocab, split, lstmSize: cfg.lstmSize, numLayers: cfg.numLayers, now, log, onMixture: emit,
    ...(initialWeights && saved ? { previous: saved.meta } : {}),
  }, stopAsked);
  if (!counts) {
    // Nothing of this run to save yet: the model folder is left as it was.
    log('stopped while building the n-gram: nothing saved, the model folder is unchanged');
    const stopped: DoneEvent = { type: 'done', reason: 'stopped' };
    emit(stopped);
    return stopped;
  }
  await counts.fit(undefined, 0, stopAsked);
  if (initialWeights && !stopAsked()) await counts.fit(initialWeights, stepOffset, stopAsked);

  const model: CharRnnTrainer = createCharRnn(
    {
      vocabSize: vocab.size,
      lstmSize: cfg.lstmSize,
      numLayers: cfg.numLayers,
      dropout: cfg.dropout,
      learningRate: cfg.learningRate,
      gradClip: cfg.gradClip,
      seed: cfg.seed,
    },
    initialWeights ?? baseWeights ?? startingWeights(vocab.size, cfg, split.train),
  );

  const perEpoch = stream.batchesPerEpoch;
  const totalSteps = cfg.epochs > 0 ? cfg.epochs * perEpoch : 0;
  let deadline = cfg.maxMinutes > 0 ? t0 + cfg.maxMinutes * 60_000 : Infinity;
  const rng = makeRng(cfg.seed + stepOffset);
  let step = 0;
  let epoch = 0;
  let smooth = NaN;
  let firstLoss = NaN;
  let sinceBest = 0;
  let lastProgress = 0;
  let savedStep = -1;
  let bestWeights: NamedWeights | undefined = initialWeights;
  let checkpointPath: string | undefined;
  const trainStart = now();
  let pausedMs = 0;
  const plan = planSchedule({
    kind: cfg.lrSchedule ?? DEFAULT_LR_SCHEDULE,
    peak: baseWeights ? cfg.learningRate * FINE_TUNE_LR_SCALE : cfg.learningRate,
    warmupSteps: cfg.warmupSteps ?? DEFAULT_WARMUP_STEPS,
    decayShare: cfg.decayShare,
    step: stepOffset,
    sec: timeOffset,
    runSec: Number.isFinite(deadline) ? (deadline - trainStart) / 1000 : Infinity,
    runSteps: totalSteps,
    saved: initialWeights ? saved?.meta.schedule : undefined,
  });
  const schedule = plan.schedule;
  let lastLr = learningRateAt(schedule, stepOffset, timeOffset);
  if (plan.continued) {
    if (plan.runSec !== undefined) deadline = trainStart + plan.runSec * 1000;
    log(`continuing the learning-rate schedule of the saved model: ${plan.runSec !== undefined ? `${Math.round(plan.runSec)} s` : 'its steps'} to its end`);
  }
  // Automatic threads on wasm: chosen from measured step times, re-checked every few minutes.
  const cores = os.cpus().length;
  let chooser = backend.name === 'wasm' && o.threads === undefined && cores >= 2
    ? new ThreadChooser({ candidates: [1, cores], initial: backend.threads })
    : undefined;
  /** Runs the next step with the thread count the chooser asks for (re-creating the backend). */
  const chooseThreads = async (stepMs: number) => {
    if (!chooser) return;
    chooser.record(backend.threads, stepMs);
    const d = chooser.takeDecision();
    if (d) log(`wasm threads: ${d.reason}`);
    const want = chooser.next();
    if (want === backend.threads) return;
    const before = backend.threads;
    try {
      backend = await setWasmThreads(want);
    } catch (e) {
      chooser = undefined;
      log(`wasm threads: switching to ${want} failed (${(e as Error).message}); staying with the backend as it is`);
      backend = await initBackend(cfg.backend, { threads: before });
      return;
    }
    if (backend.threads !== want) {
      chooser = undefined;
      log(`wasm threads: asked for ${want}, the backend runs ${backend.threads}: no more switching`);
    }
  };

  const elapsed = () => (now() - trainStart - pausedMs) / 1000;
  const charsSeen = () => charsOffset + step * batch * steps;
  const snapshotPoints = [...(o.snapshots?.atSec ?? [])].sort((a, b) => a - b);
  /** Hands the weights to o.snapshots for every point reached (all remaining ones when `final`). */
  const snapshot = (final: boolean) => {
    const runSec = () => (now() - t0 - pausedMs) / 1000;
    while (snapshotPoints.length && (final || runSec() >= snapshotPoints[0])) {
      const t = now();
      o.snapshots!.take({ atSec: snapshotPoints.shift()!, elapsedSec: runSec(), step: stepOffset + step, charsSeen: charsSeen(), weights: model.getWeights() });
      const took = now() - t;
      pausedMs += took;
      deadline += took;
    }
  };
  /** Writes the best weights so far with the whole history; announces it when the weights changed. */
  const save = (weights: NamedWeights | undefined, improved: boolean) => {
    const stage: CheckpointMeta['stage'] = weights ? 'lstm' : 'ngram';
    if (!weights && keep) {
      log(`${o.checkpointDir} holds ${keep}: it keeps serving until this run's first LSTM checkpoint replaces it`);
      return;
    }
    saveCheckpoint(
      o.checkpointDir,
      {
        stage,
        ...counts.meta(),
        config: { ...cfg, batchSize: batch },
        vocab: vocab.toJSON(),
        history,
        corpus: fp,
        backend: backend.name,
        createdAt,
        updatedAt: new Date(now()).toISOString(),
        bestValLoss: Number.isFinite(bestValLoss) ? bestValLoss : null,
        schedule,
        step: stepOffset + step,
        epoch: epochOffset + epoch,
      },
      weights ?? [],
      counts.extras(),
    );
    counts.saved(o.checkpointDir);
    savedStep = step;
    checkpointPath = o.checkpointDir;
    const valLoss = Number.isFinite(bestValLoss) ? bestValLoss : counts.mixtureBitsPerChar;
    if (improved) emit({ type: 'checkpoint', path: o.checkpointDir, ...(valLoss !== undefined ? { valLoss } : {}), step: stepOffset + step });
  };
  const progress = (valLoss?: number) => {
    const secs = elapsed();
    const cps = (step * batch * steps) / Math.max(secs, 1e-3);
    const stepsPerSec = step / Math.max(secs, 1e-3);
    const etaSteps = totalSteps > 0 ? (totalSteps - step) / Math.max(stepsPerSec, 1e-9) : Infinity;
    const etaTime = Number.isFinite(deadline) ? Math.max(0, (deadline - now()) / 1000) : Infinity;
    const eta = Math.min(etaSteps, etaTime);
    const point: HistoryPoint = {
      step: stepOffset + step,
      epoch: epochOffset + epoch,
      charsSeen: charsSeen(),
      loss: smooth,
      time: timeOffset + secs,
      lr: lastLr,
    };
    if (valLoss !== undefined) point.valLoss = valLoss;
    history.push(point);
    // Bounded: the older half thinned whenever the history outgrows MAX_HISTORY_POINTS.
    if (history.length > MAX_HISTORY_POINTS) history = thinHistory(history);
    emit({
      type: 'progress',
      step: stepOffset + step,
      epoch: epochOffset + epoch,
      totalSteps: totalSteps > 0 ? stepOffset + totalSteps : 0,
      loss: smooth,
      ...(valLoss !== undefined ? { valLoss } : {}),
      charsPerSec: cps,
      etaSec: Number.isFinite(eta) ? eta : -1,
      elapsedSec: secs,
      charsSeen: charsSeen(),
    });
    lastProgress = now();
  };
  const validate = async (): Promise<number | undefined> => {
    if (!valStream) return undefined;
    model.resetEvalState();
    let sum = 0;
    for (let k = 0; k < valStream.batchesPerEpoch; k++) {
      const { x, y } = valStream.batch(k);
      sum += await model.evalLoss(x, y, valBatch, steps);
    }
    return sum / valStream.batchesPerEpoch / LN2;
  };
  /** Validates, saves when better (or always without validation text), samples. Returns true to stop early. */
  const checkpointStep = async (): Promise<boolean> => {
    const valLoss = await validate();
    progress(valLoss);
    const improved = valLoss === undefined || valLoss < bestValLoss || !bestWeights;
    if (improved) {
      if (valLoss !== undefined && valLoss < bestValLoss) bestValLoss = valLoss;
      sinceBest = 0;
      bestWeights = model.getWeights();
      bestUnmixed = true;
      if (counts.refitDue(valLoss) && (await counts.fit(bestWeights, stepOffset + step, stopAsked))) {
        bestUnmixed = false;
        noteMixLoss();
      }
    } else {
      sinceBest++;
    }
    save(bestWeights!, improved);
    if (o.samples !== false) {
      const text = sampleFromWeights(model.getWeights(), vocab, cfg, { prime: '', length: 200, temperature: 0.8, rng });
      emit({ type: 'sample', text, step: stepOffset + step });
    }
    return cfg.patience > 0 && sinceBest >= cfg.patience;
  };

  let bestUnmixed = false;
  /** Records the mixture's held-out bits/char on the latest history point (the panel's chart). */
  const noteMixLoss = () => {
    const last = history[history.length - 1];
    const mix = counts.mixtureBitsPerChar;
    if (last && mix !== undefined) last.mixLoss = mix;
  };
  // The first checkpoint: the n-gram stage (or the resumed LSTM, mixed anew).
  save(bestWeights, true);
  // Where the LSTM starts, and how well its starting weights know this workspace.
  if (origin.from !== 'scratch' && !stopAsked()) {
    const before = await validate();
    if (before !== undefined) origin = { ...origin, valBits: before, note: `${origin.note}; ${fmt(before)} bits/char on this workspace's validation text before the first step` };
  }
  emit(origin);
  log(origin.note);

  let reason: DoneReason = 'completed';
  try {
    outer: for (epoch = 0; cfg.epochs === 0 || epoch < cfg.epochs; epoch++) {
      model.resetState();
      for (let k = 0; k < perEpoch; k++) {
        const waited = o.pause ? await o.pause.wait(o.signal) : 0;
        pausedMs += waited;
        deadline += waited;
        if (o.signal?.aborted) {
          reason = 'stopped';
          break outer;
        }
        snapshot(false);
        if (now() >= deadline) {
          reason = 'time-limit';
          break outer;
        }
        const { x, y } = stream.batch(k);
        lastLr = learningRateAt(schedule, stepOffset + step, timeOffset + elapsed());
        model.setLearningRate(lastLr);
        const stepStart = now();
        const nats = await model.trainStep(x, y, batch, steps);
        const stepMs = now() - stepStart;
        step++;
        const bits = nats / LN2;
        if (!Number.isFinite(bits) || (step > 50 && bits > 3 * firstLoss)) {
          reason = 'diverged';
          log(`the loss ${Number.isFinite(bits) ? `blew up to ${fmt(bits)}` : 'became NaN'}: stopping; lower the learning rate or gradient clip`);
          break outer;
        }
        if (Number.isNaN(firstLoss)) firstLoss = bits;
        smooth = Number.isNaN(smooth) ? bits : 0.95 * smooth + 0.05 * bits;
        if (step % cfg.evalEvery === 0) {
          if (await checkpointStep()) {
            reason = 'early-stop';
            break outer;
          }
        } else if (now() - lastProgress >= PROGRESS_EVERY_MS) {
          progress();
        }
        await chooseThreads(stepMs);
        // Let IPC messages (stop) in between steps.
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    if (cfg.epochs > 0 && epoch >= cfg.epochs) epoch = cfg.epochs;
    snapshot(true);
    // Final validation unless the last step already did one; keeps the best weights.
    if (reason !== 'diverged' && step > 0 && savedStep !== step && step % cfg.evalEvery !== 0) {
      await checkpointStep();
    }
    // The mixer and threshold for the best LSTM (skipped on a stop request: it asks to exit now).
    if (bestUnmixed && bestWeights && reason !== 'stopped' && !o.signal?.aborted) {
      if (await counts.fit(bestWeights, stepOffset + step, stopAsked)) {
        noteMixLoss();
        save(bestWeights, false);
      }
    }
  } finally {
    model.dispose();
  }
  if (!checkpointPath && keep) log(`nothing was saved: ${o.checkpointDir} still holds ${keep}, unchanged`);
  const done: DoneEvent = {
    type: 'done',
    reason,
    ...(Number.isFinite(bestValLoss) ? { bestValLoss } : {}),
    ...(checkpointPath ? { checkpointPath } : {}),
  };
  emit(done);
  return done;
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
