import type { CharModel } from '../contracts/charModel';

/**
 * Bits per character of `model` on `texts`, each read from the model's initial state, in batches
 * of `batch` documents in parallel (one `advance` / `logProbs` call per step for the whole batch).
 * At most `maxChars` characters are scored, taken from the documents in order. The one definition
 * of a single model's held-out bits/char (the bench's rows; `mixtureBitsPerChar` in ./fit.ts gives
 * the same per-expert numbers while it mixes them).
 */
export function bitsPerChar<S>(
  model: CharModel<S>,
  encode: (text: string) => ArrayLike<number>,
  texts: Iterable<string>,
  opts: { maxChars?: number; batch?: number } = {},
): { bpc: number; chars: number } {
  const maxChars = opts.maxChars ?? Infinity;
  const batch = Math.max(1, opts.batch ?? 16);
  // Cut the documents to the character budget first.
  const docs: ArrayLike<number>[] = [];
  let budget = maxChars;
  for (const t of texts) {
    if (budget <= 0) break;
    const ids = encode(t);
    const n = Math.min(ids.length, budget);
    if (n > 0) docs.push(n === ids.length ? ids : Array.prototype.slice.call(ids, 0, n) as number[]);
    budget -= n;
  }
  let bits = 0;
  let chars = 0;
  let next = 0;
  // Slots: each holds one document being read.
  const slotDoc: number[] = [];
  const slotPos: number[] = [];
  let states: S[] = [];
  const fill = () => {
    while (slotDoc.length < batch && next < docs.length) {
      slotDoc.push(next++);
      slotPos.push(0);
      states.push(model.initialState());
    }
  };
  fill();
  while (slotDoc.length > 0) {
    const lp = model.logProbs(states);
    const ids = slotDoc.map((d, i) => docs[d][slotPos[i]]);
    for (let i = 0; i < ids.length; i++) bits -= lp[i][ids[i]] / Math.LN2;
    chars += ids.length;
    states = model.advance(states, ids);
    for (let i = slotDoc.length - 1; i >= 0; i--) {
      slotPos[i]++;
      if (slotPos[i] >= docs[slotDoc[i]].length) {
        slotDoc.splice(i, 1);
        slotPos.splice(i, 1);
        states.splice(i, 1);
      }
    }
    fill();
  }
  return { bpc: chars ? bits / chars : NaN, chars };
}
