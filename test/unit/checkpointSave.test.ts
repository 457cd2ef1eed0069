/**
 * Saving a checkpoint into a model folder (src/core/store/checkpoint.ts, src/core/store/modelFolder.ts),
 * issue 20: a save replaces only our four files by name (anything else a user put inside the
 * folder survives every save); a process killed at any step of a save leaves the previous
 * complete model or the new one, never a mix; the history stays bounded however long a model
 * trains; a weights.bin too large for its limit is refused before it is read.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointError, loadCheckpoint, loadMeta, saveCheckpoint, type HistoryPoint } from '../../src/core/store/checkpoint';
import { IdentifierIndex } from '../../src/core/complete/candidates';
import { KneserNeyModel } from '../../src/core/lm/ngram';
import { expectedShapes } from '../../src/core/lstm/weights';
import { FIXTURE_TEXT, writeTinyCheckpoint } from './inferFixture';

/** Every file under `dir` (relative path -> contents, '<dir>' or '-> target' for links). */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (e.isSymbolicLink()) out[rel] = `-> ${fs.readlinkSync(p)}`;
      else if (e.isDirectory()) {
        out[rel] = '<dir>';
        walk(p);
      } else out[rel] = fs.readFileSync(p, 'latin1');
    }
  };
  walk(dir);
  return out;
}

const OURS = new Set(['meta.json', 'weights.bin', 'ngram.bin', 'identifiers.json']);

function userFiles(model: string): void {
  fs.writeFileSync(path.join(model, 'NOTES.md'), 'notes\n');
  fs.mkdirSync(path.join(model, 'experiments'));
  fs.writeFileSync(path.join(model, 'experiments', 'run1.csv'), 'd\n');
  fs.symlinkSync('../elsewhere.txt', path.join(model, 'link-to-elsewhere'));
}

