/** The log-softmax that the LSTM's output layer and the mixer's log-linear layer both end with. */

/**
 * out[v] = z[v] - log Σ_u e^(z[u]) for v < out.length: the log-softmax of the scores `z`, given
 * their maximum `max` (found while the scores were written; subtracted before exponentiating, so
 * that nothing overflows). `out` may be `z`.
 */
export function logSoftmaxInto(z: ArrayLike<number>, max: number, out: Float32Array | Float64Array): void {
  const V = out.length;
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(z[v] - max);
  const lse = max + Math.log(sum);
  for (let v = 0; v < V; v++) out[v] = z[v] - lse;
}
