/**
 * Completion latency of the worker's engine (the same Completer the worker and `charrnn complete`
 * use), measured in-process:
 *  - cold: a request at a fresh document (nothing cached): read the default context (256 chars,
 *    from a line start) + decode;
 *  - warm: typing forward: a request after each keystroke at a spot already read (one step for
 *    the new character + decode).
 * Positions are inside identifiers of real source text, as if typing them (nothing after the
 * cursor): word mode, and typing forward crosses into boundary mode.
 * Given a checkpoint folder it measures that model. Given a shape it builds one with random
 * weights; a random model's distribution is flat, so its decoder would stop at once and the warm
 * figure would flatter us. So by default (`shadow: true`) a random-weight LSTM is decoded with
 * the distribution of a Kneser–Ney 7-gram trained on the text typed in (a trained model's kind
 * of peaked distribution): every LSTM step, state read and batched product is still computed
 * exactly as the worker does, only the probabilities the beam search sees come from the n-gram
 * (whose own cost, a table lookup, is included and small).
 */
import * as fs from 'fs';
import * as path from 'path';
import { SETTINGS } from '../src/core/contracts/config';
import { Completer, DEFAULT_COMPLETE_OPTIONS, loadCompleter } from '../src/core/complete/completer';
import type { CharModel } from '../src/core/contracts/charModel';
import { LstmModel, type LstmState, type SequenceReader } from '../src/core/lstm/lstmModel';
import type { EngineKind } from '../src/core/lstm/matMulEngine';
import { randomWeights } from './randomWeights';
import { Vocab, UNKNOWN } from '../src/core/text/vocab';
import { KneserNeyModel } from '../src/core/lm/ngram';
import { quantile } from './metrics';
import { makeRng } from '../src/core/util/random';

export interface LatencyOptions {
  /** Source text to type in (default: this repository's src/ TypeScript files). */
  text?: string;
  /** Cold requests measured (default 30). */
  cold?: number;
  /** Typing runs (default 10) of `keystrokes` warm requests each (default 10). */
  runs?: number;
  keystrokes?: number;
  engine?: EngineKind;
  /**
   * Default: for a checkpoint, the threshold it answers with in the extension (its calibrated one,
   * else the setting's default, 0.3); 0 for random weights (longer searches).
   */
  minConfidence?: number;
  maxChars?: number;
  contextChars?: number;
  seed?: number;
  /** Random weights only: decode with an n-gram's distribution (default true, see above). */
  shadow?: boolean;
  log?: (m: string) => void;
}

export interface LatencyResult {
  model: string;
  engine: string;
  warmP50: number;
  warmP95: number;
  coldP50: number;
  coldP95: number;
  /** Resident set size of this process at the end, MB (Node itself included). */
  rssMB: number;
  detail: {
    warmSamples: number;
    coldSamples: number;
    minConfidence: number;
    contextChars: number;
    /** One decoder step with the full beam (4 candidates): logProbs + advance, median ms. */
    beamStepMs: number;
    /** One step of one state (reading a typed character), median ms. */
    charStepMs: number;
    /** Median decoder steps (rows advanced) per warm request. */
    decodeStepsP50: number;
    /** Warm requests that returned a completion. */
    shownShare: number;
    distribution: 'model' | 'random' | 'ngram-shadow';
    loadMs: number;
    /**
     * The same requests in CPU time of this process (user + system), ms: unaffected by other
     * processes competing for the cores (wall times on a loaded machine include waiting).
     */
    warmCpuP50: number;
    warmCpuP95: number;
    coldCpuP50: number;
    coldCpuP95: number;
  };
}

export type ModelShape = { lstmSize: number; numLayers: number; vocabSize: number };

