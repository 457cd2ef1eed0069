/**
 * Character n-gram language model with interpolated modified Kneser–Ney smoothing (Chen & Goodman
 * 1998): the workspace expert of the completion mixture (./mixture.ts) and the baseline of the
 * benchmark. It implements CharModel, so the same beam decoder that decodes the LSTM decodes it.
 * `serialize` / `deserialize` give the checkpoint's `ngram.bin` (layout below, NGRAM_FORMAT).
 *
 * Construction is by sorting, not hashing: the training symbols are concatenated (each document
 * preceded by a start-of-document symbol BOS), all positions are radix-sorted by their next `order`
 * symbols, and the sorted order yields, for every k, the distinct k-grams as contiguous groups. The
 * model is a static trie stored level by level in typed arrays (per node: symbol, count, first
 * child), about 10 bytes per distinct n-gram, so memory is bounded by
 * 10 x order x min(training chars, maxTrainChars) bytes plus ~25 bytes per training char while
 * building. On 1.5 MB of code an order-12 model builds in a few seconds.
 *
 * Counts: the highest order uses raw counts; lower orders use continuation counts (how many
 * distinct symbols precede the n-gram), except n-grams that start with BOS (nothing can precede
 * them), which keep raw counts — as KenLM does. The base distribution is uniform over the
 * vocabulary. BOS is never predicted.
 */
import * as fs from 'fs';
import type { CharModel } from '../contracts/charModel';
import { runSteps, type Steps } from '../util/steps';
import { Vocab } from '../text/vocab';

/** The state: the last (order - 1) symbol ids (BOS = vocabSize included), one UTF-16 unit each. */
export type NgramState = string;

export interface NgramOptions {
  /** n: the longest n-gram (context of n - 1 characters). */
  order: number;
  /** Stop reading training text after this many characters (bounds memory). Default 8 000 000. */
  maxTrainChars?: number;
  /** Use this vocabulary (e.g. the CharRNN's); default: built from the training texts. */
  vocab?: Vocab;
  /** Characters seen fewer times become unknown when the vocabulary is built here. Default 3. */
  minCount?: number;
  /** Bound on the model's arrays (the order is lowered to fit). Default DEFAULT_NGRAM_MAX_BYTES. */
  maxBytes?: number;
}

export interface NgramStats {
  order: number;
  trainChars: number;
  /** Distinct n-grams per order (index k = order k, index 0 = the root). */
  nodesPerOrder: number[];
  /** Discounts D1, D2, D3+ per order. */
  discounts: number[][];
  /** Bytes held by the model's arrays. */
  bytes: number;
}

/** The static trie, level by level (see the class comment). */
interface Tables {
  order: number;
  trainChars: number;
  sym: Uint16Array[];
  cnt: Int32Array[];
  first: Int32Array[];
  disc: Float64Array[];
}

/** ngram.bin: magic, version, JSON header length, JSON header, then the arrays (4-byte aligned). */
export const NGRAM_FORMAT = 'charrnn-kn';
export const NGRAM_VERSION = 1;
const MAGIC = 0x4e4b5243; // "CRKN" little-endian
const DEFAULT_MAX_TRAIN_CHARS = 8_000_000;
/**
 * The build yields (Steps) at least every this many positions of each of its passes over the
 * training text (about a millisecond of work), so a Stop is heard mid-build: on 8 M characters it
 * took 18 s in one piece (issue 20).
 */
export const NGRAM_YIELD_EVERY = 65536;
/** An ngram.bin larger than this is refused before it is read (the model's arrays are bounded by DEFAULT_NGRAM_MAX_BYTES). */
export const MAX_NGRAM_FILE_BYTES = 256_000_000;
/** Its JSON header larger than this is refused (a few numbers per order). */
const MAX_HEADER_BYTES = 65536;
/** Default bound on the model's arrays: the order is lowered until the model fits. */
export const DEFAULT_NGRAM_MAX_BYTES = 80_000_000;
/** Bytes per trie node: symbol (2), count (4), first child (4). */
const BYTES_PER_NODE = 10;
const MAX_CACHE = 4096;

