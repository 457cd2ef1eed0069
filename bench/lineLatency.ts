/**
 * What the ghost past the token costs (issue 23): warm completions, typing forward through a file,
 * with `completion.length` token and line, in one process, one after the other, twice each
 * (medians of the per-request times are quoted by the caller; the order alternates so that a
 * change in the machine's load is seen).
 *
 *   node out/bench/lineLatency.js [--model DIR] [--file F] [--threshold X]
 *
 * Without --model: the shipped base model with the document cache. --threshold: the continuation's
 * threshold (default the model's calibrated one).
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadCompleter, type Completer } from '../src/core/complete/completer';
import { loadBaseCompleter } from '../src/core/complete/baseServing';
import { defaultBaseDir } from '../src/core/store/baseModel';
import { quantile } from './metrics';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const model = arg('--model');
  const file = arg('--file') ?? path.join(__dirname, '..', '..', 'src', 'core', 'complete', 'completer.ts');
  const loaded: { completer: Completer<unknown>; model: { dispose(): void } } = model
    ? await loadCompleter(model)
    : await loadBaseCompleter(defaultBaseDir() ?? 'media/base');
  const c = loaded.completer;
  const t = arg('--threshold');
  if (t !== undefined) c.continuationMinConfidence = Number(t);
  const text = fs.readFileSync(file, 'utf8');
  for (const length of ['token', 'line', 'token', 'line'] as const) {
    const ms: number[] = [];
    let continuations = 0;
    const docKey = `${length}:${ms.length}:${Math.random()}`;
    for (let off = 2000; off < Math.min(text.length, 12000); off += 37) {
      const prefix = text.slice(0, off);
      if (!/[A-Za-z]$/.test(prefix)) continue;
      // The keystroke before: the state is warm, as when typing.
      c.complete({ docKey, prefix: prefix.slice(0, -1) }, { length });
      const t0 = performance.now();
      const r = c.complete({ docKey, prefix }, { length });
      ms.push(performance.now() - t0);
      if (r.continuation) continuations++;
    }
    c.forget(docKey);
    console.log(`${length}: ${ms.length} requests, p50 ${quantile(ms, 0.5).toFixed(2)} ms, p95 ${quantile(ms, 0.95).toFixed(2)} ms, a continuation at ${continuations}`);
  }
  loaded.model.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
