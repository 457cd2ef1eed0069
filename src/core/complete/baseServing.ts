/**
 * The base model serving on its own, before any training on the workspace: the base CharRNN and
 * the open document's cache, mixed by a mixer fitted at pretraining time, with a show/abstain
 * threshold calibrated then (media/base/serving.json, written by `npm run pretrain:serving` on the
 * pretraining corpus's held-out files of every language).
 */
import * as fs from 'fs';
import * as path from 'path';
import { SETTINGS } from '../contracts/config';
import { loadBaseModel, BaseModelError, type BaseModel } from '../store/baseModel';
import { Completer } from './completer';
import { IdentifierIndex } from './candidates';
import { LstmModel } from '../lstm/lstmModel';
import type { EngineKind } from '../lstm/matMulEngine';
import { calibrateSteps, CONTINUATION_POSITIONS, CONTINUATION_TARGET } from './calibrate';
import { collectSamplesSteps, FIT_SEGMENT, fitMixtureSteps } from '../lm/fit';
import type { Calibration } from '../contracts/calibration';
import { checkMixerJson, FittedMixer, type MixerJson, type MixerLayout } from '../lm/mixer';
import { MixtureModel } from '../lm/mixture';
import type { Steps } from '../util/steps';

export const SERVING_FILE = 'serving.json';
const MAX_SERVING_BYTES = 4 << 20;
/** Held-out characters the serving mixer is fitted on, and calibration positions. */
export const SERVING_FIT_CHARS = 200_000;
export const SERVING_POSITIONS = 2000;
/** The base alone promises this precision (the trained mixture's TARGET_PRECISION is 0.9). */
export const SERVING_TARGET = 0.9;
/**
 * The serving mixer's buckets (mixer.ts, MixerLayout): with no n-gram, the cache is the only
 * expert that copies the document, and how sure it is decides whether an identifier seen before
 * is completed: 'cache-doubt' tells its degrees of sureness above 0.9 apart ('orders' did not, and
 * a better base LSTM then took weight from the cache exactly where the cache was sure).
 */
export const SERVING_LAYOUT: MixerLayout = 'cache-doubt';

export interface BaseServing {
  /** Which weights it was fitted with (base.json's pretraining run: steps). */
  fittedFor: { steps: number };
  mixer: MixerJson;
  calibration: Calibration;
}

/** Fits the mixer (base LSTM + document cache) and the threshold on held-out documents. */
export function* fitBaseServingSteps(base: BaseModel, lstm: LstmModel, docs: readonly { relPath: string; text: string }[]): Steps<BaseServing> {
  const vocab = base.vocab;
  const samples = yield* collectSamplesSteps({
    vocabSize: vocab.size, lstm, docs: docs.map((d) => vocab.encode(d.text)), maxChars: SERVING_FIT_CHARS, segment: FIT_SEGMENT,
    layout: SERVING_LAYOUT, chars: vocab.chars,
  });
  const mixer = yield* fitMixtureSteps(samples);
  const completer = new Completer(new MixtureModel({ vocab, lstm, mixer: new FittedMixer(mixer) }), vocab) as Completer<unknown>;
  const calibration = yield* calibrateSteps(completer, docs, {
    positions: SERVING_POSITIONS, target: SERVING_TARGET, fallback: SETTINGS['completion.minConfidence'].default,
    continuation: { target: CONTINUATION_TARGET, positions: CONTINUATION_POSITIONS },
  });
  return { fittedFor: { steps: base.meta.pretraining.run?.steps ?? 0 }, mixer, calibration };
}

/** Reads media/base/serving.json; throws BaseModelError when it is missing, damaged or for other weights. */
export function readServing(base: BaseModel): BaseServing {
  const file = path.join(base.dir, SERVING_FILE);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new BaseModelError(base.dir, `no ${SERVING_FILE} (run npm run pretrain:serving)`);
  }
  if (!st.isFile() || st.size > MAX_SERVING_BYTES) throw new BaseModelError(base.dir, `${SERVING_FILE} is not a small regular file`);
  let s: BaseServing;
  try {
    s = JSON.parse(fs.readFileSync(file, 'utf8')) as BaseServing;
    checkMixerJson(s.mixer);
  } catch (e) {
    throw new BaseModelError(base.dir, `${SERVING_FILE}: ${(e as Error).message}`);
  }
  const c = s.calibration;
  if (!c || typeof c.minConfidence !== 'number' || !(c.minConfidence >= 0 && c.minConfidence <= 1)) throw new BaseModelError(base.dir, `${SERVING_FILE} has no valid threshold`);
  if (s.fittedFor?.steps !== (base.meta.pretraining.run?.steps ?? 0)) throw new BaseModelError(base.dir, `${SERVING_FILE} was fitted for other weights (run npm run pretrain:serving)`);
  return s;
}

export interface BaseCompleter {
  base: BaseModel;
  completer: Completer<unknown>;
  model: MixtureModel<unknown>;
  lstm: LstmModel;
  minConfidence: number;
  engine: string;
}

/** The base model and the document cache, ready to complete (throws BaseModelError). */
export async function loadBaseCompleter(dir: string, engine: EngineKind = 'auto', log?: (m: string) => void): Promise<BaseCompleter> {
  const base = loadBaseModel(dir);
  const serving = readServing(base);
  const lstm = await LstmModel.create({ vocabSize: base.vocab.size, lstmSize: base.lstmSize, numLayers: base.numLayers }, base.weights, engine, log);
  const model = new MixtureModel<unknown>({ vocab: base.vocab, lstm: lstm as MixtureModel<unknown>['lstm'], mixer: new FittedMixer(serving.mixer) });
  const completer = new Completer(model, base.vocab) as Completer<unknown>;
  completer.identifiers = new IdentifierIndex([]);
  completer.minConfidence = serving.calibration.minConfidence;
  completer.continuationMinConfidence = serving.calibration.continuation?.minConfidence;
  return { base, completer, model, lstm, minConfidence: serving.calibration.minConfidence, engine: lstm.engine.name };
}
