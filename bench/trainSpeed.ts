/**
 * Training speed of the engine on random data (the benchmark's speed section, `charrnn bench --speed`): characters per second of
 * full optimizer steps (forward, BPTT, clipping, Adam) on the current backend, after a warm-up.
 */
import { makeRng } from '../src/core/util/random';
import { createCharRnn } from '../src/core/lstm/engine/charRnn';

/** One training-speed measurement: model shape, batch layout, warm-up and timed steps. */
export interface SpeedSetup {
  lstmSize: number;
  numLayers: number;
  batch: number;
  steps: number;
  vocabSize: number;
  warmup: number;
  iters: number;
}

export async function measureTrainSpeed(o: SpeedSetup): Promise<{ charsPerSec: number; msPerStep: number[] }> {
  const { batch, steps, vocabSize } = o;
  const model = createCharRnn({
    vocabSize,
    lstmSize: o.lstmSize,
    numLayers: o.numLayers,
    dropout: 0,
    learningRate: 0.002,
    gradClip: 5,
    seed: 1,
  });
  const rng = makeRng(7);
  const n = batch * steps;
  const x = new Int32Array(n);
  const y = new Int32Array(n);
  const fill = () => {
    for (let k = 0; k < n; k++) {
      x[k] = Math.floor(rng() * vocabSize);
      y[k] = Math.floor(rng() * vocabSize);
    }
  };
  try {
    for (let k = 0; k < o.warmup; k++) {
      fill();
      await model.trainStep(x, y, batch, steps);
    }
    const msPerStep: number[] = [];
    for (let k = 0; k < o.iters; k++) {
      fill();
      const t0 = performance.now();
      await model.trainStep(x, y, batch, steps);
      msPerStep.push(performance.now() - t0);
    }
    const sorted = [...msPerStep].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    return { charsPerSec: median > 0 ? (n * 1000) / median : 0, msPerStep };
  } finally {
    model.dispose();
  }
}