describe('saving a checkpoint (issue 20)', function () {
  this.timeout(120_000);
  let tmp: string;
  let model: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-save-'));
    model = path.join(tmp, 'm');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const base = () => {
    const vocab = writeTinyCheckpoint(model);
    const ck = loadCheckpoint(model);
    const { weights: _w, formatVersion: _v, format: _f, ...meta } = ck.meta;
    const ngram = KneserNeyModel.train([FIXTURE_TEXT.repeat(3)], { order: 4, vocab });
    const identifiers = IdentifierIndex.count([FIXTURE_TEXT.repeat(3)]);
    return { meta, weights: ck.weights, extras: { ngram, identifiers } };
  };

  it('user files and folders inside the model folder survive three saves', () => {
    const { meta, weights, extras } = base();
    userFiles(model);
    const user = Object.fromEntries(Object.entries(tree(model)).filter(([k]) => !OURS.has(k)));
    for (let i = 1; i <= 3; i++) {
      saveCheckpoint(model, { ...meta, step: i }, weights, extras);
      assert.strictEqual(loadCheckpoint(model).meta.step, i);
      const now = tree(model);
      for (const [k, v] of Object.entries(user)) assert.strictEqual(now[k], v, `save ${i}: ${k}`);
      assert.deepStrictEqual(Object.keys(now).filter((k) => !OURS.has(k) && !(k in user)), [], `save ${i}: nothing else added`);
    }
    assert.deepStrictEqual(fs.readdirSync(tmp), ['m'], 'no temp folders left beside it');
  });

  it('a save killed at any step leaves the old or the new model loadable and the user files intact', () => {
    const { meta, weights, extras } = base();
    saveCheckpoint(model, { ...meta, step: 1 }, weights, extras);
    userFiles(model);
    const user = Object.fromEntries(Object.entries(tree(model)).filter(([k]) => !OURS.has(k)));
    const checkpointJs = path.resolve(__dirname, '../../src/core/store/checkpoint.js');
    // In a child: count every call that changes the file system and SIGKILL the process right
    // after the k-th one, for k = 1, 2, ... until a save completes.
    const script = `
      const fs = require('fs');
      const k = Number(process.argv[1]);
      let n = 0;
      for (const f of ['mkdirSync', 'mkdtempSync', 'writeFileSync', 'openSync', 'writeSync', 'fsyncSync', 'renameSync', 'linkSync', 'unlinkSync', 'rmSync', 'rmdirSync', 'copyFileSync']) {
        const orig = fs[f];
        fs[f] = function (...args) {
          const r = orig.apply(this, args);
          // Opening counts when it creates a file (reading does not change anything).
          if ((f !== 'openSync' || /w|a/.test(String(args[1]))) && ++n === k) process.kill(process.pid, 'SIGKILL');
          return r;
        };
      }
      const ck = require(${JSON.stringify(checkpointJs)});
      const { KneserNeyModel } = require(${JSON.stringify(path.resolve(__dirname, '../../src/core/lm/ngram.js'))});
      const saved = ck.loadCheckpoint(${JSON.stringify(model)});
      const { weights: _w, formatVersion: _v, format: _f, ...meta } = saved.meta;
      const step = saved.meta.step + 1;
      const ngram = KneserNeyModel.train([${JSON.stringify(FIXTURE_TEXT)}.repeat(step)], { order: 4, vocab: saved.vocab });
      n = 0;
      ck.saveCheckpoint(${JSON.stringify(model)}, { ...meta, step }, saved.weights, { ngram, identifiers: [['x' + step, step]] });
      console.log('saved');`;
    let completed = false;
    let step = 1;
    for (let k = 1; k < 100 && !completed; k++) {
      const r = spawnSync(process.execPath, ['-e', script, String(k)], { encoding: 'utf8', timeout: 30_000 });
      completed = r.stdout.includes('saved');
      if (!completed) assert.strictEqual(r.signal, 'SIGKILL', `k=${k}: ${r.stderr}`);
      // Right after the kill, before any cleanup: a reader sees a complete model, old or new.
      let ck;
      try {
        ck = loadCheckpoint(model);
      } catch (e) {
        assert.fail(`killed after call ${k}: ${(e as Error).message}`);
      }
      assert.ok(ck.meta.step === step || ck.meta.step === step + 1, `k=${k}: step ${ck.meta.step}`);
      if (ck.meta.step === step + 1) {
        assert.deepStrictEqual(ck.identifiers, [[`x${step + 1}`, step + 1]], `k=${k}: the new model's files`);
        step++;
      } else if (step > 1) {
        assert.deepStrictEqual(ck.identifiers, [[`x${step}`, step]], `k=${k}: the old model's files`);
      }
      const now = tree(model);
      for (const [f, v] of Object.entries(user)) assert.strictEqual(now[f], v, `k=${k}: ${f}`);
    }
    assert.ok(completed, 'a save completed');
    // The next save cleans what the killed ones left, and only that.
    saveCheckpoint(model, { ...meta, step: 100 }, weights, extras);
    assert.strictEqual(loadMeta(model).step, 100);
    assert.deepStrictEqual(fs.readdirSync(tmp), ['m']);
    assert.deepStrictEqual(Object.keys(tree(model)).filter((f) => !OURS.has(f)).sort(), Object.keys(user).sort());
  });

  it('a simulated 40-hour history (540,000 points) keeps meta.json under 1 MB and the model loadable', () => {
    const { meta, weights, extras } = base();
    const history: HistoryPoint[] = [];
    for (let i = 0; i < 540_000; i++) {
      const p: HistoryPoint = { step: i * 2, epoch: Math.floor(i / 10_000), charsSeen: i * 2048, loss: 4 / (1 + i / 1000) + 0.5, time: i * 0.26, lr: 0.004 };
      if (i % 400 === 0) p.valLoss = p.loss + 0.1;
      history.push(p);
    }
    saveCheckpoint(model, { ...meta, history, step: history[history.length - 1].step }, weights, extras);
    const bytes = fs.statSync(path.join(model, 'meta.json')).size;
    assert.ok(bytes < 1_000_000, `meta.json is ${bytes} bytes`);
    const h = loadCheckpoint(model).meta.history;
    assert.ok(h.length >= 500 && h.length <= 4000, `${h.length} points`);
    assert.deepStrictEqual(h[0], history[0], 'the first point is kept');
    assert.deepStrictEqual(h[h.length - 1], history[history.length - 1], 'the last point is kept');
    for (let i = 1; i < h.length; i++) assert.ok(h[i].step > h[i - 1].step, 'in order');
    assert.ok(h.some((p) => p.valLoss !== undefined), 'validation points are kept');
    // The curve's shape: the recent part at full resolution.
    const tail = h.slice(-200);
    assert.deepStrictEqual(tail, history.slice(-200));
  });

  it('refuses a manifest of more than 1 GiB of weights before reading weights.bin', function () {
    const { meta, weights } = base();
    saveCheckpoint(model, meta, weights);
    const m = JSON.parse(fs.readFileSync(path.join(model, 'meta.json'), 'utf8'));
    // 4096 x 3 over this vocabulary: about 1.34 GB of float32.
    const V = m.vocab.chars.length;
    const H = 4096;
    m.config.lstmSize = H;
    m.config.numLayers = 3;
    m.weights = [...expectedShapes(V, H, 3)].map(([name, shape]) => ({ name, shape }));
    delete m.files;
    fs.writeFileSync(path.join(model, 'meta.json'), JSON.stringify(m));
    const need = m.weights.reduce((n: number, w: { shape: number[] }) => n + w.shape.reduce((a, b) => a * b, 1), 0) * 4;
    assert.ok(need > 2 ** 30 && need < 2 ** 31, String(need));
    fs.truncateSync(path.join(model, 'weights.bin'), need); // sparse: no disk used
    assert.throws(() => loadCheckpoint(model), (e: Error) => e instanceof CheckpointError && /more than the \d+ allowed/.test(e.message) && e.message.split('\n').length === 1);
  });
});
