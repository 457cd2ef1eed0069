/**
 * What is trained on: the options (the corpus settings, VS Code's files.exclude, the model folder
 * never to read), the path rules (generated folders and names, minified and binary names, the
 * glob settings, ignore files, the depth limit) and the content rules (generated markers, long
 * lines of minified output). Globs are matched by a state machine that cannot backtrack
 * (gitignoreSafe.ts).
 */
import type { CorpusConfig } from '../contracts/config';
import { compileGlob, globTooComplex } from './gitignoreSafe';
import { caseInsensitiveFs, isGitignored, type IgnoreLayer } from './ignore';
import type { SkipReason } from './report';

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

/** Directories deeper than this are not walked ('too-deep'): bounds the path length matched. */
export const MAX_DEPTH = 32;
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

export type Matcher = (relPath: string) => boolean;

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
export interface GlobRules {
  filesExclude?: Matcher;
  exclude?: Matcher;
  include: Matcher;
}

export function globRules(opts: CorpusOptions, warnings: string[]): GlobRules {
  return {
    filesExclude: globMatcher(opts.filesExclude, 'files.exclude', warnings),
    exclude: globMatcher(opts.exclude, 'charrnn.training.exclude', warnings),
    include: globMatcher(opts.include && opts.include.length > 0 ? opts.include : ['**/*'], 'charrnn.training.include', warnings) ?? (() => true),
  };
}

/**
 * Why an entry is skipped by its path (undefined: it passes). A file is included when an include
 * pattern matches it or one of its folders (as VS Code's "files to include": 'src' means
 * everything under src/); `inIncluded` says a folder above it matched.
 */
export function pathRule(globs: GlobRules, layers: readonly IgnoreLayer[], relPath: string, isDir: boolean, inIncluded: boolean): SkipReason | undefined {
  const { filesExclude, exclude, include } = globs;
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

