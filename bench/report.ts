/**
 * Formats benchmark results as plain-text tables (terminal) and Markdown tables (BENCHMARKS.md).
 */
import type { GhostFigures, QualityResult, ThresholdPromise } from './quality';
import type { SpeedResult } from './speedBench';

export interface LatencyRow {
  model: string;
  warmP50: number;
  warmP95: number;
  coldP50: number;
  coldP95: number;
  rssMB?: number;
  detail?: Record<string, unknown>;
}

export interface BenchResults {
  date: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  /** 1-minute load average at the start and at the end (the machine may be shared). */
  load: { start: number; end: number };
  command: string;
  quality?: QualityResult;
  speed?: SpeedResult;
  latency?: LatencyRow[] | { error: string };
  errors: string[];
  totalSec: number;
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–');
const f = (x: number | undefined, d = 2) => (x !== undefined && Number.isFinite(x) ? x.toFixed(d) : '–');
const k = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x >= 10_000 ? `${(x / 1000).toFixed(1)}k` : x >= 1000 ? `${(x / 1000).toFixed(2)}k` : x.toFixed(0));

function table(head: string[], rows: string[][], markdown: boolean): string {
  if (markdown) {
    return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  }
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/** Ghost texts while typing the held-out files character by character. */
export function typingTable(q: QualityResult, markdown = false): string {
  const share = (n: number, of: number) => pct(of ? n / of : NaN);
  const head = ['engine', 'keystrokes', 'ghost shown after', 'precision', 'identifiers: shown', 'precision', 'punctuation: shown', 'precision', 'ms p50', 'ms p95'];
  const rows = (q.typing ?? []).map((t) => [
    t.engine,
    String(t.counts.keystrokes),
    share(t.counts.all.shown, t.counts.keystrokes),
    share(t.counts.all.right, t.counts.all.shown),
    share(t.counts.identifier.shown, t.counts.keystrokes),
    share(t.counts.identifier.right, t.counts.identifier.shown),
    share(t.counts.punctuation.shown, t.counts.keystrokes),
    share(t.counts.punctuation.right, t.counts.punctuation.shown),
    f(t.msP50, 1),
    f(t.msP95, 1),
  ]);
  return table(head, rows, markdown);
}

export function qualityTable(q: QualityResult, markdown = false): string {
  const head = ['engine', 'bits/char', 'exact match', 'precision', 'shown', 'chars saved', 'at start: acc', 'inside: acc', 'ms p50', 'ms p95', 'train s'];
  const rows = q.engines.map((e) => [
    e.engine,
    f(e.bpc, 3),
    pct(e.metrics.accuracy),
    pct(e.metrics.precision),
    pct(e.metrics.shownShare),
    pct(e.metrics.charsSaved),
    pct(e.atStart.accuracy),
    pct(e.inside.accuracy),
    f(e.msP50, 1),
    f(e.msP95, 1),
    f(e.trainSec, 0),
  ]);
  return table(head, rows, markdown);
}

/**
 * The threshold's promise, per calibrated engine: the precision it was calibrated for, what the
 * calibration measured on its own held-out folds, and what it achieved on the bench's held-out
 * files (never used for calibration).
 */
export function promiseTable(q: QualityResult, markdown = false): string | undefined {
  const rows = q.engines.flatMap((e) => {
    const p = e.detail?.promise as ThresholdPromise | undefined;
    if (!p) return [];
    return [[
      e.engine,
      pct(p.target),
      f(e.detail?.minConfidence as number | undefined, 3),
      p.rule ?? 'ratio',
      p.check ? `${pct(p.check.precision)} (${pct(p.check.shown)} shown)` : '–',
      pct(e.metrics.precision),
      pct(e.metrics.shownShare),
      pct(e.metrics.accuracy),
      oracle(e.detail?.oracle, `${p.target}`),
    ]];
  });
  if (!rows.length) return undefined;
  return table(['engine', 'target', 'threshold', 'rule', 'calibration, held-out folds', 'achieved (held-out files)', 'shown', 'exact match', 'best exact at target (oracle)'], rows, markdown);
}

/** Ghosts past the token (issue 23): per calibrated engine, tokens alone against tokens and the rest of the line. */
export function lineTable(q: QualityResult, markdown = false): string | undefined {
  const rows = q.engines.flatMap((e) => {
    const g = e.detail?.line as { token: GhostFigures; line: GhostFigures; threshold?: number } | undefined;
    if (!g) return [];
    const ratio = g.token.savedPerPosition > 0 ? `${(g.line.savedPerPosition / g.token.savedPerPosition).toFixed(2)}x` : '–';
    return [
      [e.engine, 'token', pct(g.token.shown), pct(g.token.precision), '–', '–', f(g.token.savedPerPosition, 2), '', f(g.token.msP50, 1), f(g.token.msP95, 1)],
      ['', `line (threshold ${f(g.threshold, 3)})`, pct(g.line.shown), pct(g.line.precision), pct(g.line.continuationShown ?? NaN), pct(g.line.continuationPrecision ?? NaN),
        f(g.line.savedPerPosition, 2), ratio, f(g.line.msP50, 1), f(g.line.msP95, 1)],
    ];
  });
  if (!rows.length) return undefined;
  return table(['engine', 'ghost', 'shown', 'precision', 'continuation shown', 'continuation precision', 'chars saved / position', 'ratio', 'ms p50', 'ms p95'], rows, markdown);
}

/** The oracle's exact match at a target, with the path as it is / without promotion. */
function oracle(o: unknown, target: string): string {
  const at = o as Record<string, { exact: number }> | undefined;
  if (!at?.[target]) return '–';
  return `${pct(at[target].exact)} / ${pct(at[`${target} without promotion`]?.exact ?? NaN)} without promotion`;
}

export function speedTable(s: SpeedResult, markdown = false): string {
  const head = ['model', 'backend', 'threads', 'ours chars/s', 'PyTorch chars/s', 'PyTorch threads', 'ours / PyTorch'];
  const rows = s.rows.map((r) => [
    r.size,
    r.backend,
    r.threads === undefined ? '–' : String(r.threads),
    r.error ? `error: ${r.error}` : k(r.charsPerSec),
    k(r.torchCharsPerSec),
    r.torchThreads === undefined ? '–' : String(r.torchThreads),
    r.ratio === undefined ? '–' : `${r.ratio.toFixed(2)}x`,
  ]);
  return table(head, rows, markdown);
}

export function latencyTable(rows: LatencyRow[], markdown = false): string {
  const head = ['model', 'warm p50 ms', 'warm p95 ms', 'cold p50 ms', 'cold p95 ms', 'peak RSS MB'];
  return table(head, rows.map((r) => [r.model, f(r.warmP50), f(r.warmP95), f(r.coldP50), f(r.coldP95), f(r.rssMB, 0)]), markdown);
}

export function formatResults(r: BenchResults, markdown = false): string {
  const out: string[] = [];
  const h = (t: string) => out.push(markdown ? `\n### ${t}\n` : `\n== ${t} ==`);
  if (r.quality) {
    const q = r.quality;
    h(`Completion quality: ${q.data.name}, ${q.data.trainFiles} training files (${q.data.trainChars} chars), ${q.data.testFiles} held-out files (${q.data.testChars} chars), ${q.positions} identifier positions`);
    out.push(qualityTable(q, markdown));
    const promise = promiseTable(q, markdown);
    if (promise) {
      h(`The threshold's promise: target vs achieved precision on the ${q.positions} held-out positions`);
      out.push(promise);
    }
    const line = lineTable(q, markdown);
    if (line) {
      h(`Ghost text past the token: tokens alone vs to the end of the line, on the same ${q.positions} positions`);
      out.push(line);
      out.push('precision: the whole ghost right (a token equal to the rest of the identifier; with a continuation, a prefix of the rest of the line); chars saved: a right ghost accepted whole, else a right token.');
    }
    const t = q.training;
    if (t) {
      out.push('');
      out.push(`CharRNN training: ${t.config.lstmSize}x${t.config.numLayers}, ${t.reason} after ${f(t.wallSec, 0)} s, ` +
        `${t.last ? `${t.last.step} steps (${(t.last.charsSeen / 1e6).toFixed(2)} M chars, ${t.last.epoch} full epochs), ${Math.round(t.last.charsPerSec)} chars/s, ` : ''}` +
        `best validation ${f(t.bestValLoss, 3)} bits/char, backend ${t.backend ?? '?'} (${t.threads ?? '?'} threads), ` +
        `trainer peak RSS ${f(t.peakRssMB, 0)} MB (${t.where}).`);
    }
    out.push(`bits/char: the first ${q.bpcChars} characters of the held-out files, each file read from its start.`);
    if (q.typing?.length) {
      h('Ghost text while typing the held-out files character by character');
      out.push(typingTable(q, markdown));
      out.push('After each keystroke, the text typed so far (nothing after the cursor); right = the file goes on with exactly the ghost text; identifiers = ghost texts that start with a letter, digit, _ or $; punctuation = the others.');
    }
  }
  if (r.speed) {
    h(`Training speed: chars/s, batch ${r.speed.batch}, ${r.speed.steps} steps, vocabulary ${r.speed.vocabSize} (medians)`);
    out.push(speedTable(r.speed, markdown));
    if (!Array.isArray(r.speed.torch)) out.push(`PyTorch reference: not available (${r.speed.torch.reason}).`);
  }
  if (r.latency) {
    h('Completion latency (worker engine)');
    if (Array.isArray(r.latency)) out.push(latencyTable(r.latency, markdown));
    else out.push(`not measured: ${r.latency.error}`);
  }
  if (r.errors.length) {
    h('Errors');
    out.push(...r.errors);
  }
  out.push('');
  out.push(`${r.date}, ${r.machine.cpus} x ${r.machine.cpuModel}, Node ${r.machine.node}; load average ${f(r.load.start, 1)} at the start, ${f(r.load.end, 1)} at the end; ${f(r.totalSec, 0)} s in all.`);
  return out.join('\n');
}
