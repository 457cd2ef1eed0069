/**
 * Benchmark data: by default zod@3.25.76's own sources (`src/**\/*.ts` without `*.d.ts`; tests are
 * code and stay), fetched with `npm pack` into bench/.cache (git-ignored) on first use; a named
 * corpus (`--data bstr | semver | semver-small | semver-fixtures | py311 | zod`, DATA_PRESETS: fetched the same way on first use);
 * or any folder (`--data DIR`), collected with the extension's corpus rules. None of these may go
 * into pretraining (pretrain/packages.txt): the bench would measure memory instead of learning. Files that the corpus rules
 * would skip as minified or generated are dropped for every engine, so all see the same files.
 * The split is deterministic: files sorted by a hash of their relative path, the first 10% held out.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { collectCorpus, contentRule } from '../src/core/corpus/corpus';
import { SETTINGS } from '../src/core/contracts/config';

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

/** Files under `root` (relative paths, '/'-separated) whose name passes `keep`; `deep` false: the top level only. */
function walk(root: string, keep: (name: string) => boolean, deep = true, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (deep) out.push(...walk(root, keep, deep, r));
    } else if (e.isFile() && keep(e.name)) {
      out.push(r);
    }
  }
  return out;
}

const isTs = (name: string) => name.endsWith('.ts') && !name.endsWith('.d.ts');

export const SEMVER_SPEC = 'semver@7.8.6';
export const BSTR_DEB = 'librust-bstr-dev';
/** Two corpora in languages the base model never saw (Ruby, PHP), from Debian. */
export const RACK_DEB = 'ruby-rack';
export const SYMFONY_CONSOLE_DEB = 'php-symfony-console';

/** `npm pack SPEC` unpacked (once) under cacheDir; returns the package folder. */
function npmPackage(cacheDir: string, spec: string, log: (m: string) => void): string {
  const dir = path.join(cacheDir, spec.replace('@', '-'));
  const pkg = path.join(dir, 'package');
  if (fs.existsSync(path.join(pkg, 'package.json'))) return pkg;
  fs.mkdirSync(dir, { recursive: true });
  log(`fetching ${spec} with npm pack into ${dir}`);
  const out = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const tgz = path.join(dir, out.trim().split('\n').pop()!.trim());
  execFileSync('tar', ['-xzf', tgz, '-C', dir]);
  if (!fs.existsSync(path.join(pkg, 'package.json'))) throw new Error(`npm pack ${spec} did not give a package folder`);
  return pkg;
}

