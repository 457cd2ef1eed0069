import * as assert from 'assert';
import { completionMetrics, median, quantile, typeThrough } from '../../bench/metrics';
import { identifierSpans, repeatedLineShare, samplePositions } from '../../src/core/text/positions';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { debFolderFiles, semverSmall, semverWithFixtures, splitByPath } from '../../bench/data';

describe('bench metrics', () => {
  it('computes accuracy, precision, share shown and characters saved', () => {
    const m = completionMetrics([
      { truth: 'abc', completion: 'abc' }, // right, 3 chars
      { truth: 'de', completion: 'dx' }, // shown, wrong
      { truth: 'fghij', completion: '' }, // abstained
      { truth: 'k', completion: 'k' }, // right, 1 char
    ]);
    assert.strictEqual(m.positions, 4);
    assert.strictEqual(m.shown, 3);
    assert.strictEqual(m.correct, 2);
    assert.strictEqual(m.accuracy, 0.5);
    assert.strictEqual(m.precision, 2 / 3);
    assert.strictEqual(m.shownShare, 0.75);
    assert.strictEqual(m.charsSaved, 4 / 11);
    assert.strictEqual(m.charsSavedPerPosition, 1);
  });

  it('a completion longer than the truth is wrong', () => {
    const m = completionMetrics([{ truth: 'abc', completion: 'abc(' }]);
    assert.strictEqual(m.correct, 0);
    assert.strictEqual(m.shown, 1);
  });

  it('precision is undefined (NaN) when nothing is shown', () => {
    const m = completionMetrics([{ truth: 'a', completion: '' }]);
    assert.ok(Number.isNaN(m.precision));
    assert.strictEqual(m.accuracy, 0);
  });

  it('median and quantile', () => {
    assert.strictEqual(median([3, 1, 2]), 2);
    assert.strictEqual(median([4, 1, 2, 3]), 2.5);
    assert.strictEqual(quantile([5, 1, 3, 2, 4], 0.5), 3);
  });
});

describe('bench positions', () => {
  const docs = [
    { relPath: 'b.ts', text: 'const fooBar = 0x1F + baz;\n' },
    { relPath: 'a.ts', text: 'let $x = y_1;' },
  ];

  it('finds identifiers but not the letters of number literals', () => {
    const t = docs[0].text;
    assert.deepStrictEqual(identifierSpans(t).map(([s, e]) => t.slice(s, e)), ['const', 'fooBar', 'baz']);
  });

  it('samples every identifier position with the right truth when asked for all', () => {
    const all = samplePositions(docs, 1000, 7);
    // a.ts: let(3) $x(2) y_1(3); b.ts: const(5) fooBar(6) baz(3)
    assert.strictEqual(all.length, 8 + 14);
    for (const p of all) {
      const text = docs.find((d) => d.relPath === p.relPath)!.text;
      assert.strictEqual(text.slice(p.offset, p.offset + p.truth.length), p.truth);
      assert.strictEqual(text.slice(p.offset - p.typed.length, p.offset), p.typed);
      const word = p.typed + p.truth;
      assert.ok(identifierSpans(text).some(([s, e]) => text.slice(s, e) === word && s === p.offset - p.typed.length), word);
    }
    const atFoo = all.find((p) => p.relPath === 'b.ts' && p.typed === 'foo');
    assert.strictEqual(atFoo?.truth, 'Bar');
    const atStart = all.find((p) => p.relPath === 'a.ts' && p.typed === '' && p.truth === '$x');
    assert.ok(atStart);
  });

  it('is deterministic, independent of document order, and depends on the seed', () => {
    const a = samplePositions(docs, 5, 3);
    const b = samplePositions([...docs].reverse(), 5, 3);
    assert.deepStrictEqual(a, b);
    assert.strictEqual(a.length, 5);
    const seeds = new Set([1, 2, 3, 4, 5, 6].map((s) => JSON.stringify(samplePositions(docs, 5, s))));
    assert.ok(seeds.size > 1);
    // Sorted by file then offset.
    const keys = a.map((p) => `${p.relPath}:${String(p.offset).padStart(5, '0')}`);
    assert.deepStrictEqual(keys, [...keys].sort());
  });
});

