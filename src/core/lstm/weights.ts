/**
 * The weight layout shared by the training engine, the checkpoint format and the inference engine.
 *
 * Gate order and shapes follow Keras / tf.layers.lstm, so a reference model can take the same
 * weights: for layer l (input width `in` = vocabSize for l = 0, lstmSize above):
 *   `lstm_l/kernel`           [in, 4H]   input projection, columns grouped by gate (./lstmGates.ts)
 *   `lstm_l/recurrent_kernel` [H, 4H]    recurrent projection, same column groups
 *   `lstm_l/bias`             [4H]       forget-gate slice initialised to FORGET_BIAS_INIT
 *   `dense/kernel`            [H, V]
 *   `dense/bias`              [V]
 * Equations: i = σ(x·Wi + h·Ui + bi), f = σ(…), g = tanh(…), o = σ(…),
 *            c' = f∘c + i∘g, h' = o∘tanh(c'). Layer 0's input x is one-hot over the vocabulary.
 * All matrices are row-major Float32Array. Code finds a weight by its name (`lstmWeightNames`,
 * `DENSE_WEIGHT_NAMES`), never by its position in a list.
 */
import { gateColumns } from './lstmGates';

export interface NamedWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

export type NamedWeights = NamedWeight[];

/** The names of LSTM layer `layer`'s weights. */
export function lstmWeightNames(layer: number): { kernel: string; recurrentKernel: string; bias: string } {
  return { kernel: `lstm_${layer}/kernel`, recurrentKernel: `lstm_${layer}/recurrent_kernel`, bias: `lstm_${layer}/bias` };
}

/** The names of the output layer's weights. */
export const DENSE_WEIGHT_NAMES = { kernel: 'dense/kernel', bias: 'dense/bias' } as const;

/** Every weight name of a model with `numLayers` LSTM layers, in checkpoint order. */
export function weightNames(numLayers: number): string[] {
  return [...expectedShapes(1, 1, numLayers).keys()];
}

export function expectedShapes(vocabSize: number, lstmSize: number, numLayers: number): Map<string, number[]> {
  const H = lstmSize;
  const G = gateColumns(H);
  const shapes = new Map<string, number[]>();
  for (let l = 0; l < numLayers; l++) {
    const names = lstmWeightNames(l);
    shapes.set(names.kernel, [l === 0 ? vocabSize : H, G]);
    shapes.set(names.recurrentKernel, [H, G]);
    shapes.set(names.bias, [G]);
  }
  shapes.set(DENSE_WEIGHT_NAMES.kernel, [H, vocabSize]);
  shapes.set(DENSE_WEIGHT_NAMES.bias, [vocabSize]);
  return shapes;
}

/** Parameter count of a CharRNN of this shape. */
export function parameterCount(vocabSize: number, lstmSize: number, numLayers: number): number {
  let n = 0;
  for (const shape of expectedShapes(vocabSize, lstmSize, numLayers).values()) {
    n += shape.reduce((a, b) => a * b, 1);
  }
  return n;
}

/** Throws a readable error when `weights` do not have exactly the expected names and shapes. */
export function checkWeights(weights: NamedWeights, vocabSize: number, lstmSize: number, numLayers: number): void {
  const expected = expectedShapes(vocabSize, lstmSize, numLayers);
  const seen = new Set<string>();
  for (const w of weights) {
    const shape = expected.get(w.name);
    if (!shape) throw new Error(`unexpected weight "${w.name}"`);
    if (shape.join('x') !== w.shape.join('x')) {
      throw new Error(`weight "${w.name}" has shape [${w.shape}] but the model needs [${shape}]`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (w.data.length !== size) throw new Error(`weight "${w.name}" has ${w.data.length} values, expected ${size}`);
    seen.add(w.name);
  }
  for (const name of expected.keys()) {
    if (!seen.has(name)) throw new Error(`missing weight "${name}"`);
  }
}

export function weightMap(weights: NamedWeights): Map<string, NamedWeight> {
  return new Map(weights.map((w) => [w.name, w]));
}
