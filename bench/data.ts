/**
 * Benchmark data: by default zod@3.25.76's own sources (`src/**\/*.ts` without `*.d.ts`; tests are
 * code and stay), fetched with `npm pack` into bench/.cache (git-ignored) on first use; or any
 * folder (`--data DIR`), collected with the extension's corpus rules. Files that the corpus rules
 * would skip as minified or generated are dropped for every engine, so all see the same files.
 * The split is deterministic: files sorted by a hash of their relative path, the first 10% held out.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { collectCorpus, contentRule } from '../src/core/corpus';
import { SETTINGS } from '../src/core/config';

export const ZOD_SPEC = 'zod@3.25.76';

export interface BenchDoc {
  relPath: string;
  text: string;
}

export interface BenchData {
  /** 'zod@3.25.76' or the folder given. */
  name: string;
  root: string;
  train: BenchDoc[];
  test: BenchDoc[];
  /** Files dropped by the content rules (minified / generated / empty). */
  dropped: string[];
}

/** The cache folder: bench/.cache in the source tree (found from out/bench, dist or cwd). */
export function defaultCacheDir(): string {
  for (const c of [path.join(__dirname, '..', '..', 'bench'), path.join(__dirname, '..', 'bench'), path.join(process.cwd(), 'bench')]) {
    if (fs.existsSync(path.join(c, 'ngram.ts'))) return path.join(c, '.cache');
  }
  return path.join(process.cwd(), 'bench', '.cache');
}

/** Fetches and unpacks zod (once); returns the unpacked package folder. */
export function fetchZod(cacheDir: string, log: (m: string) => void = () => undefined): string {
  const dir = path.join(cacheDir, ZOD_SPEC.replace('@', '-'));
  const pkg = path.join(dir, 'package');
  if (fs.existsSync(path.join(pkg, 'package.json'))) return pkg;
  fs.mkdirSync(dir, { recursive: true });
  log(`fetching ${ZOD_SPEC} with npm pack into ${dir}`);
  const out = execFileSync('npm', ['pack', ZOD_SPEC, '--silent', '--pack-destination', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const tgz = path.join(dir, out.trim().split('\n').pop()!.trim());
  execFileSync('tar', ['-xzf', tgz, '-C', dir]);
  if (!fs.existsSync(path.join(pkg, 'package.json'))) throw new Error(`npm pack ${ZOD_SPEC} did not give a package folder`);
  return pkg;
}

function walkTs(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walkTs(root, r));
    else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(r);
  }
  return out;
}

/** FNV-1a, 32 bits. */
export function pathHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Deterministic split: files ordered by path hash; the first round(testShare x n) are held out. */
export function splitByPath<D extends { relPath: string }>(docs: D[], testShare = 0.1): { train: D[]; test: D[] } {
  const order = [...docs].sort((a, b) => pathHash(a.relPath) - pathHash(b.relPath) || (a.relPath < b.relPath ? -1 : 1));
  const nTest = docs.length > 1 ? Math.max(1, Math.round(testShare * docs.length)) : 0;
  const test = new Set(order.slice(0, nTest).map((d) => d.relPath));
  const byPath = (a: D, b: D) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0);
  return {
    train: docs.filter((d) => !test.has(d.relPath)).sort(byPath),
    test: docs.filter((d) => test.has(d.relPath)).sort(byPath),
  };
}

export async function loadBenchData(o: { data?: string; cacheDir?: string; log?: (m: string) => void }): Promise<BenchData> {
  let docs: BenchDoc[];
  let name: string;
  let root: string;
  if (o.data) {
    root = path.resolve(o.data);
    name = o.data;
    const { docs: collected } = await collectCorpus([root], {
      include: ['**/*'],
      exclude: [],
      maxFileBytes: SETTINGS['training.maxFileBytes'].default,
      maxCorpusBytes: SETTINGS['training.maxCorpusBytes'].default,
      filesExclude: [],
    });
    docs = collected.map((d) => ({ relPath: d.relPath, text: d.text }));
  } else {
    const pkg = fetchZod(o.cacheDir ?? defaultCacheDir(), o.log);
    root = path.join(pkg, 'src');
    name = ZOD_SPEC;
    docs = walkTs(root).sort().map((relPath) => ({ relPath, text: fs.readFileSync(path.join(root, relPath), 'utf8') }));
  }
  const dropped: string[] = [];
  docs = docs.filter((d) => {
    const r = contentRule(d.relPath, d.text);
    if (r) dropped.push(`${d.relPath} (${r})`);
    return !r;
  });
  if (docs.length < 2) throw new Error(`${name}: need at least 2 usable files, found ${docs.length}`);
  const { train, test } = splitByPath(docs);
  return { name, root, train, test, dropped };
}

/** Writes docs under `dir` (for the trainer process, which reads folders). */
export function writeDocs(dir: string, docs: BenchDoc[]): void {
  for (const d of docs) {
    const file = path.join(dir, ...d.relPath.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, d.text);
  }
}
