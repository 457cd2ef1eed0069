/**
 * The speed benchmark: training characters per second (forward + backward + Adam + clipping) of
 * our engine for each model size on each available backend, and, in the same run, the PyTorch
 * reference of the same model (bench/pytorch_lstm.py) when python3 with torch is present, with
 * the ratio ours / PyTorch. Each figure is the median of `runs` measurements.
 */
import type { Backend } from '../src/core/contracts/config';
import { initBackend } from '../src/core/lstm/engine/backend';
import { measureTrainSpeed } from './trainSpeed';
import { median } from './metrics';
import { runTorchReference, type TorchResult } from './pytorch';

export interface ModelSize {
  lstmSize: number;
  numLayers: number;
}

export interface SpeedOptions {
  sizes: ModelSize[];
  /** 'auto' = every backend that initialises (the pure-JS cpu backend only at the smallest size). */
  backend: Backend;
  batch: number;
  steps: number;
  vocabSize: number;
  runs: number;
  warmup: number;
  iters: number;
  torch: boolean;
  log: (m: string) => void;
}

export interface SpeedRow {
  size: string;
  backend: string;
  threads?: number;
  /** Median over runs, chars/s. */
  charsPerSec?: number;
  runs: number[];
  msPerStepMedian?: number;
  error?: string;
  torchCharsPerSec?: number;
  torchThreads?: number;
  /** ours / PyTorch, measured back to back. */
  ratio?: number;
}

export interface SpeedResult {
  batch: number;
  steps: number;
  vocabSize: number;
  rows: SpeedRow[];
  torch: TorchResult[] | { available: false; reason: string };
}

export function parseSizes(spec: string): ModelSize[] {
  return spec.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const m = /^(\d+)x(\d+)$/.exec(s);
    if (!m) throw new Error(`bad model size "${s}" (expected e.g. 256x2)`);
    return { lstmSize: Number(m[1]), numLayers: Number(m[2]) };
  });
}

export async function runSpeed(o: SpeedOptions): Promise<SpeedResult> {
  const backends: Backend[] = o.backend === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [o.backend];
  const rows: SpeedRow[] = [];
  const torchResults: TorchResult[] = [];
  let torchMissing: string | undefined;
  const unavailable = new Set<Backend>();
  const smallest = [...o.sizes].sort((a, b) => a.lstmSize * a.numLayers - b.lstmSize * b.numLayers)[0];
  for (const size of o.sizes) {
    const label = `${size.lstmSize}x${size.numLayers}`;
    const ours: SpeedRow[] = [];
    for (const b of backends) {
      if (o.backend === 'auto' && b === 'cpu' && size !== smallest) continue;
      if (unavailable.has(b)) continue;
      const row: SpeedRow = { size: label, backend: b, runs: [] };
      try {
        const info = await initBackend(b);
        row.backend = info.name;
        row.threads = info.threads;
        if (rows.some((r) => r.size === label && r.backend === info.name)) continue;
        const steps: number[] = [];
        // The pure-JS cpu backend takes ~10 s a step: one short run.
        const slow = info.name === 'cpu';
        for (let r = 0; r < (slow ? 1 : o.runs); r++) {
          const res = await measureTrainSpeed({
            lstmSize: size.lstmSize, numLayers: size.numLayers, batch: o.batch, steps: o.steps,
            vocabSize: o.vocabSize, warmup: slow ? 1 : o.warmup, iters: slow ? Math.min(2, o.iters) : o.iters,
          });
          row.runs.push(res.charsPerSec);
          steps.push(...res.msPerStep);
        }
        row.charsPerSec = median(row.runs);
        row.msPerStepMedian = median(steps);
        o.log(`speed ${label} ${row.backend} (${row.threads} thread(s)): ${Math.round(row.charsPerSec)} chars/s (runs ${row.runs.map(Math.round).join(', ')})`);
      } catch (e) {
        if (o.backend === 'auto' && /not available|cannot|unavailable|not installed|Cannot find/i.test((e as Error).message) && b === 'tensorflow') {
          o.log(`speed: backend ${b} not available (${(e as Error).message.split('\n')[0]})`);
          unavailable.add(b);
          continue;
        }
        row.error = (e as Error).message.split('\n')[0];
        o.log(`speed ${label} ${b}: ${row.error}`);
      }
      ours.push(row);
      rows.push(row);
    }
    if (o.torch && !torchMissing) {
      const t = await runTorchReference({
        lstmSize: size.lstmSize, numLayers: size.numLayers, batch: o.batch, steps: o.steps,
        vocabSize: o.vocabSize, warmup: o.warmup, iters: o.iters,
      });
      if (!t.available) {
        torchMissing = t.reason;
        o.log(`PyTorch reference: not available (${t.reason})`);
      } else {
        torchResults.push(t);
        o.log(`PyTorch ${label}: ${Math.round(t.best.charsPerSec)} chars/s with ${t.best.threads} thread(s) (${t.runs.map((r) => `${r.threads}: ${Math.round(r.charsPerSec)}`).join(', ')})${t.errors.length ? `; failed: ${t.errors.join('; ')}` : ''}`);
        for (const r of ours) {
          r.torchCharsPerSec = t.best.charsPerSec;
          r.torchThreads = t.best.threads;
          if (r.charsPerSec) r.ratio = r.charsPerSec / t.best.charsPerSec;
        }
      }
    }
  }
  return {
    batch: o.batch,
    steps: o.steps,
    vocabSize: o.vocabSize,
    rows,
    torch: torchMissing ? { available: false, reason: torchMissing } : torchResults,
  };
}
