import * as assert from 'assert';
import ignore from 'ignore';
import picomatch from 'picomatch';
import { compileGlob, globTooComplex, safeGitignore, safeGitignoreLine, MAX_WILDCARDS_PER_PATTERN } from '../../src/core/corpus/gitignoreSafe';
import { makeRng } from '../../src/core/util/random';

describe('gitignoreSafe', () => {
  it('leaves ordinary patterns alone (runs of * collapsed as git reads them)', () => {
    for (const p of ['*.log', '/build/', '**/node_modules/', 'docs/**/*.md', '!keep.log', '# *a*a*a*a*', '', '*.min.*', 'a\\*b*c*d']) {
      assert.deepStrictEqual(safeGitignoreLine(p), { line: p, broadened: false }, p);
    }
    assert.deepStrictEqual(safeGitignoreLine('a**b'), { line: 'a*b', broadened: false });
  });

  it('broadens a pattern with too many wildcards, drops such a negation', () => {
    assert.deepStrictEqual(safeGitignoreLine('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b'), { line: '*b', broadened: true });
    assert.deepStrictEqual(safeGitignoreLine('/x/*a*b*c'), { line: '/x/*c', broadened: true });
    assert.deepStrictEqual(safeGitignoreLine('*a/*b/*c/d*/'), { line: '**/d*/', broadened: true });
    assert.deepStrictEqual(safeGitignoreLine('!*a*a*a*b'), { line: null, broadened: true });
    const r = safeGitignore('*.log\n*a*a*a*b\n!*x*x*x*y\n');
    assert.strictEqual(r.text, '*.log\n*b\n');
    assert.strictEqual(r.changed.length, 2);
  });

  it('a broadened pattern ignores every path the original ignores (random check)', () => {
    const rng = makeRng(5);
    const pick = <T>(xs: T[]) => xs[Math.floor(rng() * xs.length)];
    const atoms = ['*', 'a', 'b', '?', '**', '/'];
    const names = ['a', 'b', 'ab', 'ba', 'aab', 'abab', 'bb'];
    let broadened = 0;
    for (let i = 0; i < 300; i++) {
      const len = 4 + Math.floor(rng() * 8);
      const pattern = Array.from({ length: len }, () => pick(atoms)).join('').replace(/\/+/g, '/');
      if (pattern === '/' || pattern === '') continue;
      const safe = safeGitignoreLine(pattern);
      if (!safe.broadened || safe.line === null) continue;
      broadened++;
      const stars = (safe.line.match(/\*+/g) ?? []).length;
      assert.ok(stars <= MAX_WILDCARDS_PER_PATTERN, `${pattern} -> ${safe.line}`);
      const orig = ignore().add(pattern);
      const wide = ignore().add(safe.line);
      for (let k = 0; k < 40; k++) {
        const depth = 1 + Math.floor(rng() * 4);
        const p = Array.from({ length: depth }, () => pick(names)).join('/');
        let o: boolean;
        try {
          o = orig.ignores(p);
        } catch {
          continue;
        }
        if (o) assert.ok(wide.ignores(p), `${pattern} ignores ${p} but ${safe.line} does not`);
      }
    }
    assert.ok(broadened > 20, `exercised ${broadened} broadened patterns`);
  });

  it('accepts ordinary glob settings and refuses ones that would backtrack', () => {
    for (const g of ['**/*', '**/*.{ts,tsx}', 'src/**', '**/test/**/*.spec.*', '**/node_modules', '*.min.*']) {
      assert.strictEqual(globTooComplex(g), undefined, g);
    }
    for (const g of ['*a*a*b', '**/*a*/**/b*', '*a*/*a*/*a/b']) assert.match(globTooComplex(g) ?? '', /too many wildcards/, g);
  });
});

describe('glob settings matcher (issue 20)', () => {
  const name40 = 'a'.repeat(40);
  // Each of these takes exponential time in a backtracking matcher (picomatch's regular
  // expressions) on a name of 40 a's: hours. Extglobs are not VS Code glob syntax: their
  // characters are literal.
  const hostile = ['+(+(a))c', '*(*(a))c', '@(+(a)|+(a))c', '{a,a}'.repeat(40) + 'c', '(a|a)'.repeat(40) + 'c', '{a,{a,{a,aa}}}'.repeat(30) + 'c'];

  it('matches nested extglobs and repeated alternations in time linear in the name (a state machine, no backtracking)', () => {
    for (const p of hostile) {
      const m = compileGlob(p);
      // The work per character is bounded by the machine's size, itself linear in the pattern.
      assert.ok(m.size <= 4 * p.length + 4, `${p}: ${m.size} states`);
      assert.strictEqual(m(name40), false, p);
      assert.strictEqual(m(`${name40}/${name40}`), false, p);
    }
    assert.strictEqual(compileGlob('+(+(a))c')('+(+(a))c'), true, 'extglob characters are literal');
    assert.strictEqual(compileGlob('{a,a}'.repeat(40) + 'c')(name40 + 'c'), true);
  });

  it('agrees with picomatch (dot: true) on ordinary VS Code globs', () => {
    const patterns = ['**/*', '**/*.{ts,tsx}', 'src/**', '**/test/**/*.spec.*', '**/node_modules', '*.min.*', 'src/*.ts', 'docs/**/*.md',
      '**/.git', 'a?c/*', '[ab]*.ts', '[^a]*.ts', '[a-c]*', '{src,test}/**', '**', '*', 'x/**/y', '**/*.{js,json}', '.vscode/**',
      'src/**/*.ts', '**/{dist,out}/**', 'a/**/b/**/c', '*.ts', 'src', '!*.ts', '**/x*y*', 'x/**'];
    const paths = ['a.ts', 'src/a.ts', 'src/b/c.tsx', 'test/x/y.spec.ts', 'node_modules', 'a/node_modules', 'lib.min.js', 'docs/a/b.md', 'docs/x.md',
      '.git', 'abc/d', 'b.ts', 'c.ts', 'src', 'test/a', 'x/y', 'x/a/b/y', 'x/ya', 'p/q.json', '.vscode/settings.json', '.hidden/a.ts', 'x',
      'a/b/c', 'a/x/b/y/c', 'dist/a.js', 'q/out/r', 'xay', 'q/xy', 'aac/e', 'A.TS'];
    for (const p of patterns) {
      const mine = compileGlob(p);
      const theirs = picomatch(p, { dot: true });
      for (const f of paths) assert.strictEqual(mine(f), theirs(f), `${p} on ${f}`);
    }
    // Where VS Code and picomatch differ, VS Code's reading: `[!…]` negates, `**` inside a
    // segment is a `*`, `{1..3}` is no range.
    assert.deepStrictEqual(['a.ts', 'b.ts'].map(compileGlob('[!a]*.ts')), [false, true]);
    assert.deepStrictEqual(['a.ts', 'src/a.ts'].map(compileGlob('**.ts')), [true, false]);
    assert.deepStrictEqual(['f2', 'f{1..3}'].map(compileGlob('f{1..3}')), [false, true]);
  });

  it('matches without case when asked (Windows, macOS)', () => {
    assert.strictEqual(compileGlob('**/*.TS', { nocase: true })('src/a.ts'), true);
    assert.strictEqual(compileGlob('[A-C]*', { nocase: true })('bx'), true);
    assert.strictEqual(compileGlob('**/*.TS')('src/a.ts'), false);
  });
});
