/**
 * What a "next token" is, for the decoder and the provider.
 *
 * Character classes: word (letters, digits, `_`, `$`: identifiers, keywords and numbers),
 * space (space, tab), eol (line breaks), close (`)`, `]`, `}`), op (every other character:
 * operators, punctuation, quotes, opening brackets), unknown (the vocabulary's unknown symbol).
 *
 * Modes:
 *  - word mode: the text before the cursor ends with a word character: complete the rest of that
 *    word (possibly nothing: the word may already be complete);
 *  - boundary mode: otherwise: the next whole token: optional leading spaces, then one word, one
 *    run of operator characters or one run of closing brackets.
 * A token ends at the first character that cannot continue it (that character is not part of
 * the completion); a line break ends everything. Nothing is completed when the text after the
 * cursor starts with a word character (the cursor is inside or right before a word).
 */
import { UNKNOWN } from './vocab';

export const enum CharClass {
  Word = 0,
  Space = 1,
  Eol = 2,
  Close = 3,
  Op = 4,
  Unknown = 5,
}

const WORD_RE = /^[\p{L}\p{N}\p{Mn}\p{Mc}_$]$/u;
const TRAILING_WORD_RE = /[\p{L}\p{N}\p{Mn}\p{Mc}_$]+$/u;

export function isWordChar(ch: string): boolean {
  return WORD_RE.test(ch);
}

export function charClass(ch: string): CharClass {
  if (ch === UNKNOWN || ch === '') return CharClass.Unknown;
  if (ch === '\n' || ch === '\r' || ch === '\u2028' || ch === '\u2029') return CharClass.Eol;
  if (ch === ' ' || ch === '\t') return CharClass.Space;
  if (ch === ')' || ch === ']' || ch === '}') return CharClass.Close;
  if (isWordChar(ch)) return CharClass.Word;
  return CharClass.Op;
}

/** Where the decoder is inside a token. */
export const enum Phase {
  /** Boundary mode, nothing but spaces so far. */
  Lead = 0,
  Word = 1,
  Op = 2,
  Close = 3,
}
/** Transition results besides a next Phase. */
export const END = -1;
export const REJECT = -2;

/**
 * The token automaton: what reading a character of class `cls` in `phase` does: a new phase
 * (the character is part of the token), END (the token is complete before this character) or
 * REJECT (no token along this path: a line break before any token, or an unknown character).
 */
export function nextPhase(phase: Phase, cls: CharClass): Phase | typeof END | typeof REJECT {
  if (cls === CharClass.Unknown) return REJECT;
  switch (phase) {
    case Phase.Lead:
      switch (cls) {
        case CharClass.Space: return Phase.Lead;
        case CharClass.Word: return Phase.Word;
        case CharClass.Op: return Phase.Op;
        case CharClass.Close: return Phase.Close;
        default: return REJECT;
      }
    case Phase.Word:
      return cls === CharClass.Word ? Phase.Word : END;
    case Phase.Op:
      return cls === CharClass.Op ? Phase.Op : END;
    case Phase.Close:
      return cls === CharClass.Close ? Phase.Close : END;
  }
}

export type TokenContext =
  | { mode: 'word'; typed: string; start: Phase }
  | { mode: 'boundary'; typed: ''; start: Phase }
  | { mode: 'none'; reason: string };

/**
 * Decides what to complete from the text before the cursor (at least its current line) and the
 * rest of the line after the cursor. `typed` is the part of the token already typed (word mode):
 * the provider's range covers it.
 */
export function tokenContext(before: string, after = ''): TokenContext {
  const nextCh = firstChar(after);
  if (nextCh !== '' && isWordChar(nextCh)) return { mode: 'none', reason: 'the cursor is inside or before a word' };
  const lineStart = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r')) + 1;
  const line = before.slice(lineStart);
  if (looksBinary(line) || looksBinary(after)) return { mode: 'none', reason: 'the line looks binary' };
  const m = TRAILING_WORD_RE.exec(line);
  if (m) return { mode: 'word', typed: m[0], start: Phase.Word };
  return { mode: 'boundary', typed: '', start: Phase.Lead };
}

function firstChar(s: string): string {
  const cp = s.codePointAt(0);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}

/** A line with NUL or other C0 control characters (besides tab) is not source text. */
export function looksBinary(line: string): boolean {
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/.test(line);
}

/** Character classes of a vocabulary, by id (computed once per vocabulary). */
const classCache = new WeakMap<readonly string[], Uint8Array>();
export function vocabClasses(chars: readonly string[]): Uint8Array {
  let c = classCache.get(chars);
  if (!c) {
    c = new Uint8Array(chars.length);
    for (let i = 0; i < chars.length; i++) c[i] = i === 0 ? CharClass.Unknown : charClass(chars[i]);
    classCache.set(chars, c);
  }
  return c;
}

/**
 * The probability that a token in `phase` ends at the next character: the mass `logp` (natural
 * logs over the vocabulary) gives the characters that cannot continue it (the unknown symbol, id
 * 0, excluded).
 */
export function endMass(logp: ArrayLike<number>, phase: Phase, classes: Uint8Array): number {
  let end = 0;
  for (let id = 1; id < logp.length; id++) if (nextPhase(phase, classes[id]) === END) end += Math.exp(logp[id]);
  return end;
}
