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
 * more, never fewer). Both are reported so the user can see why. (`.gitignore` syntax has no
 * extglobs or braces: `ignore` matches those characters literally.)
 *
 * The glob settings (`include`/`exclude`, `files.exclude`) are matched by compileGlob (end of this
 * file): a state machine that cannot backtrack, whatever the pattern (issue 20: a nested extglob
 * or repeated `{a,a}` hung picomatch's regular expressions).
 */

export const MAX_STARS_PER_SEGMENT = 2;
export const MAX_WILDCARDS_PER_PATTERN = 3;
/** For glob settings: one more than for .gitignore, so `**` + `/test/**` + `/*.spec.*` passes. */
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
 * For glob settings (include/exclude, files.exclude): a reason the pattern has too many wildcards,
 * or undefined. Such a pattern is refused (a setting is fixed by the user; guessing a broader one
 * for an include list would read more files than asked). The limit dates from when these were
 * matched by picomatch's backtracking regexes; compileGlob does not need it, and it stays as the
 * documented rule.
 */
export function globTooComplex(pattern: string): string | undefined {
  const segs = segments(tokenize(pattern));
  const perSegment = Math.max(0, ...segs.map(starsIn));
  if (perSegment > MAX_STARS_PER_SEGMENT || cost(segs) > MAX_GLOB_WILDCARDS) {
    return `it has too many wildcards to match safely (at most ${MAX_STARS_PER_SEGMENT} '*' in one path segment and ${MAX_GLOB_WILDCARDS} in the pattern)`;
  }
  return undefined;
}

/**
 * A glob matcher for the glob settings (`include`/`exclude`, `files.exclude`) that cannot
 * backtrack: the pattern becomes a state machine (Thompson's construction) whose states are
 * followed all at once, so matching a path costs at most (path length) x (states), and the
 * states are linear in the pattern's length. picomatch compiles globs to backtracking regular
 * expressions, where a nested extglob (`+(+(a))c`) or repeated alternatives (`{a,a}{a,a}…c`)
 * take hours on a 40-character name.
 *
 * The syntax is VS Code's: `*` (within a segment), `**` (any number of segments; `a/**` also
 * matches `a`), `?`, `[…]` (`[!…]`/`[^…]` negated, ranges), `{a,b}` (nestable). Everything else
 * is literal, including `( ) | + @ !` (VS Code has no extglobs); a leading `!` negates the whole
 * pattern. Dot-files match like any other name. Paths are relative, '/'-separated.
 */
export interface GlobMatcher {
  (path: string): boolean;
  /** States of the machine (the work per character is at most this). */
  readonly size: number;
}

/** Longest glob setting accepted (a pattern is typed by a person). */
export const MAX_GLOB_LENGTH = 4096;

type CharTest = (c: number) => boolean;
type Item =
  | { kind: 'char'; test: CharTest; slash?: boolean }
  | { kind: 'star' } // [^/]*
  | { kind: 'any' } // .*
  | { kind: 'segments' } // ([^/]*/)*  (`**/`)
  | { kind: 'tail' } // (/.*)?  (`/**` at the end)
  | { kind: 'alt'; alts: Item[][] };

const SLASH = 47;
const isSlash: CharTest = (c) => c === SLASH;
const notSlash: CharTest = (c) => c !== SLASH;

function caseVariants(c: number): [number, number] {
  const s = String.fromCharCode(c);
  const lo = s.toLowerCase();
  const up = s.toUpperCase();
  return [lo.length === 1 ? lo.charCodeAt(0) : c, up.length === 1 ? up.charCodeAt(0) : c];
}

function literal(c: number, nocase: boolean): CharTest {
  if (!nocase) return (x) => x === c;
  const [lo, up] = caseVariants(c);
  return (x) => x === lo || x === up || x === c;
}

const POSIX_CLASSES: Record<string, CharTest> = {
  alnum: (c) => /[A-Za-z0-9]/.test(String.fromCharCode(c)),
  alpha: (c) => /[A-Za-z]/.test(String.fromCharCode(c)),
  digit: (c) => c >= 48 && c <= 57,
  lower: (c) => c >= 97 && c <= 122,
  upper: (c) => c >= 65 && c <= 90,
  space: (c) => /\s/.test(String.fromCharCode(c)),
  xdigit: (c) => /[0-9A-Fa-f]/.test(String.fromCharCode(c)),
  word: (c) => /\w/.test(String.fromCharCode(c)),
  punct: (c) => /[!-/:-@[-`{-~]/.test(String.fromCharCode(c)),
};

/** `[…]` at p[i]: its test and the index after it, or undefined when it is not a class. */
function parseClass(p: string, i: number, nocase: boolean): { test: CharTest; end: number } | undefined {
  let j = i + 1;
  let negated = false;
  if (p[j] === '!' || p[j] === '^') {
    negated = true;
    j++;
  }
  const parts: CharTest[] = [];
  let first = true;
  while (j < p.length && (p[j] !== ']' || first)) {
    first = false;
    if (p[j] === '/') return undefined;
    if (p[j] === '[' && p[j + 1] === ':') {
      const close = p.indexOf(':]', j + 2);
      const cls = close === -1 ? undefined : POSIX_CLASSES[p.slice(j + 2, close)];
      if (cls) {
        parts.push(cls);
        j = close + 2;
        continue;
      }
    }
    let lo = p.charCodeAt(j);
    if (p[j] === '\\' && j + 1 < p.length) lo = p.charCodeAt(++j);
    j++;
    if (p[j] === '-' && j + 1 < p.length && p[j + 1] !== ']') {
      let hi = p.charCodeAt(j + 1);
      j += 2;
      if (p[j - 1] === '\\' && j < p.length) hi = p.charCodeAt(j++);
      parts.push((c) => c >= lo && c <= hi);
    } else {
      const c0 = lo;
      parts.push((c) => c === c0);
    }
  }
  if (j >= p.length) return undefined;
  const inSet = (c: number) => parts.some((t) => t(c));
  const matches = nocase
    ? (c: number) => {
        const [l, u] = caseVariants(c);
        return inSet(c) || inSet(l) || inSet(u);
      }
    : inSet;
  return { test: (c) => c !== SLASH && matches(c) !== negated, end: j + 1 };
}

/** The index of the `}` closing the `{` at p[i] when it holds a top-level ',', else -1. */
function braceEnd(p: string, i: number): number {
  let depth = 0;
  let comma = false;
  for (let j = i; j < p.length; j++) {
    const ch = p[j];
    if (ch === '\\') j++;
    else if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0) return comma ? j : -1;
    } else if (ch === ',' && depth === 1) comma = true;
  }
  return -1;
}

/**
 * Parses p[from, to) into items. `atStart`/`atEnd`: whether the range starts/ends a segment
 * boundary of the whole pattern (for deciding what a `**` is).
 */
function parse(p: string, from: number, to: number, nocase: boolean): Item[] {
  const items: Item[] = [];
  const boundaryBefore = (i: number) => i === from ? from === 0 || p[from - 1] === '/' || p[from - 1] === '{' || p[from - 1] === ',' : p[i - 1] === '/';
  let i = from;
  while (i < to) {
    const ch = p[i];
    if (ch === '*') {
      let j = i;
      while (j < to && p[j] === '*') j++;
      const atEnd = j === to;
      if (j - i >= 2 && boundaryBefore(i) && (atEnd || p[j] === '/')) {
        if (!atEnd) {
          items.push({ kind: 'segments' }); // `**/`: the '/' is part of it
          i = j + 1;
          continue;
        }
        const prev = items[items.length - 1];
        if (prev && prev.kind === 'char' && prev.slash) items[items.length - 1] = { kind: 'tail' }; // `x/**` matches x too
        else items.push({ kind: 'any' });
        i = j;
        continue;
      }
      items.push({ kind: 'star' });
      i = j;
    } else if (ch === '?') {
      items.push({ kind: 'char', test: notSlash });
      i++;
    } else if (ch === '[') {
      const cls = parseClass(p, i, nocase);
      if (cls && cls.end <= to) {
        items.push({ kind: 'char', test: cls.test });
        i = cls.end;
      } else {
        items.push({ kind: 'char', test: literal(ch.charCodeAt(0), nocase) });
        i++;
      }
    } else if (ch === '{') {
      const end = braceEnd(p, i);
      if (end === -1 || end >= to) {
        items.push({ kind: 'char', test: literal(ch.charCodeAt(0), nocase) });
        i++;
        continue;
      }
      const alts: Item[][] = [];
      let depth = 0;
      let start = i + 1;
      for (let j = i + 1; j <= end; j++) {
        const c = p[j];
        if (c === '\\') j++;
        else if (c === '{') depth++;
        else if (c === '}' && depth > 0) depth--;
        else if ((c === ',' && depth === 0) || j === end) {
          alts.push(parse(p, start, j, nocase));
          start = j + 1;
        }
      }
      items.push({ kind: 'alt', alts });
      i = end + 1;
    } else if (ch === '/') {
      items.push({ kind: 'char', test: isSlash, slash: true });
      i++;
    } else {
      let c = p.charCodeAt(i);
      if (ch === '\\' && i + 1 < to) c = p.charCodeAt(++i);
      items.push({ kind: 'char', test: literal(c, nocase) });
      i++;
    }
  }
  return items;
}

const CHAR = 0;
const SPLIT = 1;
const MATCH = 2;

/** The state machine: per state its kind, its next state(s) and, for CHAR, the test. */
class Machine {
  readonly kind: number[] = [];
  readonly out1: number[] = [];
  readonly out2: number[] = [];
  readonly tests: (CharTest | undefined)[] = [];
  add(kind: number, out1: number, out2: number, test?: CharTest): number {
    this.kind.push(kind);
    this.out1.push(out1);
    this.out2.push(out2);
    this.tests.push(test);
    return this.kind.length - 1;
  }
  /** A loop `test*` in front of `next`. */
  loop(test: CharTest, next: number): number {
    const s = this.add(SPLIT, -1, next);
    this.out1[s] = this.add(CHAR, s, -1, test);
    return s;
  }
  /** Builds `items` in front of `next` (from the end, so each part knows what follows it). */
  seq(items: Item[], next: number): number {
    for (let k = items.length - 1; k >= 0; k--) next = this.item(items[k], next);
    return next;
  }
  private item(it: Item, next: number): number {
    switch (it.kind) {
      case 'char':
        return this.add(CHAR, next, -1, it.test);
      case 'star':
        return this.loop(notSlash, next);
      case 'any':
        return this.loop(() => true, next);
      case 'segments': {
        // s: done, or one more segment: [^/]* then '/', back to s.
        const s = this.add(SPLIT, next, -1);
        const slash = this.add(CHAR, s, -1, isSlash);
        this.out2[s] = this.loop(notSlash, slash);
        return s;
      }
      case 'tail': {
        const s = this.add(SPLIT, next, -1);
        this.out2[s] = this.add(CHAR, this.loop(() => true, next), -1, isSlash);
        return s;
      }
      case 'alt': {
        let s = this.seq(it.alts[it.alts.length - 1], next);
        for (let k = it.alts.length - 2; k >= 0; k--) s = this.add(SPLIT, this.seq(it.alts[k], next), s);
        return s;
      }
    }
  }
}

/** Compiles a glob setting (see above) to a matcher that runs in time linear in the path. */
export function compileGlob(pattern: string, opts: { nocase?: boolean } = {}): GlobMatcher {
  if (pattern.length > MAX_GLOB_LENGTH) throw new Error(`it is longer than ${MAX_GLOB_LENGTH} characters`);
  let negated = false;
  let from = 0;
  while (pattern[from] === '!') {
    negated = !negated;
    from++;
  }
  const nocase = opts.nocase ?? false;
  const m = new Machine();
  const match = m.add(MATCH, -1, -1);
  const start = m.seq(parse(pattern, from, pattern.length, nocase), match);
  const { kind, out1, out2, tests } = m;
  const n = kind.length;
  // Sets of states as lists with a generation mark, so no state is followed twice per character.
  const mark = new Int32Array(n);
  let gen = 0;
  let cur = new Int32Array(n);
  let nxt = new Int32Array(n);
  const stack = new Int32Array(2 * n + 1);
  /** Adds `s` and every state reachable from it without reading a character. */
  const addState = (list: Int32Array, len: number, s: number): number => {
    let top = 0;
    stack[top++] = s;
    while (top > 0) {
      const q = stack[--top];
      if (q < 0 || mark[q] === gen) continue;
      mark[q] = gen;
      if (kind[q] === SPLIT) {
        stack[top++] = out2[q];
        stack[top++] = out1[q];
      } else list[len++] = q;
    }
    return len;
  };
  const matcher = (path: string): boolean => {
    gen++;
    let len = addState(cur, 0, start);
    for (let i = 0; i < path.length && len > 0; i++) {
      const c = path.charCodeAt(i);
      gen++;
      let nlen = 0;
      for (let k = 0; k < len; k++) {
        const q = cur[k];
        if (kind[q] === CHAR && tests[q]!(c)) nlen = addState(nxt, nlen, out1[q]);
      }
      const t = cur;
      cur = nxt;
      nxt = t;
      len = nlen;
    }
    let matched = false;
    for (let k = 0; k < len; k++) if (kind[cur[k]] === MATCH) matched = true;
    return matched !== negated;
  };
  return Object.assign(matcher, { size: n });
}
