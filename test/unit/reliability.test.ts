/**
 * Issue 13: nothing lost, nothing hung. Each case here failed before the fix: `--out` deleted
 * user files, a crafted .gitignore hung training past Ctrl-C, two trainers raced on one model,
 * eval read /dev/zero and FIFOs forever, absurd meta.json sizes allocated gigabytes, `complete`
 * printed EPIPE stack traces and answered a CR twice, ...
 */
import * as assert from 'assert';
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough } from 'stream';
import { collectCorpus, CorpusAbortedError, type CorpusDoc, type CorpusOptions } from '../../src/core/corpus/corpus';
import { CheckpointError, loadCheckpoint, loadMeta, saveCheckpoint } from '../../src/core/store/checkpoint';
import { acquireModelLock, inspectModelFolder, lockPath, ModelLockedError } from '../../src/core/store/modelFolder';
import { defaultTrainConfig, type TrainConfig } from '../../src/core/contracts/config';
import { runTraining } from '../../src/core/training/train';
import type { TrainingEvent } from '../../src/core/contracts/trainEvents';
import { createProgressView } from '../../src/cli/progressView';
import { writeTinyCheckpoint } from './inferFixture';

const CLI = path.resolve(__dirname, '../../src/cli/main.js');
const TINY = ['--lstm-size', '16', '--num-layers', '1', '--batch-size', '4', '--num-steps', '16'];
const CORPUS: CorpusOptions = { include: ['**/*'], exclude: [], maxFileBytes: 1_000_000, maxCorpusBytes: 20_000_000 };

function run(args: string[], opts: { input?: string; timeout?: number; cwd?: string } = {}) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeout ?? 60_000,
    cwd: opts.cwd,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

