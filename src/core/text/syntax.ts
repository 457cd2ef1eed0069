/**
 * Is the cursor in code, in a comment or in a string? A language-aware heuristic (no parser): it
 * scans the text before the cursor with the comment and string syntax of the document's language
 * and reports where the scan ends. Good enough to honour `completion.inComments` and
 * `completion.inStrings`; languages it does not know always count as code. No `vscode` import.
 *
 * Known limits: string interpolation (`${…}` in JS templates, f-strings) counts as string; nested
 * block comments (Rust, Haskell) close at the first closer; heredocs count as code.
 */

export type SyntaxKind = 'code' | 'comment' | 'string';

interface StringSyntax {
  open: string;
  close: string;
  /** A backslash escapes the next character. */
  escape: boolean;
  /** The string may span lines (otherwise a line break ends it). */
  multiline: boolean;
}

export interface LanguageSyntax {
  line: readonly string[];
  block: readonly (readonly [string, string])[];
  strings: readonly StringSyntax[];
  /** A line comment opener counts only at the start of a line or after a space (shell's `a#b`). */
  lineNeedsSpace?: boolean;
}

const dq: StringSyntax = { open: '"', close: '"', escape: true, multiline: false };
const sq: StringSyntax = { open: "'", close: "'", escape: true, multiline: false };
const sqRaw: StringSyntax = { open: "'", close: "'", escape: false, multiline: true };
const backtickMulti: StringSyntax = { open: '`', close: '`', escape: true, multiline: true };
const backtickRaw: StringSyntax = { open: '`', close: '`', escape: false, multiline: true };
const triple = (q: string): StringSyntax => ({ open: q.repeat(3), close: q.repeat(3), escape: true, multiline: true });

const C_LIKE: LanguageSyntax = { line: ['//'], block: [['/*', '*/']], strings: [dq, sq] };
const JS_LIKE: LanguageSyntax = { line: ['//'], block: [['/*', '*/']], strings: [dq, sq, backtickMulti] };
const HASH: LanguageSyntax = { line: ['#'], block: [], strings: [dq, sq] };
const SHELL: LanguageSyntax = { line: ['#'], block: [], strings: [dq, sqRaw], lineNeedsSpace: true };

/** Syntax by VS Code language id. */
export const LANGUAGES: Readonly<Record<string, LanguageSyntax>> = {
  javascript: JS_LIKE,
  javascriptreact: JS_LIKE,
  typescript: JS_LIKE,
  typescriptreact: JS_LIKE,
  c: C_LIKE,
  cpp: C_LIKE,
  'objective-c': C_LIKE,
  java: C_LIKE,
  csharp: C_LIKE,
  kotlin: { line: ['//'], block: [['/*', '*/']], strings: [triple('"'), dq, sq] },
  scala: { line: ['//'], block: [['/*', '*/']], strings: [triple('"'), dq, sq] },
  swift: { line: ['//'], block: [['/*', '*/']], strings: [triple('"'), dq] },
  dart: { line: ['//'], block: [['/*', '*/']], strings: [triple('"'), triple("'"), dq, sq] },
  go: { line: ['//'], block: [['/*', '*/']], strings: [dq, sq, backtickRaw] },
  // No single-quoted strings: 'a is a lifetime far more often than a char literal is long.
  rust: { line: ['//'], block: [['/*', '*/']], strings: [dq] },
  php: { line: ['//', '#'], block: [['/*', '*/']], strings: [dq, sq] },
  css: { line: [], block: [['/*', '*/']], strings: [dq, sq] },
  scss: { line: ['//'], block: [['/*', '*/']], strings: [dq, sq] },
  less: { line: ['//'], block: [['/*', '*/']], strings: [dq, sq] },
  json: { line: [], block: [], strings: [dq] },
  jsonc: { line: ['//'], block: [['/*', '*/']], strings: [dq] },
  python: { line: ['#'], block: [], strings: [triple('"'), triple("'"), dq, sq] },
  ruby: HASH,
  perl: HASH,
  r: HASH,
  shellscript: SHELL,
  dockerfile: SHELL,
  makefile: SHELL,
  powershell: { line: ['#'], block: [['<#', '#>']], strings: [dq, sqRaw] },
  yaml: { line: ['#'], block: [], strings: [], lineNeedsSpace: true },
  toml: { line: ['#'], block: [], strings: [triple('"'), triple("'"), dq, sqRaw] },
  ini: { line: [';', '#'], block: [], strings: [] },
  sql: { line: ['--'], block: [['/*', '*/']], strings: [{ open: "'", close: "'", escape: false, multiline: true }] },
  lua: { line: ['--'], block: [['--[[', ']]']], strings: [dq, sq, { open: '[[', close: ']]', escape: false, multiline: true }] },
  haskell: { line: ['--'], block: [['{-', '-}']], strings: [dq] },
  html: { line: [], block: [['<!--', '-->']], strings: [] },
  xml: { line: [], block: [['<!--', '-->']], strings: [] },
  clojure: { line: [';'], block: [], strings: [dq] },
};

