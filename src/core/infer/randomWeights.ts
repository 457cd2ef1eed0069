/**
 * Random CharRNN weights in the shared layout (src/core/weights.ts), for tests and benchmarks
 * of the inference engine (no training needed). Uniform in [-scale, scale), seeded.
 */
import { expectedShapes, type NamedWeights } from '../weights';
import type { LstmShape } from './lstmModel';

export function randomWeights(shape: LstmShape, seed = 1, scale = 0.08): NamedWeights {
  let a = seed >>> 0 || 1;
  const rnd = () => {
    // mulberry32
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: NamedWeights = [];
  for (const [name, dims] of expectedShapes(shape.vocabSize, shape.lstmSize, shape.numLayers)) {
    const n = dims.reduce((x, y) => x * y, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (rnd() * 2 - 1) * scale;
    out.push({ name, shape: dims, data });
  }
  return out;
}