/** Starts the CLI; resolves `lines` as stdout lines arrive. */
function start(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null>; waitFor: (re: RegExp, ms: number) => Promise<void> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.re.test(out) || w.re.test(err)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    check();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    check();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (re: RegExp, ms: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; stdout: ${out.slice(-500)} stderr: ${err.slice(-500)}`)), ms);
      waiters.push({ re, resolve: () => (clearTimeout(timer), resolve()) });
      check();
    });
  return { child, stdout: () => out, stderr: () => err, exited, waitFor };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms))]);
}

/** Every file under `dir` with its contents (or '<dir>'), for "left untouched" checks. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (e.isDirectory()) {
        out[rel] = '<dir>';
        walk(p);
      } else out[rel] = fs.readFileSync(p, 'latin1');
    }
  };
  walk(dir);
  return out;
}

function codeFiles(dir: string, n = 8): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    fs.writeFileSync(path.join(dir, `f${i}.ts`), `export function add${i}(a: number, b: number) { return a + b + ${i}; }\n`.repeat(20));
  }
}

/**
 * collectCorpus in a child process (prints the files and warnings, or the error on stderr with
 * exit code 1): the old matchers blocked the event loop for hours, so no in-process timeout
 * could have fired.
 */
function collectInChild(root: string, opts: CorpusOptions) {
  const corpusJs = path.resolve(__dirname, '../../src/core/corpus/corpus.js');
  const script = `require(${JSON.stringify(corpusJs)}).collectCorpus([${JSON.stringify(root)}], ${JSON.stringify(opts)})` +
    '.then(({ docs, report }) => console.log(JSON.stringify({ files: docs.map((d) => d.relPath), warnings: report.warnings })),' +
    ' (e) => { console.error(e.message); process.exitCode = 1; })';
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
}

describe('reliability (issue 13)', function () {
  this.timeout(180_000);
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-rel-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('--out never deletes user files', () => {
    it('refuses a folder of user files, the workspace itself, and a file, before training, leaving them untouched', () => {
      const ws = path.join(tmp, 'ws');
      fs.mkdirSync(ws);
      execFileSync('git', ['init', '-q'], { cwd: ws });
      fs.mkdirSync(path.join(ws, 'src'));
      fs.writeFileSync(path.join(ws, 'src', 'a.ts'), 'const a = 1;\n');
      fs.writeFileSync(path.join(ws, 'README.md'), 'hi\n');
      fs.mkdirSync(path.join(ws, 'notes'));
      fs.writeFileSync(path.join(ws, 'notes', 'todo.md'), 'buy milk\n');
      fs.writeFileSync(path.join(ws, 'file.txt'), 'precious\n');
      const before = snapshot(ws);
      for (const out of ['.', 'notes', 'notes/', 'file.txt', 'src']) {
        const r = run(['train', 'src', '--out', out, ...TINY, '--max-minutes', '0.05'], { cwd: ws });
        assert.strictEqual(r.code, 1, `--out ${out}: ${r.stderr}`);
        assert.match(r.stderr, /^charrnn: refusing to write the model to .*(holds other files|is a file)/, `--out ${out}`);
        assert.strictEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.doesNotMatch(r.stderr, /backend:/, 'refused before training started');
        assert.deepStrictEqual(snapshot(ws), before, `--out ${out} left everything as it was`);
      }
    });

    it('saveCheckpoint itself refuses a user folder (defence in depth)', () => {
      const user = path.join(tmp, 'user');
      fs.mkdirSync(user);
      fs.writeFileSync(path.join(user, 'thesis.tex'), 'years of work');
      const probe = path.join(tmp, 'probe');
      writeTinyCheckpoint(probe);
      const ck = loadCheckpoint(probe);
      const { weights: _w, formatVersion: _v, format: _f, ...meta } = ck.meta;
      assert.throws(() => saveCheckpoint(user, meta, ck.weights), /refusing to write the model/);
      assert.deepStrictEqual(fs.readdirSync(user), ['thesis.tex']);
      // Our own checkpoint is replaced; checkpoints written before the format marker count as ours.
      const old = JSON.parse(fs.readFileSync(path.join(probe, 'meta.json'), 'utf8'));
      delete old.format;
      fs.writeFileSync(path.join(probe, 'meta.json'), JSON.stringify(old));
      assert.strictEqual(inspectModelFolder(probe).kind, 'ours');
      saveCheckpoint(probe, meta, ck.weights);
      assert.strictEqual(loadMeta(probe).format, 'charrnn-checkpoint');
    });

    it('finds an unwritable --out before training', () => {
      codeFiles(path.join(tmp, 'data'));
      fs.writeFileSync(path.join(tmp, 'plain'), 'x');
      const r = run(['train', path.join(tmp, 'data'), '--out', path.join(tmp, 'plain', 'model'), ...TINY, '--max-minutes', '0.05']);
      assert.strictEqual(r.code, 1, r.stderr);
      assert.match(r.stderr, /cannot write the model to .*plain/);
      assert.doesNotMatch(r.stderr, /backend:/);
    });

    it('does not train on its own model folder (train . --out model)', () => {
      const data = path.join(tmp, 'data');
      codeFiles(data);
      const files = () => {
        const r = run(['train', data, '--out', path.join(data, 'model'), ...TINY, '--epochs', '1', '--eval-every', '5', '--json']);
        assert.strictEqual(r.code, 0, r.stderr);
        return r.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.type === 'corpus').files as number;
      };
      assert.strictEqual(files(), 8);
      assert.strictEqual(files(), 8, 'the second run does not read model/meta.json');
    });
  });

  describe('a hostile workspace cannot hang training', () => {
    function hostile(root: string): void {
      fs.mkdirSync(root, { recursive: true });
      codeFiles(root);
      fs.writeFileSync(path.join(root, 'a'.repeat(60)), '');
      fs.writeFileSync(path.join(root, '.gitignore'), '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n');
    }

    it('collects the crafted .gitignore workspace within seconds, saying the pattern was broadened', async () => {
      const root = path.join(tmp, 'r');
      hostile(root);
      const t0 = Date.now();
      const r = collectInChild(root, CORPUS);
      assert.strictEqual(r.status, 0, `${r.signal ?? ''} ${r.stderr}`);
      assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
      const got = JSON.parse(r.stdout) as { files: string[]; warnings?: string[] };
      assert.ok(got.files.includes('f0.ts'));
      assert.match((got.warnings ?? []).join('\n'), /too complex to match safely was broadened/);
    });

    it('refuses, with one line, an exclude glob (e.g. from .vscode/settings.json) that would backtrack', () => {
      const root = path.join(tmp, 'r');
      hostile(root);
      fs.rmSync(path.join(root, '.gitignore'));
      const t0 = Date.now();
      const r = collectInChild(root, { ...CORPUS, exclude: ['*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b'] });
      assert.strictEqual(r.status, 1, `${r.signal ?? ''} ${r.stdout}`);
      assert.match(r.stderr, /glob pattern "\*a\*a.*" in charrnn\.training\.exclude: it has too many wildcards/);
      assert.ok(Date.now() - t0 < 10_000);
    });

    it('stops collecting at once when aborted (the stop message, Ctrl-C)', async () => {
      const root = path.join(tmp, 'big');
      for (let d = 0; d < 40; d++) {
        fs.mkdirSync(path.join(root, `d${d}`), { recursive: true });
        for (let f = 0; f < 50; f++) fs.writeFileSync(path.join(root, `d${d}`, `f${f}.ts`), `export const v${f} = ${d};\n`);
      }
      const abort = new AbortController();
      let seen = 0;
      const t0 = Date.now();
      await assert.rejects(
        collectCorpus([root], { ...CORPUS, signal: abort.signal }, (n) => {
          seen = n;
          abort.abort();
        }),
        (e: Error) => e instanceof CorpusAbortedError,
      );
      assert.ok(seen > 0 && seen < 2000, `stopped early (${seen} files seen)`);
      assert.ok(Date.now() - t0 < 5000);
    });

    it('the CLI on the crafted workspace trains, and Ctrl-C stops it and saves', async () => {
      const root = path.join(tmp, 'r');
      hostile(root);
      const model = path.join(tmp, 'm');
      const p = start(['train', root, '--out', model, ...TINY, '--epochs', '0', '--max-minutes', '2', '--json']);
      try {
        // Trains: at least one step, on the workspace's code (the crafted pattern was broadened,
        // not allowed to hang the walk or to keep the code out).
        await p.waitFor(/"type":"progress"/, 120_000);
        p.child.kill('SIGINT');
        const code = await withTimeout(p.exited, 20_000, 'train after SIGINT');
        assert.strictEqual(code, 0, p.stderr());
        const events = p.stdout().trim().split('\n').map((l) => JSON.parse(l) as TrainingEvent);
        const corpus = events.find((e) => e.type === 'corpus');
        assert.ok(corpus && corpus.type === 'corpus' && corpus.files >= 8, JSON.stringify(corpus));
        const steps = events.flatMap((e) => (e.type === 'progress' ? [e.step] : []));
        assert.ok(steps.length > 0 && steps[0] >= 1, 'it trained before the Ctrl-C');
        const done = events[events.length - 1];
        assert.ok(done.type === 'done' && done.reason === 'stopped' && done.checkpointPath === model, JSON.stringify(done));
        // Saves: the model on disk is a trained LSTM, the last checkpoint the run reported.
        const saved = events.filter((e) => e.type === 'checkpoint').pop();
        assert.ok(saved && saved.type === 'checkpoint' && saved.step >= 1, `an LSTM checkpoint: ${JSON.stringify(saved)}`);
        const meta = loadCheckpoint(model).meta;
        assert.strictEqual(meta.stage, 'lstm', 'the LSTM was saved, not only the n-gram stage');
        assert.strictEqual(meta.step, saved.step);
      } finally {
        p.child.kill('SIGKILL');
      }
    });
  });

  describe('one writer per model', () => {
    it('two concurrent trainers: exactly one trains, the other gets the lock message', async () => {
      const data = path.join(tmp, 'data');
      codeFiles(data);
      const model = path.join(tmp, 'model');
      const a = start(['train', data, '--out', model, ...TINY, '--epochs', '0', '--max-minutes', '2', '--eval-every', '5', '--json']);
      try {
        await a.waitFor(/"type":"checkpoint"/, 60_000);
        const b = run(['train', data, '--out', model, ...TINY, '--epochs', '1', '--json'], { timeout: 30_000 });
        assert.strictEqual(b.code, 1, `second trainer: ${b.stderr}`);
        assert.match(b.stderr, new RegExp(`being written by another process \\(pid ${a.child.pid}, charrnn train`));
        assert.doesNotMatch(b.stdout, /"type":"progress"/, 'the second one did not train');
        a.child.kill('SIGINT');
        assert.strictEqual(await withTimeout(a.exited, 30_000, 'first trainer'), 0, a.stderr());
      } finally {
        a.child.kill('SIGKILL');
      }
      loadCheckpoint(model);
      assert.ok(!fs.existsSync(lockPath(model)), 'the lock is released');
      assert.deepStrictEqual(fs.readdirSync(tmp).sort(), ['data', 'model']);
    });

    it('takes over a stale lock (its process is gone) and refuses a live one', () => {
      const model = path.join(tmp, 'model');
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      fs.writeFileSync(lockPath(model), JSON.stringify({ pid: Number(dead.stdout), host: os.hostname(), startedAt: new Date().toISOString() }));
      const lock = acquireModelLock(model);
      assert.throws(() => acquireModelLock(model), (e: Error) => e instanceof ModelLockedError && new RegExp(`pid ${process.pid}`).test(e.message));
      lock.release();
      assert.ok(!fs.existsSync(lockPath(model)));
    });

    it('leaves temp folders that are not provably ours (issue 20), and puts back a model moved aside', () => {
      const model = path.join(tmp, 'model');
      writeTinyCheckpoint(model);
      const ck = loadCheckpoint(model);
      const { weights: _w, formatVersion: _v, format: _f, ...meta } = ck.meta;
      // Named like an older version's save folders, but without our marker: maybe a user's.
      fs.mkdirSync(path.join(tmp, '.model.tmp-AbC123'));
      fs.mkdirSync(path.join(tmp, '.model.tmp-999999999-XyZ'));
      fs.writeFileSync(path.join(tmp, '.model.tmp-999999999-XyZ', 'weights.bin'), 'partial');
      saveCheckpoint(model, meta, ck.weights);
      assert.deepStrictEqual(fs.readdirSync(tmp).sort(), ['.model.tmp-999999999-XyZ', '.model.tmp-AbC123', 'model']);
      fs.rmSync(path.join(tmp, '.model.tmp-999999999-XyZ'), { recursive: true });
      fs.rmdirSync(path.join(tmp, '.model.tmp-AbC123'));
      // Killed between moving the old model aside and renaming the new one in: the aside copy is
      // the only model left, and the next save (or open) puts it back instead of deleting it.
      fs.renameSync(model, path.join(tmp, '.model.tmp-999999999-Q-old'));
      saveCheckpoint(model, { ...meta, step: 7 }, ck.weights);
      assert.strictEqual(loadMeta(model).step, 7);
      assert.deepStrictEqual(fs.readdirSync(tmp), ['model']);
    });
  });

  describe('every input bounded', () => {
    let model: string;
    beforeEach(() => {
      model = path.join(tmp, 'model');
      writeTinyCheckpoint(model);
    });

    it('eval refuses /dev/zero, a FIFO and a huge file quickly', () => {
      const fifo = path.join(tmp, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const huge = path.join(tmp, 'huge.txt');
      fs.writeFileSync(huge, 'const x = 1;\n'.repeat(4_000_000)); // 52 MB of text
      const cases: [string, RegExp][] = [
        ['/dev/zero', /not a regular file: \/dev\/zero/],
        [fifo, /not a regular file: .*fifo/],
        [huge, /huge\.txt is 52\.0 MB, over the 1\.0 MB limit/],
      ];
      for (const [p, why] of cases) {
        const r = run(['eval', '--model', model, p], { timeout: 20_000 });
        assert.strictEqual(r.code, 1, `${p}: ${r.signal ?? ''} ${r.stderr}`);
        assert.match(r.stderr, why);
        assert.strictEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.ok(r.ms < 10_000, `${p}: ${r.ms} ms`);
      }
      // In a folder they are skipped with a count (FIFOs are never opened).
      fs.rmSync(huge);
      fs.writeFileSync(path.join(tmp, 'ok.ts'), 'function add(a, b) {\n  return a + b;\n}\n'.repeat(10));
      const r = run(['eval', '--model', model, tmp, '--json'], { timeout: 30_000 });
      assert.strictEqual(r.code, 0, r.stderr);
      assert.ok(JSON.parse(r.stdout).files >= 1);
    });

    it('a meta.json with absurd sizes is refused before allocating', () => {
      const meta = JSON.parse(fs.readFileSync(path.join(model, 'meta.json'), 'utf8'));
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a meta.json damaged on purpose, field by field
      const bad: [(m: Record<string, any>) => void, RegExp][] = [
        [(m) => (m.config.numLayers = 10_000_000), /config\.numLayers must be a whole number between 1 and 16/],
        [(m) => (m.config.lstmSize = 1e9), /config\.lstmSize/],
        [(m) => (m.weights[0].shape = '97x128'), /weight "lstm_0\/kernel" has no valid shape/],
        [(m) => (m.vocab.chars = Array.from({ length: 100_000 }, (_, i) => String.fromCharCode(i))), /vocab\.chars must be a list/],
        [(m) => (m.history = 'lots'), /history/],
        [(m) => (m.weights = [{ name: 'lstm_0/kernel', shape: [1e6, 1e6] }]), /shape/],
      ];
      for (const [mutate, why] of bad) {
        const m = structuredClone(meta);
        mutate(m);
        fs.writeFileSync(path.join(model, 'meta.json'), JSON.stringify(m));
        const t0 = Date.now();
        assert.throws(() => loadCheckpoint(model), (e: Error) => e instanceof CheckpointError && why.test(e.message), why.source);
        assert.ok(Date.now() - t0 < 1000, `${why}: ${Date.now() - t0} ms`);
      }
      // weights.bin as a FIFO: refused, not read (reading would block forever).
      fs.writeFileSync(path.join(model, 'meta.json'), JSON.stringify(meta));
      fs.rmSync(path.join(model, 'weights.bin'));
      execFileSync('mkfifo', [path.join(model, 'weights.bin')]);
      assert.throws(() => loadCheckpoint(model), /weights\.bin is unreadable \(not a regular file\)/);
    });

    it('complete: EPIPE (| head -1) ends with one line and a non-zero exit, no stack trace', () => {
      const lines = `${JSON.stringify({ prefix: 'const x = add(1, ' })}\n`.repeat(20000);
      const input = path.join(tmp, 'in.jsonl');
      fs.writeFileSync(input, lines);
      const errFile = path.join(tmp, 'err.txt');
      const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" complete --model "${model}" < "${input}" 2>"${errFile}" | head -1; echo "status \${PIPESTATUS[0]}" >&2`], { encoding: 'utf8', timeout: 60_000 });
      assert.strictEqual(r.stdout.trim().split('\n').length, 1, r.stdout);
      // Issue 20: a write error on stdout is said, in one line, and the exit is not 0.
      const err = fs.readFileSync(errFile, 'utf8');
      assert.match(err, /^charrnn complete: cannot write the answers \(EPIPE/);
      assert.strictEqual(err.trimEnd().split('\n').length, 1, err);
      assert.match(r.stderr, /status 1/);
    });

    it('complete: a CR inside a request line gives one answer, CRLF lines one each', () => {
      const input = '{"prefix": "const x = add(1,\r "}\n' + JSON.stringify({ prefix: 'f(' }) + '\r\n' + JSON.stringify({ prefix: 'g(' }) + '\r\n';
      const r = run(['complete', '--model', model], { input });
      assert.strictEqual(r.code, 0, r.stderr);
      const answers = r.stdout.trim().split('\n');
      assert.strictEqual(answers.length, 3, r.stdout);
      for (const a of answers) assert.deepStrictEqual(Object.keys(JSON.parse(a)).sort(), ['completion', 'confidence', 'continuation', 'continuationConfidence', 'ms']);
    });

    it('rejects out-of-range complete options and hex/binary numbers', () => {
      const cases: [string[], RegExp][] = [
        [['complete', '--model', model, '--context-chars', '-5'], /--context-chars must be between 16 and 4096/],
        [['complete', '--model', model, '--min-confidence', '5'], /--min-confidence must be between 0 and 1/],
        [['complete', '--model', model, '--max-chars', '0'], /--max-chars must be between 1 and 200/],
        [['train', tmp, '--out', path.join(tmp, 'x'), '--lstm-size', '0x20'], /--lstm-size must be a whole number/],
        [['train', tmp, '--out', path.join(tmp, 'x'), '--learning-rate', '0x1'], /--learning-rate must be a number/],
      ];
      for (const [args, why] of cases) {
        const r = run(args, { input: '' });
        assert.notStrictEqual(r.code, 0, args.join(' '));
        assert.match(r.stderr, why);
      }
    });
  });

  it('SIGTERM saves the best model so far, as SIGINT does', async () => {
    const data = path.join(tmp, 'data');
    codeFiles(data);
    const model = path.join(tmp, 'model');
    const p = start(['train', data, '--out', model, ...TINY, '--epochs', '0', '--max-minutes', '2', '--eval-every', '5', '--json']);
    try {
      await p.waitFor(/"type":"checkpoint"/, 60_000);
      p.child.kill('SIGTERM');
      assert.strictEqual(await withTimeout(p.exited, 30_000, 'train after SIGTERM'), 0, p.stderr());
      assert.match(p.stdout(), /"type":"done","reason":"stopped"/);
    } finally {
      p.child.kill('SIGKILL');
    }
    loadCheckpoint(model);
  });

  it('a full disk (file size limit) fails the save and leaves the previous model loadable', function () {
    const data = path.join(tmp, 'data');
    codeFiles(data);
    const model = path.join(tmp, 'model');
    const first = run(['train', data, '--out', model, ...TINY, '--epochs', '1', '--eval-every', '5']);
    assert.strictEqual(first.code, 0, first.stderr);
    // 512 KB per file: a 256-unit model's weights (1.1 MB) do not fit. SIGXFSZ is ignored so the
    // write fails with EFBIG, as a full disk fails with ENOSPC. The run's first checkpoint (its
    // n-gram stage, no LSTM weights) fits: that is the previous model when the LSTM's save fails.
    const big = ['--lstm-size', '256', '--num-layers', '1', '--batch-size', '4', '--num-steps', '16', '--epochs', '1', '--eval-every', '5', '--no-samples'];
    const r = spawnSync('bash', ['-c', `trap '' XFSZ; ulimit -f 512; exec "${process.execPath}" "${CLI}" train "${data}" --out "${model}" ${big.join(' ')}`], { encoding: 'utf8', timeout: 120_000 });
    assert.strictEqual(r.status, 1, r.stderr);
    assert.match(r.stderr, /cannot save the model to .*\(EFBIG\): the previous model there is unchanged/);
    // The first run's trained LSTM: a fresh run does not replace it with its n-gram stage (issue
    // 20), and its own LSTM did not fit on the disk.
    const kept = loadCheckpoint(model);
    assert.strictEqual(kept.meta.stage, 'lstm');
    assert.strictEqual(kept.meta.config.lstmSize, 16);
    assert.ok(kept.ngram, 'its n-gram serves completions too');
    assert.deepStrictEqual(fs.readdirSync(tmp).sort(), ['data', 'model'], 'no temp folder or lock left');
    assert.deepStrictEqual(fs.readdirSync(model).sort(), ['identifiers.json', 'meta.json', 'ngram.bin', 'weights.bin'], 'no journal left');
  });

  it('collection reports symbolic links and FIFOs it skips', async () => {
    const root = path.join(tmp, 'ws');
    codeFiles(root, 2);
    fs.symlinkSync(path.join(root, 'f0.ts'), path.join(root, 'link.ts'));
    execFileSync('mkfifo', [path.join(root, 'pipe.ts')]);
    const { docs, report } = await collectCorpus([root], CORPUS);
    assert.strictEqual(docs.length, 2);
    assert.strictEqual(report.skipped.special, 2);
    assert.deepStrictEqual(report.examples.special, ['link.ts', 'pipe.ts']);
  });

  it('the progress bar is not redrawn with placeholders after the final sample', () => {
    const out = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    Object.assign(out, { isTTY: true, columns: 200 });
    const view = createProgressView({ ...defaultTrainConfig(), maxMinutes: 1 }, out);
    const progress = { type: 'progress', step: 10, epoch: 0, totalSteps: 20, loss: 2.5, valLoss: 2.4, charsPerSec: 1000, etaSec: 3, elapsedSec: 1, charsSeen: 100 } as const;
    view.onEvent(progress);
    view.onEvent({ ...progress, step: 20 });
    view.onEvent({ type: 'sample', text: 'function f() {}', step: 20 });
    view.finish({ type: 'done', reason: 'completed', bestValLoss: 2.4, checkpointPath: '/m' });
    assert.doesNotMatch(text, /\{loss\}|\{val\}|\{cps\}|\{etaText\}/, text);
    assert.match(text, /training completed/);
  });
});

