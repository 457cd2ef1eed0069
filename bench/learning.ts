/**
 * `charrnn bench --learning`: time to quality. The LSTM alone, trained by our trainer (in this
 * process, the same runTraining as the extension's trainer: validation, checkpoints and mixture
 * refits included in its clock) and by the PyTorch reference (bench/pytorch_lstm.py --learn: the
 * same training split, model size, batch, steps, Adam and clipping; its own recipe otherwise:
 * constant learning rate 0.002 unless --torch-lr, PyTorch's default initialisation), back to back, each scored at the same training times (1, 2, 5, 10 minutes) by
 * the quality bench's held-out bits/char: the first `bpcChars` characters of the held-out files,
 * each file read from its start, by the inference model (src/core/lstm/lstmModel.ts) for ours.
 * Our clock is the run's (maxMinutes'): from its start, so the corpus and n-gram stage, validation,
 * checkpoints and mixture refits count; PyTorch's counts its training steps only. Scoring stops
 * both clocks; snapshots of our weights are scored after the run.
 */
import { spawn } from 'child_process';
import type { Command } from 'commander';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { validateTrainConfig, type Backend, type TrainConfig } from '../src/core/contracts/config';
import type { CorpusDoc } from '../src/core/corpus/corpus';
import { splitCorpus } from '../src/core/training/batching';
import { Vocab } from '../src/core/text/vocab';
import { runTraining, type TrainSnapshot } from '../src/core/training/train';
import { LstmModel } from '../src/core/lstm/lstmModel';
import { currentBackend } from '../src/core/lstm/engine/backend';
import { loadBenchData } from './data';
import { benchTrainConfig } from './trainRun';
import { bitsPerChar } from '../src/core/lm/bitsPerChar';
import { findTorchPython, referenceScript, torchEnv } from './pytorch';

export interface LearningOptions {
  data?: string;
  maxMinutes: number;
  /** Training times to score at, seconds (those past maxMinutes are dropped; the end is always scored). */
  pointsSec: number[];
  lstmSize: number;
  numLayers: number;
  backend: Backend;
  seed: number;
  bpcChars: number;
  torch: boolean;
  /** PyTorch threads (default 1: the faster on this machine in the speed bench). */
  torchThreads?: number;
  /** PyTorch's (constant) learning rate (default TORCH_LR, its own recipe's). */
  torchLr?: number;
  /** Skip our trainer (PyTorch alone, on the same split). */
  skipOurs?: boolean;
  /** Our trainer's settings on top of the defaults (experiments), e.g. {"learningRate": 0.004}. */
  overrides?: Partial<TrainConfig>;
  /** Our wasm threads (undefined: the trainer's own choice). */
  threads?: number;
  log: (m: string) => void;
}

export interface LearningPoint {
  atSec: number;
  elapsedSec: number;
  step: number;
  charsSeen: number;
  /** Held-out bits/char of the LSTM alone. */
  bpc: number;
}

export interface LearningCurve {
  engine: string;
  points: LearningPoint[];
  /** Training characters per second over the run (ours: including validation and refits). */
  charsPerSec?: number;
  threads?: number | string;
  load: { start: number; end: number };
  notes: string[];
}

export interface LearningResult {
  data: { name: string; trainFiles: number; testFiles: number; trainChars: number; valChars: number; vocabSize: number };
  bpcChars: number;
  config: TrainConfig;
  ours: LearningCurve;
  torch?: LearningCurve | { error: string };
}

/** Options of the learning part, added to the bench command. */
export function addLearningOptions(cmd: Command): Command {
  return cmd
    .option('--learning', 'time to quality: held-out bits/char of the LSTM at training times, ours and PyTorch (uses --max-minutes, --model, --seed, --bpc-chars, --data)')
    .option('--points <list>', 'training minutes at which --learning scores', '1,2,5,10')
    .option('--train-config <json>', 'settings of our trainer on top of the defaults, for --learning experiments (JSON)')
    .option('--threads <n>', 'wasm threads of our trainer in --learning (default: its own choice)')
    .option('--torch-threads <n>', 'PyTorch threads in --learning', '1')
    .option('--torch-lr <x>', 'PyTorch\'s constant learning rate in --learning (default: its recipe\'s 0.002)')
    .option('--skip-ours', 'in --learning, run only the PyTorch reference');
}

