/**
 * One LSTM layer over a whole sequence, forward and backward (BPTT) by hand.
 *
 * Shapes: B streams (batch), T time steps, H units, D input width, G = 4H gate columns in the
 * order of ../lstmGates.ts (i | f | g | o). Everything is time-major: row r = t·B + b. Weights (see ../weights.ts):
 * W [D, G], U [H, G], bias [G]. Layer 0's input is one-hot, so x_t·W is row `id` of W.
 *
 * Forward, for t = 0 … T-1 (σ = logistic sigmoid, ∘ = element-wise product):
 *     z_t = x_t·W + h_{t-1}·U + bias                  one matMul per step for h·U + bias; x·W for all t at once
 *     i = σ(z_i)   f = σ(z_f)   g = tanh(z_g)   o = σ(z_o)
 *     c_t = f ∘ c_{t-1} + i ∘ g
 *     h_t = o ∘ tanh(c_t)
 * Backward, given dY_t = ∂loss/∂h_t from above, for t = T-1 … 0 (dh, dc carried from t+1, zero at T):
 *     dh  = dY_t + dz_{t+1}·Uᵀ
 *     dc  = dc_{t+1} ∘ f_{t+1} + dh ∘ o ∘ (1 - tanh²(c_t))
 *     dz_i = dc ∘ g ∘ i(1-i)    dz_f = dc ∘ c_{t-1} ∘ f(1-f)    dz_g = dc ∘ i ∘ (1-g²)    dz_o = dh ∘ tanh(c_t) ∘ o(1-o)
 * and then, with all dz stacked as dZ [T·B, G]:
 *     dU = Hprevᵀ·dZ  (Hprev = h_{-1} … h_{T-2})    dW = Xᵀ·dZ  (layer 0: dW[id] += dz)
 *     dbias = Σ_rows dZ                              dX = dZ·Wᵀ  (the gradient for the layer below)
 * Truncated BPTT: the state carried in from the previous batch is a constant (no gradient).
 */
import * as tf from '@tensorflow/tfjs-core';
import { gateColumns, gateOffsets } from '../lstmGates';
import { sigmoid, tanh } from './fastMath';
import { matMul, transpose, upload } from './tfMatMul';

export interface LstmParams {
  /** [D, 4H] input projection. */
  W: Float32Array;
  /** [H, 4H] recurrent projection. */
  U: Float32Array;
  /** [4H] */
  bias: Float32Array;
}

/** The layer's input: character ids (layer 0, one-hot) or the layer below's output [T·B, D]. */
export type LstmInput = { ids: Int32Array } | { x: Float32Array };

/**
 * One layer's state carried from batch to batch (truncated BPTT): h and c of the last time step,
 * [B, H] each, mutable. (The inference model's immutable per-character state is infer's LstmState.)
 */
export interface CarriedState {
  h: Float32Array;
  c: Float32Array;
}

/**
 * Activations the forward pass keeps for the backward pass, and the work buffers of both passes,
 * for one layer and one (batch, steps) size; reused from call to call.
 */
export class LstmTape {
  /** [T·B, 4H] gate values after their nonlinearities: i, f, g, o. */
  readonly gates: Float32Array;
  /** [(T+1)·B, H]: block 0 = the carried-in c_{-1}, block t+1 = c_t. */
  readonly c: Float32Array;
  /** [(T+1)·B, H]: block 0 = the carried-in h_{-1}, block t+1 = h_t. */
  readonly h: Float32Array;
  /** [T·B, H] tanh(c_t). */
  readonly tanhC: Float32Array;
  /** Work: x·W for all steps [T·B, 4H] (not for one-hot input), h·U + bias of one step [B, 4H]. */
  readonly xW: Float32Array;
  readonly hU: Float32Array;
  /** Work for the backward pass: dZ [T·B, 4H], the carried dh and dc [B, H]. */
  readonly dZ: Float32Array;
  readonly dhNext: Float32Array;
  readonly dcNext: Float32Array;
  /** [Xᵀ; Hprevᵀ], [(D'+H), T·B] with D' = D, or 0 for one-hot input; and the product [(D'+H), 4H]. */
  readonly stackedT: Float32Array;
  readonly weightGrads: Float32Array;
  /** dX [T·B, D] (not for one-hot input). */
  readonly dX: Float32Array;

