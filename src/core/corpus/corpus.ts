/**
 * Collects the training corpus from workspace folders, applying the corpus rules of DESIGN.md:
 * `.gitignore` files (nested ones apply to their own subtree, as in git), VS Code's
 * `files.exclude`, the include/exclude globs, and skips binary, oversized, minified, generated,
 * unreadable and empty files, stopping at `maxCorpusBytes`. Pure Node (no `vscode`).
 *
 * Order is stable: folders in the order given, files sorted by their path relative to the folder
 * (code-unit order). Symbolic links are never followed (git semantics: a link's target inside the
 * folder is walked directly anyway; one outside it is not ours), so cycles cannot happen.
 * Skip counts are per entry: a skipped directory (e.g. `node_modules/`) counts once.
 *
 * Nothing a workspace holds can hang collection (issue 20): glob settings are matched by a state
 * machine that cannot backtrack (gitignoreSafe.ts); ignore files (`.gitignore`, `.git/info/exclude`)
 * are read only when they are regular files of at most MAX_IGNORE_FILE_BYTES and
 * MAX_IGNORE_PATTERNS patterns, opened without blocking (a FIFO is never waited on), and compiled in
 * slices that let a stop in; an ignore file that cannot be used keeps its whole folder out (so
 * that nothing it ignores is ever read), with a warning. The walk and the reading each stop at the
 * time budget, and what was found is used.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import ignore, { type Ignore } from 'ignore';
import { isBinaryFileSync } from 'isbinaryfile';
import type { CorpusConfig } from '../contracts/config';
import { formatBytes } from '../util/format';
import { compileGlob, globTooComplex, safeGitignoreLine } from './gitignoreSafe';
import { isModelFolderPath } from '../store/modelFolder';
import { codePointLength } from '../text/vocab';

export interface CorpusOptions extends CorpusConfig {
  /** VS Code `files.exclude` patterns (those set to true), relative to each folder. */
  filesExclude?: string[];
  /** The model folder being trained: never read (nor its lock and temp siblings). */
  modelDir?: string;
  /** Aborting stops collection at once with CorpusAbortedError (Ctrl-C, the extension's stop). */
  signal?: AbortSignal;
  /**
   * Stop walking after this long, and read what was found (default COLLECT_BUDGET_MS). Reading
   * stops at the same budget too, or half of it more when the walk used it all.
   */
  timeBudgetMs?: number;
  /** The clock of the time budget, milliseconds (tests; default performance.now). */
  now?: () => number;
}

export interface CorpusDoc {
  /** Absolute path as walked (the folder joined with relPath). */
  path: string;
  /** Path relative to its folder, with '/' separators. */
  relPath: string;
  /** The folder (as given) this file was found in; for a file given directly, its directory. */
  folder: string;
  text: string;
  /** Size of the file in bytes (before decoding). */
  bytes: number;
}

export type SkipReason =
  | 'gitignore'
  | 'excluded'
  | 'not-included'
  | 'binary'
  | 'too-large'
  | 'minified'
  | 'generated'
  | 'corpus-limit'
  | 'unreadable'
  | 'empty'
  | 'special'
  | 'too-deep'
  | 'time-limit';

export const SKIP_REASONS: readonly SkipReason[] = [
  'gitignore', 'excluded', 'not-included', 'binary', 'too-large', 'minified', 'generated',
  'corpus-limit', 'unreadable', 'empty', 'special', 'too-deep', 'time-limit',
];

export interface CorpusReport {
  files: number;
  bytes: number;
  /** Characters (Unicode code points) in the collected texts. */
  chars: number;
  skipped: Record<SkipReason, number>;
  /** The first few skipped paths per reason, sorted (relative; directories end with '/'). */
  examples: Partial<Record<SkipReason, string[]>>;
  /** True when collection stopped at maxCorpusBytes. */
  truncated: boolean;
  /**
   * Set when collection stopped at its time budget: while listing files (the rest of the
   * workspace was not looked at; what was listed was read) or while reading them.
   */
  timedOut?: 'listing' | 'reading';
  /** Things the user should know (e.g. .gitignore patterns broadened to match safely). */
  warnings?: string[];
}

/** Thrown by collectCorpus when no usable file was found. */
export class EmptyCorpusError extends Error {
  constructor(message: string, readonly report?: CorpusReport) {
    super(message);
    this.name = 'EmptyCorpusError';
  }
}

