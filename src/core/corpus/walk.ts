/**
 * Walking a folder: breadth-first, a few directories listed at once, every entry judged by the
 * path rules (rules.ts) under the ignore files met on the way (ignore.ts), never following a
 * symbolic link and never entering the model folder being trained; paced so that a stop is heard
 * at once and the time budget bounds it (Pacer).
 */
import * as fs from 'fs';
import * as path from 'path';
import { isModelFolderPath } from '../store/modelFolder';
import { compileIgnore, readIgnoreFile, type IgnoreLayer } from './ignore';
import { MAX_DEPTH, pathRule, type CorpusOptions, type GlobRules } from './rules';
import type { Tally } from './report';

/** Thrown by collectCorpus when its signal aborts. */
export class CorpusAbortedError extends Error {
  constructor() {
    super('corpus collection was stopped');
    this.name = 'CorpusAbortedError';
  }
}

/** Synchronous work between two yields to the event loop, so a stop request is seen at once. */
const YIELD_EVERY_MS = 20;

/** Directories listed at once. */
const WALK_CONCURRENCY = 16;

/** A file that passed the path rules, to be read. */
export interface Candidate {
  folder: string;
  abs: string;
  relPath: string;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Keeps collection responsive and bounded: yields to the event loop every few milliseconds of
 * work (so a stop request or Ctrl-C is handled at once), throws CorpusAbortedError when the signal
 * aborts, and notes when the time budget is spent.
 */
export class Pacer {
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
export async function walkFolder(
  folder: string,
  opts: CorpusOptions,
  tally: Tally,
  seen: () => void,
  pace: Pacer,
  warnings: string[],
  globs: GlobRules,
): Promise<Candidate[]> {
  const { include } = globs;
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
          const reason = depth >= MAX_DEPTH ? 'too-deep' : pathRule(globs, here, relPath, true, included);
          if (reason) tally.add(reason, folder, `${relPath}/`);
          else nextLevel.push({ rel: relPath, layers: here, included: included || include(relPath) });
        } else if (e.isFile()) {
          const reason = pathRule(globs, here, relPath, false, included);
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

