/**
 * What collection skipped and why, in numbers and in words: the skip reasons, the report of a
 * collection, the tally that counts skipped entries (with a few example paths per reason), and
 * the one or two lines a person reads (formatReport).
 */
import * as path from 'path';
import { formatBytes } from '../util/format';

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

const EXAMPLES_PER_REASON = 5;

/** The skipped entries of one collection: a count per reason and the first few paths in sort order. */
export class Tally {
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
export function mainReasons(r: CorpusReport): SkipReason[] {
  return SKIP_REASONS.filter((k) => r.skipped[k] > 0).sort((a, b) => r.skipped[b] - r.skipped[a]);
}

export function skippedPhrase(r: CorpusReport, withExamples: boolean): string {
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