/** A Debian package fetched with `apt-get download` and unpacked (once) under cacheDir; returns the unpacked root. */
function debPackage(cacheDir: string, name: string, log: (m: string) => void): string {
  const dir = path.join(cacheDir, `${name}-deb`);
  const root = path.join(dir, 'root');
  if (fs.existsSync(root)) return root;
  fs.mkdirSync(dir, { recursive: true });
  log(`fetching ${name} with apt-get download into ${dir}`);
  execFileSync('apt-get', ['download', name], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const deb = fs.readdirSync(dir).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${name} gave no .deb`);
  const tmp = path.join(dir, 'unpacking');
  fs.rmSync(tmp, { recursive: true, force: true });
  execFileSync('dpkg-deb', ['-x', path.join(dir, deb), tmp]);
  fs.renameSync(tmp, root);
  log(`${name}: ${deb}`);
  return root;
}

/** A named corpus: where its files are and which ones count (or its documents, when it is made from another). */
export interface DataPreset {
  describe: string;
  /** The corpus's name in reports, its root folder and its files (relative to the root), or its documents. */
  load(cacheDir: string, log: (m: string) => void): { name: string; root: string; files: string[] } | { name: string; root: string; docs: BenchDoc[] };
}

/** The files under `root` (relative paths), read, sorted by path. */
function readDocs(root: string, files: readonly string[]): BenchDoc[] {
  return [...files].sort().map((relPath) => ({ relPath, text: fs.readFileSync(path.join(root, relPath), 'utf8') }));
}

/**
 * A Debian package's one folder `under` its unpacked root whose name starts with `prefix` (a gem's
 * or a crate's versioned folder), and the files under it that `keep`.
 */
export function debFolderFiles(root: string, under: string, prefix: string, keep: (name: string) => boolean): { folder: string; root: string; files: string[] } {
  const parent = path.join(root, under);
  const folder = fs.existsSync(parent) ? fs.readdirSync(parent).filter((d) => d.startsWith(prefix)).sort().pop() : undefined;
  if (!folder) throw new Error(`no ${prefix}* folder under ${parent}`);
  const at = path.join(parent, folder);
  return { folder, root: at, files: walk(at, keep) };
}

/** semver's package folder and the files that count: its .js files (the semver corpus and the two made from it). */
function semverFiles(cacheDir: string, log: (m: string) => void): { root: string; files: string[] } {
  const root = npmPackage(cacheDir, SEMVER_SPEC, log);
  return { root, files: walk(root, (n) => n.endsWith('.js')) };
}

/** semver's .js files (relative path, text), sorted by path. */
function semverDocs(cacheDir: string, log: (m: string) => void): { root: string; docs: BenchDoc[] } {
  const { root, files } = semverFiles(cacheDir, log);
  return { root, docs: readDocs(root, files) };
}

/**
 * Issue 19's small workspace: about 40 KB of semver's code (classes/range.js, then functions/ and
 * ranges/ in path order, each file taken while the total stays under 40,000 characters).
 */
export function semverSmall(docs: readonly BenchDoc[]): BenchDoc[] {
  const out: BenchDoc[] = [];
  let n = 0;
  const order = [...docs.filter((d) => d.relPath === 'classes/range.js'), ...docs.filter((d) => d.relPath.startsWith('functions/') || d.relPath.startsWith('ranges/'))];
  for (const d of order) {
    if (n + d.text.length > 40_000) continue;
    n += d.text.length;
    out.push(d);
  }
  return out;
}

/**
 * Issue 19's workspace where a third of the characters are data: semver's code plus three
 * generated fixture tables (rows of [range, version, expected, options], seeded), named so that
 * the bench never holds them out (their path hash sorts after the held-out files) and the trainer's
 * validation split meets them first (their path key is low): the case where a data file used to
 * fill the calibration's positions.
 */
export function semverWithFixtures(docs: readonly BenchDoc[]): BenchDoc[] {
  let seed = 7;
  // The float product, as the corpus was first generated (not Math.imul): the same tables.
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  const v = () => `${Math.floor(rnd() * 5)}.${Math.floor(rnd() * 12)}.${Math.floor(rnd() * 20)}`;
  const ops = ['^', '~', '>=', '<', '<=', '>', '='];
  const table = (rows: number) => {
    const lines = ["'use strict'", '', '// [range, version, expected, options]', 'module.exports = ['];
    for (let i = 0; i < rows; i++) lines.push(`  ['${ops[Math.floor(rnd() * ops.length)]}${v()}', '${v()}', ${rnd() < 0.5}, { loose: ${rnd() < 0.2}, includePrerelease: ${rnd() < 0.1} }],`);
    lines.push(']', '');
    return lines.join('\n');
  };
  const codeChars = docs.reduce((n, d) => n + d.text.length, 0);
  const hashes = docs.map((d) => pathHash(d.relPath)).sort((a, b) => a - b);
  const cut = hashes[Math.ceil(0.1 * (docs.length + 3)) + 1];
  const names: string[] = [];
  for (let n = 0; names.length < 3 && n < 100_000; n++) {
    const f = `test/fixtures/range-cases-${n}.js`;
    if (pathHash(f) > cut && createHash('sha1').update(f).digest().readUInt32BE(0) < 0x06000000) names.push(f);
  }
  return [...docs, ...names.map((relPath) => ({ relPath, text: table(Math.round(codeChars / 2 / 3 / 80)) }))];
}

export const DATA_PRESETS: Record<string, DataPreset> = {
  zod: {
    describe: `${ZOD_SPEC} from npm: src/**/*.ts without *.d.ts (the default)`,
    load: (cacheDir, log) => {
      const root = path.join(fetchZod(cacheDir, log), 'src');
      return { name: ZOD_SPEC, root, files: walk(root, isTs) };
    },
  },
  bstr: {
    describe: `the Rust crate bstr from Debian (${BSTR_DEB}, apt-get download): every .rs under usr/share/cargo/registry`,
    load: (cacheDir, log) => {
      const root = path.join(debPackage(cacheDir, BSTR_DEB, log), 'usr', 'share', 'cargo', 'registry');
      const crate = fs.readdirSync(root).find((d) => d.startsWith('bstr-'));
      return { name: `bstr (${crate ?? BSTR_DEB}, Debian)`, root, files: walk(root, (n) => n.endsWith('.rs')) };
    },
  },
  rack: {
    describe: `the Ruby gem rack from Debian (${RACK_DEB}, apt-get download): every .rb of the gem (a language the base never saw)`,
    load: (cacheDir, log) => {
      const got = debFolderFiles(debPackage(cacheDir, RACK_DEB, log), 'usr/share/rubygems-integration/all/gems', 'rack-', (n) => n.endsWith('.rb'));
      return { name: `rack (${got.folder}, Debian, Ruby)`, root: got.root, files: got.files };
    },
  },
  'symfony-console': {
    describe: `the PHP package symfony/console from Debian (${SYMFONY_CONSOLE_DEB}, apt-get download): every .php (a language the base never saw)`,
    load: (cacheDir, log) => {
      const got = debFolderFiles(debPackage(cacheDir, SYMFONY_CONSOLE_DEB, log), 'usr/share/php/Symfony/Component', 'Console', (n) => n.endsWith('.php'));
      return { name: 'symfony/console (Debian, PHP)', root: got.root, files: got.files };
    },
  },
  semver: {
    describe: `${SEMVER_SPEC} from npm: its .js files`,
    load: (cacheDir, log) => ({ name: SEMVER_SPEC, ...semverFiles(cacheDir, log) }),
  },
  'semver-small': {
    describe: `about 40 KB of ${SEMVER_SPEC}'s code (issue 19's small workspace)`,
    load: (cacheDir, log) => {
      const { root, docs } = semverDocs(cacheDir, log);
      return { name: `${SEMVER_SPEC}, 40 KB of it`, root, docs: semverSmall(docs) };
    },
  },
  'semver-fixtures': {
    describe: `${SEMVER_SPEC}'s code and generated fixture tables, a third of the characters (issue 19's data-heavy workspace)`,
    load: (cacheDir, log) => {
      const { root, docs } = semverDocs(cacheDir, log);
      return { name: `${SEMVER_SPEC} + fixtures`, root, docs: semverWithFixtures(docs) };
    },
  },
  py311: {
    describe: "the top-level modules of Python 3.11's standard library (/usr/lib/python3.11/*.py, Debian's python3.11)",
    load: () => {
      const root = '/usr/lib/python3.11';
      if (!fs.existsSync(root)) throw new Error(`${root} is missing (install python3.11)`);
      return { name: 'Python 3.11 standard library', root, files: walk(root, (n) => n.endsWith('.py'), false) };
    },
  },
};

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
  const preset = DATA_PRESETS[o.data ?? 'zod'];
  if (preset && !(o.data && fs.existsSync(o.data))) {
    const got = preset.load(o.cacheDir ?? defaultCacheDir(), o.log ?? (() => undefined));
    ({ name, root } = got);
    docs = 'docs' in got ? got.docs : readDocs(root, got.files);
  } else {
    root = path.resolve(o.data!);
    name = o.data!;
    const { docs: collected } = await collectCorpus([root], {
      include: ['**/*'],
      exclude: [],
      maxFileBytes: SETTINGS['training.maxFileBytes'].default,
      maxCorpusBytes: SETTINGS['training.maxCorpusBytes'].default,
      filesExclude: [],
    });
    docs = collected.map((d) => ({ relPath: d.relPath, text: d.text }));
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
