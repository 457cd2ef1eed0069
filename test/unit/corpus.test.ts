import * as assert from 'assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  collectCorpus,
  compileIgnore,
  CorpusAbortedError,
  EmptyCorpusError,
  IGNORE_LINES_PER_YIELD,
  fingerprint,
  formatReport,
  type CorpusOptions,
  type CorpusReport,
} from '../../src/core/corpus/corpus';

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

interface ChildOutcome {
  files?: string[];
  warnings?: string[];
  skipped?: Record<string, number>;
  error?: string;
  message?: string;
}

/**
 * collectCorpus in a child process, for each of `cases`: once to the end (`full`), and once with
 * its signal aborted from the event loop just after it starts (`aborted`). A backtracking matcher
 * or a blocking read never returns to the event loop, so no in-process timeout could fire: the
 * child is killed after `killAfterMs` (a hang, reported as the test's failure; not a speed limit).
 */
function collectInChild(root: string, cases: Partial<CorpusOptions>[], killAfterMs = 90_000): { full: ChildOutcome; aborted: ChildOutcome }[] {
  const corpusJs = path.resolve(__dirname, '../../src/core/corpus/corpus.js');
  const script = `
    const { collectCorpus } = require(${JSON.stringify(corpusJs)});
    const show = (p) => p.then(
      ({ docs, report }) => ({ files: docs.map((d) => d.relPath), warnings: report.warnings ?? [], skipped: report.skipped }),
      (e) => ({ error: e.name, message: e.message }));
    (async () => {
      const out = [];
      for (const opts of ${JSON.stringify(cases.map((c) => ({ ...DEFAULTS, ...c })))}) {
        const full = await show(collectCorpus([${JSON.stringify(root)}], opts));
        const ac = new AbortController();
        const p = collectCorpus([${JSON.stringify(root)}], { ...opts, signal: ac.signal });
        setImmediate(() => ac.abort());
        out.push({ full, aborted: await show(p) });
      }
      console.log(JSON.stringify(out));
    })();`;
  // A small heap: a collector that loads a huge ignore file fails fast instead of filling the machine.
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', '-e', script], { encoding: 'utf8', timeout: killAfterMs });
  assert.ok(r.status === 0 && r.stdout.trim(), `the collector did not finish (${r.signal ?? `exit ${r.status}`}): ${r.stderr.slice(-400)}`);
  return JSON.parse(r.stdout);
}

/** An aborted collection ends with the stop, or with the refusal it reached first. */
function assertStopped(o: ChildOutcome): void {
  assert.ok(o.error === 'CorpusAbortedError' || o.error === 'EmptyCorpusError', JSON.stringify(o));
}

