/**
 * Training/validation split and the char-rnn batch layout (truncated BPTT with carried state).
 * Pure functions over encoded text; no I/O.
 */
import { createHash } from 'crypto';
import type { CorpusDoc } from '../corpus/corpus';
import { DATA_UNTIL, repeatedLineShare } from '../text/positions';
import type { Vocab } from '../text/vocab';

export interface Split {
  train: Int32Array;
  val: Int32Array;
  /** Files with at least one character in train / in val (a tail split can cut one file in two). */
  trainFiles: number;
  valFiles: number;
  /** The same characters per document (a tail split: one part each), for the count models. */
  trainDocs: Int32Array[];
  valDocs: Int32Array[];
}

/** Whole-file validation needs at least this many files; fewer use the tail of the text. */
export const MIN_FILES_FOR_FILE_SPLIT = 5;
/** A held-out file set may overshoot the target share by this factor before a file is passed over. */
const OVERSHOOT = 1.5;

/** Stable 32-bit key of a path (first 4 bytes of its SHA-1), independent of the platform and run. */
function pathKey(relPath: string): number {
  return createHash('sha1').update(relPath).digest().readUInt32BE(0);
}

/** Concatenates encoded documents with a separator id between them. */
function join(parts: Int32Array[], sep: number): Int32Array {
  let n = 0;
  for (const p of parts) n += p.length;
  n += Math.max(0, parts.length - 1);
  const out = new Int32Array(n);
  let o = 0;
  parts.forEach((p, i) => {
    if (i > 0) out[o++] = sep;
    out.set(p, o);
    o += p.length;
  });
  return out;
}

/**
 * Deterministic split: whole held-out files (chosen by a stable hash of relPath) adding up to
 * ~valFraction of the characters when there are >= 5 files; otherwise the tail valFraction of the
 * concatenation. Docs are joined with '\n' separators. valFraction 0 = empty val. Never puts the
 * same text in both: files with identical contents are kept together on one side.
 */
export function splitCorpus(docs: CorpusDoc[], vocab: Vocab, valFraction: number): Split {
  const sep = vocab.id('\n');
  const encoded = docs.map((d) => vocab.encode(d.text));
  const total = encoded.reduce((n, e) => n + e.length, 0) + Math.max(0, docs.length - 1);
  const frac = Number.isFinite(valFraction) ? Math.min(Math.max(valFraction, 0), 1) : 0;

  if (frac === 0 || docs.length === 0) {
    return { train: join(encoded, sep), val: new Int32Array(0), trainFiles: docs.length, valFiles: 0, trainDocs: encoded, valDocs: [] };
  }

  if (docs.length >= MIN_FILES_FOR_FILE_SPLIT) {
    const held = chooseHeldOut(docs, encoded, frac * total);
    if (held) {
      const train: Int32Array[] = [];
      const val: Int32Array[] = [];
      encoded.forEach((e, i) => (held.has(i) ? val : train).push(e));
      return { train: join(train, sep), val: join(val, sep), trainFiles: train.length, valFiles: held.size, trainDocs: train, valDocs: val };
    }
  }
  return tailSplit(encoded, sep, total, frac);
}

/**
 * Picks whole files for validation in the order of a stable hash of their paths until their
 * characters reach `target`, files that look like data (repeatedLineShare at least DATA_UNTIL:
 * tables of cases, fixtures, generated lists) only when the others do not reach it: validation
 * stands for the code the user writes (the mixer and the threshold are fitted there), and a large
 * fixture drawn into it would leave too few positions of code to calibrate on (issue 19).
 * Files with the same contents form one group that moves together.
 * Returns undefined when no sensible set exists (every group too large, or nothing left to train).
 */
