import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough, Readable, Writable } from 'stream';
import { writeTinyCheckpoint } from './inferFixture';
import { runComplete, type CompleteAnswer } from '../../src/cli/complete';
import { readLines, type Line } from '../../src/cli/jsonLines';

const completeJs = path.resolve(__dirname, '../../src/cli/complete.js');

/** Runs runComplete in a child process (real stdin/stdout/stderr) and feeds it `input`. */
function run(modelDir: string, input: string, options: object = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `require(${JSON.stringify(completeJs)}).runComplete(${JSON.stringify(modelDir)}, process.stdin, process.stdout, process.stderr, ${JSON.stringify(options)}).then((c) => { process.exitCode = c; })`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

type Answer = CompleteAnswer;

const EMPTY = { completion: '', confidence: 0, continuation: '', continuationConfidence: 0, ms: 0 };

describe('charrnn complete (JSON lines protocol)', function () {
  this.timeout(60000);
  let dir: string;
  let model: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-complete-'));
    model = path.join(dir, 'model');
    writeTinyCheckpoint(model);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('answers every line in order; empty completion = abstain; a bad line gets stderr and an empty answer', async () => {
    const lines = [
      JSON.stringify({ prefix: 'const x = add(1, ' }),
      JSON.stringify({ prefix: 'function add' }),
      '{not json',
      JSON.stringify({ prefix: 42 }),
      '',
      JSON.stringify({ prefix: 'const y = f(' }),
      JSON.stringify({ prefix: 'f(', suffix: ')' }),
    ];
    const r = await run(model, lines.join('\n') + '\n', { minConfidence: 0.1 });
    assert.strictEqual(r.code, 0, r.stderr);
    const out = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Answer);
    assert.strictEqual(out.length, 6, r.stdout);
    for (const a of out) {
      assert.deepStrictEqual(Object.keys(a).sort(), ['completion', 'confidence', 'continuation', 'continuationConfidence', 'ms']);
      assert.ok(!/[\r\n]/.test(a.continuation) && a.continuationConfidence >= 0 && a.continuationConfidence <= 1);
      assert.ok(a.ms >= 0 && a.confidence >= 0 && a.confidence <= 1);
    }
    // At a boundary the model's token is ')' (p(')') x p(not ')') ≈ 0.27 x 0.73).
    assert.strictEqual(out[0].completion, ')');
    assert.ok(Math.abs(out[0].confidence - 0.196) < 0.02, String(out[0].confidence));
    // After a word: the word is complete, nothing to add.
    assert.deepStrictEqual([out[1].completion, out[1].confidence], ['', 0]);
    // The two bad lines: empty answers, ms 0, and one stderr line each.
    assert.deepStrictEqual(out[2], EMPTY);
    assert.deepStrictEqual(out[3], EMPTY);
    assert.match(r.stderr, /line 3: not JSON/);
    assert.match(r.stderr, /line 4: "prefix" must be a string/);
    assert.strictEqual(out[4].completion, ')');
    // The ')' is already there after the cursor: nothing to add.
    assert.strictEqual(out[5].completion, '');
  });

  it('abstains below the default minimum confidence', async () => {
    const r = await run(model, JSON.stringify({ prefix: 'const x = add(1, ' }) + '\n');
    assert.strictEqual(r.code, 0);
    assert.deepStrictEqual(JSON.parse(r.stdout), { ...EMPTY, ms: JSON.parse(r.stdout).ms });
  });

  it('an unreadable model: non-zero exit, one line on stderr, nothing on stdout', async () => {
    const r = await run(path.join(dir, 'missing'), JSON.stringify({ prefix: 'x' }) + '\n');
    assert.notStrictEqual(r.code, 0);
    assert.strictEqual(r.stdout, '');
    assert.strictEqual(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /no meta\.json/);
    const broken = path.join(dir, 'broken');
    fs.cpSync(model, broken, { recursive: true });
    fs.truncateSync(path.join(broken, 'weights.bin'), 10);
    const r2 = await run(broken, '');
    assert.notStrictEqual(r2.code, 0);
    assert.match(r2.stderr, /weights\.bin has 10 bytes/);
  });
  describe('issue 20: linear line reading, write errors, stdin a directory', () => {
    const CHUNK = 65536;
    /**
     * `total` characters in 64 KB chunks (as stdin delivers them), a newline ending every
     * `lineChars` characters (0: none). Every chunk costs the same to make, whatever the lines.
     */
    function* chunks(total: number, lineChars: number): Generator<Buffer> {
      for (let o = 0; o < total; o += CHUNK) {
        const c = Buffer.alloc(Math.min(CHUNK, total - o), 'x');
        if (lineChars > 0) for (let nl = lineChars - 1 - (o % lineChars); nl < c.length; nl += lineChars) c[nl] = 10;
        yield c;
      }
    }
    async function timeLines(total: number, lineChars: number, maxChars?: number): Promise<{ ms: number; lines: Line[] }> {
      const lines: Line[] = [];
      const t0 = performance.now();
      for await (const l of readLines(Readable.from(chunks(total, lineChars)), maxChars)) lines.push(typeof l === 'string' ? `${l.length}` : l);
      return { ms: performance.now() - t0, lines };
    }
    /** The faster of two runs (a shared machine's noise). */
    async function best(total: number, lineChars: number, maxChars?: number) {
      const a = await timeLines(total, lineChars, maxChars);
      const b = await timeLines(total, lineChars, maxChars);
      return a.ms <= b.ms ? a : b;
    }

    it('one line of 16 M characters takes about as long as 16 lines of 1 M (linear, not quadratic)', async () => {
      const M = 1_000_000;
      const one = await best(16 * M, 16 * M);
      const many = await best(16 * M, M);
      assert.deepStrictEqual(one.lines, [`${16 * M - 1}`]);
      assert.strictEqual(many.lines.length, 16);
      assert.ok(one.ms < 3 * many.ms + 50, `1 x 16M: ${one.ms.toFixed(0)} ms, 16 x 1M: ${many.ms.toFixed(0)} ms`);
    });

    it('an over-long line gets its error answer in linear time, without keeping it', async () => {
      const M = 1_000_000;
      const over = await best(48 * M, 0, 16 * 1024 * 1024);
      assert.deepStrictEqual(over.lines, [{ tooLong: 48 * M }]);
      const lines = await best(48 * M, M, 16 * 1024 * 1024);
      assert.strictEqual(lines.lines.length, 48);
      assert.ok(over.ms < 3 * lines.ms + 50, `no newline in 48M: ${over.ms.toFixed(0)} ms, 48 x 1M: ${lines.ms.toFixed(0)} ms`);
    });

    /** A stdout that fails every write with `code` after `okWrites` writes. */
    function failingOutput(code: string, okWrites: number): Writable {
      let n = 0;
      return new Writable({
        write(_chunk, _enc, cb) {
          if (n++ < okWrites) return cb();
          cb(Object.assign(new Error(`${code}: write failed`), { code }));
        },
      });
    }

    for (const code of ['ENOSPC', 'EPIPE']) {
      it(`a write error on stdout (${code}) ends complete with one line on stderr and a non-zero exit`, async () => {
        const input = Readable.from([`${JSON.stringify({ prefix: 'const x = add(1, ' })}\n`.repeat(2000)]);
        let err = '';
        const errStream = new PassThrough();
        errStream.on('data', (d: Buffer) => (err += d.toString()));
        const status = await runComplete(model, input, failingOutput(code, 93), errStream);
        assert.notStrictEqual(status, 0);
        assert.strictEqual(err.trimEnd().split('\n').length, 1, err);
        assert.match(err, new RegExp(`charrnn complete: cannot write the answers \\(${code}\\b.*after 93 answers`));
      });
    }

    it('stdin that is a directory: one line on stderr and a non-zero exit', () => {
      const cli = path.resolve(__dirname, '../../src/cli/main.js');
      const fd = fs.openSync(dir, 'r');
      try {
        const r = spawnSync(process.execPath, [cli, 'complete', '--model', model], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
        assert.notStrictEqual(r.status, 0, r.stderr);
        assert.strictEqual(r.stdout, '');
        assert.strictEqual(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
        assert.match(r.stderr, /stdin is a directory/);
      } finally {
        fs.closeSync(fd);
      }
    });
  });
});
