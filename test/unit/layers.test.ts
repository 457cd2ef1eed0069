/**
 * The layering the code promises (ARCHITECTURE.md): src/core is plain Node (no `vscode`, nothing
 * from the layers above it), src imports nothing from bench/, and the .vsix leaves the
 * benchmark's bundle out.
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

describe('layers', () => {
  it('finds the imports of a file, static, dynamic and re-exported', () => {
    const src = `import * as a from './a';\nimport type { B } from "../b";\nexport { c } from './c';\nimport './d';\nconst e = require('e');\nconst f = await import('./f');\nimport {\n  g,\n} from 'g';`;
    assert.deepStrictEqual(importsOf(src).sort(), ['../b', './a', './c', './d', './f', 'e', 'g'].sort());
  });

  it('src/core imports neither vscode nor the layers above it', () => {
    const above = ['protocol', 'extension', 'worker', 'trainer', 'cli', 'webview'].map((d) => path.join(SRC, d));
    assert.deepStrictEqual(violations(path.join(SRC, 'core'), ['vscode', ...above]), []);
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
