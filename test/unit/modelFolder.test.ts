/**
 * The model folder's lock and temp folders (src/core/store/modelFolder.ts), issue 20: the lock's temp
 * file is created exclusively (a symlink planted at a predictable name is never written through),
 * a stale lock is told from a live one by more than its pid (a restarted container's pid 1), a
 * lock that is a folder or dated in the future gets a clear answer, and cleanup removes only temp
 * folders that are provably ours.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { acquireModelLock, lockPath, ModelLockedError, openModelFolder, type ModelLock } from '../../src/core/store/modelFolder';
import { loadCheckpoint, saveCheckpoint } from '../../src/core/store/checkpoint';
import { writeTinyCheckpoint } from './inferFixture';

/** acquireModelLock with the process identity injected (the pid a container restart reuses). */
type Acquire = (dir: string, command?: string, env?: { pid?: number; startTime?: (pid: number) => string | undefined }) => ModelLock;
const acquire = acquireModelLock as unknown as Acquire;

describe('model folder: lock and temp folders (issue 20)', () => {
  let tmp: string;
  let model: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-folder-'));
    model = path.join(tmp, 'm');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('never writes the lock through a symlink planted at its temp name (one per pid)', () => {
    const victim = path.join(tmp, 'victim.txt');
    fs.writeFileSync(victim, 'USER DATA');
    for (let pid = Math.max(1, process.pid - 50); pid < process.pid + 50; pid++) {
      fs.symlinkSync(victim, `${lockPath(model)}.${pid}.tmp`);
    }
    const lock = acquireModelLock(model, 'test');
    assert.strictEqual(fs.readFileSync(victim, 'utf8'), 'USER DATA');
    assert.ok(fs.lstatSync(lockPath(model)).isFile(), 'the lock is a file of its own');
    lock.release();
    assert.strictEqual(fs.readFileSync(victim, 'utf8'), 'USER DATA');
    assert.ok(!fs.existsSync(lockPath(model)));
    assert.ok(fs.lstatSync(`${lockPath(model)}.${process.pid}.tmp`).isSymbolicLink(), 'the planted links are left alone');
  });

  it('never writes through a symlink at the lock path itself', () => {
    const victim = path.join(tmp, 'victim.txt');
    fs.writeFileSync(victim, 'USER DATA');
    fs.symlinkSync(victim, lockPath(model));
    assert.throws(() => acquireModelLock(model), /not a lock file|symbolic link/);
    assert.strictEqual(fs.readFileSync(victim, 'utf8'), 'USER DATA');
  });

  it('takes over a stale lock of pid 1 when the new process is pid 1 too (a restarted container)', () => {
    const host = os.hostname();
    // Written by an older version (no start time) and by this version in the previous container.
    for (const extra of [{}, { startTime: '17', bootId: fs.existsSync('/proc/sys/kernel/random/boot_id') ? fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() : undefined }]) {
      fs.writeFileSync(lockPath(model), JSON.stringify({ pid: 1, host, startedAt: new Date(Date.now() - 3600_000).toISOString(), command: 'charrnn train', ...extra }));
      const lock = acquire(model, 'charrnn train', { pid: 1 });
      const now = JSON.parse(fs.readFileSync(lockPath(model), 'utf8'));
      assert.strictEqual(now.pid, 1);
      assert.notStrictEqual(now.startedAt, undefined);
      // The same process (pid 1, this run) holding it is live: a second taker is refused.
      assert.throws(() => acquire(model, 'other', { pid: 1 }), (e: Error) => e instanceof ModelLockedError);
      lock.release();
      assert.ok(!fs.existsSync(lockPath(model)));
    }
  });

  it('a lock that is a folder is named as such (not "keeps reappearing") and left alone', () => {
    fs.mkdirSync(lockPath(model));
    fs.writeFileSync(path.join(lockPath(model), 'x'), 'x');
    assert.throws(() => acquireModelLock(model), (e: Error) => /is a folder/.test(e.message) && !/keeps reappearing/.test(e.message));
    assert.ok(fs.existsSync(path.join(lockPath(model), 'x')));
  });

  it('a foreign-host lock dated in the future goes stale by its file time, and says so while live', () => {
    const write = () => fs.writeFileSync(lockPath(model), JSON.stringify({ pid: 4242, host: 'another-host.example', startedAt: '2999-01-01T00:00:00.000Z' }));
    write();
    assert.throws(() => acquireModelLock(model), (e: Error) => e instanceof ModelLockedError && /in the future/.test(e.message));
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600_000);
    fs.utimesSync(lockPath(model), twoDaysAgo, twoDaysAgo);
    const lock = acquireModelLock(model);
    assert.notStrictEqual(JSON.parse(fs.readFileSync(lockPath(model), 'utf8')).host, 'another-host.example');
    lock.release();
  });

  it('cleanup leaves every sibling named like a temp folder that is not provably ours', () => {
    writeTinyCheckpoint(model);
    const ck = loadCheckpoint(model);
    const { weights: _w, formatVersion: _v, format: _f, ...meta } = ck.meta;
    fs.writeFileSync(path.join(tmp, '.m.tmp-notes.txt'), 'precious');
    fs.mkdirSync(path.join(tmp, '.m.tmp-backup'));
    fs.writeFileSync(path.join(tmp, '.m.tmp-backup', 'run1.csv'), 'd');
    // A user's copy of the model, named like a temp folder of a dead pid: no marker of ours.
    fs.cpSync(model, path.join(tmp, '.m.tmp-999999999-backup'), { recursive: true });
    fs.mkdirSync(path.join(tmp, '.m.tmp-999999998-AbCdEf'));
    fs.writeFileSync(path.join(tmp, '.m.tmp-999999998-AbCdEf', 'thesis.tex'), 'years of work');
    const before = fs.readdirSync(tmp).sort();
    for (let i = 0; i < 2; i++) saveCheckpoint(model, { ...meta, step: i + 5 }, ck.weights);
    openModelFolder(model).release();
    assert.deepStrictEqual(fs.readdirSync(tmp).sort(), before);
    assert.strictEqual(fs.readFileSync(path.join(tmp, '.m.tmp-notes.txt'), 'utf8'), 'precious');
    assert.strictEqual(fs.readFileSync(path.join(tmp, '.m.tmp-backup', 'run1.csv'), 'utf8'), 'd');
    assert.ok(fs.existsSync(path.join(tmp, '.m.tmp-999999999-backup', 'weights.bin')));
    assert.strictEqual(fs.readFileSync(path.join(tmp, '.m.tmp-999999998-AbCdEf', 'thesis.tex'), 'utf8'), 'years of work');
  });
});
