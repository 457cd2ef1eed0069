import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeTinyCheckpoint } from './inferFixture';

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

interface Answer {
  completion: string;
  confidence: number;
  ms: number;
}

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
      assert.deepStrictEqual(Object.keys(a).sort(), ['completion', 'confidence', 'ms']);
      assert.ok(a.ms >= 0 && a.confidence >= 0 && a.confidence <= 1);
    }
    // At a boundary the model's token is ')' (p(')') x p(not ')') ≈ 0.27 x 0.73).
    assert.strictEqual(out[0].completion, ')');
    assert.ok(Math.abs(out[0].confidence - 0.196) < 0.02, String(out[0].confidence));
    // After a word: the word is complete, nothing to add.
    assert.deepStrictEqual([out[1].completion, out[1].confidence], ['', 0]);
    // The two bad lines: empty answers, ms 0, and one stderr line each.
    assert.deepStrictEqual(out[2], { completion: '', confidence: 0, ms: 0 });
    assert.deepStrictEqual(out[3], { completion: '', confidence: 0, ms: 0 });
    assert.match(r.stderr, /line 3: not JSON/);
    assert.match(r.stderr, /line 4: "prefix" must be a string/);
    assert.strictEqual(out[4].completion, ')');
    // The ')' is already there after the cursor: nothing to add.
    assert.strictEqual(out[5].completion, '');
  });

  it('abstains below the default minimum confidence', async () => {
    const r = await run(model, JSON.stringify({ prefix: 'const x = add(1, ' }) + '\n');
    assert.strictEqual(r.code, 0);
    assert.deepStrictEqual(JSON.parse(r.stdout), { completion: '', confidence: 0, ms: JSON.parse(r.stdout).ms });
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
});
