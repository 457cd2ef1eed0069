/**
 * Ignore files (`.gitignore`, `.git/info/exclude`): read only when they are regular files of at
 * most MAX_IGNORE_FILE_BYTES and MAX_IGNORE_PATTERNS patterns, opened without blocking (a FIFO is
 * never waited on), compiled in slices that let a stop in, their patterns bounded so that matching
 * cannot backtrack (gitignoreSafe.ts); nested ones apply to their own subtree, as in git.
 */
import * as fs from 'fs';
import ignore, { type Ignore } from 'ignore';
import { formatBytes } from '../util/format';
import { safeGitignoreLine } from './gitignoreSafe';

/** Ignore files (`.gitignore`, `.git/info/exclude`) larger than this are not loaded. */
export const MAX_IGNORE_FILE_BYTES = 1_000_000;
/** Nor ones with more patterns than this: every pattern costs time on every path (and memory). */
export const MAX_IGNORE_PATTERNS = 10_000;
/** Ignore-file lines compiled between two chances to yield (and hear a stop). */
export const IGNORE_LINES_PER_YIELD = 1000;
/** Paths differ only in case on Windows and macOS: ignore files and globs match without case there. */
export const caseInsensitiveFs = process.platform === 'win32' || process.platform === 'darwin';

/** One .gitignore: its directory (relative to the folder, '' for the root) and its rules. */
export interface IgnoreLayer {
  base: string;
  ig: Ignore;
}

export function isGitignored(layers: readonly IgnoreLayer[], relPath: string, isDir: boolean): boolean {
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

/** An ignore file's text, or why it cannot be used; undefined when there is none. */
export type IgnoreText = { text: string } | { problem: string } | undefined;

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
export async function readIgnoreFile(file: string): Promise<IgnoreText> {
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

