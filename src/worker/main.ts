/**
 * Completion worker (a worker_threads thread of the extension host; bundled as dist/worker.js).
 * Loads the checkpoint into the typed-array LSTM, keeps per-document states, answers
 * `complete` requests (src/protocol/worker.ts). Only the newest queued request is computed; the
 * others are answered as cancelled. A computation polls the shared control slots and stops as
 * soon as its request is superseded or cancelled.
 */
import { parentPort, workerData } from 'worker_threads';
import { loadCompleter, warmUp, type Completer } from '../core/complete/completer';
import type { MixtureModel } from '../core/lm/mixture';
import { loadBaseCompleter } from '../core/complete/baseServing';
import {
  CONTROL_CANCELLED,
  CONTROL_NEWEST,
  isToWorker,
  type CompleteRequestMessage,
  type FromWorker,
  type LoadedMessage,
  type WorkerData,
} from '../protocol/worker';

const port = parentPort;
if (!port) {
  process.stderr.write('charrnn worker: run me as a worker thread\n');
  process.exit(2);
}
const data = workerData as WorkerData;
const control = new Int32Array(data.control);

const post = (m: FromWorker) => port.postMessage(m);
const log = (message: string) => post({ type: 'log', message });

/** The model that answers: a workspace checkpoint's, or the base model's before any training. */
let current: { completer: Completer<unknown>; model: MixtureModel<unknown> } | undefined;
let loadError: string | undefined;
let loading: Promise<void> | undefined;
const queue: CompleteRequestMessage[] = [];
let scheduled = false;

function load(modelDir: string, base: boolean): void {
  const previous = loading ?? Promise.resolve();
  loading = previous.then(async () => {
    const t0 = performance.now();
    try {
      let loaded: Omit<LoadedMessage, 'type' | 'modelDir' | 'ms'>;
      let next: NonNullable<typeof current>;
      if (base) {
        const b = await loadBaseCompleter(modelDir, data.engine, log);
        next = b;
        loaded = { engine: b.engine, lstmSize: b.base.lstmSize, numLayers: b.base.numLayers, vocabSize: b.model.vocabSize, experts: 'base CharRNN + cache', lstmStep: 0, base: true };
      } else {
        const c = await loadCompleter(modelDir, data.engine, log);
        next = c;
        loaded = { engine: c.engine, lstmSize: c.meta.config.lstmSize, numLayers: c.meta.config.numLayers, vocabSize: c.model.vocabSize, experts: c.model.description, lstmStep: c.model.lstm ? c.meta.step : 0 };
      }
      warmUp(next.completer);
      const old = current;
      current = next;
      loadError = undefined;
      old?.model.dispose();
      post({ type: 'loaded', modelDir, ms: performance.now() - t0, ...loaded });
    } catch (e) {
      // Keep answering with the previous model, if any; the client reports the failure.
      loadError = (e as Error).message;
      post({ type: 'loadFailed', modelDir, message: loadError });
    }
  });
  const mine = loading;
  void mine.finally(() => {
    if (loading === mine) loading = undefined;
  });
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  // setImmediate: messages already delivered are handled first, so only the newest survives.
  setImmediate(() => {
    scheduled = false;
    void run();
  });
}

async function run(): Promise<void> {
  if (loading) {
    await loading;
    if (queue.length > 0) schedule();
    return;
  }
  const req = queue.pop();
  if (!req) return;
  for (const old of queue.splice(0)) reply(old.id, { reason: 'superseded', cancelled: true });
  if (isStale(req.id)) return reply(req.id, { reason: 'cancelled', cancelled: true });
  if (!current) return reply(req.id, { reason: loadError ? `no model: ${loadError}` : 'no model loaded' });
  const t0 = performance.now();
  try {
    const r = current.completer.complete(req, req.settings, () => isStale(req.id));
    post({ type: 'result', id: req.id, ms: performance.now() - t0, ...r });
  } catch (e) {
    log(`completion failed: ${(e as Error).stack ?? String(e)}`);
    reply(req.id, { reason: `error: ${(e as Error).message}` });
  }
}

function isStale(id: number): boolean {
  return Atomics.load(control, CONTROL_NEWEST) > id || Atomics.load(control, CONTROL_CANCELLED) === id;
}

function reply(id: number, extra: { reason: string; cancelled?: boolean }): void {
  post({ type: 'result', id, completion: '', confidence: 0, typedLength: 0, charsRead: 0, decodeSteps: 0, ms: 0, ...extra });
}

port.on('message', (m: unknown) => {
  if (!isToWorker(m)) {
    log(`ignored a malformed message: ${JSON.stringify(m)?.slice(0, 200)}`);
    return;
  }
  switch (m.type) {
    case 'load':
      load(m.modelDir, m.base === true);
      break;
    case 'complete':
      queue.push(m);
      schedule();
      break;
    case 'cancel': {
      const i = queue.findIndex((q) => q.id === m.id);
      if (i >= 0) {
        queue.splice(i, 1);
        reply(m.id, { reason: 'cancelled', cancelled: true });
      }
      break;
    }
    case 'forget':
      current?.completer.forget(m.docKey);
      break;
    case 'learn':
      current?.model.learn(m.docKey, m.text);
      break;
  }
});
