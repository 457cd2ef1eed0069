/**
 * The engine's only use of TensorFlow.js: dense matrix products on the active backend (XNNPACK on
 * wasm). Everything else (gate math, softmax, Adam) runs in plain loops over Float32Arrays.
 *
 * Matrices are row-major Float32Arrays. The right operand is a tensor that the caller uploads
 * once and reuses (the wasm backend caches XNNPACK's packed copy of it per tensor), e.g. a weight
 * matrix for every time step of one training step. No transposed products: tfjs-backend-wasm
 * leaves its fast path for transposeA/transposeB, so callers transpose explicitly (`transpose`).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Copies a [rows, cols] matrix to the backend. The caller disposes it. */
export function upload(data: Float32Array, rows: number, cols: number): tf.Tensor2D {
  if (data.length !== rows * cols) throw new Error(`upload: ${data.length} values for [${rows}, ${cols}]`);
  // tfjs-cpu keeps a reference to the array instead of copying it: hand it a copy we never touch.
  return tf.tensor2d(tf.getBackend() === 'cpu' ? data.slice() : data, [rows, cols]);
}

/**
 * out[m, n] = a[m, k] · b[k, n] (+ bias[n], fused into the product, if given); `a` may be a
 * subarray view. Returns `out` (allocated if absent).
 */
export function matMul(a: Float32Array, m: number, k: number, b: tf.Tensor2D, out?: Float32Array, bias?: tf.Tensor1D): Float32Array {
  const n = b.shape[1];
  if (b.shape[0] !== k || a.length !== m * k) {
    throw new Error(`matMul: [${m}, ${k}] (${a.length} values) · [${b.shape}]`);
  }
  const at = upload(a, m, k);
  const ct = bias ? tf.fused.matMul({ a: at, b, bias }) : tf.matMul(at, b);
  at.dispose();
  try {
    out ??= new Float32Array(m * n);
    if (out.length !== m * n) throw new Error(`matMul: output has ${out.length} values, needs ${m * n}`);
    readInto(ct, out);
    return out;
  } finally {
    ct.dispose();
  }
}

/** The parts of tfjs-backend-wasm's BackendWasm that let us read a result without a temporary copy. */
interface WasmBackendInternals {
  wasm?: { HEAPU8?: Uint8Array };
  dataIdMap?: { get(dataId: object): { memoryOffset?: number } | undefined };
}

/** Copies a float32 tensor's values into `out`: straight from the wasm heap when possible. */
function readInto(t: tf.Tensor, out: Float32Array): void {
  const be = tf.backend() as unknown as WasmBackendInternals;
  const offset = be.wasm?.HEAPU8 && be.dataIdMap?.get(t.dataId)?.memoryOffset;
  if (typeof offset === 'number' && be.wasm?.HEAPU8) {
    out.set(new Float32Array(be.wasm.HEAPU8.buffer, offset, out.length));
  } else {
    out.set(t.dataSync() as Float32Array);
  }
}

/** out[c, r] = a[r, c] for a [rows, cols] matrix (in 8x8 blocks: fastest in V8 here). */
export function transpose(a: Float32Array, rows: number, cols: number, out: Float32Array = new Float32Array(rows * cols)): Float32Array {
  const BS = 8;
  for (let r0 = 0; r0 < rows; r0 += BS) {
    const r1 = Math.min(r0 + BS, rows);
    for (let c0 = 0; c0 < cols; c0 += BS) {
      const c1 = Math.min(c0 + BS, cols);
      for (let r = r0; r < r1; r++) {
        const row = r * cols;
        for (let c = c0; c < c1; c++) out[c * rows + r] = a[row + c];
      }
    }
  }
  return out;
}
