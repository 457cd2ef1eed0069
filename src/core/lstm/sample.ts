/**
 * Classic CharRNN sampling (char-rnn's sample.lua, Anna KaRNNa's `sample`): read a prime text,
 * then draw one character at a time from the softmax at a temperature, feeding each back in.
 * Used by the trainer (sample events) and the CLI `sample` command (which the panel runs).
 */
import type { ModelConfig } from '../contracts/config';
import type { Rng } from '../util/random';
import type { Vocab } from '../text/vocab';
import type { NamedWeights } from './weights';
import type { CharModel } from '../contracts/charModel';
import { LstmModel } from './lstmModel';
import { jsMatMul } from './matMulEngine';

export interface SampleOptions {
  prime: string;
  length: number;
  temperature: number;
  rng: Rng;
}

/**
 * Samples straight from a set of weights (the trainer after each validation, `charrnn sample`):
 * the inference model on plain JS products, synchronous, and independent of whatever tfjs
 * backend the caller trains on. Returns the `length` generated characters (without the prime).
 */
export function sampleFromWeights(weights: NamedWeights, vocab: Vocab, config: ModelConfig, o: SampleOptions): string {
  const model = LstmModel.fromWeights({ vocabSize: vocab.size, lstmSize: config.lstmSize, numLayers: config.numLayers }, weights, jsMatMul());
  return sampleText(model, vocab, o.prime, o.length, o.temperature, o.rng).slice(o.prime.length);
}

/**
 * Returns `prime` followed by `length` sampled characters. An empty prime starts from a line
 * break (read, not returned). `temperature` ≤ 0 picks the most probable character (greedy);
 * 1 samples the model's distribution; lower is more conservative. The unknown symbol (id 0) is
 * never produced. `rng` returns uniform numbers in [0, 1).
 */
export function sampleText<S>(model: CharModel<S>, vocab: Vocab, prime: string, length: number, temperature: number, rng: () => number): string {
  if (model.vocabSize !== vocab.size) throw new Error(`model has ${model.vocabSize} classes but the vocabulary ${vocab.size}`);
  let state = model.initialState();
  const seed = vocab.encode(prime.length > 0 ? prime : '\n');
  const reader = model as Partial<{ readSequence(s: S, ids: ArrayLike<number>): { state: S } }>;
  if (reader.readSequence) state = reader.readSequence(state, seed).state;
  else for (const id of seed) state = model.advance([state], [id])[0];
  let out = prime;
  const V = model.vocabSize;
  const p = new Float64Array(V);
  for (let n = 0; n < length; n++) {
    const lp = model.logProbs([state])[0];
    const id = pick(lp, temperature, rng, p);
    if (id < 0) break;
    out += vocab.chars[id];
    state = model.advance([state], [id])[0];
  }
  return out;
}

/** Draws an id ≥ 1 from log-probabilities at a temperature; -1 when nothing is possible. */
export function pick(lp: Float32Array, temperature: number, rng: () => number, scratch = new Float64Array(lp.length)): number {
  const V = lp.length;
  if (!(temperature > 0)) {
    let best = -1;
    for (let v = 1; v < V; v++) if (best < 0 || lp[v] > lp[best]) best = v;
    return best;
  }
  let max = -Infinity;
  for (let v = 1; v < V; v++) if (lp[v] > max) max = lp[v];
  if (max === -Infinity) return -1;
  let sum = 0;
  scratch[0] = 0;
  for (let v = 1; v < V; v++) {
    scratch[v] = Math.exp((lp[v] - max) / temperature);
    sum += scratch[v];
  }
  let r = rng() * sum;
  for (let v = 1; v < V; v++) {
    r -= scratch[v];
    if (r < 0) return v;
  }
  // Rounding: the last possible id.
  for (let v = V - 1; v >= 1; v--) if (scratch[v] > 0) return v;
  return -1;
}