export class KneserNeyModel implements CharModel<NgramState> {
  readonly vocabSize: number;
  readonly order: number;
  readonly stats: NgramStats;
  private readonly bos: number;
  /** sym[k][node]: last symbol of the k-gram (k >= 1). */
  private readonly sym: Uint16Array[];
  /** cnt[k][node]: raw (k = order or BOS-initial) or continuation count. */
  private readonly cnt: Int32Array[];
  /** Children of node i at level k are nodes [first[k][i], first[k][i + 1]) of level k + 1. */
  private readonly first: Int32Array[];
  /** disc[k] = [D1, D2, D3+] for order k. */
  private readonly disc: Float64Array[];
  private readonly cache = new Map<string, Float32Array>();
  /** Scratch for predict: per matched level. */
  private readonly levels: { a: Int32Array; b: Int32Array; denom: Float64Array; gamma: Float64Array };

  private constructor(readonly vocab: Vocab, t: Tables) {
    this.vocabSize = vocab.size;
    this.bos = this.vocabSize;
    this.order = t.order;
    this.sym = t.sym;
    this.cnt = t.cnt;
    this.first = t.first;
    this.disc = t.disc;
    const n = t.order + 1;
    this.levels = { a: new Int32Array(n), b: new Int32Array(n), denom: new Float64Array(n), gamma: new Float64Array(n) };
    this.stats = {
      order: t.order,
      trainChars: t.trainChars,
      nodesPerOrder: this.sym.map((s) => s.length),
      discounts: this.disc.map((d) => [...d]),
      bytes: this.sym.reduce((n, a) => n + a.byteLength, 0) +
        this.cnt.reduce((n, a) => n + a.byteLength, 0) +
        this.first.reduce((n, a) => n + a.byteLength, 0),
    };
  }

  /** Builds the model from texts (each one document). */
  static train(texts: Iterable<string>, opts: NgramOptions): KneserNeyModel {
    const textList = [...texts];
    const vocab = opts.vocab ?? Vocab.build(textList, opts.minCount ?? 3);
    return KneserNeyModel.fromIds(textList.map((t) => vocab.encode(t)), vocab, opts.order, opts.maxTrainChars, opts.maxBytes);
  }

  /** Builds the model from encoded documents (ids of `vocab`). */
  static fromIds(
    docs: readonly Int32Array[],
    vocab: Vocab,
    order: number,
    maxTrainChars = DEFAULT_MAX_TRAIN_CHARS,
    maxBytes = DEFAULT_NGRAM_MAX_BYTES,
  ): KneserNeyModel {
    return runSteps(KneserNeyModel.buildSteps(docs, vocab, order, maxTrainChars, maxBytes));
  }

  /**
   * fromIds as Steps: yields at least every NGRAM_YIELD_EVERY positions of each pass, so that
   * runStepsInSlices can let a Stop in (and abandon the build).
   */
  static *buildSteps(
    docs: readonly Int32Array[],
    vocab: Vocab,
    order: number,
    maxTrainChars = DEFAULT_MAX_TRAIN_CHARS,
    maxBytes = DEFAULT_NGRAM_MAX_BYTES,
  ): Steps<KneserNeyModel> {
    const N = Math.floor(order);
    if (!(N >= 1 && N <= 32)) throw new Error('n-gram order must be between 1 and 32');
    if (vocab.size > 0xfffe) throw new Error('vocabulary too large for the n-gram model');
    const seq = concatDocs(docs, vocab.size, maxTrainChars);
    yield;
    return new KneserNeyModel(vocab, yield* buildTables(seq, N, vocab.size, maxBytes));
  }