function codeFiles(root: string, n = 6): void {
  for (let i = 0; i < n; i++) {
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, `f${i}.ts`), `export function add${i}(a: number, b: number) { return a + b + ${i}; }\n`.repeat(5));
  }
}

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
  describe('hostile workspaces finish or are refused, and a stop is heard (issue 20)', function () {
    this.timeout(240_000);

    it('an extglob or repeated alternation in any glob setting or .gitignore does not backtrack', () => {
      const root = makeTree({});
      codeFiles(root);
      const a40 = 'a'.repeat(40);
      fs.writeFileSync(path.join(root, a40), 'x\n');
      const nested = '+(+(a))c';
      const braces = '{a,a}'.repeat(40) + 'c';
      const groups = '(a|a)'.repeat(40) + 'c';
      const cases: Partial<CorpusOptions>[] = [
        { exclude: [nested] },
        { exclude: [braces] },
        { exclude: [groups] },
        { filesExclude: [nested, braces] },
        { include: ['**/*.ts', nested, braces] },
      ];
      const results = collectInChild(root, cases);
      for (const [i, { full, aborted }] of results.entries()) {
        assert.ok(full.files?.includes('f0.ts'), `case ${i}: ${JSON.stringify(full)}`);
        assert.equal(full.files?.includes(a40), i < 4, `case ${i}: the pattern's characters are literal`);
        assertStopped(aborted);
      }
      // The same patterns in .gitignore (whose syntax has no extglobs or braces).
      fs.writeFileSync(path.join(root, '.gitignore'), `${nested}\n${braces}\n${groups}\n`);
      const [{ full, aborted }] = collectInChild(root, [{}]);
      assert.ok(full.files?.includes(a40), JSON.stringify(full));
      assertStopped(aborted);
    });

    it('a FIFO or a link to /dev/zero at .git/info/exclude is never read: the folder is refused with the reason', function () {
      if (process.platform === 'win32') this.skip();
      const root = makeTree({ '.git/HEAD': 'ref: refs/heads/main\n' });
      codeFiles(root);
      const exclude = path.join(root, '.git', 'info', 'exclude');
      fs.mkdirSync(path.dirname(exclude), { recursive: true });
      execFileSync('mkfifo', [exclude]);
      let [{ full, aborted }] = collectInChild(root, [{}]);
      assert.equal(full.error, 'EmptyCorpusError', JSON.stringify(full));
      assert.match(full.message ?? '', /\.git\/info\/exclude is not a regular file \(a FIFO\)/);
      assertStopped(aborted);
      fs.rmSync(exclude);
      fs.symlinkSync('/dev/zero', exclude);
      [{ full, aborted }] = collectInChild(root, [{}]);
      assert.equal(full.error, 'EmptyCorpusError', JSON.stringify(full));
      assert.match(full.message ?? '', /\.git\/info\/exclude is not a regular file \(a character device\)/);
      assertStopped(aborted);
    });

    it('an ignore file over 1 MB (a 2,000,000-line .gitignore) is not loaded: its folder is skipped with a warning', () => {
      const root = makeTree({ 'sub/x.ts': 'export const x = 1;\n' });
      codeFiles(root);
      const lines = Array.from({ length: 2_000_000 }, (_, i) => `build-output-${i}.log`).join('\n');
      fs.writeFileSync(path.join(root, 'sub', '.gitignore'), lines);
      const [{ full, aborted }] = collectInChild(root, [{}]);
      assert.deepEqual(full.files, ['f0.ts', 'f1.ts', 'f2.ts', 'f3.ts', 'f4.ts', 'f5.ts'], JSON.stringify(full));
      assert.match((full.warnings ?? []).join('\n'), /sub\/\.gitignore is \d+\.\d MB, over the 1\.0 MB limit for ignore files: sub\/ was not read/);
      assert.equal(full.skipped?.unreadable, 1);
      assertStopped(aborted);
    });

    it('compiles an ignore file in slices, letting a stop in every IGNORE_LINES_PER_YIELD lines', async () => {
      const lines = 9000;
      const text = Array.from({ length: lines }, (_, i) => `dir${i}/`).join('\n');
      let ticks = 0;
      const ig = await compileIgnore(text, '.gitignore', [], async () => {
        ticks++;
      });
      assert.ok(ig.ignores('dir8999/'));
      assert.ok(ticks >= Math.floor(lines / IGNORE_LINES_PER_YIELD), `${ticks} yields`);
      // A stop at the second yield ends the compilation there.
      let n = 0;
      await assert.rejects(
        compileIgnore(text, '.gitignore', [], async () => {
          if (++n === 2) throw new CorpusAbortedError();
        }),
        CorpusAbortedError,
      );
      assert.equal(n, 2);
    });
  });

  it('collection that runs out of time trains on the files it found, and says so (issue 20)', async () => {
    const files: Record<string, string> = {};
    for (let d = 0; d < 20; d++) for (let f = 0; f < 30; f++) files[`d${String(d).padStart(2, '0')}/f${f}.ts`] = `export const v${f} = ${d};\n`;
    const root = makeTree(files);
    // A clock that advances with every look at it: the budget runs out during the walk, after it
    // has listed some files.
    let t = 0;
    const { docs, report } = await collect(root, { timeBudgetMs: 5, now: () => (t += 0.05) } as Partial<CorpusOptions>);
    assert.ok(report.timedOut);
    assert.ok(docs.length >= 5, `${docs.length} files`);
    assert.ok(docs.length + report.skipped['time-limit'] < 600, 'the walk stopped before listing every file');
    assert.match(formatReport(report), /^Using \d+ files/);
    assert.match(formatReport(report), /Stopped listing files at the time limit/);
  });

  it('an empty glob pattern is ignored, with a warning (issue 20)', async () => {
    const root = makeTree({ 'src/a.ts': 'export const a = 1;\n', 'b.md': '# b\n' });
    const all = await collect(root, { include: [''] });
    assert.deepEqual(rels(all.docs), ['b.md', 'src/a.ts']);
    assert.match((all.report.warnings ?? []).join('\n'), /empty pattern in charrnn\.training\.include was ignored/);
    const some = await collect(root, { include: ['', 'src/**'], exclude: [' '], filesExclude: [''] });
    assert.deepEqual(rels(some.docs), ['src/a.ts']);
  });

  it('never reads its own model folder through a symlinked workspace or model path (issue 20)', async function () {
    const root = makeTree({ 'a.ts': 'export const a = 1;\n', 'model/meta.json': '{"format": "charrnn-checkpoint"}\n', 'model/notes.txt': 'mine\n' });
    const link = `${root}-link`;
    tmpRoots.push(link);
    try {
      fs.symlinkSync(root, link, 'dir');
    } catch {
      this.skip();
    }
    // ln -s ws wslink; train wslink --out ws/model
    assert.deepEqual(rels((await collect(link, { modelDir: path.join(root, 'model') })).docs), ['a.ts']);
    // train ws --out wslink/model, and a model folder not made yet
    assert.deepEqual(rels((await collect(root, { modelDir: path.join(link, 'model') })).docs), ['a.ts']);
    fs.rmSync(path.join(root, 'model'), { recursive: true });
    fs.writeFileSync(path.join(root, '.model.lock'), '{}\n');
    assert.deepEqual(rels((await collect(link, { modelDir: path.join(root, 'model') })).docs), ['a.ts']);
  });
});
