/**
 * Completion latency of the worker's engine: bench/latency.ts (measureLatency) on the trained
 * checkpoint, or on random weights of the given sizes, each in a child process so that the peak
 * RSS is that of a process doing only completion. Falls back to this process (RSS then includes
 * the rest of the bench) when the child entry is not on disk (webpack bundle).
 */
import { fork } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { measureLatency, type LatencyResult, type ModelShape } from './latency';
import type { LatencyRow } from './report';
import type { ModelSize } from './speedBench';

async function inChild(script: string, model: string | ModelShape): Promise<{ result: LatencyResult; peakRssMB?: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(script, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
    let answer: { ok: boolean; result?: LatencyResult; peakRssMB?: number; error?: string } | undefined;
    child.on('message', (m: typeof answer) => (answer = m));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (answer?.ok && answer.result) resolve({ result: answer.result, peakRssMB: answer.peakRssMB });
      else reject(new Error(answer?.error ?? `latency child exited (${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
    });
    child.send({ model });
  });
}

export async function runLatency(o: { checkpoint?: string; sizes: ModelSize[]; vocabSize?: number; log: (m: string) => void }): Promise<LatencyRow[]> {
  const models: (string | ModelShape)[] = o.checkpoint
    ? [path.resolve(o.checkpoint)]
    : o.sizes.map((s) => ({ ...s, vocabSize: o.vocabSize ?? 96 }));
  const script = path.join(__dirname, 'latencyChild.js');
  const rows: LatencyRow[] = [];
  for (const m of models) {
    let result: LatencyResult;
    let peak: number | undefined;
    let where: string;
    if (fs.existsSync(script)) {
      ({ result, peakRssMB: peak } = await inChild(script, m));
      where = 'child process';
    } else {
      result = await measureLatency(m, { log: o.log });
      where = 'bench process';
    }
    const row: LatencyRow = {
      model: result.model,
      warmP50: result.warmP50,
      warmP95: result.warmP95,
      coldP50: result.coldP50,
      coldP95: result.coldP95,
      rssMB: peak ?? result.rssMB,
      detail: { ...result.detail, engine: result.engine, rssWhere: where, rssKind: peak !== undefined ? 'peak (VmHWM)' : 'current' },
    };
    if (result.detail.decodeStepsP50 === 0) {
      o.log(`latency ${result.model}: warning: the median request decoded nothing (decodeSteps 0): the measured requests abstain before decoding`);
      row.detail!.warning = 'median request decoded nothing';
    }
    o.log(`latency ${result.model}: warm p50 ${result.warmP50.toFixed(2)} / p95 ${result.warmP95.toFixed(2)} ms, cold p50 ${result.coldP50.toFixed(1)} / p95 ${result.coldP95.toFixed(1)} ms, RSS ${row.rssMB?.toFixed(0)} MB (${where})`);
    rows.push(row);
  }
  return rows;
}