  constructor(
    readonly batch: number,
    readonly steps: number,
    readonly units: number,
    readonly inSize: number,
    readonly oneHotInput: boolean,
  ) {
    const n = batch * steps;
    const G = gateColumns(units);
    const D = oneHotInput ? 0 : inSize;
    this.gates = new Float32Array(n * G);
    this.c = new Float32Array((n + batch) * units);
    this.h = new Float32Array((n + batch) * units);
    this.tanhC = new Float32Array(n * units);
    this.xW = new Float32Array(D ? n * G : 0);
    this.hU = new Float32Array(batch * G);
    this.dZ = new Float32Array(n * G);
    this.dhNext = new Float32Array(batch * units);
    this.dcNext = new Float32Array(batch * units);
    this.stackedT = new Float32Array((D + units) * n);
    this.weightGrads = new Float32Array(D ? (D + units) * G : 0);
    this.dX = new Float32Array(n * D);
  }

  /** The layer's outputs h_0 … h_{T-1}, [T·B, H] (a view). */
  outputs(): Float32Array {
    return this.h.subarray(this.batch * this.units);
  }
}

/** Backend copies of one layer's weights for one optimizer step (dispose after the step). */
export class LstmTensors {
  readonly U: tf.Tensor2D;
  readonly bias: tf.Tensor1D;
  readonly W?: tf.Tensor2D;
  private UT?: tf.Tensor2D;
  private WT?: tf.Tensor2D;

  constructor(p: LstmParams, readonly inSize: number, readonly units: number, oneHotInput: boolean) {
    this.U = upload(p.U, units, gateColumns(units));
    this.bias = tf.tensor1d(tf.getBackend() === 'cpu' ? p.bias.slice() : p.bias);
    if (!oneHotInput) this.W = upload(p.W, inSize, gateColumns(units));
  }

  /** Uᵀ [4H, H] (transposed on the backend on first use: only the backward pass needs it). */
  get transposedU(): tf.Tensor2D {
    this.UT ??= tf.transpose(this.U);
    return this.UT;
  }

  /** Wᵀ [4H, D], for layers whose input is not one-hot. */
  get transposedW(): tf.Tensor2D {
    if (!this.W) throw new Error('LstmTensors: no input weights for one-hot input');
    this.WT ??= tf.transpose(this.W);
    return this.WT;
  }

  dispose(): void {
    for (const t of [this.U, this.bias, this.W, this.UT, this.WT]) t?.dispose();
  }
}

/**
 * Runs the layer over T steps from `state` (updated in place to the last step's h, c),
 * recording into `tape`. Returns the outputs h_0 … h_{T-1} ([T·B, H], a view into the tape).
 */
export function lstmForward(
  p: LstmParams,
  tensors: LstmTensors,
  input: LstmInput,
  state: CarriedState,
  tape: LstmTape,
): Float32Array {
  const { batch: B, steps: T, units: H } = tape;
  const G = gateColumns(H);
  const { i: I, f: F, g: Gc, o: O } = gateOffsets(H);
  const { gates, c: C, h: Hs, tanhC } = tape;
  Hs.set(state.h, 0);
  C.set(state.c, 0);

  // x_t·W for all t at once: a row gather for one-hot input, else one big matMul.
  let src: Float32Array;
  let ids: Int32Array | undefined;
  if ('ids' in input) {
    src = p.W;
    ids = input.ids;
  } else {
    if (!tensors.W) throw new Error('lstmForward: no input weights on the backend');
    src = matMul(input.x, T * B, tensors.inSize, tensors.W, tape.xW);
  }

  const r = tape.hU;
  for (let t = 0; t < T; t++) {
    // h_{t-1}·U + bias for all streams: [B, H]·[H, G] (the bias is fused into the product)
    matMul(Hs.subarray(t * B * H, (t + 1) * B * H), B, H, tensors.U, r, tensors.bias);
    for (let b = 0; b < B; b++) {
      const row = t * B + b;
      const zr = b * G; // row in r
      const xr = ids ? ids[row] * G : row * G; // row in W (one-hot) or in the projected inputs
      const gr = row * G; // row in gates
      // i, f, o = σ(z), g = tanh(z)
      for (let j = 0; j < H; j++) {
        gates[gr + I + j] = sigmoid(r[zr + I + j] + src[xr + I + j]);
        gates[gr + F + j] = sigmoid(r[zr + F + j] + src[xr + F + j]);
        gates[gr + Gc + j] = tanh(r[zr + Gc + j] + src[xr + Gc + j]);
        gates[gr + O + j] = sigmoid(r[zr + O + j] + src[xr + O + j]);
      }
      // c_t = f ∘ c_{t-1} + i ∘ g ; h_t = o ∘ tanh(c_t)
      const hr = row * H; // row of c_{t-1}/h_{t-1} in C/Hs; also row of tanhC
      const hn = hr + B * H; // row of c_t/h_t
      for (let j = 0; j < H; j++) {
        const c = gates[gr + F + j] * C[hr + j] + gates[gr + I + j] * gates[gr + Gc + j];
        const tc = tanh(c);
        C[hn + j] = c;
        tanhC[hr + j] = tc;
        Hs[hn + j] = gates[gr + O + j] * tc;
      }
    }
  }
  state.h.set(Hs.subarray(T * B * H));
  state.c.set(C.subarray(T * B * H));
  return tape.outputs();
}