function chooseHeldOut(docs: CorpusDoc[], encoded: Int32Array[], target: number): Set<number> | undefined {
  const groups = new Map<string, { key: number; path: string; members: number[]; chars: number; data: boolean }>();
  docs.forEach((d, i) => {
    const id = createHash('sha1').update(d.text).digest('hex');
    const key = pathKey(d.relPath);
    const g = groups.get(id);
    // +1 for the separator each file brings.
    if (!g) {
      groups.set(id, { key, path: d.relPath, members: [i], chars: encoded[i].length + 1, data: repeatedLineShare(d.text) >= DATA_UNTIL });
    } else {
      g.members.push(i);
      g.chars += encoded[i].length + 1;
      if (key < g.key || (key === g.key && d.relPath < g.path)) {
        g.key = key;
        g.path = d.relPath;
      }
    }
  });
  const byKey = [...groups.values()].sort((a, b) => a.key - b.key || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const order = [...byKey.filter((g) => !g.data), ...byKey.filter((g) => g.data)];
  if (order.length < 2) return undefined;

  const held = new Set<number>();
  let chars = 0;
  let groupsHeld = 0;
  for (const g of order) {
    if (chars >= target) break;
    if (groupsHeld === order.length - 1) break; // keep at least one group for training
    if (chars + g.chars > target * OVERSHOOT) continue;
    for (const m of g.members) held.add(m);
    chars += g.chars;
    groupsHeld++;
  }
  // Too little held out (e.g. every file is larger than the share): split the text instead.
  if (chars < target / OVERSHOOT) return undefined;
  return held;
}

/** The last `frac` of the concatenated text is validation; the rest is training. */
function tailSplit(encoded: Int32Array[], sep: number, total: number, frac: number): Split {
  const all = join(encoded, sep);
  let valLen = Math.round(total * frac);
  if (valLen >= total) valLen = Math.max(0, total - 2); // leave at least an (x, y) pair to train on
  const cut = total - valLen;
  // Which files have characters on each side of the cut.
  let trainFiles = 0;
  let valFiles = 0;
  let start = 0;
  for (const e of encoded) {
    const end = start + e.length;
    if (start < cut && e.length > 0) trainFiles++;
    if (end > cut && e.length > 0) valFiles++;
    start = end + 1;
  }
  const train = all.slice(0, cut);
  const val = all.slice(cut);
  return { train, val, trainFiles, valFiles, trainDocs: [train], valDocs: val.length ? [val] : [] };
}

/**
 * karpathy/char-rnn stream layout: the data is cut into `batch` contiguous streams of length
 * L = floor((n-1)/batch); batch k of an epoch holds x[b*steps+t] = data[b*L + k*steps + t],
 * y = the following char. Consecutive batches continue each stream, so carried LSTM state is valid
 * within an epoch (reset it at k = 0). Throws when the data cannot fill one batch.
 */
export class BatchStream {
  readonly batchesPerEpoch: number;
  /** Length of each stream. */
  readonly streamLength: number;

  /** Characters needed for at least one batch. */
  static minLength(batch: number, steps: number): number {
    return batch * steps + 1;
  }

  constructor(
    private readonly data: Int32Array,
    readonly batchSize: number,
    readonly steps: number,
  ) {
    const batch = batchSize;
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, not ${batch}`);
    if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, not ${steps}`);
    this.streamLength = Math.floor(Math.max(0, data.length - 1) / batch);
    this.batchesPerEpoch = Math.floor(this.streamLength / steps);
    if (this.batchesPerEpoch < 1) {
      throw new RangeError(
        `${data.length} characters cannot fill one batch of ${batch} x ${steps}: ` +
          `at least ${BatchStream.minLength(batch, steps)} are needed`,
      );
    }
  }

  /** Batch k (0 <= k < batchesPerEpoch) as row-major [batch, steps] inputs and targets. */
  batch(k: number): { x: Int32Array; y: Int32Array } {
    if (!Number.isInteger(k) || k < 0 || k >= this.batchesPerEpoch) {
      throw new RangeError(`batch index ${k} is outside 0..${this.batchesPerEpoch - 1}`);
    }
    const { batchSize: batch, steps, data, streamLength: L } = this;
    const x = new Int32Array(batch * steps);
    const y = new Int32Array(batch * steps);
    for (let b = 0; b < batch; b++) {
      const src = b * L + k * steps;
      x.set(data.subarray(src, src + steps), b * steps);
      y.set(data.subarray(src + 1, src + steps + 1), b * steps);
    }
    return { x, y };
  }
}
