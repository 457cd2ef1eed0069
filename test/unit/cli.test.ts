import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const CLI = path.resolve(__dirname, '../../src/cli/main.js');
function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('charrnn CLI', function () {
  this.timeout(180_000);
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-cli-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('has --help on every command', () => {
    for (const cmd of [[], ['train'], ['eval'], ['sample'], ['complete'], ['bench']]) {
      const r = run([...cmd, '--help']);
      assert.strictEqual(r.code, 0, `${cmd.join(' ')} --help: ${r.stderr}`);
      assert.match(r.stdout, /Usage: charrnn/);
    }
  });

  it('fails with a one-line reason on bad input', () => {
    const cases: [string[], RegExp][] = [
      [['train', path.join(tmp, 'nope'), '--out', path.join(tmp, 'm')], /no such folder/],
      [['train', tmp, '--out', path.join(tmp, 'm'), '--lstm-size', 'abc'], /--lstm-size must be a whole number/],
      [['train', tmp, '--out', path.join(tmp, 'm'), '--num-layers', '99'], /between 1 and 6/],
      [['sample', '--model', tmp], /cannot load the model/],
      [['eval', '--model', tmp, __filename], /cannot load the model/],
    ];
    for (const [args, why] of cases) {
      const r = run(args);
      assert.notStrictEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, why);
      assert.ok(r.stderr.trim().split('\n').length <= 2, `short message: ${r.stderr}`);
      assert.strictEqual(r.stdout, '');
    }
  });

  it('says there is nothing to train on in an empty folder', () => {
    const empty = fs.mkdtempSync(path.join(tmp, 'empty-'));
    const r = run(['train', empty, '--out', path.join(tmp, 'm0')]);
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /^charrnn: No files to train on: /m);
    assert.ok(r.stderr.includes(`${empty} contains no files.`), r.stderr);
  });

  it('trains with --json, then evaluates and samples the model', () => {
    const data = path.join(tmp, 'data');
    fs.mkdirSync(data);
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(data, `f${i}.ts`), `export function add${i}(a: number, b: number) { return a + b; }\n`.repeat(20));
    const model = path.join(tmp, 'model');
    // A high learning rate so that one epoch (~100 steps) teaches the LSTM the repeated line.
    const r = run(['train', data, '--out', model, '--lstm-size', '16', '--num-layers', '1', '--batch-size', '4', '--num-steps', '16', '--epochs', '1', '--eval-every', '20',
      '--learning-rate', '0.02', '--json']);
    assert.strictEqual(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.strictEqual(events[0].type, 'ready');
    assert.strictEqual(events[events.length - 1].type, 'done');
    assert.ok(events.some((e) => e.type === 'progress'));
    const ev = run(['eval', '--model', model, data, '--json']);
    assert.strictEqual(ev.code, 0, ev.stderr);
    const result = JSON.parse(ev.stdout);
    // The n-gram expert knows the corpus by heart without any training, so the mixture's number
    // says nothing about training: the LSTM's must. A model that has learnt nothing costs about
    // log2(vocabulary) bits per character (5 here); this one gets under 1 on its training data.
    const uniform = Math.log2(JSON.parse(fs.readFileSync(path.join(model, 'meta.json'), 'utf8')).vocab.chars.length);
    assert.ok(result.experts.lstm < uniform / 2, `LSTM ${result.experts.lstm} bits/char, uniform ${uniform}: ${JSON.stringify(result)}`);
    // The model's number is the served mixture's, over every character of the six files, and the
    // mixture is at least as good as each of its experts here.
    const text = fs.readdirSync(data).map((f) => fs.readFileSync(path.join(data, f), 'utf8'));
    assert.strictEqual(result.files, 6);
    assert.strictEqual(result.chars, text.join('').length, JSON.stringify(result));
    assert.strictEqual(result.bitsPerChar, result.experts.mixture, JSON.stringify(result));
    for (const e of ['ngram', 'cache', 'lstm']) assert.ok(result.bitsPerChar <= result.experts[e], `mixture vs ${e}: ${JSON.stringify(result)}`);

    // Sampling: the prime, then exactly --length characters, the same for the same seed, and
    // the model's: most of its character pairs occur in the training text (~90% at this
    // temperature; a model that has learnt nothing, ~10%: pairs of ~30 characters drawn evenly).
    const sample = (seed: string) => run(['sample', '--model', model, '--prime', 'export', '--length', '200', '--temperature', '0.5', '--seed', seed]);
    const s = sample('3');
    assert.strictEqual(s.code, 0, s.stderr);
    assert.match(s.stdout, /^export[^]{200}\n$/, JSON.stringify(s.stdout));
    assert.strictEqual(sample('3').stdout, s.stdout, 'the same seed gives the same sample');
    const generated = s.stdout.slice('export'.length, -1);
    const pairs = [...generated.slice(1)].map((c, i) => generated[i] + c);
    const seen = pairs.filter((p) => text.some((t) => t.includes(p)));
    assert.ok(seen.length >= 0.5 * pairs.length, `${seen.length} of ${pairs.length} character pairs of ${JSON.stringify(generated)} occur in the training text`);
  });
  describe('issue 20: refused with one line, not mangled, not crashed', () => {
    const TINY = ['--lstm-size', '16', '--num-layers', '1', '--batch-size', '4', '--num-steps', '16', '--epochs', '1', '--eval-every', '20', '--no-samples'];
    function data(name: string): string {
      const d = path.join(tmp, name);
      fs.mkdirSync(d, { recursive: true });
      for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(d, `f${i}.ts`), `export function add${i}(a: number, b: number) { return a + b; }\n`.repeat(20));
      return d;
    }

    it('refuses a negative or zero --max-file-bytes / --max-corpus-bytes', () => {
      const d = data('bytes');
      for (const [flag, value] of [['--max-file-bytes', '-5'], ['--max-corpus-bytes', '-1'], ['--max-file-bytes', '0']]) {
        const r = run(['train', d, '--out', path.join(tmp, 'mb'), flag, value]);
        assert.notStrictEqual(r.code, 0, `${flag} ${value}: ${r.stderr}`);
        // One line, and the usage hint every option error gets.
        assert.match(r.stderr.split('\n')[0], new RegExp(`argument '${value}' is invalid\\. ${flag} must be between \\d+ and \\d+$`));
        assert.ok(r.stderr.trim().split('\n').length <= 2, r.stderr);
        assert.ok(!fs.existsSync(path.join(tmp, 'mb')));
      }
    });

    it('--include \'\' is ignored with a warning instead of crashing', () => {
      const d = data('incl');
      const r = run(['train', d, '--out', path.join(tmp, 'mi'), '--include', '', ...TINY, '--json']);
      assert.strictEqual(r.code, 0, r.stderr);
      const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.strictEqual(events.find((e) => e.type === 'corpus').files, 4);
      assert.match(r.stderr, /an empty pattern in --include was ignored/);
    });

    it('a folder or --out name that is not UTF-8 is refused with one line, not mangled', function () {
      if (process.platform === 'win32') this.skip();
      const d = data('utf8');
      // A folder named "ws" + byte 0xff (Latin-1 "ÿ"), made and passed as bytes.
      fs.mkdirSync(Buffer.concat([Buffer.from(path.join(tmp, 'ws')), Buffer.from([0xff])]));
      const cli = (args: string) => spawnSync('bash', ['-c', `exec "${process.execPath}" "${CLI}" ${args}`], { encoding: 'utf8', timeout: 60_000, cwd: tmp });
      const before = fs.readdirSync(tmp).sort();
      for (const [args, what] of [[`train "$(printf 'ws\\377')" --out m1`, /folder/], [`train "${d}" --out "$(printf 'm\\377')" ${TINY.join(' ')}`, /--out/]] as const) {
        const r = cli(args);
        assert.strictEqual(r.status, 1, `${args}: ${r.stderr}`);
        assert.match(r.stderr, /is not valid UTF-8/);
        assert.match(r.stderr, what);
        assert.strictEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
      }
      assert.deepStrictEqual(fs.readdirSync(tmp).sort(), before, 'no folder made under a mangled name');
    });
  });
});