export async function measureLatency(model: string | ModelShape, opts: LatencyOptions = {}): Promise<LatencyResult> {
  const log = opts.log ?? (() => undefined);
  const { text, starts } = opts.text !== undefined ? { text: opts.text, starts: [0] } : defaultText();
  /** Offset where the file holding offset p starts (the editor sends that file's text before the cursor). */
  const docStart = (p: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid] <= p) lo = mid;
      else hi = mid - 1;
    }
    return starts[lo];
  };
  const t0 = performance.now();
  let completer: Completer<unknown>;
  let lstm: LstmModel;
  let name: string;
  let distribution: LatencyResult['detail']['distribution'] = 'model';
  /** The threshold a checkpoint answers with when no setting overrides it (its calibrated one). */
  let calibrated: number | undefined;
  if (typeof model === 'string') {
    const loaded = await loadCompleter(model, opts.engine ?? 'auto', log);
    calibrated = loaded.minConfidence;
    if (!loaded.lstm) throw new Error(`${model} has no trained LSTM yet`);
    lstm = loaded.lstm;
    completer = loaded.completer;
    name = `${lstm.lstmSize}x${lstm.numLayers} (${path.basename(model)})`;
  } else {
    const vocab = benchVocab(text, model.vocabSize);
    const shape = { vocabSize: vocab.size, lstmSize: model.lstmSize, numLayers: model.numLayers };
    lstm = await LstmModel.create(shape, randomWeights(shape, opts.seed ?? 1), opts.engine ?? 'auto', log);
    if (opts.shadow ?? true) {
      const ngram = KneserNeyModel.train([text], { order: 7, vocab });
      completer = new Completer(new ShadowModel(lstm, ngram), vocab) as Completer<unknown>;
      distribution = 'ngram-shadow';
    } else {
      completer = new Completer(lstm, vocab) as Completer<unknown>;
      distribution = 'random';
    }
    name = `${model.lstmSize}x${model.numLayers} random`;
  }
  const loadMs = performance.now() - t0;
  try {
    // As the extension answers: a checkpoint's calibrated threshold (else the setting's default).
    const minConfidence = opts.minConfidence ?? (typeof model === 'string' ? calibrated ?? SETTINGS['completion.minConfidence'].default : 0);
    const copts = {
      ...DEFAULT_COMPLETE_OPTIONS,
      minConfidence,
      maxChars: opts.maxChars ?? DEFAULT_COMPLETE_OPTIONS.maxChars,
      contextChars: opts.contextChars ?? DEFAULT_COMPLETE_OPTIONS.contextChars,
    };
    const rng = makeRng(opts.seed ?? 1);
    const positions = wordPositions(text, copts.contextChars);
    if (positions.length === 0) throw new Error('the latency text has no identifier positions');
    const pick = () => positions[Math.floor(rng() * positions.length)];
    let doc = 0;
    // As the editor asks: the whole text of the file before the cursor (the document cache reads
    // all of it on a cold request; the LSTM reads the last contextChars).
    const request = (p: number, key: string) => {
      const s = docStart(p);
      return completer.complete({ docKey: key, prefix: text.slice(s, p), offset: p - s, suffix: '' }, copts);
    };

    // Warm-up (JIT, weight packing), not measured.
    for (let i = 0; i < 5; i++) request(pick(), `warm-up-${i}`);

    const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
    const cold: number[] = [];
    const coldCpu: number[] = [];
    for (let i = 0; i < (opts.cold ?? 30); i++) {
      const p = pick();
      const c0 = process.cpuUsage();
      const s = performance.now();
      request(p, `cold-${doc++}`);
      cold.push(performance.now() - s);
      coldCpu.push(cpuMs(process.cpuUsage(c0)));
    }
    const warm: number[] = [];
    const warmCpu: number[] = [];
    const steps: number[] = [];
    let shown = 0;
    for (let r = 0; r < (opts.runs ?? 10); r++) {
      const p = pick();
      const key = `warm-${doc++}`;
      request(p, key);
      for (let k = 1; k <= (opts.keystrokes ?? 10) && p + k <= text.length; k++) {
        const c0 = process.cpuUsage();
        const s = performance.now();
        const res = request(p + k, key);
        warm.push(performance.now() - s);
        warmCpu.push(cpuMs(process.cpuUsage(c0)));
        steps.push(res.decodeSteps);
        if (res.completion) shown++;
      }
    }
    // Unit costs: one full-beam decoder step and one single-state step.
    const st = lstm.readSequence(lstm.initialState(), completer.vocab.encode(text.slice(0, 64))).state;
    const beam: number[] = [];
    const one: number[] = [];
    for (let i = 0; i < 30; i++) {
      let s = performance.now();
      const next = lstm.advance([st, st, st, st], [1, 2, 3, 4]);
      lstm.logProbs(next);
      beam.push(performance.now() - s);
      s = performance.now();
      lstm.logProbs(lstm.advance([st], [5]));
      one.push(performance.now() - s);
    }
    const result: LatencyResult = {
      model: name,
      engine: lstm.engine.name,
      warmP50: quantile(warm, 0.5),
      warmP95: quantile(warm, 0.95),
      coldP50: quantile(cold, 0.5),
      coldP95: quantile(cold, 0.95),
      rssMB: process.memoryUsage().rss / 2 ** 20,
      detail: {
        warmSamples: warm.length,
        coldSamples: cold.length,
        minConfidence,
        contextChars: copts.contextChars,
        beamStepMs: quantile(beam, 0.5),
        charStepMs: quantile(one, 0.5),
        decodeStepsP50: quantile(steps, 0.5),
        shownShare: warm.length ? shown / warm.length : 0,
        distribution,
        loadMs,
        warmCpuP50: quantile(warmCpu, 0.5),
        warmCpuP95: quantile(warmCpu, 0.95),
        coldCpuP50: quantile(coldCpu, 0.5),
        coldCpuP95: quantile(coldCpu, 0.95),
      },
    };
    log(`${name}: warm p50 ${result.warmP50.toFixed(2)} ms p95 ${result.warmP95.toFixed(2)} ms; cold p50 ${result.coldP50.toFixed(1)} ms p95 ${result.coldP95.toFixed(1)} ms; rss ${result.rssMB.toFixed(0)} MB (${lstm.engine.name})`);
    return result;
  } finally {
    lstm.dispose();
  }
}

