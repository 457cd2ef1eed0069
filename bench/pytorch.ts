/**
 * Runs the PyTorch reference (bench/pytorch_lstm.py) when a python3 that imports torch is present.
 * Debian's python3-torch links the generic libblas.so.3; the reference is run with OpenBLAS's
 * pthread build on LD_LIBRARY_PATH and OPENBLAS_NUM_THREADS set, at 1 and 2 threads, keeping the
 * better (see /work/shared/notes/performance.md). Nothing is installed from here: without torch
 * the result says "not available" and why.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { SpeedSetup } from './trainSpeed';

export interface TorchRun {
  threads: number;
  charsPerSec: number;
  msPerStep: number[];
}

export type TorchResult =
  | { available: true; python: string; torch: string; blas: string; best: TorchRun; runs: TorchRun[]; errors: string[] }
  | { available: false; reason: string };

export interface TorchOptions extends SpeedSetup {
  /** Thread counts to try (default [1, 2]). */
  threads?: number[];
  /** Per run (default 180 s). */
  timeoutMs?: number;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      const killed = !!(err as { killed?: boolean } | null)?.killed;
      resolve({ code, stdout: String(stdout), stderr: killed ? `timed out after ${timeoutMs / 1000} s` : String(stderr) || (err ? err.message : '') });
    });
  });
}

/** The folder of OpenBLAS's pthread build (Debian: /usr/lib/<triplet>/openblas-pthread), if any. */
export function openblasDir(): string | undefined {
  const lib = '/usr/lib';
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(lib);
  } catch {
    return undefined;
  }
  for (const e of [...entries].sort()) {
    const dir = path.join(lib, e, 'openblas-pthread');
    if (fs.existsSync(path.join(dir, 'libblas.so.3'))) return dir;
  }
  return undefined;
}

/** Environment for one PyTorch run: OpenBLAS first on the library path, `threads` threads. */
export function torchEnv(threads: number, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  const dir = openblasDir();
  if (dir) env.LD_LIBRARY_PATH = base.LD_LIBRARY_PATH ? `${dir}:${base.LD_LIBRARY_PATH}` : dir;
  return env;
}

/** bench/pytorch_lstm.py, from the source tree, out/bench or dist. */
export function referenceScript(): string | undefined {
  const candidates = [
    path.join(__dirname, 'pytorch_lstm.py'),
    path.join(__dirname, '..', '..', 'bench', 'pytorch_lstm.py'),
    path.join(__dirname, '..', 'bench', 'pytorch_lstm.py'),
    path.join(process.cwd(), 'bench', 'pytorch_lstm.py'),
  ];
  return candidates.find((c) => fs.existsSync(c));
}

/** The first python that imports torch: $CHARRNN_PYTHON, python3 on PATH, /usr/bin/python3. */
export async function findTorchPython(): Promise<{ python: string; torch: string } | { reason: string }> {
  const tried: string[] = [];
  const candidates = [process.env.CHARRNN_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const py of [...new Set(candidates)]) {
    const r = await run(py, ['-c', 'import torch; print(torch.__version__)'], torchEnv(1), 60_000);
    if (r.code === 0) return { python: py, torch: r.stdout.trim() };
    tried.push(py);
  }
  return { reason: `no python with torch (tried ${tried.join(', ')}); see BENCHMARKS.md to install python3-torch` };
}

export async function runTorchReference(o: TorchOptions): Promise<TorchResult> {
  const script = referenceScript();
  if (!script) return { available: false, reason: 'bench/pytorch_lstm.py not found' };
  const found = await findTorchPython();
  if ('reason' in found) return { available: false, reason: found.reason };
  const runs: TorchRun[] = [];
  const errors: string[] = [];
  let timeout = o.timeoutMs ?? 180_000;
  for (const threads of o.threads ?? [1, 2]) {
    const args = [
      script, '--hidden', String(o.lstmSize), '--layers', String(o.numLayers), '--batch', String(o.batch),
      '--steps', String(o.steps), '--vocab', String(o.vocabSize), '--warmup', String(o.warmup),
      '--iters', String(o.iters), '--threads', String(threads),
    ];
    const t0 = Date.now();
    const r = await run(found.python, args, torchEnv(threads), timeout);
    // Later thread counts get at most 3x the first run's time (2 threads can be far slower on a busy machine).
    if (r.code === 0) timeout = Math.min(timeout, Math.max(30_000, 3 * (Date.now() - t0)));
    try {
      const j = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { charsPerSec?: number; msPerStep?: number[]; error?: string };
      if (r.code === 0 && typeof j.charsPerSec === 'number') {
        runs.push({ threads, charsPerSec: j.charsPerSec, msPerStep: j.msPerStep ?? [] });
        continue;
      }
      errors.push(`${threads} thread(s): ${j.error ?? `exit ${r.code}`}`);
    } catch {
      errors.push(`${threads} thread(s): exit ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''}`);
    }
  }
  if (!runs.length) return { available: false, reason: `the PyTorch reference failed: ${errors.join('; ')}` };
  const best = runs.reduce((a, b) => (b.charsPerSec > a.charsPerSec ? b : a));
  const dir = openblasDir();
  return { available: true, python: found.python, torch: found.torch, blas: dir ? `OpenBLAS (${dir})` : 'default libblas.so.3', best, runs, errors };
}
