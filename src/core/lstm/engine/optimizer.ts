/**
 * Gradient clipping by global norm and the Adam optimizer, over plain Float32Arrays.
 *
 *   clip:  n = sqrt(Σ_all g²);  if n > maxNorm: g ← g · maxNorm / n
 *   Adam (Kingma & Ba 2015), step k = 1, 2, …:
 *          m ← β1·m + (1-β1)·g        v ← β2·v + (1-β2)·g²
 *          θ ← θ - lr · (m / (1-β1^k)) / (sqrt(v / (1-β2^k)) + ε)
 */

/** Scales `grads` in place so that their global L2 norm is at most `maxNorm`; returns the norm before. */
export function clipByGlobalNorm(grads: Float32Array[], maxNorm: number): number {
  let sum = 0;
  for (const g of grads) {
    for (let k = 0; k < g.length; k++) sum += g[k] * g[k];
  }
  const norm = Math.sqrt(sum);
  if (norm > maxNorm) {
    const s = maxNorm / norm;
    for (const g of grads) {
      for (let k = 0; k < g.length; k++) g[k] *= s;
    }
  }
  return norm;
}

export class Adam {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private k = 0;

  constructor(
    sizes: number[],
    public learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = sizes.map((n) => new Float32Array(n));
    this.v = sizes.map((n) => new Float32Array(n));
  }

  /** One update of `params` (in place) from `grads`, in the same order as the sizes. */
  step(params: Float32Array[], grads: Float32Array[]): void {
    this.k++;
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const c1 = 1 - Math.pow(b1, this.k);
    const c2 = 1 - Math.pow(b2, this.k);
    const lr = this.learningRate / c1;
    const invC2 = 1 / c2;
    for (let p = 0; p < params.length; p++) {
      const theta = params[p];
      const g = grads[p];
      const m = this.m[p];
      const v = this.v[p];
      for (let k = 0; k < theta.length; k++) {
        const gk = g[k];
        const mk = b1 * m[k] + (1 - b1) * gk;
        const vk = b2 * v[k] + (1 - b2) * gk * gk;
        m[k] = mk;
        v[k] = vk;
        theta[k] -= (lr * mk) / (Math.sqrt(vk * invC2) + eps);
      }
    }
  }
}