  /**
   * Checks ngram.bin at `file` from its header, without reading the rest: a regular file with our
   * magic number and version, whose size is what the header describes and at most `maxBytes`.
   * Returns its size; throws a readable Error.
   */
  static checkFile(file: string, maxBytes = MAX_NGRAM_FILE_BYTES): number {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    try {
      return checkOpenFile(fd, maxBytes);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Reads ngram.bin from `file`: its header first (checkFile), so that a file that is not one is
   * refused before it is read whole. Throws a readable Error.
   */
  static readFile(file: string, vocab: Vocab, maxBytes = MAX_NGRAM_FILE_BYTES): KneserNeyModel {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    try {
      const size = checkOpenFile(fd, maxBytes);
      const buf = readAt(fd, size, 0);
      if (buf.length !== size) notUsable('the file changed while it was read');
      return KneserNeyModel.deserialize(buf, vocab);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The model as the bytes of ngram.bin. */
  serialize(): Buffer {
    const arrays: (Uint16Array | Int32Array | Float64Array)[] = [];
    for (let k = 0; k <= this.order; k++) arrays.push(this.sym[k], this.cnt[k], this.first[k]);
    const header = JSON.stringify({
      order: this.order,
      vocabSize: this.vocabSize,
      trainChars: this.stats.trainChars,
      nodes: this.sym.map((s) => s.length),
      disc: this.disc.map((d) => [...d]),
    });
    const head = Buffer.from(header, 'utf8');
    const headLen = align4(12 + head.length);
    let total = headLen;
    for (const a of arrays) total += align4(a.byteLength);
    const out = Buffer.alloc(total);
    out.writeUInt32LE(MAGIC, 0);
    out.writeUInt32LE(NGRAM_VERSION, 4);
    out.writeUInt32LE(head.length, 8);
    head.copy(out, 12);
    let o = headLen;
    for (const a of arrays) {
      const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      if (!LITTLE_ENDIAN) throw new Error('n-gram files are written on little-endian machines only');
      bytes.copy(out, o);
      o += align4(a.byteLength);
    }
    return out;
  }

  /** Reads ngram.bin; throws a readable Error when the bytes are not a model for `vocab`. */
  static deserialize(buf: Uint8Array, vocab: Vocab): KneserNeyModel {
    const fail = (why: string): never => {
      throw new Error(`the n-gram file is not usable: ${why}`);
    };
    if (!LITTLE_ENDIAN) fail('big-endian machines are not supported');
    if (buf.length < 12) fail('too short');
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    if (view.getUint32(0, true) !== MAGIC) fail('wrong magic number');
    if (view.getUint32(4, true) !== NGRAM_VERSION) fail(`version ${view.getUint32(4, true)} (expected ${NGRAM_VERSION})`);
    const headBytes = view.getUint32(8, true);
    if (12 + headBytes > buf.length) fail('truncated header');
    const h = parseHeader(Buffer.from(buf.buffer, buf.byteOffset + 12, headBytes), fail);
    const N = h.order;
    if (h.vocabSize !== vocab.size) fail(`built for ${h.vocabSize} characters, the vocabulary has ${vocab.size}`);
    let o = align4(12 + headBytes);
    const need = describedBytes(h, headBytes, fail);
    if (need !== buf.length) fail(`${buf.length} bytes, the header describes ${need}`);
    // One aligned copy; the arrays are views into it.
    const copy = new Uint8Array(buf.length);
    copy.set(buf);
    const ab = copy.buffer;
    const t: Tables = { order: N, trainChars: h.trainChars, sym: [], cnt: [], first: [], disc: [] };
    for (let k = 0; k <= N; k++) {
      const n = h.nodes[k];
      t.sym.push(new Uint16Array(ab, o, n));
      o += align4(2 * n);
      t.cnt.push(new Int32Array(ab, o, n));
      o += 4 * n;
      const m = k < N ? n + 1 : 1;
      const first = new Int32Array(ab, o, m);
      o += 4 * m;
      const below = k < N ? h.nodes[k + 1] : 0;
      for (let i = 0; i < m; i++) if (first[i] < 0 || first[i] > below || (i > 0 && first[i] < first[i - 1])) fail(`bad child index at order ${k}`);
      t.first.push(first);
      t.disc.push(Float64Array.from(h.disc[k]));
    }
    for (let k = 1; k <= N; k++) {
      const s = t.sym[k];
      for (let i = 0; i < s.length; i++) if (s[i] > vocab.size) fail(`bad symbol at order ${k}`);
    }
    return new KneserNeyModel(vocab, t);
  }

  /** Node index at `level` for the last `level` symbols of `ctx`, or -1. */
  private find(ctx: string, level: number): number {
    let node = 0;
    const start = ctx.length - level;
    for (let k = 0; k < level; k++) {
      const s = ctx.charCodeAt(start + k);
      let lo = this.first[k][node];
      let hi = this.first[k][node + 1] - 1;
      const syms = this.sym[k + 1];
      node = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const v = syms[mid];
        if (v === s) {
          node = mid;
          break;
        }
        if (v < s) lo = mid + 1;
        else hi = mid - 1;
      }
      if (node < 0) return -1;
    }
    return node;
  }

  /** Probabilities (not logs) of every vocabulary symbol after the context `ctx`. */
  probs(ctx: NgramState): Float64Array {
    const p = new Float64Array(this.vocabSize);
    this.predict(ctx, p);
    return p;
  }

  /**
   * Writes the next-symbol probabilities after `ctx` (the last symbols matter; BOS = vocabSize)
   * into `p` and returns the length of the longest context that was seen in training (0 = none:
   * the unigram level only; -1 = not even that).
   */
  predict(ctx: NgramState, p: Float64Array): number {
    const V = this.vocabSize;
    // The matched levels, lowest first: their children's range, count total and back-off weight.
    const lv = this.levels;
    let matched = -1;
    for (let j = 0; j < this.order && j <= ctx.length; j++) {
      const node = this.find(ctx, j);
      if (node < 0) break;
      const a = this.first[j][node];
      const b = this.first[j][node + 1];
      const syms = this.sym[j + 1];
      const cnt = this.cnt[j + 1];
      let denom = 0;
      let n1 = 0;
      let n2 = 0;
      let n3 = 0;
      for (let c = a; c < b; c++) {
        if (syms[c] >= V) continue;
        const v = cnt[c];
        if (v <= 0) continue;
        denom += v;
        if (v === 1) n1++;
        else if (v === 2) n2++;
        else n3++;
      }
      if (denom === 0) break;
      const d = this.disc[j + 1];
      lv.a[j] = a;
      lv.b[j] = b;
      lv.denom[j] = denom;
      lv.gamma[j] = (d[0] * n1 + d[1] * n2 + d[2] * n3) / denom;
      matched = j;
    }
    // Interpolation, p_j = discounted counts_j + gamma_j p_{j-1} over p_-1 = uniform, unrolled from
    // the top: p = c_top + g_top c_top-1 + g_top g_top-1 c_top-2 + … + (prod g) / V. Only the
    // children are touched per level (not the whole vocabulary).
    p.fill(0);
    let scale = 1;
    for (let j = matched; j >= 0; j--) {
      const syms = this.sym[j + 1];
      const cnt = this.cnt[j + 1];
      const d = this.disc[j + 1];
      const k = scale / lv.denom[j];
      for (let c = lv.a[j]; c < lv.b[j]; c++) {
        const s = syms[c];
        if (s >= V) continue;
        const v = cnt[c];
        if (v <= 0) continue;
        p[s] += (v - d[v >= 3 ? 2 : v - 1]) * k;
      }
      scale *= lv.gamma[j];
    }
    const u = scale / V;
    for (let w = 0; w < V; w++) p[w] += u;
    return matched;
  }

  initialState(): NgramState {
    return String.fromCharCode(this.bos);
  }

  /** The state after reading `text` from the start of a document. */
  stateFor(text: string): NgramState {
    const keep = this.order - 1;
    if (keep === 0) return '';
    // Only the last `keep` characters matter (code units enough for surrogate pairs); a text
    // shorter than that is preceded by the start of the document.
    const whole = text.length <= 2 * keep + 2;
    const ids = [...(whole ? text : text.slice(-(2 * keep + 2)))].slice(-keep).map((ch) => this.vocab.id(ch));
    return String.fromCharCode(...(whole ? [this.bos] : []), ...ids).slice(-keep);
  }

  advance(states: NgramState[], ids: number[]): NgramState[] {
    const keep = this.order - 1;
    return states.map((s, i) => {
      if (keep === 0) return '';
      const next = s + String.fromCharCode(ids[i]);
      return next.length > keep ? next.slice(next.length - keep) : next;
    });
  }

  logProbs(states: NgramState[]): Float32Array[] {
    return states.map((s) => {
      const hit = this.cache.get(s);
      if (hit) return hit;
      const p = this.probs(s);
      const out = new Float32Array(p.length);
      for (let i = 0; i < p.length; i++) out[i] = Math.log(p[i]);
      if (this.cache.size >= MAX_CACHE) this.cache.clear();
      this.cache.set(s, out);
      return out;
    });
  }
}

/** Concatenates [BOS, ...doc] for each document, up to maxChars characters in total. */
function concatDocs(docs: readonly Int32Array[], bos: number, maxChars: number): Uint16Array {
  let total = 0;
  const parts: Int32Array[] = [];
  for (const d of docs) {
    if (total >= maxChars) break;
    const ids = total + d.length > maxChars ? d.subarray(0, maxChars - total) : d;
    parts.push(ids);
    total += ids.length;
  }
  const seq = new Uint16Array(total + parts.length);
  let o = 0;
  for (const ids of parts) {
    seq[o++] = bos;
    seq.set(ids, o);
    o += ids.length;
  }
  return seq;
}

interface Header {
  order: number;
  vocabSize: number;
  trainChars: number;
  nodes: number[];
  disc: number[][];
}

/**
 * The JSON header of ngram.bin, checked: the order, the level sizes, and the discounts, which
 * must be finite with 0 <= D1 <= 1, D2 <= 2, D3+ <= 3 (a count c loses at most c: larger ones
 * give negative or NaN probabilities; 1e308 gave "NaN bits per character").
 */
function parseHeader(bytes: Uint8Array, fail: (why: string) => never): Header {
  let h: Header;
  try {
    h = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    return fail('unreadable header');
  }
  if (typeof h !== 'object' || h === null) fail('unreadable header');
  const N = h.order;
  if (!Number.isInteger(N) || N < 1 || N > 32) fail('bad order');
  if (!Number.isInteger(h.vocabSize) || h.vocabSize < 1) fail('bad vocabulary size');
  if (!Array.isArray(h.nodes) || h.nodes.length !== N + 1 || !h.nodes.every((n) => Number.isInteger(n) && n >= 0 && n <= 2 ** 31 - 2)) fail('bad level sizes');
  if (!Array.isArray(h.disc) || h.disc.length !== N + 1) fail('bad discounts');
  h.disc.forEach((d, k) => {
    const ok = Array.isArray(d) && d.length === 3 && d.every((x, i) => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= i + 1);
    if (!ok) fail(`bad discounts at order ${k} (each must be a number from 0 to 1, 2 and 3): ${JSON.stringify(d)?.slice(0, 80)}`);
  });
  return h;
}

/** The file size the header describes (its arrays after it, 4-byte aligned). */
function describedBytes(h: Header, headBytes: number, fail: (why: string) => never): number {
  let need = align4(12 + headBytes);
  h.nodes.forEach((n, k) => (need += align4(2 * n) + 4 * n + 4 * (k < h.order ? n + 1 : 1)));
  if (!Number.isSafeInteger(need)) fail('bad level sizes');
  return need;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Builds the trie (see the class comment). Every pass over the n positions yields each
 * NGRAM_YIELD_EVERY positions (the loops run in chunks; the work inside a chunk is unchanged).
 */
function* buildTables(seq: Uint16Array, N: number, vocabSize: number, maxBytes: number): Steps<Tables> {
  const n = seq.length;
  const bos = vocabSize;
  const C = NGRAM_YIELD_EVERY;
  const tb: Tables = { order: N, trainChars: 0, sym: [], cnt: [], first: [], disc: [] };
  for (let i = 0; i < n; i++) if (seq[i] !== bos) tb.trainChars++;
  // len[p]: the longest valid n-gram starting at p (no BOS after its first symbol), capped at N.
  const len = new Uint8Array(n);
  let nextBos = n;
  for (let p = n - 1; p >= 0; p--) {
    len[p] = Math.min(N, nextBos - p);
    if (seq[p] === bos) nextBos = p;
  }
  yield;
  // LSD radix sort of positions by their first len[p] symbols (shorter sorts first).
  const keys = bos + 2;
  let sa = new Int32Array(n);
  let tmp = new Int32Array(n);
  for (let i = 0; i < n; i++) sa[i] = i;
  const bucket = new Int32Array(keys + 1);
  for (let j = N - 1; j >= 0; j--) {
    bucket.fill(0);
    // Counting does not depend on the current order: read positions in memory order.
    for (let p0 = 0; p0 < n; p0 += C) {
      const p1 = Math.min(n, p0 + C);
      for (let p = p0; p < p1; p++) bucket[(j < len[p] ? seq[p + j] + 1 : 0) + 1]++;
      yield;
    }
    for (let k = 1; k <= keys; k++) bucket[k] += bucket[k - 1];
    for (let i0 = 0; i0 < n; i0 += C) {
      const i1 = Math.min(n, i0 + C);
      for (let i = i0; i < i1; i++) {
        const p = sa[i];
        tmp[bucket[j < len[p] ? seq[p + j] + 1 : 0]++] = p;
      }
      yield;
    }
    const t = sa;
    sa = tmp;
    tmp = t;
  }
  tmp = new Int32Array(0);
  // lcp[i]: common prefix of the valid n-grams at sa[i - 1] and sa[i] (capped at N).
  const lcp = new Uint8Array(n);
  for (let i0 = 1; i0 < n; i0 += C) {
    const i1 = Math.min(n, i0 + C);
    for (let i = i0; i < i1; i++) {
      const a = sa[i - 1];
      const b = sa[i];
      const m = Math.min(len[a], len[b]);
      let l = 0;
      while (l < m && seq[a + l] === seq[b + l]) l++;
      lcp[i] = l;
    }
    yield;
  }
  // Level 0: the root (the empty context).
  tb.sym.push(new Uint16Array(1));
  tb.cnt.push(new Int32Array(1));
  tb.disc.push(new Float64Array(3));
  let grpPrev = new Int32Array(n); // group (node) of each position at level k - 1; root = 0
  let grpCur = new Int32Array(n);
  let bytes = 0;
  let rawPrev = new Int32Array(1); // occurrence counts of level k - 1's n-grams
  for (let k = 1; k <= N; k++) {
    // Count the groups of level k.
    let groups = 0;
    let prevValid = false;
    for (let i0 = 0; i0 < n; i0 += C) {
      const i1 = Math.min(n, i0 + C);
      for (let i = i0; i < i1; i++) {
        const valid = len[sa[i]] >= k;
        if (valid && (!prevValid || lcp[i] < k)) groups++;
        prevValid = valid;
      }
      yield;
    }
    // Over the memory budget: the model ends at order k - 1, whose counts become raw counts.
    if (k >= 2 && bytes + BYTES_PER_NODE * groups > maxBytes) {
      tb.order = k - 1;
      tb.cnt[k - 1] = rawPrev;
      break;
    }
    bytes += BYTES_PER_NODE * groups;
    const sym = new Uint16Array(groups);
    const cnt = new Int32Array(groups);
    const raw = new Int32Array(groups);
    const firstPrev = new Int32Array(tb.sym[k - 1].length + 1).fill(-1);
    const contPrev = tb.cnt[k - 1];
    let g = -1;
    prevValid = false;
    for (let i0 = 0; i0 < n; i0 += C) {
      const i1 = Math.min(n, i0 + C);
      for (let i = i0; i < i1; i++) {
        const p = sa[i];
        if (len[p] < k) {
          grpCur[p] = -1;
          prevValid = false;
          continue;
        }
        if (!prevValid || lcp[i] < k) {
          g++;
          sym[g] = seq[p + k - 1];
          const parent = grpPrev[p];
          if (firstPrev[parent] === -1) firstPrev[parent] = g;
          // A new distinct k-gram x·s adds one continuation count to s (level k - 1). s never
          // starts with BOS (BOS only comes first), so BOS-initial nodes keep raw counts.
          if (k >= 2) contPrev[grpPrev[p + 1]]++;
        }
        prevValid = true;
        grpCur[p] = g;
        raw[g]++;
        if (k === N || seq[p] === bos) cnt[g]++;
      }
      yield;
    }
    rawPrev = raw;
    // Parents without children get an empty range.
    firstPrev[firstPrev.length - 1] = groups;
    for (let i = firstPrev.length - 2; i >= 0; i--) if (firstPrev[i] === -1) firstPrev[i] = firstPrev[i + 1];
    tb.first.push(firstPrev);
    tb.sym.push(sym);
    tb.cnt.push(cnt);
    const t = grpPrev;
    grpPrev = grpCur;
    grpCur = t;
  }
  // The top level has no children (its child index is never read: one entry).
  const K = tb.order;
  tb.first.push(new Int32Array(1));
  for (let k = 1; k <= K; k++) {
    tb.disc.push(discounts(tb.cnt[k], tb.sym[k], bos));
    yield;
  }
  return tb;
}

/** Modified Kneser–Ney discounts from the count-of-counts of one level. */
function discounts(cnt: Int32Array, sym: Uint16Array, bos: number): Float64Array {
  const cc = [0, 0, 0, 0, 0];
  for (let i = 0; i < cnt.length; i++) {
    if (sym[i] >= bos) continue;
    const c = cnt[i];
    if (c >= 1 && c <= 4) cc[c]++;
  }
  const [, n1, n2, n3, n4] = cc;
  const fallback = [0.5, 1.0, 1.5];
  const d = new Float64Array(3);
  if (n1 === 0 || n2 === 0) {
    d.set(fallback);
    return d;
  }
  const y = n1 / (n1 + 2 * n2);
  const raw = [1 - 2 * y * (n2 / n1), 2 - 3 * y * (n3 / n2), n3 > 0 ? 3 - 4 * y * (n4 / n3) : fallback[2]];
  for (let i = 0; i < 3; i++) {
    const v = raw[i];
    d[i] = Number.isFinite(v) ? Math.min(i + 1, Math.max(0.05, v)) : fallback[i];
  }
  return d;
}

function notUsable(why: string): never {
  throw new Error(`the n-gram file is not usable: ${why}`);
}

/** Up to `n` bytes of the open file `fd` from offset `at` (fewer at its end). */
function readAt(fd: number, n: number, at: number): Buffer {
  const buf = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const k = fs.readSync(fd, buf, got, n - got, at + got);
    if (k === 0) break;
    got += k;
  }
  return got === n ? buf : buf.subarray(0, got);
}

/** KneserNeyModel.checkFile on an open file. */
function checkOpenFile(fd: number, maxBytes: number): number {
  const st = fs.fstatSync(fd);
  if (!st.isFile()) notUsable('not a regular file');
  const head = readAt(fd, 12, 0);
  if (head.length < 12) notUsable('too short');
  if (head.readUInt32LE(0) !== MAGIC) notUsable('wrong magic number');
  if (head.readUInt32LE(4) !== NGRAM_VERSION) notUsable(`version ${head.readUInt32LE(4)} (expected ${NGRAM_VERSION})`);
  const headBytes = head.readUInt32LE(8);
  if (headBytes > MAX_HEADER_BYTES || 12 + headBytes > st.size) notUsable('truncated or oversized header');
  const need = describedBytes(parseHeader(readAt(fd, headBytes, 12), notUsable), headBytes, notUsable);
  if (need !== st.size) notUsable(`${st.size} bytes, the header describes ${need}`);
  if (st.size > maxBytes) notUsable(`${st.size} bytes, over the limit of ${maxBytes}`);
  return st.size;
}
