import type { CharModel } from '../../src/core/contracts/charModel';

/**
 * A hand-built character model: the state is the text read since the start; the next-character
 * distribution is looked up by that text in a table (unlisted contexts: all mass on ' ').
 */
export class TableModel implements CharModel<string> {
  readonly vocabSize: number;
  advanced = 0;
  constructor(readonly chars: string[], private readonly table: Record<string, Record<string, number>>) {
    this.vocabSize = chars.length;
  }
  initialState(): string {
    return '';
  }
  advance(states: string[], ids: number[]): string[] {
    this.advanced += states.length;
    return states.map((s, i) => s + this.chars[ids[i]]);
  }
  logProbs(states: string[]): Float32Array[] {
    return states.map((s) => {
      const dist = this.table[s] ?? { ' ': 1 };
      const lp = new Float32Array(this.vocabSize).fill(-Infinity);
      for (const [ch, p] of Object.entries(dist)) lp[this.chars.indexOf(ch)] = Math.log(p);
      return lp;
    });
  }
}

