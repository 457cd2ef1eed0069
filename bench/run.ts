/**
 * The benchmark (`npm run bench`, `node dist/bench.js`, or `charrnn bench` in a source checkout):
 * completion quality against an n-gram and a word-completion baseline, training
 * speed against PyTorch, and completion latency (see BENCHMARKS.md). Prints tables on stderr
 * while it runs and the final tables on stdout; `--json FILE` writes every number.
 */
import { Option, type Command } from 'commander';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BACKENDS, type Backend } from '../src/core/contracts/config';
import { DATA_PRESETS } from './data';
import { runQuality, type QualityResult } from './quality';
import { runSpeed, parseSizes } from './speedBench';
import { formatResults, type BenchResults, type LatencyRow } from './report';
import { runLatency } from './latencyBench';
import { addLearningOptions, formatLearning, runLearning } from './learning';

export interface BenchOptions {
  quality?: boolean;
  speed?: boolean;
  latency?: boolean;
  maxMinutes?: number | string;
  data?: string;
  sizes?: string;
  backend?: string;
  json?: string;
  runs?: number | string;
  positions?: number | string;
  seed?: number | string;
  model?: string;
  checkpoint?: string;
  keepModel?: string;
  bpcChars?: number | string;
  torch?: boolean;
  learning?: boolean;
  points?: string;
  trainConfig?: string;
  threads?: string;
  torchThreads?: string;
  torchLr?: string;
  skipOurs?: boolean;
  init?: string;
  base?: boolean;
  baseOnly?: boolean;
  recalibrate?: boolean;
  calibrationPositions?: string;
  calibrationZ?: string;
  typing?: number | string;
}

export interface BenchIo {
  /** Progress lines (default: stderr). */
  log?: (m: string) => void;
  /** The final report (default: stdout). */
  out?: (s: string) => void;
}

/** Adds the bench options to a commander command (the `bench` subcommand). */
export function addBenchOptions(cmd: Command): Command {
  return addLearningOptions(cmd)
    .option('--quality', 'run the completion-quality benchmark (default: all three)')
    .option('--speed', 'run the training-speed benchmark')
    .option('--latency', 'run the completion-latency benchmark')
    .option('--max-minutes <x>', 'CharRNN training budget of the quality run', '10')
    .option('--data <dir|name>', `benchmark on this folder or named corpus (${Object.keys(DATA_PRESETS).join(', ')}) instead of zod@3.25.76 (90/10 split by path)`)
    .option('--sizes <list>', 'model sizes of the speed benchmark', '128x2,256x2,512x2')
    .option('--model <size>', 'CharRNN size of the quality run', '256x2')
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend (auto = every available one for speed)').choices(BACKENDS as string[]).default('auto'))
    .option('--runs <n>', 'measurements per speed figure (the median is reported)', '3')
    .option('--positions <n>', 'identifier positions sampled in the held-out files', '500')
    .option('--seed <n>', 'seed for position sampling and training', '1')
    .option('--bpc-chars <n>', 'held-out characters scored for bits per character', '65536')
    .option('--typing <n>', 'keystrokes of held-out files typed character by character for the ghost-text measure (0: skip)', '20000')
    .option('--checkpoint <dir>', 'evaluate this trained model instead of training one')
    .option('--keep-model <dir>', 'keep the model trained by the quality run in this folder')
    .option('--no-torch', 'skip the PyTorch reference')
    .addOption(new Option('--init <how>', 'where the quality run\'s CharRNN starts: the base model (fine-tuning) or random weights').choices(['pretrained', 'scratch']))
    .option('--no-base', 'do not score the base model before training')
    .option('--base-only', 'score only the base model (base CharRNN alone, base + cache), with no training and no checkpoint')
    .option('--recalibrate', "with --checkpoint: calibrate its thresholds again with this code (on the trainer's validation split) before scoring")
    .option('--calibration-positions <n>', 'with --recalibrate: calibration positions (default: as the trainer)')
    .option('--calibration-z <z>', 'with --recalibrate: z of the lower confidence bound on precision (default: as the trainer; 0: the raw ratio)')
    .option('--json <file>', 'also write all results as JSON to this file');
}