/** Thrown by collectCorpus when its signal aborts. */
export class CorpusAbortedError extends Error {
  constructor() {
    super('corpus collection was stopped');
    this.name = 'CorpusAbortedError';
  }
}

/** Directories deeper than this are not walked ('too-deep'): bounds the path length matched. */
export const MAX_DEPTH = 32;
/** Collection stops after this long by default (a hostile or huge workspace cannot hang training). */
export const COLLECT_BUDGET_MS = 120_000;
/** Ignore files (`.gitignore`, `.git/info/exclude`) larger than this are not loaded. */
export const MAX_IGNORE_FILE_BYTES = 1_000_000;
/** Nor ones with more patterns than this: every pattern costs time on every path (and memory). */
export const MAX_IGNORE_PATTERNS = 10_000;
/** Ignore-file lines compiled between two chances to yield (and hear a stop). */
export const IGNORE_LINES_PER_YIELD = 1000;
/** Synchronous work between two yields to the event loop, so a stop request is seen at once. */
const YIELD_EVERY_MS = 20;

/** Dependency, VCS and build-output directories, never walked (counted as 'generated'). */
export const GENERATED_DIRS: ReadonlySet<string> = new Set([
  '.git', '.hg', '.svn', 'node_modules', 'bower_components', 'dist', 'out', 'build', '.next',
  'coverage', 'target', 'vendor', '__pycache__', '.venv', '.tox', '.mypy_cache', '.pytest_cache',
  '.gradle',
]);

/** Lock files and other machine-written files, recognised by name ('generated'). */
const GENERATED_NAMES: ReadonlySet<string> = new Set([
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'Cargo.lock',
  'Gemfile.lock', 'poetry.lock', 'composer.lock', 'Pipfile.lock', 'go.sum', 'flake.lock',
  'bun.lockb', 'packages.lock.json',
]);
const GENERATED_NAME_RE = /(\.lock|\.map|\.pb\.go|_pb2\.py|\.g\.dart|\.designer\.cs)$/i;
const MINIFIED_NAME_RE = /[.-]min\.(js|mjs|cjs|css)$/i;

/** Known binary formats, skipped without reading (others are detected by content). */
const BINARY_EXTS: ReadonlySet<string> = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'bmp', 'ico', 'icns', 'webp', 'tif', 'tiff', 'psd', 'pdf', 'zip',
  'gz', 'tgz', 'bz2', 'xz', 'zst', '7z', 'rar', 'jar', 'war', 'class', 'o', 'a', 'so', 'dylib',
  'dll', 'exe', 'bin', 'obj', 'lib', 'wasm', 'woff', 'woff2', 'ttf', 'otf', 'eot', 'mp3', 'mp4',
  'm4a', 'wav', 'ogg', 'flac', 'avi', 'mov', 'mkv', 'webm', 'sqlite', 'sqlite3', 'db', 'pyc',
  'pyo', 'pyd', 'node', 'npy', 'npz', 'pt', 'pth', 'onnx', 'h5', 'parquet', 'xlsx', 'docx', 'pptx',
]);

/** Files whose every long line means minified output. */
const WEB_EXTS: ReadonlySet<string> = new Set([
  'js', 'mjs', 'cjs', 'jsx', 'css', 'scss', 'less', 'json', 'html', 'htm', 'svg', 'xml',
]);
/** Prose, where long unwrapped paragraphs are normal. */
const PROSE_EXTS: ReadonlySet<string> = new Set(['md', 'markdown', 'txt', 'rst', 'adoc', 'org', 'tex', 'text']);

export const LONG_LINE_CHARS = 1000;
const PROSE_LONG_LINE_CHARS = 10000;
export const WEB_MAX_AVG_LINE = 200;
/** "@generated" / "DO NOT EDIT" count only in the first this many lines. */
const MARKER_LINES = 5;
const MARKER_RE = /@generated|DO NOT EDIT/;

const EXAMPLES_PER_REASON = 5;
/** Files read at once. */
const READ_CONCURRENCY = 32;
/** Directories listed at once. */
const WALK_CONCURRENCY = 16;
/** Files larger than this are read in two parts: HEAD_BYTES to detect binary content, then the rest. */
const SMALL_FILE_BYTES = 65536;
const HEAD_BYTES = 4096;

const caseInsensitiveFs = process.platform === 'win32' || process.platform === 'darwin';

