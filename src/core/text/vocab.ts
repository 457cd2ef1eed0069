/**
 * Character vocabulary. Index 0 is the unknown symbol; characters seen fewer than `minCount` times
 * map to it. Characters are Unicode code points (a surrogate pair is one character).
 */

export const UNKNOWN = '\u0000';

export interface VocabJson {
  /** chars[0] is always UNKNOWN. */
  chars: string[];
}

export class Vocab {
  readonly chars: string[];
  private readonly index: Map<string, number>;

  constructor(chars: string[]) {
    if (chars[0] !== UNKNOWN) throw new Error('vocabulary must start with the unknown symbol');
    if (new Set(chars).size !== chars.length) throw new Error('vocabulary has duplicate characters');
    this.chars = chars;
    this.index = new Map(chars.map((c, i) => [c, i]));
  }

  get size(): number {
    return this.chars.length;
  }

  /**
   * Builds a vocabulary from texts; characters seen fewer than `minCount` times become unknown,
   * except those of `always` (a base model's characters), which are kept whatever their count.
   */
  static build(texts: Iterable<string>, minCount = 3, always: Iterable<string> = []): Vocab {
    const counts = new Map<string, number>();
    for (const ch of always) counts.set(ch, minCount);
    for (const text of texts) {
      for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    const kept = [...counts.entries()]
      .filter(([ch, n]) => n >= minCount && ch !== UNKNOWN)
      .map(([ch]) => ch)
      .sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new Vocab([UNKNOWN, ...kept]);
  }

  static fromJSON(json: unknown): Vocab {
    const chars = (json as VocabJson | undefined)?.chars;
    if (!Array.isArray(chars) || !chars.every((c) => typeof c === 'string' && [...c].length === 1)) {
      throw new Error('vocabulary is not a list of characters');
    }
    return new Vocab(chars);
  }

  toJSON(): VocabJson {
    return { chars: this.chars };
  }

  has(ch: string): boolean {
    return this.index.has(ch);
  }

  /** Index of one character (0 when unknown). */
  id(ch: string): number {
    return this.index.get(ch) ?? 0;
  }

  encode(text: string): Int32Array {
    const out: number[] = [];
    for (const ch of text) out.push(this.index.get(ch) ?? 0);
    return Int32Array.from(out);
  }

  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) s += this.chars[ids[i]] ?? UNKNOWN;
    return s;
  }
}

/** Number of Unicode code points in a string. */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}