function num(v: number | string | undefined, name: string, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number of at least ${min}`);
  return n;
}

export async function runBench(o: BenchOptions, io: BenchIo = {}): Promise<number> {
  const log = io.log ?? ((m: string) => process.stderr.write(`[bench] ${m}\n`));
  const out = io.out ?? ((s: string) => process.stdout.write(s + '\n'));
  const t0 = Date.now();
  if (o.learning) {
    const r = await runLearning({
      data: o.data, maxMinutes: num(o.maxMinutes, '--max-minutes', 10, 0.05), pointsSec: (o.points ?? '1,2,5,10').split(',').map((m) => Number(m) * 60),
      lstmSize: parseSizes(o.model ?? '256x2')[0].lstmSize, numLayers: parseSizes(o.model ?? '256x2')[0].numLayers, backend: (o.backend ?? 'auto') as Backend,
      seed: num(o.seed, '--seed', 1), bpcChars: num(o.bpcChars, '--bpc-chars', 65536, 100), torch: o.torch !== false, torchThreads: num(o.torchThreads, '--torch-threads', 1, 1), torchLr: o.torchLr ? num(o.torchLr, '--torch-lr', 0.002, 1e-6) : undefined, skipOurs: o.skipOurs,
      threads: o.threads ? num(o.threads, '--threads', 0, 1) : undefined, overrides: o.trainConfig ? JSON.parse(o.trainConfig) : undefined, log,
    });
    out(formatLearning(r) + `\n${((Date.now() - t0) / 1000).toFixed(0)} s in all; load average ${os.loadavg()[0].toFixed(2)} at the end.`);
    if (o.json) fs.writeFileSync(o.json, JSON.stringify({ date: new Date().toISOString(), command: `charrnn bench ${process.argv.slice(3).join(' ')}`, learning: r }, null, 1));
    return 0;
  }
  const all = !o.quality && !o.speed && !o.latency;
  const doQuality = all || !!o.quality;
  const doSpeed = all || !!o.speed;
  const doLatency = all || !!o.latency;
  let backend: Backend;
  let maxMinutes: number;
  let runs: number;
  let positions: number;
  let seed: number;
  let bpcChars: number;
  let sizes: ReturnType<typeof parseSizes>;
  let model: ReturnType<typeof parseSizes>[number];
  try {
    backend = (o.backend ?? 'auto') as Backend;
    if (!BACKENDS.includes(backend)) throw new Error(`--backend must be one of ${BACKENDS.join(', ')}`);
    maxMinutes = num(o.maxMinutes, '--max-minutes', 10, 0.05);
    runs = Math.round(num(o.runs, '--runs', 3, 1));
    positions = Math.round(num(o.positions, '--positions', 500, 1));
    seed = Math.round(num(o.seed, '--seed', 1, 0));
    bpcChars = Math.round(num(o.bpcChars, '--bpc-chars', 65536, 100));
    sizes = parseSizes(o.sizes ?? '128x2,256x2,512x2');
    [model] = parseSizes(o.model ?? '256x2');
    if (o.data && !fs.existsSync(o.data) && !DATA_PRESETS[o.data]) throw new Error(`no such folder or named corpus: ${o.data} (named: ${Object.keys(DATA_PRESETS).join(', ')})`);
    if (o.checkpoint && !fs.existsSync(o.checkpoint)) throw new Error(`no such model folder: ${o.checkpoint}`);
  } catch (e) {
    process.stderr.write(`charrnn bench: ${(e as Error).message}\n`);
    return 2;
  }

  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '?', node: process.version, platform: `${os.platform()} ${os.release()}` },
    command: `charrnn bench ${benchArgs(process.argv).join(' ')}`.trim(),
    load: { start: os.loadavg()[0], end: NaN },
    errors: [],
    totalSec: 0,
  };
  let quality: QualityResult | undefined;
  try {
    if (doQuality) {
      try {
        quality = await runQuality({
          data: o.data, maxMinutes, lstmSize: model.lstmSize, numLayers: model.numLayers, backend, positions, seed, bpcChars,
          checkpoint: o.checkpoint, keepModel: o.keepModel, ngramOrders: [7, 12], log,
          init: o.init as 'pretrained' | 'scratch' | undefined, base: o.base, baseOnly: o.baseOnly, recalibrate: o.recalibrate,
          calibrationPositions: o.calibrationPositions ? num(o.calibrationPositions, '--calibration-positions', 1000, 1) : undefined,
          calibrationZ: o.calibrationZ !== undefined ? num(o.calibrationZ, '--calibration-z', 1.28, 0) : undefined,
          typingKeystrokes: num(o.typing, '--typing', 20000, 0),
        });
        results.quality = quality;
      } catch (e) {
        results.errors.push(`quality: ${(e as Error).message}`);
        log(`quality failed: ${(e as Error).stack ?? String(e)}`);
      }
    }
    if (doLatency) {
      try {
        const dir = quality?.checkpointDir ?? o.checkpoint;
        const rows: LatencyRow[] = await runLatency({ checkpoint: dir, sizes: dir ? [] : sizes, log });
        results.latency = rows;
      } catch (e) {
        results.latency = { error: (e as Error).message };
        log(`latency failed: ${(e as Error).stack ?? String(e)}`);
      }
    }
    if (doSpeed) {
      try {
        results.speed = await runSpeed({
          sizes, backend, batch: 32, steps: 64, vocabSize: 96, runs, warmup: 2, iters: 5, torch: o.torch !== false, log,
        });
      } catch (e) {
        results.errors.push(`speed: ${(e as Error).message}`);
        log(`speed failed: ${(e as Error).stack ?? String(e)}`);
      }
    }
  } finally {
    if (quality?.cleanup) fs.rmSync(quality.cleanup, { recursive: true, force: true });
  }
  results.totalSec = (Date.now() - t0) / 1000;
  results.load.end = os.loadavg()[0];
  out(formatResults(results));
  if (o.json) {
    fs.mkdirSync(path.dirname(path.resolve(o.json)), { recursive: true });
    fs.writeFileSync(o.json, JSON.stringify(results, null, 1));
    log(`results written to ${o.json}`);
  }
  return results.errors.length ? 1 : 0;
}

/** The bench's own arguments, whichever way it was started (`charrnn bench …` or `bench.js …`). */
function benchArgs(argv: string[]): string[] {
  const i = argv.indexOf('bench');
  return argv.slice(i >= 0 ? i + 1 : 2);
}
