/**
 * Trains the CharRNN for the quality benchmark in the extension's own trainer process
 * (dist/trainer.js, or out/src/trainer/main.js from tsc output): sends it the run as a `start`
 * message (core's TrainJob) and reads back its training events, and samples the child's peak
 * resident memory (VmHWM in /proc/<pid>/status) while it runs. Without a trainer script it
 * trains in this process (then the peak RSS is this process's).
 */
import { fork } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { defaultTrainConfig, SETTINGS, type Backend, type ModelInit, type TrainConfig } from '../src/core/contracts/config';
import type { CorpusDoc } from '../src/core/corpus/corpus';
import { runTraining } from '../src/core/training/train';
import { isTrainingEvent, type DoneEvent, type TrainingEvent, type TrainJob } from '../src/core/contracts/trainEvents';
import { writeDocs, type BenchDoc } from './data';

export interface TrainOutcome {
  done: DoneEvent;
  where: 'trainer process' | 'bench process';
  /** Peak resident set of the training process, MB (undefined where /proc is missing). */
  peakRssMB?: number;
  backend?: string;
  threads?: number;
  corpus?: Extract<TrainingEvent, { type: 'corpus' }>;
  last?: Extract<TrainingEvent, { type: 'progress' }>;
  /** Validation losses (bits/char) by step. */
  valCurve: { step: number; elapsedSec: number; valLoss: number }[];
  wallSec: number;
}

/** VmHWM (peak RSS) of a process in MB, from /proc; undefined when unavailable. */
export function peakRssMB(pid: number | 'self' = 'self'): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function trainerScript(): string | undefined {
  const candidates = [
    path.join(__dirname, 'trainer.js'), // dist/cli.js -> dist/trainer.js
    path.join(__dirname, '..', 'src', 'trainer', 'main.js'), // out/bench -> out/src/trainer
    path.join(__dirname, '..', 'trainer', 'main.js'), // out/src/cli -> out/src/trainer
  ];
  return candidates.find((c) => fs.existsSync(c));
}

/** The bench's training settings: the defaults, its model size, backend, seed and time limit (no epoch limit). */
export function benchTrainConfig(o: { lstmSize: number; numLayers: number; backend: Backend; maxMinutes: number; seed: number; init?: ModelInit }): TrainConfig {
  return { ...defaultTrainConfig(), lstmSize: o.lstmSize, numLayers: o.numLayers, backend: o.backend, epochs: 0, maxMinutes: o.maxMinutes, seed: o.seed, ...(o.init ? { init: o.init } : {}) };
}

export interface TrainRunOptions {
  config: TrainConfig;
  docs: BenchDoc[];
  /** Scratch folder (the training files are written under it for the trainer process). */
  workDir: string;
  checkpointDir: string;
  log: (m: string) => void;
  /** Force training in this process. */
  inProcess?: boolean;
}

export async function trainCharRnn(o: TrainRunOptions): Promise<TrainOutcome> {
  const t0 = Date.now();
  const out: Omit<TrainOutcome, 'done' | 'where' | 'wallSec'> = { valCurve: [] };
  let lastLog = 0;
  const onEvent = (e: TrainingEvent) => {
    switch (e.type) {
      case 'ready':
        out.backend = e.backend;
        out.threads = e.threads;
        o.log(`trainer: backend ${e.backend}, ${e.threads} thread(s)`);
        break;
      case 'corpus':
        out.corpus = e;
        o.log(`trainer: ${e.files} files, ${e.trainChars} training + ${e.valChars} validation chars, vocabulary ${e.vocabSize}, ${e.parameters} parameters`);
        break;
      case 'progress':
        out.last = e;
        if (e.valLoss !== undefined) out.valCurve.push({ step: e.step, elapsedSec: e.elapsedSec, valLoss: e.valLoss });
        if (Date.now() - lastLog > 30_000 || e.valLoss !== undefined) {
          lastLog = Date.now();
          o.log(`trainer: step ${e.step} epoch ${e.epoch} loss ${e.loss.toFixed(3)}${e.valLoss !== undefined ? ` val ${e.valLoss.toFixed(3)}` : ''} bits/char, ${Math.round(e.charsPerSec)} chars/s, ${Math.round(e.elapsedSec)} s`);
        }
        break;
      case 'error':
      case 'log':
        o.log(`trainer: ${e.message.split('\n')[0]}`);
        break;
      default:
        break;
    }
  };
  const script = o.inProcess ? undefined : trainerScript();
  if (!script) {
    const docs: CorpusDoc[] = o.docs.map((d) => ({ path: d.relPath, relPath: d.relPath, folder: '', text: d.text, bytes: Buffer.byteLength(d.text) }));
    const done = await runTraining({ config: o.config, docs, checkpointDir: o.checkpointDir, resume: false, onEvent, samples: false });
    return { ...out, done, where: 'bench process', peakRssMB: peakRssMB(), wallSec: (Date.now() - t0) / 1000 };
  }
  const folder = path.join(o.workDir, 'train');
  writeDocs(folder, o.docs);
  const child = fork(script, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  let peak: number | undefined;
  const sample = () => {
    const v = child.pid ? peakRssMB(child.pid) : undefined;
    if (v !== undefined) peak = Math.max(peak ?? 0, v);
  };
  const timer = setInterval(sample, 500);
  try {
    const done = await new Promise<DoneEvent>((resolve, reject) => {
      let result: DoneEvent | undefined;
      let error: string | undefined;
      child.on('message', (m: unknown) => {
        if (!isTrainingEvent(m)) return; // the run's events; the answers to pause / resume are never asked for
        if (m.type === 'done') {
          sample();
          result = m;
        }
        if (m.type === 'error') error = m.message;
        onEvent(m);
      });
      child.on('exit', (code) => {
        if (result) resolve(result);
        else reject(new Error(`the trainer exited (${code}) without finishing: ${error ?? stderr.trim().split('\n').pop() ?? ''}`));
      });
      child.on('error', reject);
      const job: TrainJob = {
        config: o.config,
        folders: [folder],
        corpus: {
          include: ['**/*'],
          exclude: [],
          maxFileBytes: SETTINGS['training.maxFileBytes'].maximum,
          maxCorpusBytes: SETTINGS['training.maxCorpusBytes'].maximum,
          filesExclude: [],
        },
        checkpointDir: o.checkpointDir,
        resume: false,
      };
      child.send({ type: 'start', ...job });
    });
    if (out.corpus && out.corpus.files !== o.docs.length) {
      o.log(`warning: the trainer used ${out.corpus.files} of the ${o.docs.length} training files`);
    }
    return { ...out, done, where: 'trainer process', peakRssMB: peak, wallSec: (Date.now() - t0) / 1000 };
  } finally {
    clearInterval(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}