/**
 * The LSTM's computation with another model's probabilities: states are pairs, `advance` and
 * `readSequence` run both, `logProbs` runs the LSTM's output layer and returns the other's.
 */
class ShadowModel<T> implements CharModel<[LstmState, T]>, SequenceReader<[LstmState, T]> {
  readonly vocabSize: number;
  constructor(private readonly lstm: LstmModel, private readonly dist: CharModel<T>) {
    if (lstm.vocabSize !== dist.vocabSize) throw new Error('shadow: vocabularies differ');
    this.vocabSize = lstm.vocabSize;
  }
  initialState(): [LstmState, T] {
    return [this.lstm.initialState(), this.dist.initialState()];
  }
  advance(states: [LstmState, T][], ids: number[]): [LstmState, T][] {
    const a = this.lstm.advance(states.map((s) => s[0]), ids);
    const b = this.dist.advance(states.map((s) => s[1]), ids);
    return a.map((x, i) => [x, b[i]]);
  }
  logProbs(states: [LstmState, T][]): Float32Array[] {
    this.lstm.logProbs(states.map((s) => s[0]));
    return this.dist.logProbs(states.map((s) => s[1]));
  }
  readSequence(state: [LstmState, T], ids: ArrayLike<number>, shouldStop?: () => boolean): { state: [LstmState, T]; read: number } {
    const r = this.lstm.readSequence(state[0], ids, shouldStop);
    let t = state[1];
    for (let i = 0; i < r.read; i++) t = this.dist.advance([t], [ids[i]])[0];
    return { state: [r.state, t], read: r.read };
  }
}

/** A vocabulary of `size` characters: the text's most frequent ones. */
function benchVocab(text: string, size: number): Vocab {
  const counts = new Map<string, number>();
  for (const ch of text) if (ch !== UNKNOWN) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const chars = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, Math.max(1, size - 1)).map(([c]) => c);
  // Pad with unused characters to the requested size.
  for (let cp = 0x100; chars.length < size - 1; cp++) if (!counts.has(String.fromCodePoint(cp))) chars.push(String.fromCodePoint(cp));
  return new Vocab([UNKNOWN, ...chars.sort()]);
}

/** Offsets right after an identifier character, with a full context before them. */
function wordPositions(text: string, context: number): number[] {
  const out: number[] = [];
  const re = /[A-Za-z_$][A-Za-z0-9_$]*/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const p = m.index + Math.max(1, Math.floor(m[0].length / 2));
    if (p >= context) out.push(p);
  }
  return out;
}

function defaultText(): { text: string; starts: number[] } {
  for (const dir of [path.join(__dirname, '..', '..', 'src'), path.join(__dirname, '..', 'src'), path.join(process.cwd(), 'src')]) {
    if (fs.existsSync(path.join(dir, 'core', 'text', 'vocab.ts'))) {
      const files: string[] = [];
      const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const f = path.join(d, e.name);
          if (e.isDirectory()) walk(f);
          else if (e.name.endsWith('.ts')) files.push(f);
        }
      };
      walk(dir);
      const texts = files.sort().map((f) => fs.readFileSync(f, 'utf8'));
      const starts: number[] = [];
      let at = 0;
      for (const t of texts) {
        starts.push(at);
        at += t.length + 1;
      }
      return { text: texts.join('\n'), starts };
    }
  }
  return { text: 'function add(a: number, b: number): number {\n  return a + b;\n}\n'.repeat(200), starts: [0] };
}
