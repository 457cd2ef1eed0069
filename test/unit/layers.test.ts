/**
 * The layering the code promises (ARCHITECTURE.md): src/core is plain Node (no `vscode`, nothing
 * from the layers above it) in rooms that import only lower ranks, nothing imports itself back
 * (no import cycles), src imports nothing from bench/, bench/ only src/core, and the .vsix leaves
 * the benchmark's bundle out.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// Compiled to out/test/unit/: the sources are read from the repository itself.
const REPO = path.resolve(__dirname, '..', '..', '..');
const SRC = path.join(REPO, 'src');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (let m = re.exec(source); m; m = re.exec(source)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

/** The imports of the files under `dir` that resolve to one of `forbidden` (folders or packages). */
function violations(dir: string, forbidden: string[]): string[] {
  const bad: string[] = [];
  for (const file of tsFiles(dir)) {
    for (const spec of importsOf(fs.readFileSync(file, 'utf8'))) {
      const target = spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : spec;
      if (forbidden.some((f) => target === f || target.startsWith(f + path.sep) || target.startsWith(f + '/'))) {
        bad.push(`${path.relative(REPO, file)} imports ${spec}`);
      }
    }
  }
  return bad;
}

/**
 * The rooms of src/core, lowest rank first (ARCHITECTURE.md): a file imports only from its own
 * room and from rooms of a lower rank. `views` (what the panel shows) sits on top: nothing in
 * core imports it.
 */
export const CORE_ROOMS = ['contracts', 'util', 'text', 'lstm', 'lm', 'store', 'complete', 'corpus', 'training', 'views'];

/** The relative imports of every .ts file under the roots, resolved to files (type-only imports included). */
function importGraph(roots: string[]): Map<string, string[]> {
  const files = roots.flatMap((r) => (fs.existsSync(r) ? tsFiles(r) : []));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets: string[] = [];
    for (const spec of importsOf(fs.readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const base = path.resolve(path.dirname(file), spec);
      const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => known.has(c));
      if (hit) targets.push(hit);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** The import cycles of a graph: its strongly connected components of more than one file, or a file that imports itself (Tarjan). */
export function cyclesOf(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('layers', () => {
  it('finds the imports of a file, static, dynamic and re-exported', () => {
    const src = `import * as a from './a';\nimport type { B } from "../b";\nexport { c } from './c';\nimport './d';\nconst e = require('e');\nconst f = await import('./f');\nimport {\n  g,\n} from 'g';`;
    assert.deepStrictEqual(importsOf(src).sort(), ['../b', './a', './c', './d', './f', 'e', 'g'].sort());
  });

  it('src/core imports neither vscode nor the layers above it', () => {
    const above = ['protocol', 'extension', 'worker', 'trainer', 'cli', 'webview'].map((d) => path.join(SRC, d));
    assert.deepStrictEqual(violations(path.join(SRC, 'core'), ['vscode', ...above]), []);
  });

  it('finds the cycles of an import graph, a file that imports itself included', () => {
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']], ['e', ['e']], ['f', []]]);
    assert.deepStrictEqual(cyclesOf(g).map((c) => c.join(' ')).sort(), ['a b c', 'e']);
    assert.deepStrictEqual(cyclesOf(new Map([['a', ['b']], ['b', []]])), []);
  });

  it('src/core is rooms only: no loose files at its top, every folder a room of the rank table', () => {
    const entries = fs.readdirSync(path.join(SRC, 'core'), { withFileTypes: true });
    assert.deepStrictEqual(entries.filter((e) => !e.isDirectory()).map((e) => e.name), []);
    assert.deepStrictEqual(entries.map((e) => e.name).filter((n) => !CORE_ROOMS.includes(n)), []);
  });

  it('each room of src/core imports only from itself and from rooms of a lower rank', () => {
    const core = path.join(SRC, 'core');
    const roomOf = (f: string) => path.relative(core, f).split(path.sep)[0];
    const bad: string[] = [];
    for (const [file, targets] of importGraph([core])) {
      for (const t of targets) {
        if (CORE_ROOMS.indexOf(roomOf(t)) > CORE_ROOMS.indexOf(roomOf(file))) bad.push(`${path.relative(REPO, file)} imports ${path.relative(REPO, t)}`);
      }
    }
    assert.deepStrictEqual(bad, []);
  });

  it('no import cycles in src, bench, pretrain or the tests (type-only imports count)', () => {
    const roots = ['src', 'bench', 'pretrain', 'test/unit', 'test/integration'].map((d) => path.join(REPO, d));
    assert.deepStrictEqual(cyclesOf(importGraph(roots)).map((c) => c.map((f) => path.relative(REPO, f)).join(' <-> ')), []);
  });

  it('src/protocol holds envelopes only: it imports nothing from the processes that use it', () => {
    const users = ['extension', 'worker', 'trainer', 'cli', 'webview'].map((d) => path.join(SRC, d));
    assert.deepStrictEqual(violations(path.join(SRC, 'protocol'), ['vscode', ...users]), []);
  });

  it('the benchmark imports only src/core (it speaks to the trainer process through core types)', () => {
    const notCore = ['protocol', 'extension', 'worker', 'trainer', 'cli', 'webview'].map((d) => path.join(SRC, d));
    assert.deepStrictEqual(violations(path.join(REPO, 'bench'), ['vscode', ...notCore]), []);
  });

  it('nothing in src imports the benchmark', () => {
    assert.deepStrictEqual(violations(SRC, [path.join(REPO, 'bench')]), []);
  });

  it('the .vsix leaves out the benchmark bundle and keeps the product bundles', async () => {
    // vsce's own file listing, on a copy of the manifest and .vscodeignore with stand-in bundles.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- vsce has no type declarations
    const vsce = require('@vscode/vsce') as {
      PackageManager: { None: number };
      listFiles(o: { cwd: string; packageManager: number }): Promise<string[]>;
    };
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-vsix-'));
    try {
      for (const f of ['package.json', '.vscodeignore']) fs.copyFileSync(path.join(REPO, f), path.join(tmp, f));
      fs.mkdirSync(path.join(tmp, 'dist'));
      const bundles = ['extension.js', 'extension.js.map', 'trainer.js', 'worker.js', 'cli.js', 'webview.js', 'tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-threaded-simd.js', 'bench.js', 'bench.js.map', 'bench.js.LICENSE.txt'];
      for (const b of bundles) fs.writeFileSync(path.join(tmp, 'dist', b), '');
      fs.mkdirSync(path.join(tmp, 'bench'));
      fs.writeFileSync(path.join(tmp, 'bench', 'run.ts'), '');
      const files = (await vsce.listFiles({ cwd: tmp, packageManager: vsce.PackageManager.None })).map((f) => f.replace(/\\/g, '/'));
      for (const b of bundles.filter((f) => !f.startsWith('bench'))) {
        assert.ok(files.includes(`dist/${b}`), `dist/${b} is packaged: ${files.join(', ')}`);
      }
      assert.deepStrictEqual(files.filter((f) => f.includes('bench')), []);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
