import * as assert from 'assert';
import ignore from 'ignore';
import { globTooComplex, safeGitignore, safeGitignoreLine, MAX_WILDCARDS_PER_PATTERN } from '../../src/core/gitignoreSafe';
import { makeRng } from '../../src/core/random';

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