describe('bench data split', () => {
  it('holds out 10% of the files by path hash, deterministically', () => {
    const docs = Array.from({ length: 40 }, (_, i) => ({ relPath: `src/f${i}.ts`, text: String(i) }));
    const s1 = splitByPath(docs);
    const s2 = splitByPath([...docs].reverse());
    assert.strictEqual(s1.test.length, 4);
    assert.strictEqual(s1.train.length, 36);
    assert.deepStrictEqual(s1.test.map((d) => d.relPath), s2.test.map((d) => d.relPath));
    const names = new Set([...s1.train, ...s1.test].map((d) => d.relPath));
    assert.strictEqual(names.size, 40);
  });

  // A stand-in for semver's files: 50 modules of made-up code under classes/, functions/, ranges/.
  const code = Array.from({ length: 50 }, (_, i) => ({
    relPath: `${['classes', 'functions', 'ranges'][i % 3]}/m${i}.js`,
    text: `'use strict'\nconst parse${i} = (v, opts) => {\n  const r${i} = new Range(v, opts)\n  return r${i}.test(v) ? ${i} : null\n}\nmodule.exports = parse${i}\n`.repeat(3 + (i % 7)),
  }));
  const chars = (ds: { text: string }[]) => ds.reduce((n, d) => n + d.text.length, 0);

  it('semver-fixtures: the code plus three data tables, a third of the characters, never held out by the bench', () => {
    const docs = semverWithFixtures(code);
    const added = docs.filter((d) => !code.includes(d));
    assert.strictEqual(added.length, 3);
    const share = chars(added) / chars(docs);
    assert.ok(share > 0.3 && share < 0.37, `data share ${share}`);
    for (const d of added) assert.ok(repeatedLineShare(d.text) > 0.6, `${d.relPath} should look like data`);
    const { test } = splitByPath(docs);
    assert.ok(test.every((d) => code.includes(d)), 'a fixture table was held out');
    // Deterministic: the same tables every time.
    assert.deepStrictEqual(semverWithFixtures(code).map((d) => d.text), docs.map((d) => d.text));
  });

  it('semver-small: at most 40,000 characters of the code', () => {
    const small = semverSmall(code);
    assert.ok(small.length > 0 && small.every((d) => code.includes(d) && /^(functions|ranges)\//.test(d.relPath)));
    assert.ok(chars(code) > 40_000, 'the stand-in is too small to test the cap');
    assert.ok(chars(small) <= 40_000 && chars(small) > 20_000, `${chars(small)} characters`);
  });
});

describe('bench corpora from Debian packages (rack, symfony-console)', () => {
  it("takes the newest versioned folder's files of one kind, with paths relative to it", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-deb-'));
    try {
      const gems = path.join(root, 'usr/share/rubygems-integration/all/gems');
      for (const [rel, text] of [['rack-2.2.20/lib/rack.rb', 'old'], ['rack-2.2.22/lib/rack.rb', 'module Rack; end'], ['rack-2.2.22/lib/rack/file.rb', 'x'],
        ['rack-2.2.22/README.md', '# rack'], ['rackup-1.0/lib/rackup.rb', 'y'], ['other-1.0/a.rb', 'z']]) {
        fs.mkdirSync(path.dirname(path.join(gems, rel)), { recursive: true });
        fs.writeFileSync(path.join(gems, rel), text);
      }
      const got = debFolderFiles(root, 'usr/share/rubygems-integration/all/gems', 'rack-', (n) => n.endsWith('.rb'));
      assert.strictEqual(got.folder, 'rack-2.2.22');
      assert.deepStrictEqual(got.files.sort(), ['lib/rack.rb', 'lib/rack/file.rb']);
      assert.strictEqual(fs.readFileSync(path.join(got.root, 'lib/rack.rb'), 'utf8'), 'module Rack; end');
      assert.throws(() => debFolderFiles(root, 'usr/share/php', 'Console', () => true), /no Console\* folder/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('typing a file character by character (issue 22: what a user meets)', () => {
  it('counts ghost texts after each keystroke, right when the text goes on with them, by kind', () => {
    // An engine that always offers ')' after '(' and 'total' after 'to'.
    const engine = (prefix: string) => (prefix.endsWith('(') ? ')' : prefix.endsWith('to') ? 'tal' : '');
    const t = typeThrough('f(total)', engine);
    assert.strictEqual(t.keystrokes, 8);
    // After 'f(' the ghost ')' is wrong (the text goes on with 'total'); after 'f(to' 'tal' is right.
    assert.deepStrictEqual(t.all, { shown: 2, right: 1 });
    assert.deepStrictEqual(t.identifier, { shown: 1, right: 1 });
    assert.deepStrictEqual(t.punctuation, { shown: 1, right: 0 });
    assert.strictEqual(t.rightChars, 3);
  });

  it('stops after the keystroke budget, across files', () => {
    const t = typeThrough('abc', () => '', undefined, 2);
    typeThrough('def', () => 'x', t, 2);
    assert.strictEqual(t.keystrokes, 2);
    assert.strictEqual(t.all.shown, 0);
  });
});