const load1 = () => os.loadavg()[0];
/** The PyTorch reference's own learning rate (bench/pytorch_lstm.py, constant, Adam). */
export const TORCH_LR = 0.002;

export async function runLearning(o: LearningOptions): Promise<LearningResult> {
  const log = o.log;
  const data = await loadBenchData({ data: o.data, log });
  // Time to quality from random weights, as PyTorch starts (the base model would make it another race;
  // --train-config '{"init":"pretrained"}' measures that).
  const config: TrainConfig = { ...benchTrainConfig({ ...o, init: 'scratch' }), ...o.overrides };
  const problems = validateTrainConfig(config);
  if (problems.length) throw new Error(`--train-config: ${problems.join('; ')}`);
  const docs: CorpusDoc[] = data.train.map((d) => ({ path: d.relPath, relPath: d.relPath, folder: '', text: d.text, bytes: Buffer.byteLength(d.text) }));
  // The trainer builds the same vocabulary and split from the same documents (checked below).
  const vocab = Vocab.build(docs.map((d) => d.text));
  const split = splitCorpus(docs, vocab, config.valFraction);
  const points = [...new Set(o.pointsSec.filter((s) => s < o.maxMinutes * 60).concat([o.maxMinutes * 60]))].sort((a, b) => a - b);
  // The held-out characters scored, cut as modelBitsPerChar cuts them.
  const testIds: Int32Array[] = [];
  let budget = o.bpcChars;
  for (const d of data.test) {
    if (budget <= 0) break;
    const ids = vocab.encode(d.text);
    const n = Math.min(ids.length, budget);
    if (n > 0) testIds.push(ids.subarray(0, n));
    budget -= n;
  }
  const result: LearningResult = {
    data: { name: data.name, trainFiles: split.trainFiles, testFiles: testIds.length, trainChars: split.train.length, valChars: split.val.length, vocabSize: vocab.size },
    bpcChars: o.bpcChars,
    config,
    ours: { engine: 'ours', points: [], load: { start: load1(), end: NaN }, notes: [] },
  };
  log(`learning: ${data.name}, ${split.train.length} training chars, vocabulary ${vocab.size}; ${config.lstmSize}x${config.numLayers}, batch ${config.batchSize}, ` +
    `${config.numSteps} steps, lr ${config.learningRate}; scored at ${points.map((p) => `${p} s`).join(', ')} on ${testIds.reduce((n, t) => n + t.length, 0)} held-out chars`);

  // 1. Ours.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-learning-'));
  try {
    const snaps: TrainSnapshot[] = [];
    let last: { charsPerSec: number } | undefined;
    let lastLog = 0;
    const done = o.skipOurs ? { reason: 'skipped' } : await runTraining({
      config,
      docs,
      checkpointDir: path.join(work, 'model'),
      resume: false,
      samples: false,
      threads: o.threads,
      snapshots: { atSec: points, take: (s) => snaps.push(s) },
      onEvent: (e) => {
        if (e.type === 'ready') {
          result.ours.threads = e.threads;
          log(`ours: backend ${e.backend}, ${e.threads} thread(s)`);
        } else if (e.type === 'corpus') {
          if (e.vocabSize !== vocab.size || e.trainChars !== split.train.length) {
            result.ours.notes.push(`the trainer's corpus differs from the bench's: vocabulary ${e.vocabSize}, ${e.trainChars} training chars`);
          }
        } else if (e.type === 'progress') {
          last = e;
          if (e.valLoss !== undefined || Date.now() - lastLog > 30_000) {
            lastLog = Date.now();
            log(`ours: step ${e.step} loss ${e.loss.toFixed(3)}${e.valLoss !== undefined ? ` val ${e.valLoss.toFixed(3)}` : ''}, ${Math.round(e.charsPerSec)} chars/s, ${Math.round(e.elapsedSec)} s`);
          }
        } else if (e.type === 'log' || e.type === 'error') {
          log(`ours: ${e.message.split('\n')[0]}`);
          if (e.message.startsWith('wasm threads:')) result.ours.notes.push(e.message);
        }
      },
    });
    result.ours.load.end = load1();
    const endThreads = currentBackend()?.threads;
    if (endThreads !== undefined && endThreads !== result.ours.threads) result.ours.threads = `${result.ours.threads} at the start, ${endThreads} at the end`;
    result.ours.charsPerSec = last?.charsPerSec;
    result.ours.notes.push(`stopped: ${done.reason}`);
    for (const s of snaps) {
      const model = await LstmModel.create({ vocabSize: vocab.size, lstmSize: config.lstmSize, numLayers: config.numLayers }, s.weights, 'auto');
      try {
        const b = bitsPerChar(model, (k: string) => testIds[Number(k)], testIds.map((_, i) => String(i)), { maxChars: o.bpcChars, batch: 32 });
        result.ours.points.push({ atSec: s.atSec, elapsedSec: s.elapsedSec, step: s.step, charsSeen: s.charsSeen, bpc: b.bpc });
        log(`ours at ${s.atSec} s (trained ${s.elapsedSec.toFixed(0)} s, step ${s.step}): ${b.bpc.toFixed(3)} bits/char held out`);
      } finally {
        model.dispose();
      }
    }

    // 2. PyTorch, on the same training split and held-out characters.
    if (o.torch) {
      try {
        result.torch = await runTorchLearning(o, config, vocab.size, split.train, testIds, points, work);
      } catch (e) {
        result.torch = { error: (e as Error).message };
        log(`PyTorch: ${(e as Error).message}`);
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return result;
}

async function runTorchLearning(
  o: LearningOptions, config: TrainConfig, vocabSize: number, train: Int32Array, testIds: Int32Array[], points: number[], work: string,
): Promise<LearningCurve> {
  const script = referenceScript();
  if (!script) throw new Error('bench/pytorch_lstm.py not found');
  const found = await findTorchPython();
  if ('reason' in found) throw new Error(found.reason);
  const dir = path.join(work, 'torch');
  fs.mkdirSync(dir, { recursive: true });
  const le = (a: Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength); // x86/arm: little-endian
  fs.writeFileSync(path.join(dir, 'train.bin'), le(train));
  const all = new Int32Array(testIds.reduce((n, t) => n + t.length, 0));
  let off = 0;
  for (const t of testIds) {
    all.set(t, off);
    off += t.length;
  }
  fs.writeFileSync(path.join(dir, 'test.bin'), le(all));
  fs.writeFileSync(path.join(dir, 'test.json'), JSON.stringify({ lengths: testIds.map((t) => t.length) }));
  const threads = o.torchThreads ?? 1;
  const args = [
    script, '--learn', dir, '--points', points.join(','), '--hidden', String(config.lstmSize), '--layers', String(config.numLayers),
    '--batch', String(config.batchSize), '--steps', String(config.numSteps), '--vocab', String(vocabSize),
    '--lr', String(o.torchLr ?? TORCH_LR), '--clip', String(config.gradClip), '--threads', String(threads), '--seed', String(config.seed),
  ];
  const curve: LearningCurve = { engine: `PyTorch ${found.torch}`, points: [], threads, load: { start: load1(), end: NaN }, notes: [] };
  curve.notes.push(`lr ${o.torchLr ?? TORCH_LR} constant, PyTorch's default initialisation`);
  o.log(`PyTorch ${found.torch}: ${threads} thread(s), same split, size, batch, steps, Adam, clipping; lr ${o.torchLr ?? TORCH_LR}`);
  const final = await new Promise<{ charsPerSec?: number; error?: string }>((resolve, reject) => {
    const child = spawn(found.python, args, { env: torchEnv(threads), stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let err = '';
    let end: { charsPerSec?: number; error?: string } = {};
    const timer = setTimeout(() => child.kill(), (points[points.length - 1] * 3 + 600) * 1000);
    child.stdout.on('data', (b: Buffer) => {
      buf += b.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (!line) continue;
        const j = JSON.parse(line) as { point?: number; elapsedSec: number; step: number; charsSeen: number; bpc: number; charsPerSec?: number; error?: string };
        if (j.point !== undefined) {
          curve.points.push({ atSec: j.point, elapsedSec: j.elapsedSec, step: j.step, charsSeen: j.charsSeen, bpc: j.bpc });
          o.log(`PyTorch at ${j.point} s (step ${j.step}): ${j.bpc.toFixed(3)} bits/char held out`);
        } else {
          end = j;
        }
      }
    });
    child.stderr.on('data', (b: Buffer) => {
      err = (err + b.toString()).slice(-2000);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(end);
      else reject(new Error(`pytorch_lstm.py --learn exited ${code}: ${end.error ?? err.trim().split('\n').pop() ?? ''}`));
    });
  });
  curve.load.end = load1();
  curve.charsPerSec = final.charsPerSec;
  return curve;
}

const f = (x: number | undefined, d = 3) => (x !== undefined && Number.isFinite(x) ? x.toFixed(d) : '–');

/** The result as a table: one row per time point, ours and PyTorch side by side. */
export function formatLearning(r: LearningResult, markdown = false): string {
  const torch = r.torch && 'points' in r.torch ? r.torch : undefined;
  const head = ['minutes', 'ours bits/char', 'ours step', 'ours M chars', 'PyTorch bits/char', 'PyTorch step', 'PyTorch M chars'];
  const at = [...new Set([...r.ours.points.map((p) => p.atSec), ...(torch?.points.map((p) => p.atSec) ?? [])])].sort((a, b) => a - b);
  const rows = at.map((sec) => {
    const p = r.ours.points.find((x) => x.atSec === sec);
    const t = torch?.points.find((x) => x.atSec === sec);
    return [f(sec / 60, 2), f(p?.bpc), p ? String(p.step) : '–', p ? f(p.charsSeen / 1e6, 2) : '–', f(t?.bpc), t ? String(t.step) : '–', t ? f(t.charsSeen / 1e6, 2) : '–'];
  });
  const lines: string[] = [];
  lines.push(markdown ? `\n### Time to quality: ${r.data.name}\n` : `\n== Time to quality: ${r.data.name} ==`);
  if (markdown) {
    lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((x) => `| ${x.join(' | ')} |`));
  } else {
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i].length)));
    const line = (x: string[]) => x.map((c, i) => c.padStart(w[i])).join('  ');
    lines.push(line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line));
  }
  const c = r.config;
  lines.push(`LSTM alone, held-out bits/char on the first ${r.bpcChars} held-out chars (${r.data.testFiles} files, each from its start); ` +
    `${c.lstmSize}x${c.numLayers}, batch ${c.batchSize}, ${c.numSteps} steps, lr ${c.learningRate}, clip ${c.gradClip}; ` +
    `${r.data.trainChars} training chars, vocabulary ${r.data.vocabSize}.`);
  lines.push(`ours: ${r.ours.threads ?? '?'} wasm thread(s), ${f(r.ours.charsPerSec, 0)} chars/s (n-gram stage, validation and refits in the clock), ` +
    `load average ${f(r.ours.load.start, 2)} -> ${f(r.ours.load.end, 2)}; ${r.ours.notes.join('; ')}`);
  if (torch) {
    lines.push(`${torch.engine}: ${torch.threads} thread(s), ${f(torch.charsPerSec, 0)} chars/s, ${torch.notes.join('; ')}, load average ${f(torch.load.start, 2)} -> ${f(torch.load.end, 2)}`);
  } else if (r.torch && 'error' in r.torch) {
    lines.push(`PyTorch: not measured (${r.torch.error})`);
  }
  return lines.join('\n');
}
