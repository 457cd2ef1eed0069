/**
 * Every numeric field a checkpoint's meta.json carries is checked by type and range at load
 * (src/core/store/checkpointValidate.ts), with the one-line CheckpointError the other checks give
 * (issue 20): a threshold of "abc", -5 or 1e9, a history point with "time": "abc", a schedule or
 * corpus field of the wrong type, n-gram discounts of 1e308.
 */
import * as assert from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointError, loadCheckpoint, loadMeta, saveCheckpoint } from '../../src/core/store/checkpoint';
import { KneserNeyModel } from '../../src/core/lm/ngram';
import { FIXTURE_TEXT, writeTinyCheckpoint } from './inferFixture';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- meta.json damaged on purpose, field by field
type Meta = Record<string, any>;

const CALIBRATION = { minConfidence: 0.3, precision: 0.9, shown: 0.5, positions: 100, target: 0.9, byTarget: { '0.8': 0.2 } };
const SCHEDULE = { kind: 'decay', peak: 0.004, warmupSteps: 50, decayShare: 0.3, startStep: 0, startSec: 0, endSec: 600, endStep: null };

describe('checkpoint numeric fields (issue 20)', () => {
  let tmp: string;
  let model: string;
  let good: Meta;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-validate-'));
    model = path.join(tmp, 'm');
    const vocab = writeTinyCheckpoint(model);
    const ck = loadCheckpoint(model);
    const { weights: _w, formatVersion: _v, format: _f, ...meta } = ck.meta;
    const ngram = KneserNeyModel.train([FIXTURE_TEXT.repeat(3)], { order: 4, vocab });
    saveCheckpoint(model, {
      ...meta,
      history: [
        { step: 0, epoch: 0, charsSeen: 0, loss: 4.5, time: 0, lr: 0 },
        { step: 10, epoch: 0, charsSeen: 640, loss: 3.5, valLoss: 3.6, mixLoss: 2.1, time: 1.5, lr: 0.004 },
      ],
      bestValLoss: 3.6,
      step: 10,
      calibration: { ...CALIBRATION },
      countCalibration: { ...CALIBRATION },
      schedule: { ...SCHEDULE } as never,
      ngram: { file: 'ngram.bin', format: 'charrnn-kn', version: 1, order: ngram.order, bytes: ngram.stats.bytes, trainChars: ngram.stats.trainChars, buildSeconds: 0.1 },
    }, ck.weights, { ngram });
    good = JSON.parse(fs.readFileSync(path.join(model, 'meta.json'), 'utf8'));
    loadCheckpoint(model); // the untouched one loads
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const refuses = (mutate: (m: Meta) => void, why: RegExp, raw?: (text: string) => string) => {
    const m = structuredClone(good);
    mutate(m);
    let text = JSON.stringify(m, null, 1);
    if (raw) text = raw(text);
    fs.writeFileSync(path.join(model, 'meta.json'), text);
    for (const load of [loadMeta, loadCheckpoint]) {
      assert.throws(() => load(model), (e: Error) => {
        assert.ok(e instanceof CheckpointError, `${why}: ${e.message}`);
        assert.match(e.message, why);
        assert.strictEqual(e.message.split('\n').length, 1);
        return true;
      }, `${why.source} (${load.name})`);
    }
  };

  it('refuses a threshold that is not a probability', () => {
    for (const v of ['abc', -5, 1e9, null]) refuses((m) => (m.calibration.minConfidence = v), /calibration\.minConfidence/);
    refuses((m) => (m.countCalibration.minConfidence = 'abc'), /countCalibration\.minConfidence/);
    refuses((m) => (m.calibration.precision = 2), /calibration\.precision/);
    refuses((m) => (m.calibration.positions = -1), /calibration\.positions/);
    refuses((m) => (m.calibration.byTarget['0.8'] = 'x'), /calibration\.byTarget/);
    refuses((m) => (m.calibration = 'high'), /calibration/);
  });

  it('refuses history points of the wrong type or range', () => {
    refuses((m) => (m.history[1].time = 'abc'), /history\[1\]\.time/);
    refuses((m) => (m.history[0].step = -1), /history\[0\]\.step/);
    refuses((m) => (m.history[1].loss = 'x'), /history\[1\]\.loss/);
    refuses((m) => (m.history[1].lr = -1), /history\[1\]\.lr/);
    refuses((m) => (m.history[1].mixLoss = 'x'), /history\[1\]\.mixLoss/);
    refuses(() => {}, /history\[1\]\.valLoss/, (t) => t.replace('"valLoss": 3.6', '"valLoss": 1e999'));
    refuses((m) => (m.history[1] = 7), /history\[1\]/);
  });

  it('refuses the schedule, corpus, best loss, config and n-gram fields of the wrong type or range', () => {
    refuses((m) => (m.schedule.peak = 'abc'), /schedule\.peak/);
    refuses((m) => (m.schedule.startSec = 'abc'), /schedule\.startSec/);
    refuses((m) => (m.schedule.endSec = 'abc'), /schedule\.endSec/);
    refuses((m) => (m.schedule.startStep = -5), /schedule\.startStep/);
    refuses((m) => (m.schedule.kind = 'zigzag'), /schedule\.kind/);
    refuses((m) => (m.bestValLoss = -5), /bestValLoss/);
    refuses((m) => (m.corpus.files = 'abc'), /corpus\.files/);
    refuses((m) => (m.corpus.bytes = -1), /corpus\.bytes/);
    refuses((m) => (m.config.learningRate = 'abc'), /config\.learningRate/);
    refuses((m) => (m.config.dropout = 5), /config\.dropout/);
    refuses((m) => (m.ngram.order = 1e308), /ngram\.order/);
    refuses((m) => (m.ngram.trainChars = 'abc'), /ngram\.trainChars/);
  });

  it('refuses n-gram discounts of 1e308 (kept in ngram.bin) with the checkpoint error', () => {
    const file = path.join(model, 'ngram.bin');
    const buf = fs.readFileSync(file);
    const headLen = buf.readUInt32LE(8);
    const head = JSON.parse(buf.subarray(12, 12 + headLen).toString('utf8'));
    head.disc[1][0] = 1e308;
    const newHead = Buffer.from(JSON.stringify(head), 'utf8');
    const align4 = (n: number) => (n + 3) & ~3;
    const arrays = buf.subarray(align4(12 + headLen));
    const out = Buffer.alloc(align4(12 + newHead.length) + arrays.length);
    buf.copy(out, 0, 0, 8);
    out.writeUInt32LE(newHead.length, 8);
    newHead.copy(out, 12);
    arrays.copy(out, align4(12 + newHead.length));
    fs.writeFileSync(file, out);
    // Our own record of ngram.bin (if any) is updated so that only the discounts are wrong.
    const m = structuredClone(good);
    if (m.files?.['ngram.bin']) {
      m.files['ngram.bin'].bytes = out.length;
      m.files['ngram.bin'].sha256 = createHash('sha256').update(out).digest('hex');
    }
    fs.writeFileSync(path.join(model, 'meta.json'), JSON.stringify(m));
    assert.throws(() => loadCheckpoint(model), (e: Error) => e instanceof CheckpointError && /discount/.test(e.message) && e.message.split('\n').length === 1);
  });

  it('refuses a large ngram.bin that is not one from its header, without reading it whole', () => {
    const file = path.join(model, 'ngram.bin');
    // 512 MB, sparse: no n-gram magic number; meta.json without file records (an older checkpoint).
    fs.writeFileSync(file, 'not an n-gram');
    fs.truncateSync(file, 512 * 2 ** 20);
    const m = structuredClone(good);
    delete m.files;
    fs.writeFileSync(path.join(model, 'meta.json'), JSON.stringify(m));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, to count what is read
    const realFs = require('fs') as typeof fs;
    const readSync = realFs.readSync;
    let read = 0;
    realFs.readSync = ((...args: Parameters<typeof fs.readSync>) => {
      const n = (readSync as (...a: unknown[]) => number)(...args);
      read += n;
      return n;
    }) as typeof fs.readSync;
    try {
      assert.throws(() => loadCheckpoint(model), (e: Error) => e instanceof CheckpointError && /ngram\.bin: .*wrong magic number/.test(e.message));
    } finally {
      realFs.readSync = readSync;
    }
    assert.ok(read < 2 ** 20, `read ${read} bytes of a 512 MB file`);
  });
});
