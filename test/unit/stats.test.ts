/**
 * The local statistics store (src/core/views/stats.ts): counts per language, the latency histogram, the
 * file surviving a reload (a new store on the same file), reset, and bad files.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { StatsStore, latencyQuantileMs, totals } from '../../src/core/views/stats';

describe('statistics store', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-stats-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('counts shown, accepted, partial and characters saved per language', () => {
    const s = new StatsStore(undefined);
    s.record('typescript', 'shown');
    s.record('typescript', 'shown');
    s.record('typescript', 'accepted', 8);
    s.record('python', 'shown');
    s.record('python', 'partial', 3);
    const d = s.snapshot;
    assert.deepStrictEqual([d.languages.typescript.shown, d.languages.typescript.accepted, d.languages.typescript.charsSaved], [2, 1, 8]);
    assert.deepStrictEqual([d.languages.python.shown, d.languages.python.partial, d.languages.python.charsSaved], [1, 1, 3]);
    s.record('python', 'partialBecameAccepted', 4);
    const p = s.snapshot.languages.python;
    assert.deepStrictEqual([p.partial, p.accepted, p.charsSaved], [0, 1, 7]);
    assert.strictEqual(totals(s.snapshot).shown, 3);
  });

  it('never writes its temp file through a symlink planted at a predictable name (issue 20)', () => {
    const file = path.join(dir, 'stats.json');
    const victim = path.join(dir, 'victim.txt');
    fs.writeFileSync(victim, 'USER DATA');
    fs.symlinkSync(victim, `${file}.${process.pid}.tmp`);
    const s = new StatsStore(file);
    s.record('go', 'shown');
    s.save();
    assert.strictEqual(fs.readFileSync(victim, 'utf8'), 'USER DATA');
    assert.strictEqual(new StatsStore(file).snapshot.languages.go.shown, 1);
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['stats.json', `stats.json.${process.pid}.tmp`, 'victim.txt']);
  });

  it('keeps latencies in a histogram with quantiles', () => {
    const s = new StatsStore(undefined);
    for (const ms of [1, 3, 3, 4, 8, 40, 3000]) s.recordLatency('go', ms);
    const lat = s.snapshot.languages.go.latency;
    assert.strictEqual(lat.count, 7);
    assert.strictEqual(latencyQuantileMs(lat, 0.5), 5);
    assert.strictEqual(latencyQuantileMs(lat, 0.8), 50);
    assert.strictEqual(latencyQuantileMs(lat, 1), Infinity);
  });

  it('survives a reload: a new store on the same file has the same numbers', () => {
    const file = path.join(dir, 'stats.json');
    const a = new StatsStore(file);
    a.record('typescript', 'shown');
    a.record('typescript', 'accepted', 12);
    a.recordLatency('typescript', 7);
    a.dispose();
    const b = new StatsStore(file);
    assert.deepStrictEqual(b.snapshot, a.snapshot);
    assert.strictEqual(b.snapshot.languages.typescript.charsSaved, 12);
  });

  it('reset empties the store and the file', () => {
    const file = path.join(dir, 'stats.json');
    const a = new StatsStore(file);
    a.record('typescript', 'shown');
    a.reset();
    assert.deepStrictEqual(a.snapshot.languages, {});
    assert.deepStrictEqual(new StatsStore(file).snapshot.languages, {});
  });

  it('starts empty from a missing, corrupt or foreign file, and never writes to a prototype', () => {
    const file = path.join(dir, 'stats.json');
    assert.deepStrictEqual(new StatsStore(file).snapshot.languages, {});
    fs.writeFileSync(file, '{not json');
    assert.deepStrictEqual(new StatsStore(file).snapshot.languages, {});
    fs.writeFileSync(file, JSON.stringify({ version: 99, languages: { a: { shown: 1 } } }));
    assert.deepStrictEqual(new StatsStore(file).snapshot.languages, {});
    fs.writeFileSync(file, '{"version":1,"since":"x","languages":{"__proto__":{"shown":5},"ts":{"shown":-3,"accepted":"2"}}}');
    const s = new StatsStore(file);
    assert.strictEqual(s.snapshot.languages.ts.shown, 0);
    assert.strictEqual(s.snapshot.languages.ts.accepted, 0);
    s.record('__proto__', 'shown');
    assert.strictEqual(({} as Record<string, unknown>).shown, undefined);
  });
});