/** Gradients of one layer, same shapes as LstmParams. */
export type LstmGrads = LstmParams;

/**
 * BPTT through the sequence recorded in `tape`. `dY` [T·B, H] = ∂loss/∂h_t from above.
 * Writes (overwrites) `grads`; returns dX [T·B, D] (a tape buffer) for a non-one-hot input.
 */
export function lstmBackward(
  tensors: LstmTensors,
  input: LstmInput,
  tape: LstmTape,
  dY: Float32Array,
  grads: LstmGrads,
): Float32Array | undefined {
  const { batch: B, steps: T, units: H } = tape;
  const G = gateColumns(H);
  const { i: I, f: F, g: Gc, o: O } = gateOffsets(H);
  const N = T * B;
  const { gates, c: C, tanhC, dZ, dhNext, dcNext } = tape;
  dhNext.fill(0); // dz_{t+1}·Uᵀ
  dcNext.fill(0); // dc_{t+1} ∘ f_{t+1}

  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      const row = t * B + b;
      const gr = row * G;
      const hr = row * H; // row of c_{t-1} in C; row of tanh(c_t) in tanhC; row of dY
      const sr = b * H; // row in dhNext/dcNext
      for (let j = 0; j < H; j++) {
        const i = gates[gr + I + j];
        const f = gates[gr + F + j];
        const g = gates[gr + Gc + j];
        const o = gates[gr + O + j];
        const tc = tanhC[hr + j];
        const dh = dY[hr + j] + dhNext[sr + j];
        const dc = dcNext[sr + j] + dh * o * (1 - tc * tc);
        dZ[gr + I + j] = dc * g * i * (1 - i);
        dZ[gr + F + j] = dc * C[hr + j] * f * (1 - f);
        dZ[gr + Gc + j] = dc * i * (1 - g * g);
        dZ[gr + O + j] = dh * tc * o * (1 - o);
        dcNext[sr + j] = dc * f;
      }
    }
    // dh for step t-1: dz_t·Uᵀ, [B, G]·[G, H]
    if (t > 0) matMul(dZ.subarray(t * B * G, (t + 1) * B * G), B, G, tensors.transposedU, dhNext);
  }

  // dbias = Σ_rows dZ
  const db = grads.bias;
  db.fill(0);
  for (let row = 0; row < N; row++) {
    const gr = row * G;
    for (let k = 0; k < G; k++) db[k] += dZ[gr + k];
  }

  const dZt = upload(dZ, N, G);
  try {
    const stacked = tape.stackedT;
    const hPrev = tape.h.subarray(0, N * H); // h_{-1} … h_{T-2}
    if ('ids' in input) {
      // dU = Hprevᵀ·dZ ; dW[id] += dz (the one-hot product, as a scatter-add)
      matMul(transpose(hPrev, N, H, stacked), H, N, dZt, grads.U);
      const dW = grads.W;
      dW.fill(0);
      const ids = input.ids;
      for (let row = 0; row < N; row++) {
        const wr = ids[row] * G;
        const gr = row * G;
        for (let k = 0; k < G; k++) dW[wr + k] += dZ[gr + k];
      }
      return undefined;
    }
    // [dW; dU] = [Xᵀ; Hprevᵀ]·dZ in one product of [(D+H), T·B]·[T·B, G]
    const D = tensors.inSize;
    transpose(input.x, N, D, stacked.subarray(0, D * N));
    transpose(hPrev, N, H, stacked.subarray(D * N));
    const both = matMul(stacked, D + H, N, dZt, tape.weightGrads);
    grads.W.set(both.subarray(0, D * G));
    grads.U.set(both.subarray(D * G));
    // dX = dZ·Wᵀ, [T·B, G]·[G, D]
    return matMul(dZ, N, G, tensors.transposedW, tape.dX);
  } finally {
    dZt.dispose();
  }
}
