/**
 * The weight layout shared by the training engine, the checkpoint format and the inference engine.
 *
 * Gate order and shapes follow Keras / tf.layers.lstm, so a reference model can take the same
 * weights: for layer l (input width `in` = vocabSize for l = 0, lstmSize above):
 *   `lstm_l/kernel`           [in, 4H]   input projection, columns grouped i | f | g | o
 *   `lstm_l/recurrent_kernel` [H, 4H]    recurrent projection, same column groups
 *   `lstm_l/bias`             [4H]       forget-gate slice initialised to 1
 *   `dense/kernel`            [H, V]
 *   `dense/bias`              [V]
 * Equations: i = σ(x·Wi + h·Ui + bi), f = σ(…), g = tanh(…), o = σ(…),
 *            c' = f∘c + i∘g, h' = o∘tanh(c'). Layer 0's input x is one-hot over the vocabulary.
 * All matrices are row-major Float32Array.
 */

export interface NamedWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

export type NamedWeights = NamedWeight[];

export function weightNames(numLayers: number): string[] {
  const names: string[] = [];
  for (let l = 0; l < numLayers; l++) {
    names.push(`lstm_${l}/kernel`, `lstm_${l}/recurrent_kernel`, `lstm_${l}/bias`);
  }
  names.push('dense/kernel', 'dense/bias');
  return names;
}

export function expectedShapes(vocabSize: number, lstmSize: number, numLayers: number): Map<string, number[]> {
  const H = lstmSize;
  const shapes = new Map<string, number[]>();
  for (let l = 0; l < numLayers; l++) {
    const inSize = l === 0 ? vocabSize : H;
    shapes.set(`lstm_${l}/kernel`, [inSize, 4 * H]);
    shapes.set(`lstm_${l}/recurrent_kernel`, [H, 4 * H]);
    shapes.set(`lstm_${l}/bias`, [4 * H]);
  }
  shapes.set('dense/kernel', [H, vocabSize]);
  shapes.set('dense/bias', [vocabSize]);
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
