/**
 * Collects the training corpus from workspace folders, applying the corpus rules (README.md's
 * settings table and "Reliability" say what a user sees of them):
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
 * machine that cannot backtrack (gitignoreSafe.ts); ignore files are read and compiled within
 * bounds (ignore.ts); an ignore file that cannot be used keeps its whole folder out (so that
 * nothing it ignores is ever read), with a warning. The walk and the reading each stop at the
 * time budget, and what was found is used.
 *
 * The room: rules.ts (what is trained on), ignore.ts (ignore files), walk.ts (listing a folder),
 * read.ts (reading and decoding a file), report.ts (what was skipped, in numbers and words);
 * this file collects with them and is what the rest of the code imports.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { codePointLength } from '../text/vocab';
import { MAX_DEPTH, globRules, contentRule, type CorpusOptions } from './rules';
import { decodeText, readCandidate, type ReadResult } from './read';
import { mainReasons, skippedPhrase, Tally, type CorpusReport, type SkipReason } from './report';
import { Pacer, walkFolder, type Candidate } from './walk';

export { compileIgnore, IGNORE_LINES_PER_YIELD, MAX_IGNORE_FILE_BYTES, MAX_IGNORE_PATTERNS } from './ignore';
export { contentRule, GENERATED_DIRS, LONG_LINE_CHARS, MAX_DEPTH, WEB_MAX_AVG_LINE, type CorpusOptions } from './rules';
export { decodeText } from './read';
export { formatReport, SKIP_REASONS, type CorpusReport, type SkipReason } from './report';
export { CorpusAbortedError } from './walk';

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

/** Thrown by collectCorpus when no usable file was found. */
export class EmptyCorpusError extends Error {
  constructor(message: string, readonly report?: CorpusReport) {
    super(message);
    this.name = 'EmptyCorpusError';
  }
}

/** Collection stops after this long by default (a hostile or huge workspace cannot hang training). */
export const COLLECT_BUDGET_MS = 120_000;
/** Files read at once. */
const READ_CONCURRENCY = 32;
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
