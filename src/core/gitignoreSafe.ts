/**
 * Bounds the cost of matching `.gitignore` patterns. The `ignore` library (like every glob
 * library for JavaScript) compiles patterns to backtracking regular expressions, so a pattern with
 * many wildcards (`*a*a*a*a*a*a*b`) takes exponential time on a long file name: a hostile
 * workspace could hang training. Measured worst cases (255-character names, 32 levels deep) stay
 * in milliseconds with at most 2 `*` in one path segment and 3 wildcards (`*` runs and `**`
 * segments) in one pattern; the walk also stops at MAX_DEPTH (see corpus.ts).
 *
 * A pattern over these limits is rewritten to a broader one that matches every path the original
 * matches (so more files are ignored, never fewer: nothing the user meant to keep out is read):
 *  - in a segment, everything between its first and last `*` is dropped (`*a*a*b` -> `*b`);
 *  - if still over, the segments from the first one with a wildcard to the one before the last
 *    become one `**` (`*a/*b/*c/d*` -> `**`/`d*`).
 * A negated pattern (`!…`) over the limits is dropped instead (dropping a re-include also ignores
 * more, never fewer). Both are reported so the user can see why.
 */

export const MAX_STARS_PER_SEGMENT = 2;
export const MAX_WILDCARDS_PER_PATTERN = 3;
/** picomatch copes better with `**` than ignore: one more for globs, so `**` + `/test/**` + `/*.spec.*` passes. */
export const MAX_GLOB_WILDCARDS = 4;

type Token = { kind: 'star' } | { kind: 'sep' } | { kind: 'lit'; text: string };

function tokenize(body: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '\\' && i + 1 < body.length) {
      out.push({ kind: 'lit', text: body.slice(i, i + 2) });
      i++;
    } else if (ch === '*') {
      out.push({ kind: 'star' });
    } else if (ch === '/') {
      out.push({ kind: 'sep' });
    } else if (ch === '[') {
      // A bracket expression is one fixed-width token; `]` right after `[` or `[!` is literal.
      let j = i + 1;
      if (body[j] === '!' || body[j] === '^') j++;
      if (body[j] === ']') j++;
      while (j < body.length && body[j] !== ']' && body[j] !== '/') j += body[j] === '\\' ? 2 : 1;
      if (j < body.length && body[j] === ']') {
        out.push({ kind: 'lit', text: body.slice(i, j + 1) });
        i = j;
      } else {
        out.push({ kind: 'lit', text: ch });
      }
    } else {
      out.push({ kind: 'lit', text: ch });
    }
  }
  return out;
}

/** One segment: its tokens with runs of `*` collapsed (as git does), or the globstar `**`. */
type Segment = { globstar: true } | { globstar: false; tokens: Token[] };

function segments(tokens: Token[]): Segment[] {
  const segs: Segment[] = [];
  let cur: Token[] = [];
  const flush = () => {
    const starsOnly = cur.length === 2 && cur.every((t) => t.kind === 'star');
    if (starsOnly) segs.push({ globstar: true });
    else {
      const collapsed: Token[] = [];
      for (const t of cur) if (!(t.kind === 'star' && collapsed[collapsed.length - 1]?.kind === 'star')) collapsed.push(t);
      segs.push({ globstar: false, tokens: collapsed });
    }
    cur = [];
  };
  for (const t of tokens) {
    if (t.kind === 'sep') flush();
    else cur.push(t);
  }
  flush();
  return segs;
}

const starsIn = (s: Segment) => (s.globstar ? 1 : s.tokens.filter((t) => t.kind === 'star').length);
const cost = (segs: Segment[]) => segs.reduce((n, s) => n + starsIn(s), 0);
const text = (segs: Segment[]) =>
  segs.map((s) => (s.globstar ? '**' : s.tokens.map((t) => (t.kind === 'star' ? '*' : t.kind === 'lit' ? t.text : '/')).join(''))).join('/');

/** `X*…*Y` -> `X*Y`: drops what lies between the segment's first and last `*`. */
function broadenSegment(s: Segment): Segment {
  if (s.globstar) return s;
  const first = s.tokens.findIndex((t) => t.kind === 'star');
  let last = -1;
  s.tokens.forEach((t, i) => {
    if (t.kind === 'star') last = i;
  });
  if (first === -1 || first === last) return s;
  return { globstar: false, tokens: [...s.tokens.slice(0, first + 1), ...s.tokens.slice(last + 1)] };
}

export interface SafePattern {
  /** The line to give the matcher, or null to drop it. */
  line: string | null;
  /** True when `line` differs from the input in a way that changes what it matches. */
  broadened: boolean;
}

/** Makes one `.gitignore` line safe to match (see the module comment). */
export function safeGitignoreLine(raw: string): SafePattern {
  const line = raw.replace(/\r$/, '');
  if (line.trim() === '' || line.startsWith('#') || !line.includes('*')) return { line, broadened: false };
  const negated = line.startsWith('!');
  const body = negated ? line.slice(1) : line;
  const segs = segments(tokenize(body));
  const rewritten = text(segs); // runs of `*` collapsed: same meaning for git, cheaper to match
  const over = () => cost(segs) > MAX_WILDCARDS_PER_PATTERN || segs.some((s) => starsIn(s) > MAX_STARS_PER_SEGMENT);
  if (!over()) return { line: (negated ? '!' : '') + rewritten, broadened: false };
  if (negated) return { line: null, broadened: true };
  let out = segs.map(broadenSegment);
  if (cost(out) > MAX_WILDCARDS_PER_PATTERN) {
    // Keep the leading literal segments (and a leading '/' as the empty first segment) and the
    // last one; everything from the first wildcard segment up to it becomes '**'.
    const lastIdx = out.length - 1 - (out.length > 1 && !out[out.length - 1].globstar && (out[out.length - 1] as { tokens: Token[] }).tokens.length === 0 ? 1 : 0);
    const firstWild = out.findIndex((s) => starsIn(s) > 0);
    out = [...out.slice(0, firstWild), { globstar: true }, ...out.slice(lastIdx)];
  }
  return { line: text(out), broadened: true };
}

/** Makes a whole `.gitignore` safe; `changed` lists the patterns that were broadened or dropped. */
export function safeGitignore(content: string): { text: string; changed: string[] } {
  const changed: string[] = [];
  const lines: string[] = [];
  for (const raw of content.split('\n')) {
    const r = safeGitignoreLine(raw);
    if (r.broadened) changed.push(r.line === null ? `${raw.trim()} (dropped)` : `${raw.trim()} -> ${r.line}`);
    if (r.line !== null) lines.push(r.line);
  }
  return { text: lines.join('\n'), changed };
}

/**
 * For glob settings (include/exclude, files.exclude), which picomatch also compiles to
 * backtracking regexes: a reason the pattern is too complex to match safely, or undefined.
 * Such a pattern is refused (a setting is fixed by the user; guessing a broader one for an
 * include list would read more files than asked).
 */
export function globTooComplex(pattern: string): string | undefined {
  const segs = segments(tokenize(pattern));
  const perSegment = Math.max(0, ...segs.map(starsIn));
  if (perSegment > MAX_STARS_PER_SEGMENT || cost(segs) > MAX_GLOB_WILDCARDS) {
    return `it has too many wildcards to match safely (at most ${MAX_STARS_PER_SEGMENT} '*' in one path segment and ${MAX_GLOB_WILDCARDS} in the pattern)`;
  }
  return undefined;
}
