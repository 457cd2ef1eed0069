/** Deleting and exporting checkpoints (src/core/modelFiles.ts) touch only folders that are ours. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FORMAT_VERSION } from '../../src/core/checkpoint';
import { deleteCheckpoint, exportCheckpoint, isOurCheckpoint } from '../../src/core/modelFiles';

describe('model files: delete and export', () => {
  let root: string;
  const ours = (dir: string, extra = 'w') => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ formatVersion: FORMAT_VERSION }));
    fs.writeFileSync(path.join(dir, 'weights.bin'), extra);
    return dir;
  };
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-files-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('recognises only a meta.json with our format version', () => {
    assert.strictEqual(isOurCheckpoint(ours(path.join(root, 'a'))), true);
    const other = path.join(root, 'b');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'meta.json'), JSON.stringify({ formatVersion: FORMAT_VERSION + 1 }));
    assert.strictEqual(isOurCheckpoint(other), false);
    fs.writeFileSync(path.join(other, 'meta.json'), 'not json');
    assert.strictEqual(isOurCheckpoint(other), false);
    assert.strictEqual(isOurCheckpoint(path.join(root, 'missing')), false);
  });

  it('deletes our checkpoint and refuses any other folder, leaving it untouched', () => {
    const a = ours(path.join(root, 'a'));
    deleteCheckpoint(a);
    assert.strictEqual(fs.existsSync(a), false);
    const user = path.join(root, 'user');
    fs.mkdirSync(user);
    fs.writeFileSync(path.join(user, 'notes.txt'), 'mine');
    assert.throws(() => deleteCheckpoint(user), /not a CharRNN checkpoint/);
    assert.strictEqual(fs.readFileSync(path.join(user, 'notes.txt'), 'utf8'), 'mine');
  });

  it('exports into a new or empty folder, or over one of ours, never over other files', () => {
    const src = ours(path.join(root, 'src'), 'new weights');
    const fresh = path.join(root, 'out', 'model');
    exportCheckpoint(src, fresh);
    assert.strictEqual(fs.readFileSync(path.join(fresh, 'weights.bin'), 'utf8'), 'new weights');
    const old = ours(path.join(root, 'old'), 'old weights');
    exportCheckpoint(src, old);
    assert.strictEqual(fs.readFileSync(path.join(old, 'weights.bin'), 'utf8'), 'new weights');
    const user = path.join(root, 'user');
    fs.mkdirSync(user);
    fs.writeFileSync(path.join(user, 'notes.txt'), 'mine');
    assert.throws(() => exportCheckpoint(src, user), /other files/);
    assert.deepStrictEqual(fs.readdirSync(user), ['notes.txt']);
    assert.throws(() => exportCheckpoint(src, path.join(src, 'inner')), /own folder/);
    assert.deepStrictEqual(fs.readdirSync(root).filter((f) => f.includes('.tmp-')), [], 'no temp folders left');
  });
});
