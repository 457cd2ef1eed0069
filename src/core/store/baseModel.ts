/**
 * The pretrained base CharRNN shipped in the extension (media/base): its loader, and the mapping of
 * its weights onto a workspace's vocabulary, where fine-tuning starts.
 *
 *   media/base/base.json    format "charrnn-base", config {lstmSize, numLayers}, vocab (the fixed
 *                           vocabulary of ../text/baseVocab.ts), weights manifest, pretraining record
 *   media/base/weights.bin  float32 little-endian, in manifest order (the layout of ../lstm/weights.ts)
 * Written by pretrain/train.py; its model card is media/base/MODEL_CARD.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Vocab, UNKNOWN } from '../text/vocab';
import { checkWeights, expectedShapes, DENSE_WEIGHT_NAMES, lstmWeightNames, type NamedWeights } from '../lstm/weights';

export const BASE_FORMAT = 'charrnn-base';
export const BASE_META_FILE = 'base.json';
export const BASE_WEIGHTS_FILE = 'weights.bin';
/** base.json larger than this is refused (it holds a manifest and a pretraining record). */
const MAX_BASE_META_BYTES = 1 << 20;

export interface BaseMeta {
  format: string;
  formatVersion: number;
  name: string;
  config: { lstmSize: number; numLayers: number };
  vocab: { chars: string[] };
  weights: { name: string; shape: number[] }[];
  pretraining: {
    heldoutBits?: Record<string, number>;
    run?: { elapsed: number; steps: number; chars: number };
    [k: string]: unknown;
  };
}

export interface BaseModel {
  dir: string;
  meta: BaseMeta;
  vocab: Vocab;
  lstmSize: number;
  numLayers: number;
  weights: NamedWeights;
}

export class BaseModelError extends Error {
  constructor(dir: string, reason: string) {
    super(`cannot load the base model in ${dir}: ${reason}`);
    this.name = 'BaseModelError';
  }
}

/**
 * The shipped base model's folder: media/base next to the bundle (dist/ in the .vsix and for
 * `node dist/cli.js`) or the repository's (tests run from out/src/core/store). Undefined when absent.
 */
export function defaultBaseDir(from: string = __dirname): string | undefined {
  for (let dir = from, i = 0; i < 5; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'media', 'base');
    if (fs.existsSync(path.join(candidate, BASE_META_FILE))) return candidate;
  }
  return undefined;
}

function isPositiveInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x > 0 && x <= 1 << 16;
}

/** Loads and checks the base model in `dir`; throws BaseModelError with a one-line reason. */
export function loadBaseModel(dir: string): BaseModel {
  const fail = (reason: string): never => {
    throw new BaseModelError(dir, reason);
  };
  const metaPath = path.join(dir, BASE_META_FILE);
  const weightsPath = path.join(dir, BASE_WEIGHTS_FILE);
  let metaStat: fs.Stats;
  try {
    metaStat = fs.statSync(metaPath);
  } catch {
    return fail(`no ${BASE_META_FILE}`);
  }
  if (!metaStat.isFile() || metaStat.size > MAX_BASE_META_BYTES) fail(`${BASE_META_FILE} is not a small regular file`);
  let meta: BaseMeta;
  try {
    meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as BaseMeta;
  } catch (e) {
    return fail(`${BASE_META_FILE} is not JSON (${(e as Error).message})`);
  }
  if (typeof meta !== 'object' || meta === null || meta.format !== BASE_FORMAT || meta.formatVersion !== 1) fail(`${BASE_META_FILE} is not a ${BASE_FORMAT} of version 1`);
  const { lstmSize, numLayers } = meta.config ?? ({} as BaseMeta['config']);
  if (!isPositiveInt(lstmSize) || !isPositiveInt(numLayers) || numLayers > 16) fail('its config has no valid lstmSize/numLayers');
  let vocab: Vocab;
  try {
    vocab = Vocab.fromJSON(meta.vocab);
  } catch (e) {
    return fail((e as Error).message);
  }
  if (!Array.isArray(meta.weights)) fail('no weights manifest');
  const expected = expectedShapes(vocab.size, lstmSize, numLayers);
  const total = [...expected.values()].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
  let size: number;
  try {
    const st = fs.statSync(weightsPath);
    if (!st.isFile()) fail(`${BASE_WEIGHTS_FILE} is not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof BaseModelError) throw e;
    return fail(`no ${BASE_WEIGHTS_FILE}`);
  }
  if (size !== total * 4) fail(`${BASE_WEIGHTS_FILE} has ${size} bytes, the manifest needs ${total * 4}`);
  const buf = fs.readFileSync(weightsPath);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const weights: NamedWeights = [];
  let at = 0;
  for (const w of meta.weights) {
    const shape = expected.get(w?.name);
    if (!shape || !Array.isArray(w.shape) || shape.join('x') !== w.shape.join('x')) fail(`unexpected weight ${JSON.stringify(w?.name)} in the manifest`);
    const n = shape!.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++, at += 4) {
      const v = view.getFloat32(at, true);
      if (!Number.isFinite(v)) fail(`weight ${w.name} holds a value that is not finite`);
      data[i] = v;
    }
    weights.push({ name: w.name, shape: [...shape!], data });
  }
  try {
    checkWeights(weights, vocab.size, lstmSize, numLayers);
  } catch (e) {
    return fail((e as Error).message);
  }
  return { dir, meta, vocab, lstmSize, numLayers, weights };
}

/**
 * The base's weights for a model over `vocab` (a workspace's vocabulary, which holds every base
 * character and maybe others): the same function on the characters both know. A character the base
 * does not know was the unknown symbol to it: its input row is the unknown symbol's, and the
 * unknown symbol's output probability is shared equally among it, the other such characters and the
 * unknown symbol itself (so the base's distribution over its own characters is unchanged).
 */
export function weightsFromBase(base: BaseModel, vocab: Vocab): NamedWeights {
  const byName = new Map(base.weights.map((w) => [w.name, w]));
  const H = base.lstmSize;
  const G = 4 * H;
  const V = vocab.size;
  const source = vocab.chars.map((c) => base.vocab.id(c));
  const sharing = 1 + vocab.chars.filter((c) => c !== UNKNOWN && !base.vocab.has(c)).length;
  const out: NamedWeights = [];
  for (const w of base.weights) {
    if (w.name === lstmWeightNames(0).kernel) {
      const data = new Float32Array(V * G);
      for (let r = 0; r < V; r++) data.set(w.data.subarray(source[r] * G, source[r] * G + G), r * G);
      out.push({ name: w.name, shape: [V, G], data });
    } else if (w.name === DENSE_WEIGHT_NAMES.kernel) {
      const Vb = base.vocab.size;
      const data = new Float32Array(H * V);
      for (let h = 0; h < H; h++) for (let j = 0; j < V; j++) data[h * V + j] = w.data[h * Vb + source[j]];
      out.push({ name: w.name, shape: [H, V], data });
    } else if (w.name === DENSE_WEIGHT_NAMES.bias) {
      const shared = Math.log(sharing);
      const data = Float32Array.from(source, (s) => w.data[s] - (s === 0 ? shared : 0));
      out.push({ name: w.name, shape: [V], data });
    } else {
      out.push({ name: w.name, shape: [...w.shape], data: Float32Array.from(byName.get(w.name)!.data) });
    }
  }
  return out;
}
