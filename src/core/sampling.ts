/**
 * Sample text straight from a set of weights (the trainer after each validation, `charrnn sample`).
 * Uses the typed-array inference model on plain JS products: synchronous, and independent of
 * whatever tfjs backend the caller trains on.
 */
import type { ModelConfig } from './config';
import type { Vocab } from './vocab';
import type { NamedWeights } from './weights';
import { LstmModel } from './infer/lstmModel';
import { jsMatMul } from './infer/matMulEngine';
import { sampleText } from './infer/sample';
import type { Rng } from './random';

export interface SampleOptions {
  prime: string;
  length: number;
  temperature: number;
  rng: Rng;
}

/** Returns the `length` generated characters (without the prime). */
export function sampleFromWeights(weights: NamedWeights, vocab: Vocab, config: ModelConfig, o: SampleOptions): string {
  const model = LstmModel.fromWeights({ vocabSize: vocab.size, lstmSize: config.lstmSize, numLayers: config.numLayers }, weights, jsMatMul());
  return sampleText(model, vocab, o.prime, o.length, o.temperature, o.rng).slice(o.prime.length);
}
