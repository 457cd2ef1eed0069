import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  collectCorpus,
  EmptyCorpusError,
  fingerprint,
  formatReport,
  type CorpusOptions,
  type CorpusReport,
} from '../../src/core/corpus';

const DEFAULTS: CorpusOptions = {
  include: ['**/*'],
  exclude: [],
  maxFileBytes: 1_000_000,
  maxCorpusBytes: 20_000_000,
  filesExclude: [],
};

const tmpRoots: string[] = [];

/** Creates a temp folder holding `files` (relative path -> contents). */
function makeTree(files: Record<string, string | Buffer>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-corpus-'));
  tmpRoots.push(root);
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, ...rel.split('/'));
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
  return root;
}

async function collect(root: string | string[], opts: Partial<CorpusOptions> = {}) {
  return collectCorpus(Array.isArray(root) ? root : [root], { ...DEFAULTS, ...opts });
}

const rels = (docs: { relPath: string }[]) => docs.map((d) => d.relPath);

describe('corpus', () => {
  after(() => {
    for (const r of tmpRoots) fs.rmSync(r, { recursive: true, force: true });
  });

  describe('.gitignore', () => {
    it('honours root and nested .gitignore files, with negation and anchoring', async () => {
      const root = makeTree({
        '.gitignore': '*.log\n!keep.log\nsecret/\n/rootonly.txt\n',
        'a.ts': 'const a = 1;\n',
        'b.log': 'log line\n',
        'keep.log': 'kept log\n',
        'rootonly.txt': 'ignored at the root\n',
        'readme.md': '# kept: the nested rule applies only below sub/\n',
        'secret/x.ts': 'hidden\n',
        'secret/y.ts': 'hidden too\n',
        'sub/rootonly.txt': 'not matched by an anchored pattern\n',
        'sub/.gitignore': '*.md\n!b.log\n',
        'sub/readme.md': 'ignored by the nested file\n',
        'sub/b.log': 're-included by the deeper negation\n',
        'sub/c.log': 'still ignored by the root rule\n',
      });
      const { docs, report } = await collect(root);
      assert.deepEqual(rels(docs), [
        '.gitignore',
        'a.ts',
        'keep.log',
        'readme.md',
        'sub/.gitignore',
        'sub/b.log',
        'sub/rootonly.txt',
      ]);
      // b.log, rootonly.txt, secret/ (a directory counts once), sub/readme.md, sub/c.log
      assert.equal(report.skipped.gitignore, 5);
      assert.deepEqual(report.examples.gitignore, ['b.log', 'rootonly.txt', 'secret/', 'sub/c.log', 'sub/readme.md']);
    });

    it('reads .git/info/exclude and never walks .git', async () => {
      const root = makeTree({
        '.git/info/exclude': 'local.txt\n',
        '.git/HEAD': 'ref: refs/heads/main\n',
        'local.txt': 'excluded locally\n',
        'main.py': 'print(1)\n',
      });
      const { docs, report } = await collect(root);
      assert.deepEqual(rels(docs), ['main.py']);
      assert.equal(report.skipped.gitignore, 1);
      assert.equal(report.skipped.generated, 1);
      assert.deepEqual(report.examples.generated, ['.git/']);
    });
  });

  it('honours files.exclude with VS Code glob semantics relative to the folder', async () => {
    const root = makeTree({
      '.DS_Store': 'junk\n',
      'deep/dir/.DS_Store': 'junk\n',
      'deep/dir/code.rs': 'fn main() {}\n',
      'docs/guide.md': 'excluded folder\n',
      'other/docs/guide.md': 'kept: "docs" is anchored at the folder root\n',
    });
    const { docs, report } = await collect(root, { filesExclude: ['**/.DS_Store', 'docs'] });
    assert.deepEqual(rels(docs), ['deep/dir/code.rs', 'other/docs/guide.md']);
    assert.equal(report.skipped.excluded, 3);
  });

  it('applies include and exclude globs relative to the folder', async () => {
    const root = makeTree({
      'src/a.ts': 'export const a = 1;\n',
      'src/a.test.ts': 'test();\n',
      'src/deep/b.ts': 'export const b = 2;\n',
      'src/c.js': 'var c;\n',
      'README.md': '# readme\n',
      'lib/d.ts': 'export const d = 4;\n',
    });
    const { docs, report } = await collect(root, {
      include: ['src/**/*.ts', '**/*.md'],
      exclude: ['**/*.test.ts'],
    });
    assert.deepEqual(rels(docs), ['README.md', 'src/a.ts', 'src/deep/b.ts']);
    assert.equal(report.skipped.excluded, 1);
    assert.equal(report.skipped['not-included'], 2);

    // A folder pattern includes everything below it, as VS Code's "files to include" does.
    const byFolder = await collect(root, { include: ['src/deep/', 'lib'] });
    assert.deepEqual(rels(byFolder.docs), ['lib/d.ts', 'src/deep/b.ts']);
  });

  it('skips dependency and build directories as generated', async () => {
    const root = makeTree({
      'node_modules/x/index.js': 'module.exports = 1;\n',
      'dist/bundle.js': 'var x = 1;\n',
      'pkg/__pycache__/m.txt': 'cache\n',
      'pkg/m.py': 'x = 1\n',
    });
    const { docs, report } = await collect(root);
    assert.deepEqual(rels(docs), ['pkg/m.py']);
    assert.equal(report.skipped.generated, 3);
  });

  it('skips binary files by content and by extension', async () => {
    const root = makeTree({
      'data.dat': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x10, 0x20]),
      'image.png': 'pretend image\n',
      'text.txt': 'plain text\n',
      // Large files are checked on their first bytes before the rest is read.
      'large.dat': Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.alloc(200_000, 0x41)]),
      'large.txt': 'abcdefghi\n'.repeat(20_000),
    });
    const { docs, report } = await collect(root);
    assert.deepEqual(rels(docs), ['large.txt', 'text.txt']);
    assert.equal(docs[0].text, 'abcdefghi\n'.repeat(20_000));
    assert.equal(docs[0].bytes, 200_000);
    assert.equal(report.skipped.binary, 3);
  });

  it('skips files over maxFileBytes', async () => {
    const root = makeTree({
      'big.txt': 'x'.repeat(99) + '\n'.repeat(1) + 'y'.repeat(1900),
      'small.txt': 'small\n',
      'edge.txt': 'z'.repeat(999) + '\n',
    });
    const { docs, report } = await collect(root, { maxFileBytes: 1000 });
    assert.deepEqual(rels(docs), ['edge.txt', 'small.txt']);
    assert.equal(report.skipped['too-large'], 1);
    assert.deepEqual(report.examples['too-large'], ['big.txt']);
  });

  it('skips minified, lock and generated files but keeps long prose lines', async () => {
    const normal = 'function f(a, b) {\n  return a + b;\n}\n';
    const root = makeTree({
      'package-lock.json': '{\n  "lockfileVersion": 3\n}\n',
      'yarn.lock': '# yarn lockfile v1\n',
      'sub/Cargo.lock': 'version = 3\n',
      'pnpm-lock.yaml': 'lockfileVersion: 6\n',
      'app.min.js': 'var a=1;\n',
      'app.js.map': '{"version":3}\n',
      'bundle.js': 'var x=' + '1+'.repeat(2500) + '1;\n',
      'wide.css': Array.from({ length: 10 }, () => '.a{color:red}'.repeat(20)).join('\n'),
      'gen.go': '// Code generated by protoc-gen-go. DO NOT EDIT.\npackage x\n',
      'gen.ts': '/**\n * @generated by a tool\n */\nexport {};\n',
      'late-marker.ts': 'a\nb\nc\nd\ne\nf\ng\n// DO NOT EDIT below (a comment deep in the file)\n',
      'essay.md': 'word '.repeat(400) + '\n',
      'app.js': normal,
    });
    const { docs, report } = await collect(root);
    assert.deepEqual(rels(docs), ['app.js', 'essay.md', 'late-marker.ts']);
    // lock files x4, .map, gen.go, gen.ts
    assert.equal(report.skipped.generated, 7);
    // app.min.js, bundle.js (a 5000-char line), wide.css (average line of 260 chars)
    assert.equal(report.skipped.minified, 3);
  });

  it('replaces invalid UTF-8 with U+FFFD instead of failing, and decodes UTF-16 with a BOM', async () => {
    const root = makeTree({
      'latin1.txt': Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from(' au lait\n')]),
      'bom8.txt': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('with bom\n')]),
      'utf16.txt': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('wide text\n', 'utf16le')]),
    });
    const { docs } = await collect(root);
    const byName = Object.fromEntries(docs.map((d) => [d.relPath, d]));
    assert.equal(byName['latin1.txt'].text, 'caf\uFFFD au lait\n');
    assert.equal(byName['latin1.txt'].bytes, 13);
    assert.equal(byName['bom8.txt'].text, 'with bom\n');
    assert.equal(byName['utf16.txt'].text, 'wide text\n');
  });

  it('stops at maxCorpusBytes in path order and counts the rest', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i++) files[`f${i}.txt`] = `${i}`.repeat(99) + '\n'; // 100 bytes each
    const root = makeTree(files);
    const { docs, report } = await collect(root, { maxCorpusBytes: 350 });
    assert.deepEqual(rels(docs), ['f0.txt', 'f1.txt', 'f2.txt']);
    assert.equal(report.truncated, true);
    assert.equal(report.bytes, 300);
    assert.equal(report.skipped['corpus-limit'], 7);
    assert.deepEqual(report.examples['corpus-limit'], ['f3.txt', 'f4.txt', 'f5.txt', 'f6.txt', 'f7.txt']);
    assert.match(formatReport(report), /corpus limit/);

    const all = await collect(root);
    assert.equal(all.report.truncated, false);
    assert.equal(all.docs.length, 10);
  });

  it('reports counts, bytes and characters, and a one-line summary', async () => {
    const root = makeTree({
      'a.txt': 'h\u00e9llo\n', // 7 bytes, 6 chars
      'b.txt': '\u{1F600}\n', // 5 bytes, 2 chars (an astral code point counts once)
      'empty.txt': '',
      'blank.txt': '  \n\n',
      'pic.png': 'x',
      '.gitignore': '*.log\n',
      'x.log': 'log\n',
    });
    let lastProgress = -1;
    const { docs, report } = await collectCorpus([root], DEFAULTS, (n) => (lastProgress = n));
    assert.deepEqual(rels(docs), ['.gitignore', 'a.txt', 'b.txt']);
    assert.equal(report.files, 3);
    assert.equal(report.bytes, 6 + 7 + 5);
    assert.equal(report.chars, 6 + 6 + 2);
    assert.equal(report.skipped.empty, 2);
    assert.equal(report.skipped.binary, 1);
    assert.equal(report.skipped.gitignore, 1);
    assert.equal(report.truncated, false);
    assert.equal(lastProgress, 7);
    assert.equal(formatReport(report), 'Using 3 files (18 B, 14 characters); skipped 2 empty, 1 gitignored, 1 binary.');
  });

  it('formats sizes and reasons in order of frequency', () => {
    const report: CorpusReport = {
      files: 123,
      bytes: 1_234_567,
      chars: 1_200_000,
      skipped: {
        gitignore: 40, excluded: 0, 'not-included': 0, binary: 3, 'too-large': 1, minified: 0, generated: 0,
        'corpus-limit': 0, unreadable: 0, empty: 0, special: 0, 'too-deep': 0, 'time-limit': 0,
      },
      examples: {},
      truncated: false,
    };
    assert.equal(
      formatReport(report),
      'Using 123 files (1.2 MB, 1200000 characters); skipped 40 gitignored, 3 binary, 1 too large.',
    );
  });

  describe('empty corpus', () => {
    it('throws EmptyCorpusError naming the folder and the main skip reasons', async () => {
      const root = makeTree({
        'a.bin': Buffer.from([0, 1, 2, 3, 0, 0, 0, 5]),
        'b.bin': Buffer.from([0, 1, 2, 3, 0, 0, 0, 6]),
        'empty.txt': '',
      });
      await assert.rejects(collect(root), (e: unknown) => {
        assert.ok(e instanceof EmptyCorpusError);
        assert.ok(e.message.includes(root), e.message);
        assert.match(e.message, /2 binary \(e\.g\. a\.bin, b\.bin\)/);
        assert.match(e.message, /1 empty/);
        return true;
      });
    });

    it('hints at the setting to change', async () => {
      const root = makeTree({ 'a.py': 'print(1)\n' });
      await assert.rejects(collect(root, { include: ['**/*.ts'] }), /not included.*charrnn\.training\.include/s);
    });

    it('says so when a folder has no files or does not exist', async () => {
      const root = makeTree({});
      await assert.rejects(collect(root), (e: unknown) => e instanceof EmptyCorpusError && /contains no files/.test(e.message));
      const missing = path.join(root, 'nope');
      await assert.rejects(collect(missing), (e: unknown) =>
        e instanceof EmptyCorpusError && e.message.includes('1 unreadable') && e.message.includes(missing));
    });
  });

  it('walks several folders in the given order and counts a missing one as unreadable', async () => {
    const one = makeTree({ 'z.txt': 'one\n' });
    const two = makeTree({ 'a.txt': 'two\n' });
    const { docs, report } = await collect([one, path.join(one, 'missing'), two]);
    assert.deepEqual(docs.map((d) => [d.folder, d.relPath]), [[one, 'z.txt'], [two, 'a.txt']]);
    assert.equal(docs[0].path, path.join(one, 'z.txt'));
    assert.equal(report.skipped.unreadable, 1);
  });

  it('accepts a single file in place of a folder', async () => {
    const root = makeTree({ 'dir/one.txt': 'only this\n', 'dir/two.txt': 'not this\n' });
    const file = path.join(root, 'dir', 'one.txt');
    const { docs } = await collect(file);
    assert.deepEqual(docs.map((d) => [d.relPath, d.text]), [['one.txt', 'only this\n']]);
  });

  it('does not follow symlinks out of the folder or around a cycle', async function () {
    const outside = makeTree({ 'secret.txt': 'outside\n' });
    const root = makeTree({ 'in/a.txt': 'inside\n' });
    try {
      fs.symlinkSync(outside, path.join(root, 'in', 'out-link'), 'dir');
      fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'file-link.txt'), 'file');
      fs.symlinkSync(root, path.join(root, 'in', 'cycle'), 'dir');
    } catch {
      this.skip(); // no symlink permission (e.g. Windows without developer mode)
    }
    const { docs } = await collect(root);
    assert.deepEqual(rels(docs), ['in/a.txt']);
  });

  it('counts unreadable files instead of failing', async function () {
    if (process.getuid?.() === 0 || process.platform === 'win32') this.skip(); // root reads anything
    const root = makeTree({ 'ok.txt': 'fine\n', 'locked.txt': 'private\n' });
    fs.chmodSync(path.join(root, 'locked.txt'), 0o000);
    const { docs, report } = await collect(root);
    assert.deepEqual(rels(docs), ['ok.txt']);
    assert.equal(report.skipped.unreadable, 1);
  });

  it('fingerprints the relative paths and sizes', () => {
    const doc = (relPath: string, bytes: number) => ({ path: `/w/${relPath}`, relPath, folder: '/w', text: '', bytes });
    const a = fingerprint([doc('a.ts', 10), doc('b.ts', 20)]);
    assert.equal(a.files, 2);
    assert.equal(a.bytes, 30);
    assert.match(a.hash, /^[0-9a-f]{40}$/);
    assert.equal(fingerprint([doc('a.ts', 10), doc('b.ts', 20)]).hash, a.hash);
    assert.notEqual(fingerprint([doc('a.ts', 10), doc('b.ts', 21)]).hash, a.hash);
    assert.notEqual(fingerprint([doc('a.ts', 10), doc('c.ts', 20)]).hash, a.hash);
  });
});