/**
 * Issue 20 (nothing lost, round 2): a resume that fails changes nothing on disk, a run stopped in
 * its n-gram stage keeps a trained LSTM, a refused run leaves no folder or probe behind, a
 * mount-point --out works.
 */
describe('reliability (issue 20)', function () {
  this.timeout(180_000);
  let tmp: string;
  let model: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-rel2-'));
    model = path.join(tmp, 'm');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const TEXT = 'function add(a, b) {\n  return a + b;\n}\nconst x = add(1, 2);\n';
  const docs = (n = 8): CorpusDoc[] => Array.from({ length: n }, (_, i) => {
    const text = TEXT.repeat(10) + `// file ${i}\n`;
    return { path: `/virtual/f${i}.ts`, relPath: `f${i}.ts`, folder: '/virtual', text, bytes: text.length };
  });
  /** The shape of writeTinyCheckpoint's model (8 x 2). */
  const config = (over: Partial<TrainConfig> = {}): TrainConfig => ({ ...defaultTrainConfig(), lstmSize: 8, numLayers: 2, batchSize: 4, numSteps: 16, epochs: 1, evalEvery: 5, backend: 'wasm', ...over });
  const train = (resume: boolean, events: TrainingEvent[] = [], signal?: AbortSignal, onEvent?: (e: TrainingEvent) => void) =>
    runTraining({ config: config(), docs: docs(), checkpointDir: model, resume, signal, samples: false, onEvent: (e) => (events.push(e), onEvent?.(e)) });

  describe('a resume that fails changes nothing on disk', () => {
    it('refuses to resume with weights.bin missing (one line), instead of starting over', async () => {
      writeTinyCheckpoint(model);
      fs.rmSync(path.join(model, 'weights.bin'));
      const before = snapshot(tmp);
      await assert.rejects(train(true), (e: Error) => /weights\.bin/.test(e.message) && e.message.split('\n').length === 1);
      assert.deepStrictEqual(snapshot(tmp), before);
    });

    it('refuses a history point with "time": "abc" at load, before rewriting anything', async () => {
      writeTinyCheckpoint(model);
      const file = path.join(model, 'meta.json');
      const m = JSON.parse(fs.readFileSync(file, 'utf8'));
      m.history = [{ step: 0, epoch: 0, charsSeen: 0, loss: 4, time: 'abc' }];
      fs.writeFileSync(file, JSON.stringify(m));
      const before = snapshot(tmp);
      await assert.rejects(train(true), (e: Error) => e instanceof CheckpointError && /history\[0\]\.time/.test(e.message));
      assert.deepStrictEqual(snapshot(tmp), before);
    });

    it('refuses to resume a missing folder, creating nothing', async () => {
      model = path.join(tmp, 'none', 'm');
      await assert.rejects(train(true), (e: Error) => /no model|nothing to continue|does not exist/i.test(e.message) && e.message.split('\n').length === 1);
      assert.deepStrictEqual(fs.readdirSync(tmp), []);
    });

    it('resumes a model with a 40-hour history (540,000 points) and keeps meta.json under 1 MB', async () => {
      writeTinyCheckpoint(model);
      const file = path.join(model, 'meta.json');
      const m = JSON.parse(fs.readFileSync(file, 'utf8'));
      m.history = Array.from({ length: 540_000 }, (_, i) => ({ step: i, epoch: 0, charsSeen: i * 64, loss: 4 - i / 200_000, time: i * 0.26, lr: 0.004 }));
      m.step = 539_999;
      fs.writeFileSync(file, JSON.stringify(m));
      const done = await train(true);
      assert.notStrictEqual(done.reason, 'diverged');
      const bytes = fs.statSync(file).size;
      assert.ok(bytes < 1_000_000, `meta.json is ${bytes} bytes`);
      const ck = loadCheckpoint(model);
      assert.strictEqual(ck.meta.history[0].step, 0, 'the curve still starts at the first point');
      assert.ok(ck.meta.step > 539_999, 'the run continued the model');
      assert.ok(ck.meta.history.length <= 4000, `${ck.meta.history.length} points`);
    });
  });

  it('a fresh run stopped in its n-gram stage keeps the trained LSTM in the folder, and says so', async () => {
    writeTinyCheckpoint(model);
    const before = loadMeta(model);
    const abort = new AbortController();
    const events: TrainingEvent[] = [];
    const done = await train(false, events, abort.signal, (e) => {
      if (e.type === 'corpus') abort.abort();
    });
    assert.strictEqual(done.reason, 'stopped');
    const after = loadCheckpoint(model);
    assert.strictEqual(after.meta.stage ?? 'lstm', 'lstm', 'the LSTM is still there');
    assert.strictEqual(after.meta.updatedAt, before.updatedAt, 'unchanged');
    assert.ok(!events.some((e) => e.type === 'checkpoint' && e.valLoss === 0), 'no "validation 0.000" checkpoint');
    assert.ok(events.some((e) => e.type === 'log' && /kept|unchanged/.test(e.message)), 'says the saved model is kept');
  });

  it('a refused run (full disk) leaves no parent folders it created and no probe file', () => {
    const data = path.join(tmp, 'data');
    codeFiles(data);
    const out = path.join(tmp, 'new', 'deeper', 'm');
    const r = spawnSync('bash', ['-c', `trap '' XFSZ; ulimit -f 0; exec "${process.execPath}" "${CLI}" train "${data}" --out "${out}" ${TINY.join(' ')} --max-minutes 0.05`], { encoding: 'utf8', timeout: 60_000 });
    assert.strictEqual(r.status, 1, r.stderr);
    assert.match(r.stderr, /^charrnn: cannot write the model to /);
    assert.strictEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.deepStrictEqual(fs.readdirSync(tmp), ['data'], 'nothing created');
  });

  it('the CLI as pid 1 of a fresh pid namespace takes over the stale lock of the previous pid 1 (a restarted container)', function () {
    const data = path.join(tmp, 'data');
    codeFiles(data);
    const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    if (probe.stdout.trim() !== '1') this.skip(); // needs root (a pid namespace)
    // The lock the previous container's CLI (pid 1 too, same host name) left when it was killed.
    fs.writeFileSync(lockPath(model), JSON.stringify({ pid: 1, host: os.hostname(), startedAt: new Date(Date.now() - 3600_000).toISOString(), command: 'charrnn train' }));
    const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, CLI, 'train', data, '--out', model, ...TINY, '--epochs', '1', '--eval-every', '5', '--no-samples'], { encoding: 'utf8', timeout: 120_000 });
    assert.strictEqual(r.status, 0, r.stderr);
    loadCheckpoint(model);
    assert.ok(!fs.existsSync(lockPath(model)), 'released');
  });

  it('a mount point as --out trains and saves twice (the folder itself is never renamed)', function () {
    const data = path.join(tmp, 'data');
    codeFiles(data);
    fs.mkdirSync(model);
    const cli = `"${process.execPath}" "${CLI}" train "${data}" --out "${model}" ${TINY.join(' ')} --epochs 1 --eval-every 5 --no-samples`;
    const probe = spawnSync('unshare', ['-m', 'bash', '-c', `mount -t tmpfs none "${model}" && echo mounted`], { encoding: 'utf8' });
    if (!/mounted/.test(probe.stdout)) this.skip(); // needs root (a mount namespace)
    const r = spawnSync('unshare', ['-m', 'bash', '-c', `mount -t tmpfs none "${model}" && ${cli} && echo notes > "${model}/NOTES.md" && ${cli} --resume && ls -A "${model}"`], { encoding: 'utf8', timeout: 120_000 });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.deepStrictEqual(r.stdout.trim().split('\n').slice(-5).sort(), ['NOTES.md', 'identifiers.json', 'meta.json', 'ngram.bin', 'weights.bin']);
  });
});