type Matcher = (relPath: string) => boolean;

/**
 * The matcher of a glob setting, or undefined when it has no pattern. Empty patterns (an empty
 * row in the settings' list, `--include ''`) match nothing anyone means: they are ignored, with a
 * warning. Patterns are matched by compileGlob (no backtracking, VS Code's syntax).
 */
function globMatcher(patterns: readonly string[] | undefined, setting: string, warnings: string[]): Matcher | undefined {
  const all = (patterns ?? []).map((p) => p.trim());
  if (all.some((p) => p === '')) warnings.push(`an empty pattern in ${setting} was ignored`);
  const list = all.filter((p) => p.length > 0);
  if (list.length === 0) return undefined;
  const shown = (p: string) => (p.length > 80 ? `${p.slice(0, 80)}…` : p);
  // VS Code globs: '*' and '**' match dot-files too; a leading './' means the folder itself.
  const matchers = list.map((p) => {
    const tooComplex = globTooComplex(p);
    if (tooComplex) throw new Error(`glob pattern "${shown(p)}" in ${setting}: ${tooComplex}`);
    try {
      const glob = p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
      return compileGlob(glob, { nocase: caseInsensitiveFs });
    } catch (e) {
      throw new Error(`invalid glob pattern "${shown(p)}" in ${setting}: ${(e as Error).message}`);
    }
  });
  return (relPath) => matchers.some((m) => m(relPath));
}

/** The three glob settings, compiled once for all folders. */
interface GlobRules {
  filesExclude?: Matcher;
  exclude?: Matcher;
  include: Matcher;
}

function globRules(opts: CorpusOptions, warnings: string[]): GlobRules {
  return {
    filesExclude: globMatcher(opts.filesExclude, 'files.exclude', warnings),
    exclude: globMatcher(opts.exclude, 'charrnn.training.exclude', warnings),
    include: globMatcher(opts.include && opts.include.length > 0 ? opts.include : ['**/*'], 'charrnn.training.include', warnings) ?? (() => true),
  };
}

/** One .gitignore: its directory (relative to the folder, '' for the root) and its rules. */
interface IgnoreLayer {
  base: string;
  ig: Ignore;
}

function isGitignored(layers: readonly IgnoreLayer[], relPath: string, isDir: boolean): boolean {
  // Deeper .gitignore files take precedence; within one file the last matching rule wins.
  let ignored = false;
  for (const { base, ig } of layers) {
    let rel = base ? relPath.slice(base.length + 1) : relPath;
    if (isDir) rel += '/';
    let r: { ignored: boolean; unignored: boolean };
    try {
      r = ig.test(rel);
    } catch {
      continue; // a name the library refuses (e.g. '...'): no rule applies
    }
    if (r.ignored) ignored = true;
    else if (r.unignored) ignored = false;
  }
  return ignored;
}

/** A file that passed the path rules, to be read. */
interface Candidate {
  folder: string;
  abs: string;
  relPath: string;
}

class Tally {
  readonly skipped = Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>;
  readonly examples: Partial<Record<SkipReason, string[]>> = {};
  constructor(private readonly multiFolder: boolean) {}

