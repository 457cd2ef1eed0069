/**
 * The LSTM gate layout, defined once for training (engine/fusedLstm.ts), inference
 * (lstmModel.ts), initialisation (engine/charRnn.ts) and the weight shapes (weights.ts).
 *
 * Keras / tf.layers.lstm order: the 4H columns of every LSTM kernel, recurrent kernel and bias,
 * and of every row of gate values, are grouped by gate i | f | g | o, H columns each:
 *     i = σ(z_i)   f = σ(z_f)   g = tanh(z_g)   o = σ(z_o)      c' = f∘c + i∘g   h' = o∘tanh(c')
 * (input gate, forget gate, cell candidate, output gate). Checkpoints store this order, so a
 * change here is a change of the file format.
 */

export const GATE_ORDER = ['i', 'f', 'g', 'o'] as const;

export type Gate = (typeof GATE_ORDER)[number];

/** The forget gate's bias starts at 1 (remember by default); every other bias at 0. */
export const FORGET_BIAS_INIT = 1;

/** Gate columns of a layer of `units` units: 4H. */
export function gateColumns(units: number): number {
  return GATE_ORDER.length * units;
}

/** The first column of `gate` in a row of 4H gate values. */
export function gateOffset(gate: Gate, units: number): number {
  return GATE_ORDER.indexOf(gate) * units;
}

/** The first column of every gate, for the loops: `const { i, f, g, o } = gateOffsets(H)`. */
export function gateOffsets(units: number): Readonly<Record<Gate, number>> {
  return { i: gateOffset('i', units), f: gateOffset('f', units), g: gateOffset('g', units), o: gateOffset('o', units) };
}