/** The language ids the heuristic knows (the rest always count as code). */
export function knowsLanguage(languageId: string): boolean {
  return Object.prototype.hasOwnProperty.call(LANGUAGES, languageId);
}

type Token = { kind: 'line'; open: string } | { kind: 'block'; open: string; close: string } | { kind: 'string'; s: StringSyntax };

/** Openers, longest first, so that `"""` wins over `"` and `--[[` over `--`. */
const openersCache = new WeakMap<LanguageSyntax, Token[]>();
function openers(lang: LanguageSyntax): Token[] {
  let list = openersCache.get(lang);
  if (!list) {
    list = [
      ...lang.block.map(([open, close]): Token => ({ kind: 'block', open, close })),
      ...lang.line.map((open): Token => ({ kind: 'line', open })),
      ...lang.strings.map((s): Token => ({ kind: 'string', s })),
    ].sort((a, b) => openerText(b).length - openerText(a).length);
    openersCache.set(lang, list);
  }
  return list;
}
const openerText = (t: Token) => (t.kind === 'string' ? t.s.open : t.open);

/**
 * Where `textBefore` (the document up to the cursor, or a tail of it that starts at a line start)
 * ends: in code, in a comment or in a string, for `languageId`.
 */
export function syntaxAt(languageId: string, textBefore: string): SyntaxKind {
  const lang = LANGUAGES[languageId];
  if (!lang) return 'code';
  const ops = openers(lang);
  const n = textBefore.length;
  let i = 0;
  while (i < n) {
    const ch = textBefore[i];
    let matched: Token | undefined;
    for (const t of ops) {
      const open = openerText(t);
      if (open[0] === ch && textBefore.startsWith(open, i)) {
        if (t.kind === 'line' && lang.lineNeedsSpace && i > 0 && !/\s/.test(textBefore[i - 1])) continue;
        matched = t;
        break;
      }
    }
    if (!matched) {
      i++;
      continue;
    }
    const start = i + openerText(matched).length;
    if (matched.kind === 'line') {
      const end = textBefore.indexOf('\n', start);
      if (end < 0) return 'comment';
      i = end + 1;
    } else if (matched.kind === 'block') {
      const end = textBefore.indexOf(matched.close, start);
      if (end < 0) return 'comment';
      i = end + matched.close.length;
    } else {
      const end = stringEnd(textBefore, start, matched.s);
      if (end < 0) return 'string';
      i = end;
    }
  }
  return 'code';
}

/** Index just after the string that starts at `from` (after its opener), or -1 if it is still open. */
function stringEnd(text: string, from: number, s: StringSyntax): number {
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (s.escape && ch === '\\') {
      i++;
      continue;
    }
    if (text.startsWith(s.close, i)) return i + s.close.length;
    if (ch === '\n' && !s.multiline) return i + 1;
  }
  return -1;
}
