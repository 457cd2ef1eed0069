/** Deleting and exporting checkpoints (src/core/store/modelFiles.ts) touch only folders that are ours. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FORMAT_VERSION, loadCheckpoint } from '../../src/core/store/checkpoint';
import { deleteCheckpoint, exportCheckpoint } from '../../src/core/store/modelFiles';
import { isOurCheckpoint } from '../../src/core/store/modelFolder';
import { writeTinyCheckpoint } from './inferFixture';

describe('model files: delete and export', () => {
  let root: string;
  /** A checkpoint of ours; `layers` tells two apart. */
  const ours = (dir: string, layers = 2) => {
    writeTinyCheckpoint(dir, 8, layers);
    return dir;
  };
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-files-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('recognises only a meta.json of ours', () => {
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
    assert.deepStrictEqual(deleteCheckpoint(a), []);
    assert.strictEqual(fs.existsSync(a), false);
    const user = path.join(root, 'user');
    fs.mkdirSync(user);
    fs.writeFileSync(path.join(user, 'notes.txt'), 'mine');
    assert.throws(() => deleteCheckpoint(user), /not a CharRNN checkpoint/);
    assert.strictEqual(fs.readFileSync(path.join(user, 'notes.txt'), 'utf8'), 'mine');
    assert.deepStrictEqual(fs.readdirSync(root), ['user'], 'no lock left');
  });

  it('exports into a new or empty folder, or over one of ours, never over other files', () => {
    const src = ours(path.join(root, 'src'), 1);
    const fresh = path.join(root, 'out', 'model');
    exportCheckpoint(src, fresh);
    assert.strictEqual(loadCheckpoint(fresh).meta.config.numLayers, 1);
    const old = ours(path.join(root, 'old'), 2);
    exportCheckpoint(src, old);
    assert.strictEqual(loadCheckpoint(old).meta.config.numLayers, 1);
    const user = path.join(root, 'user');
    fs.mkdirSync(user);
    fs.writeFileSync(path.join(user, 'notes.txt'), 'mine');
    assert.throws(() => exportCheckpoint(src, user), /other files/);
    assert.deepStrictEqual(fs.readdirSync(user), ['notes.txt']);
    assert.throws(() => exportCheckpoint(src, path.join(src, 'inner')), /own folder/);
    assert.deepStrictEqual(fs.readdirSync(root).filter((f) => f.includes('.tmp-') || f.includes('.lock')), [], 'no temp folders or locks left');
  });

  it('delete removes only our files: the user files inside stay, with the folder', () => {
    const a = path.join(root, 'a');
    writeTinyCheckpoint(a);
    fs.writeFileSync(path.join(a, 'NOTES.md'), 'mine');
    fs.mkdirSync(path.join(a, 'experiments'));
    fs.writeFileSync(path.join(a, 'experiments', 'run1.csv'), 'd');
    deleteCheckpoint(a);
    assert.deepStrictEqual(fs.readdirSync(a).sort(), ['NOTES.md', 'experiments']);
    assert.strictEqual(fs.readFileSync(path.join(a, 'experiments', 'run1.csv'), 'utf8'), 'd');
    assert.strictEqual(isOurCheckpoint(a), false);
  });

  it('uses the strong check of the model folder: a meta.json that is a link, or merely says formatVersion 1, is not ours', () => {
    const real = path.join(root, 'real');
    writeTinyCheckpoint(real);
    const linked = path.join(root, 'linked');
    fs.mkdirSync(linked);
    fs.symlinkSync(path.join(real, 'meta.json'), path.join(linked, 'meta.json'));
    fs.writeFileSync(path.join(linked, 'thesis.tex'), 'years of work');
    assert.strictEqual(isOurCheckpoint(linked), false);
    assert.throws(() => deleteCheckpoint(linked), /not a CharRNN/);
    assert.strictEqual(fs.readFileSync(path.join(linked, 'thesis.tex'), 'utf8'), 'years of work');
    const bare = path.join(root, 'bare');
    fs.mkdirSync(bare);
    fs.writeFileSync(path.join(bare, 'meta.json'), JSON.stringify({ formatVersion: FORMAT_VERSION }));
    fs.writeFileSync(path.join(bare, 'data.csv'), 'mine');
    assert.strictEqual(isOurCheckpoint(bare), false);
    assert.throws(() => deleteCheckpoint(bare), /not a CharRNN/);
    assert.deepStrictEqual(fs.readdirSync(bare).sort(), ['data.csv', 'meta.json']);
  });

  it('export over one of our models keeps the user files in it', () => {
    const src = path.join(root, 'src');
    writeTinyCheckpoint(src, 8, 1);
    const dest = path.join(root, 'dest');
    writeTinyCheckpoint(dest, 8, 2);
    fs.writeFileSync(path.join(dest, 'NOTES.md'), 'mine');
    exportCheckpoint(src, dest);
    assert.strictEqual(loadCheckpoint(dest).meta.config.numLayers, 1);
    assert.strictEqual(fs.readFileSync(path.join(dest, 'NOTES.md'), 'utf8'), 'mine');
    assert.deepStrictEqual(fs.readdirSync(root).sort(), ['dest', 'src']);
  });
});