  /**
   * Counts one skipped entry (relPath '' stands for the folder itself). Keeps the first few paths
   * in sort order as examples, so they do not depend on the order the walk happened to take.
   */
  add(reason: SkipReason, folder: string, relPath: string): void {
    this.skipped[reason]++;
    const ex = relPath === '' ? folder : this.multiFolder ? `${path.basename(folder)}/${relPath}` : relPath;
    const list = (this.examples[reason] ??= []);
    if (list.length < EXAMPLES_PER_REASON || ex < list[list.length - 1]) {
      let i = list.length;
      while (i > 0 && list[i - 1] > ex) i--;
      list.splice(i, 0, ex);
      if (list.length > EXAMPLES_PER_REASON) list.pop();
    }
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** An ignore file's text, or why it cannot be used; undefined when there is none. */
type IgnoreText = { text: string } | { problem: string } | undefined;

const O_NONBLOCK = fs.constants.O_NONBLOCK ?? 0;

function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a file';
}

/**
 * Reads an ignore file: only a regular file (a symbolic link is followed to one: its patterns
 * are read, never trained on) of at most MAX_IGNORE_FILE_BYTES and MAX_IGNORE_PATTERNS patterns.
 * Opened with O_NONBLOCK, so a FIFO never blocks; the type is checked on the open file before
 * any read, so a device is never read. Never rejects.
 */
async function readIgnoreFile(file: string): Promise<IgnoreText> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, fs.constants.O_RDONLY | O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return { problem: `is unreadable (${code ?? (e as Error).message})` };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { problem: `is not a regular file (${kindOf(st)})` };
    const limit = `the ${formatBytes(MAX_IGNORE_FILE_BYTES)} limit for ignore files`;
    if (st.size > MAX_IGNORE_FILE_BYTES) return { problem: `is ${formatBytes(st.size)}, over ${limit}` };
    // One byte more than the size seen: a file that grew past the limit meanwhile is noticed.
    const buf = Buffer.alloc(st.size + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n === buf.length) break;
    }
    if (n > MAX_IGNORE_FILE_BYTES) return { problem: `is over ${limit}` };
    const text = buf.toString('utf8', 0, n);
    let patterns = 0;
    for (const line of text.split('\n')) if (line.trim() !== '' && !line.startsWith('#')) patterns++;
    if (patterns > MAX_IGNORE_PATTERNS) return { problem: `has ${patterns} patterns, over the limit of ${MAX_IGNORE_PATTERNS} for ignore files` };
    return { text };
  } catch (e) {
    return { problem: `is unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  } finally {
    await fh.close().catch(() => undefined);
  }
}

function newIgnore(): Ignore {
  return ignore({ ignorecase: caseInsensitiveFs });
}

/**
 * A matcher for one ignore file, its patterns bounded (gitignoreSafe.ts), compiled
 * IGNORE_LINES_PER_YIELD lines at a time with `tick()` between (which may throw to stop);
 * notes in `warnings` what was broadened.
 */
export async function compileIgnore(text: string, where: string, warnings: string[], tick: () => Promise<void>): Promise<Ignore> {
  const ig = newIgnore();
  const lines = text.split('\n');
  const changed: string[] = [];
  for (let i = 0; i < lines.length; i += IGNORE_LINES_PER_YIELD) {
    const chunk: string[] = [];
    for (const raw of lines.slice(i, i + IGNORE_LINES_PER_YIELD)) {
      const r = safeGitignoreLine(raw);
      if (r.broadened) changed.push(r.line === null ? `${raw.trim()} (dropped)` : `${raw.trim()} -> ${r.line}`);
      if (r.line !== null) chunk.push(r.line);
    }
    ig.add(chunk);
    await tick();
  }
  if (changed.length) {
    const n = changed.length;
    warnings.push(
      `${where}: ${n} pattern${n === 1 ? '' : 's'} too complex to match safely ${n === 1 ? 'was' : 'were'} broadened ` +
        `(more files ignored, never fewer): ${changed.slice(0, 3).map((c) => c.length > 120 ? `${c.slice(0, 120)}…` : c).join('; ')}`,
    );
  }
  return ig;
}

/**
 * Keeps collection responsive and bounded: yields to the event loop every few milliseconds of
 * work (so a stop request or Ctrl-C is handled at once), throws CorpusAbortedError when the signal
 * aborts, and notes when the time budget is spent.
 */
class Pacer {
  private last: number;
  private deadline: number;
  timedOut = false;
  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly budgetMs: number,
    private readonly now: () => number,
  ) {
    this.last = now();
    this.deadline = this.last + budgetMs;
    this.check();
  }
  private check(): void {
    if (this.signal?.aborted) throw new CorpusAbortedError();
  }
  /** The walk is over: reading gets what is left of the budget, and at least half of it. */
  startReading(): void {
    this.timedOut = false;
    this.deadline = Math.max(this.deadline, this.now() + this.budgetMs / 2);
  }
  async tick(): Promise<void> {
    this.check();
    const t = this.now();
    if (t >= this.deadline) this.timedOut = true;
    if (t - this.last < YIELD_EVERY_MS) return;
    await new Promise<void>((r) => setImmediate(r));
    this.last = this.now();
    this.check();
  }
}

/** The real path of `p` (of its nearest existing parent, joined with the rest, when it does not exist yet). */
function realPathOf(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realPathOf(parent), path.basename(abs));
  }
}

/**
 * Walks one folder and returns the files that pass the path-based rules (not yet read), sorted.
 */
async function walkFolder(
  folder: string,
  opts: CorpusOptions,
  tally: Tally,
  seen: () => void,
  pace: Pacer,
  warnings: string[],
  globs: GlobRules,
): Promise<Candidate[]> {
  const { filesExclude, exclude, include } = globs;
  const out: Candidate[] = [];
  const tick = () => pace.tick();
  // The model folder is compared by real paths: a workspace or model given through a symbolic
  // link (`train wslink --out ws/model`) must not train on the model's files.
  const realFolder = opts.modelDir ? realPathOf(folder) : folder;
  const realModel = opts.modelDir ? realPathOf(opts.modelDir) : undefined;
  const isModel = (rel: string, abs: string) =>
    !!opts.modelDir && (isModelFolderPath(opts.modelDir, abs) || isModelFolderPath(realModel!, path.join(realFolder, ...rel.split('/'))));
  /** An ignore file that cannot be used keeps its folder out, so that nothing it ignores is read. */
  const refuse = (where: string, problem: string, rel: string) => {
    tally.add('unreadable', folder, rel ? `${rel}/` : '');
    warnings.push(`${where} ${problem}: ${rel ? `${rel}/` : folder} was not read (so that nothing it ignores is used)`);
  };

  const rootLayers: IgnoreLayer[] = [];
  const infoExclude = await readIgnoreFile(path.join(folder, '.git', 'info', 'exclude'));
  if (infoExclude && 'problem' in infoExclude) {
    refuse('.git/info/exclude', infoExclude.problem, '');
    return out;
  }
  if (infoExclude) rootLayers.push({ base: '', ig: await compileIgnore(infoExclude.text, '.git/info/exclude', warnings, tick) });

  // Entries skipped by path: the reason, or undefined when the entry passes.
  // A file is included when an include pattern matches it or one of its folders (as VS Code's
  // "files to include": 'src' means everything under src/).
  const pathRule = (layers: IgnoreLayer[], relPath: string, isDir: boolean, inIncluded: boolean): SkipReason | undefined => {
    const name = relPath.slice(relPath.lastIndexOf('/') + 1);
    if (isDir && GENERATED_DIRS.has(name)) return 'generated';
    if (isGitignored(layers, relPath, isDir)) return 'gitignore';
    if (filesExclude?.(relPath)) return 'excluded';
    if (exclude?.(relPath)) return 'excluded';
    if (isDir) return undefined;
    if (!inIncluded && !include(relPath)) return 'not-included';
    if (MINIFIED_NAME_RE.test(name)) return 'minified';
    if (GENERATED_NAMES.has(name) || GENERATED_NAME_RE.test(name)) return 'generated';
    const dot = name.lastIndexOf('.');
    if (dot > 0 && BINARY_EXTS.has(name.slice(dot + 1).toLowerCase())) return 'binary';
    return undefined;
  };

  type Dir = { rel: string; layers: IgnoreLayer[]; included: boolean };
  let level: Dir[] = [{ rel: '', layers: rootLayers, included: false }];
  while (level.length > 0) {
    const nextLevel: Dir[] = [];
    await pool(level, WALK_CONCURRENCY, async ({ rel, layers, included }) => {
      await pace.tick();
      if (pace.timedOut) return;
      const abs = rel ? path.join(folder, ...rel.split('/')) : folder;
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(abs, { withFileTypes: true });
      } catch {
        tally.add('unreadable', folder, rel ? `${rel}/` : '');
        return;
      }
      let here = layers;
      if (entries.some((e) => e.name === '.gitignore' && !e.isDirectory())) {
        const where = `${rel ? `${rel}/` : ''}.gitignore`;
        const got = await readIgnoreFile(path.join(abs, '.gitignore'));
        if (got && 'problem' in got) return refuse(where, got.problem, rel);
        if (got) here = [...layers, { base: rel, ig: await compileIgnore(got.text, where, warnings, tick) }];
        if (pace.timedOut) return;
      }
      const depth = rel ? rel.split('/').length + 1 : 1;
      for (const e of entries) {
        await pace.tick();
        if (pace.timedOut) return;
        const relPath = rel ? `${rel}/${e.name}` : e.name;
        if (isModel(relPath, path.join(abs, e.name))) {
          // The model being trained (and its lock and temp folders): never our own input.
          tally.add('excluded', folder, e.isDirectory() ? `${relPath}/` : relPath);
        } else if (e.isDirectory()) {
          const reason = depth >= MAX_DEPTH ? 'too-deep' : pathRule(here, relPath, true, included);
          if (reason) tally.add(reason, folder, `${relPath}/`);
          else nextLevel.push({ rel: relPath, layers: here, included: included || include(relPath) });
        } else if (e.isFile()) {
          const reason = pathRule(here, relPath, false, included);
          if (reason) {
            tally.add(reason, folder, relPath);
            seen();
          } else {
            out.push({ folder, abs: path.join(abs, e.name), relPath });
          }
        } else {
          // Symbolic links, sockets, FIFOs and devices are not followed or read.
          tally.add('special', folder, relPath);
          seen();
        }
      }
    });
    level = nextLevel;
  }
  out.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  return out;
}

type ReadResult =
  | { ok: true; buf: Buffer }
  | { ok: false; reason: SkipReason };

const UNREADABLE: ReadResult = { ok: false, reason: 'unreadable' };

/**
 * Reads one file: checks its size first, and for a large file its first bytes for binary content
 * before reading the rest. Never rejects. (Callback fs: about twice as fast as FileHandle here.)
 */
function readCandidate(abs: string, maxFileBytes: number): Promise<ReadResult> {
  return new Promise((resolve) => {
    fs.open(abs, 'r', (openErr, fd) => {
      if (openErr) return resolve(UNREADABLE);
      const finish = (r: ReadResult) => fs.close(fd, () => resolve(r));
      fs.fstat(fd, (statErr, st) => {
        if (statErr || !st.isFile()) return finish(UNREADABLE);
        if (st.size > maxFileBytes) return finish({ ok: false, reason: 'too-large' });
        if (st.size === 0) return finish({ ok: false, reason: 'empty' });
        // Read at most the size seen now: a file that grows meanwhile is cut there.
        const buf = Buffer.allocUnsafe(st.size);
        const head = st.size > SMALL_FILE_BYTES ? HEAD_BYTES : st.size;
        let n = 0;
        let checked = false;
        const isBinary = () => {
          checked = true;
          return isBinaryFileSync(buf.subarray(0, n), n);
        };
        const done = () => {
          if (n === 0) return finish({ ok: false, reason: 'empty' });
          if (!checked && isBinary()) return finish({ ok: false, reason: 'binary' });
          finish({ ok: true, buf: n === buf.length ? buf : buf.subarray(0, n) });
        };
        const more = (): void => {
          if (n >= buf.length) return done();
          const want = (checked ? buf.length : head) - n;
          fs.read(fd, buf, n, want, n, (readErr, bytesRead) => {
            if (readErr) return finish(UNREADABLE);
            if (bytesRead === 0) return done(); // the file shrank
            n += bytesRead;
            if (!checked && n >= head && isBinary()) return finish({ ok: false, reason: 'binary' });
            more();
          });
        };
        more();
      });
    });
  });
}

const utf8 = new TextDecoder('utf-8');

/** UTF-8 with invalid bytes replaced by U+FFFD (a BOM is dropped); UTF-16 when it has a BOM. */
export function decodeText(buf: Uint8Array): string {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder('utf-16le').decode(buf);
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    try {
      return new TextDecoder('utf-16be').decode(buf);
    } catch {
      // Node without full ICU: fall through to UTF-8.
    }
  }
  return utf8.decode(buf);
}

function extOf(relPath: string): string {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** Content checks on decoded text: 'minified', 'generated', 'empty' or undefined (usable). */
export function contentRule(relPath: string, text: string): SkipReason | undefined {
  if (text.trim().length === 0) return 'empty';
  // Markers in the first lines.
  let end = -1;
  for (let i = 0; i < MARKER_LINES; i++) {
    end = text.indexOf('\n', end + 1);
    if (end === -1) break;
  }
  const head = text.slice(0, Math.min(end === -1 ? text.length : end, MARKER_LINES * LONG_LINE_CHARS));
  if (MARKER_RE.test(head)) return 'generated';
  // Line lengths.
  const ext = extOf(relPath);
  const limit = PROSE_EXTS.has(ext) ? PROSE_LONG_LINE_CHARS : LONG_LINE_CHARS;
  let lines = 0;
  let start = 0;
  while (start <= text.length) {
    let nl = text.indexOf('\n', start);
    if (nl === -1) nl = text.length;
    if (nl - start > limit) return 'minified';
    lines++;
    start = nl + 1;
  }
  if (WEB_EXTS.has(ext) && text.length / lines > WEB_MAX_AVG_LINE) return 'minified';
  return undefined;
}

/**
 * Collects the usable files of `folders`. Throws EmptyCorpusError when none is usable.
 * `onProgress` receives the number of files examined so far (now and then, and at the end).
 */
export async function collectCorpus(
  folders: string[],
  opts: CorpusOptions,
  onProgress?: (filesSeen: number) => void,
): Promise<{ docs: CorpusDoc[]; report: CorpusReport }> {
  const tally = new Tally(folders.length > 1);
  let filesSeen = 0;
  let lastReported = 0;
  const progress = (force = false) => {
    if (onProgress && (force || filesSeen - lastReported >= 250)) {
      lastReported = filesSeen;
      onProgress(filesSeen);
    }
  };
  const seen = (n = 1) => {
    filesSeen += n;
    progress();
  };

  const pace = new Pacer(opts.signal, opts.timeBudgetMs ?? COLLECT_BUDGET_MS, opts.now ?? (() => performance.now()));
  const warnings: string[] = [];
  const globs = globRules(opts, warnings);
  const candidates: Candidate[] = [];
  for (const folder of folders) {
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(folder);
    } catch {
      tally.add('unreadable', folder, '');
      continue;
    }
    if (!st.isFile() && !st.isDirectory()) {
      tally.add('special', folder, '');
      continue;
    }
    if (st.isFile()) {
      // A single file given directly: the path rules (globs, .gitignore) do not apply.
      candidates.push({ folder: path.dirname(folder), abs: folder, relPath: path.basename(folder) });
      continue;
    }
    for (const c of await walkFolder(folder, opts, tally, seen, pace, warnings, globs)) candidates.push(c);
    if (pace.timedOut) break;
  }
  // Out of time while listing: the files found are read all the same (within more time).
  let timedOut: CorpusReport['timedOut'] = pace.timedOut ? 'listing' : undefined;
  pace.startReading();

  const docs: CorpusDoc[] = [];
  let bytes = 0;
  let chars = 0;
  let truncated = false;
  const maxCorpus = opts.maxCorpusBytes;
  const maxFile = opts.maxFileBytes;

  // Read ahead in a window but accept in sorted order, so the result does not depend on timing.
  const pending: Promise<ReadResult>[] = [];
  let issued = 0;
  const issue = () => {
    while (issued < candidates.length && pending.length < READ_CONCURRENCY) {
      pending.push(readCandidate(candidates[issued++].abs, maxFile));
    }
  };
  let i = 0;
  for (; i < candidates.length && !pace.timedOut; i++) {
    await pace.tick();
    issue();
    const res = await pending.shift()!;
    const c = candidates[i];
    seen();
    if (!res.ok) {
      tally.add(res.reason, c.folder, c.relPath);
      continue;
    }
    const text = decodeText(res.buf);
    const reason = contentRule(c.relPath, text);
    if (reason) {
      tally.add(reason, c.folder, c.relPath);
      continue;
    }
    if (bytes + res.buf.length > maxCorpus) {
      truncated = true;
      break;
    }
    docs.push({ path: c.abs, relPath: c.relPath, folder: c.folder, text, bytes: res.buf.length });
    bytes += res.buf.length;
    chars += codePointLength(text);
  }
  if (truncated) {
    seen(candidates.length - i - 1);
    for (; i < candidates.length; i++) tally.add('corpus-limit', candidates[i].folder, candidates[i].relPath);
    await Promise.allSettled(pending);
  } else if (i < candidates.length) {
    // Files found but not read before the time budget ran out (those not found are not counted).
    timedOut ??= 'reading';
    for (; i < candidates.length; i++) tally.add('time-limit', candidates[i].folder, candidates[i].relPath);
    await Promise.allSettled(pending);
  }
  progress(true);

  const report: CorpusReport = {
    files: docs.length,
    bytes,
    chars,
    skipped: tally.skipped,
    examples: tally.examples,
    truncated,
    ...(timedOut ? { timedOut } : {}),
    ...(warnings.length ? { warnings } : {}),
  };
  if (docs.length === 0) throw new EmptyCorpusError(emptyMessage(folders, report, opts), report);
  return { docs, report };
}

const LABELS: Record<SkipReason, string> = {
  gitignore: 'gitignored',
  excluded: 'excluded',
  'not-included': 'not included',
  binary: 'binary',
  'too-large': 'too large',
  minified: 'minified',
  generated: 'generated',
  'corpus-limit': 'over the corpus limit',
  unreadable: 'unreadable',
  empty: 'empty',
  special: 'links or special files',
  'too-deep': 'too deep',
  'time-limit': 'not read in time',
};

/** Skip reasons with a non-zero count, most frequent first (ties in SKIP_REASONS order). */
function mainReasons(r: CorpusReport): SkipReason[] {
  return SKIP_REASONS.filter((k) => r.skipped[k] > 0).sort((a, b) => r.skipped[b] - r.skipped[a]);
}

function skippedPhrase(r: CorpusReport, withExamples: boolean): string {
  return mainReasons(r)
    .map((k) => {
      const ex = withExamples && r.examples[k]?.length ? ` (e.g. ${r.examples[k]!.slice(0, 2).join(', ')})` : '';
      return `${r.skipped[k]} ${LABELS[k]}${ex}`;
    })
    .join(', ');
}

/** One or two human lines: "Using 123 files (1.2 MB); skipped 40 gitignored, 3 binary". */
export function formatReport(r: CorpusReport): string {
  const files = `${r.files} file${r.files === 1 ? '' : 's'}`;
  const skipped = skippedPhrase(r, false);
  let s = `Using ${files} (${formatBytes(r.bytes)}, ${r.chars} characters)${skipped ? `; skipped ${skipped}` : ''}.`;
  if (r.truncated) {
    s += `\nStopped at the corpus limit (charrnn.training.maxCorpusBytes): ${r.skipped['corpus-limit']} more files were not read.`;
  }
  const unread = r.skipped['time-limit'];
  if (r.timedOut === 'listing') {
    s += `\nStopped listing files at the time limit: the rest of the workspace was not looked at; training on the ${files} read` +
      `${unread ? ` (${unread} more found were not read in time)` : ''}.`;
  } else if (r.timedOut === 'reading') {
    s += `\nStopped reading at the time limit: ${unread} files found were not read.`;
  }
  for (const w of r.warnings ?? []) s += `\nWarning: ${w}`;
  return s;
}

const HINTS: Partial<Record<SkipReason, string>> = {
  gitignore: 'files matched by .gitignore are never used',
  excluded: 'check files.exclude and charrnn.training.exclude',
  'not-included': 'check charrnn.training.include',
  'too-large': 'raise charrnn.training.maxFileBytes',
  'corpus-limit': 'raise charrnn.training.maxCorpusBytes',
  'time-limit': 'collection stopped at its time limit (a very large workspace, or .gitignore rules too slow to match)',
  'too-deep': `folders more than ${MAX_DEPTH} levels deep are not read`,
};

function emptyMessage(folders: string[], r: CorpusReport, opts: CorpusOptions): string {
  const where = folders.length ? folders.join(', ') : '(no folders)';
  const reasons = mainReasons(r);
  if (reasons.length === 0) {
    return r.timedOut === 'listing'
      ? `No files to train on: none was found in ${where} before collection's time limit (a very large workspace, or ignore rules too slow to match).`
      : `No files to train on: ${where} contains no files.`;
  }
  const hints = reasons.map((k) => HINTS[k]).filter((h): h is string => !!h);
  const limits =
    reasons.includes('too-large') ? ` (maxFileBytes is ${opts.maxFileBytes})` : '';
  // The warnings say why (e.g. an ignore file that kept its folder out), on the same line.
  const warnings = (r.warnings ?? []).slice(0, 2).map((w) => ` Warning: ${w}.`).join('');
  return (
    `No usable files to train on in ${where}: skipped ${skippedPhrase(r, true)}.` +
    (hints.length ? ` Hint: ${hints.slice(0, 2).join('; ')}${limits}.` : '') +
    warnings
  );
}

/** Identifies a corpus: file count, total bytes, and a SHA-1 of the relative paths and sizes. */
export function fingerprint(docs: CorpusDoc[]): { files: number; bytes: number; hash: string } {
  const h = createHash('sha1');
  let bytes = 0;
  for (const d of docs) {
    h.update(`${d.relPath}\u0000${d.bytes}\n`);
    bytes += d.bytes;
  }
  return { files: docs.length, bytes, hash: h.digest('hex') };
}
