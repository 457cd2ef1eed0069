/**
 * Random CharRNN weights in the shared layout (src/core/lstm/weights.ts), for tests and benchmarks
 * of the inference engine (no training needed). Uniform in [-scale, scale), seeded.
 */
import { makeRng, uniform } from '../src/core/util/random';
import { expectedShapes, type NamedWeights } from '../src/core/lstm/weights';
import type { LstmShape } from '../src/core/lstm/lstmModel';

export function randomWeights(shape: LstmShape, seed = 1, scale = 0.08): NamedWeights {
  const rng = makeRng(seed);
  const out: NamedWeights = [];
  for (const [name, dims] of expectedShapes(shape.vocabSize, shape.lstmSize, shape.numLayers)) {
    out.push({ name, shape: dims, data: uniform(rng, dims.reduce((x, y) => x * y, 1), scale) });
  }
  return out;
}
