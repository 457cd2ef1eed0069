import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CompletionQuery } from '../../src/core/contracts/completion';
import { CompletionClient, type CancelToken } from '../../src/extension/completionClient';
import { writeTinyCheckpoint } from './inferFixture';
import { defaultBaseDir } from '../../src/core/store/baseModel';

const query = (prefix: string, docKey = 'file:///a.ts'): CompletionQuery => ({
  docKey,
  offset: prefix.length,
  prefix,
  suffix: '',
  settings: { maxChars: 20, minConfidence: 0.1, contextChars: 256 },
});

function token(): CancelToken & { cancel(): void } {
  const listeners: (() => unknown)[] = [];
  const t = {
    isCancellationRequested: false,
    onCancellationRequested(l: () => unknown) {
      listeners.push(l);
      return { dispose() {} };
    },
    cancel() {
      t.isCancellationRequested = true;
      for (const l of listeners) l();
    },
  };
  return t;
}

describe('completion client + worker thread', function () {
  this.timeout(60000);
  let dir: string;
  let good: string;
  const clients: CompletionClient[] = [];
  const make = (o: Partial<ConstructorParameters<typeof CompletionClient>[0]> & { modelDir: () => string | undefined }) => {
    const logs: string[] = [];
    const c = new CompletionClient({ log: (m) => logs.push(m), ...o });
    clients.push(c);
    return { c, logs };
  };
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-worker-'));
    good = path.join(dir, 'good');
    writeTinyCheckpoint(good);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('no model: no suggestion and no worker', async () => {
    const { c } = make({ modelDir: () => undefined });
    assert.strictEqual(await c.complete(query('f(')), undefined);
    assert.strictEqual(c.status, 'no-model');
  });

  it('no workspace model: the shipped base model answers, with the document cache (issue 18)', async () => {
    const baseDir = defaultBaseDir(__dirname);
    assert.ok(baseDir, 'media/base is in the repository');
    const { c, logs } = make({ modelDir: () => undefined, baseDir: () => baseDir });
    const prefix = 'const totalInvoiceAmount = 1;\nconsole.log(totalInvoiceAmount);\nexport default totalInv';
    const a = await c.complete(query(prefix));
    assert.ok(a, 'an answer');
    assert.strictEqual(a.completion, 'oiceAmount');
    assert.strictEqual(c.status, 'ready');
    assert.ok(logs.some((l) => /model loaded from .*media.base: base CharRNN \+ cache/.test(l)), logs.join('\n'));
  });

  it('answers from the model; typing forward; the newest request supersedes older ones', async () => {
    const { c } = make({ modelDir: () => good });
    const a = await c.complete(query('const y = f('));
    assert.ok(a, 'an answer');
    assert.strictEqual(a.completion, ')');
    assert.strictEqual(a.typedLength, 0);
    assert.strictEqual(c.status, 'ready');
    const first = c.complete(query('const y = g('));
    const second = c.complete(query('const y = g(a, '));
    assert.strictEqual(await first, undefined);
    assert.strictEqual((await second)?.completion, ')');
    const w = await c.complete(query('const y = add'));
    assert.ok(w && w.completion === '' && w.typedLength === 3);
  });

  it('the ghost past the token crosses the worker protocol: asked with length line and a threshold, the answer carries it (issue 23)', async () => {
    const baseDir = defaultBaseDir(__dirname);
    const { c } = make({ modelDir: () => undefined, baseDir: () => baseDir });
    const call = "logger.info(formatMessage(user, 'created'));\n";
    const prefix = call.repeat(5) + 'logger.inf';
    const ask = (length: 'token' | 'line') => c.complete({ ...query(prefix, 'file:///line.ts'), settings: { maxChars: 20, minConfidence: 0.1, contextChars: 256, length, maxContinuationChars: 60, continuationMinConfidence: 0.3 } });
    const line = await ask('line');
    assert.ok(line, 'an answer');
    assert.strictEqual(line.completion, 'o');
    assert.ok(line.continuation && call.startsWith('logger.info' + line.continuation) && line.continuation.length >= 2, JSON.stringify(line));
    assert.ok(line.continuationConfidence! >= 0.3 && line.continuationConfidence! <= 1);
    const token = await ask('token');
    assert.deepStrictEqual([token?.completion, token?.continuation], ['o', undefined]);
  });

  it('a cancelled request resolves with no suggestion', async () => {
    const { c } = make({ modelDir: () => good });
    await c.complete(query('x('));
    const t = token();
    const p = c.complete(query('y('), t);
    t.cancel();
    assert.strictEqual(await p, undefined);
    const already = token();
    already.cancel();
    assert.strictEqual(await c.complete(query('z('), already), undefined);
  });

  it('a broken model: no suggestion, reported; a fixed one in the folder is picked up by itself', async () => {
    const broken = path.join(dir, 'broken');
    fs.cpSync(good, broken, { recursive: true });
    fs.writeFileSync(path.join(broken, 'meta.json'), '{');
    const errors: string[] = [];
    const { c } = make({ modelDir: () => broken, onModelError: (m) => errors.push(m), checkpointPollMs: 20 });
    assert.ok(!(await c.complete(query('f(')))?.completion);
    await waitFor(() => errors.length > 0);
    assert.match(errors[0], /meta\.json is unreadable/);
    assert.strictEqual(c.status, 'model-error');
    assert.strictEqual(await c.complete(query('f(')), undefined);
    const gen = c.generation;
    await new Promise((r) => setTimeout(r, 30));
    fs.cpSync(good, broken, { recursive: true });
    await waitFor(() => c.status === 'ready');
    assert.ok(c.generation > gen);
    assert.strictEqual((await c.complete(query('f(')))?.completion, ')');
  });

  it('a new checkpoint in the same folder is picked up by itself', async () => {
    const moving = path.join(dir, 'moving');
    writeTinyCheckpoint(moving);
    const { c } = make({ modelDir: () => moving, checkpointPollMs: 20 });
    assert.strictEqual((await c.complete(query('f(')))?.completion, ')');
    // Same folder, a model whose most likely token is now ';', written with no request in between:
    // the client notices by itself, not on the keystroke path.
    await new Promise((r) => setTimeout(r, 20));
    const gen = c.generation;
    writeTinyCheckpoint(moving, 8, 2, ';');
    await waitFor(() => c.generation > gen && c.status === 'ready');
    assert.strictEqual((await c.complete(query('f(')))?.completion, ';');
  });

  it('a deleted model is let go, not reloaded: no load error, status "no-model" (issue 22)', async () => {
    const doomed = path.join(dir, 'doomed');
    writeTinyCheckpoint(doomed);
    // As the extension's: the folder is the model while it holds a checkpoint.
    const modelDir = () => (fs.existsSync(path.join(doomed, 'meta.json')) ? doomed : undefined);
    const errors: string[] = [];
    const unloaded: string[] = [];
    const { c } = make({ modelDir, onModelError: (m) => errors.push(m), onUnloaded: (d) => unloaded.push(d), checkpointPollMs: 20 });
    assert.strictEqual((await c.complete(query('f(')))?.completion, ')');
    fs.rmSync(doomed, { recursive: true });
    // The poll notices within a few rounds, one way or the other.
    await waitFor(() => unloaded.length > 0 || errors.length > 0, 'the client to notice the deletion');
    assert.deepStrictEqual(errors, [], 'a deleted model is no load error');
    assert.deepStrictEqual(unloaded, [doomed]);
    assert.strictEqual(c.status, 'no-model');
    assert.strictEqual(await c.complete(query('f(')), undefined);
    // A model trained again in the same folder serves with the next request.
    writeTinyCheckpoint(doomed);
    assert.strictEqual((await c.complete(query('f(')))?.completion, ')');
    assert.deepStrictEqual(errors, []);
  });

  it('a dying worker is reported once and restarted with backoff', async () => {
    // A worker that notes each start in a file, then exits: the file counts the restarts.
    const starts = path.join(dir, 'crash-starts.txt');
    const crash = path.join(dir, 'crash.js');
    fs.writeFileSync(crash, `require('fs').appendFileSync(${JSON.stringify(starts)}, 'x'); process.exit(3);`);
    const started = () => (fs.existsSync(starts) ? fs.readFileSync(starts, 'utf8').length : 0);
    const died: string[] = [];
    const { c, logs } = make({ modelDir: () => good, workerPath: crash, onWorkerDied: (m) => died.push(m), backoff: { initialMs: 200, maxMs: 1000 } });
    const deaths = () => logs.filter((m) => m.startsWith('the completion worker stopped')).length;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    assert.strictEqual(await c.complete(query('f(')), undefined);
    assert.strictEqual(started(), 1);
    assert.strictEqual(died.length, 1);
    assert.match(died[0], /exit code 3/);
    // During the backoff (200 ms): no new worker, no suggestion.
    assert.strictEqual(c.status, 'restarting');
    assert.strictEqual(await c.complete(query('f(')), undefined);
    await sleep(50);
    assert.strictEqual(await c.complete(query('f(')), undefined);
    assert.strictEqual(started(), 1, 'no restart before the backoff is over');

    // After it, the next request starts a new worker (which dies again).
    await sleep(250);
    assert.notStrictEqual(c.status, 'restarting');
    assert.strictEqual(await c.complete(query('f(')), undefined);
    await waitFor(() => deaths() === 2, 'a restarted worker (and its death) once the backoff is over');
    assert.strictEqual(started(), 2);

    // The second backoff is twice as long (400 ms): still waiting after the first one's 200 ms.
    await sleep(250);
    assert.strictEqual(c.status, 'restarting', 'the backoff grows after a second death');
    assert.strictEqual(await c.complete(query('f(')), undefined);
    assert.strictEqual(started(), 2);
    await waitFor(() => c.status !== 'restarting', 'the end of the second backoff');
    assert.strictEqual(await c.complete(query('f(')), undefined);
    await waitFor(() => started() === 3, 'a third worker start');
    assert.strictEqual(died.length, 1, 'reported once');
  });
});

async function waitFor(cond: () => boolean, what = 'a condition', ms = 10000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
