import * as assert from 'assert/strict';
import { createHash } from 'crypto';
import { BatchStream, splitCorpus } from '../../src/core/training/batching';
import type { CorpusDoc } from '../../src/core/corpus/corpus';
import { Vocab } from '../../src/core/text/vocab';

const range = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

function doc(relPath: string, text: string): CorpusDoc {
  return { path: `/w/${relPath}`, relPath, folder: '/w', text, bytes: Buffer.byteLength(text) };
}

describe('BatchStream', () => {
  it('lays out the char-rnn streams exactly', () => {
    // n = 21, batch 2 -> streams of L = 10: [0..9] and [10..19]; steps 3 -> 3 batches per epoch.
    const s = new BatchStream(range(21), 2, 3);
    assert.equal(s.batchesPerEpoch, 3);
    const b = [0, 1, 2].map((k) => s.batch(k));
    assert.deepEqual([...b[0].x], [0, 1, 2, 10, 11, 12]);
    assert.deepEqual([...b[0].y], [1, 2, 3, 11, 12, 13]);
    assert.deepEqual([...b[1].x], [3, 4, 5, 13, 14, 15]);
    assert.deepEqual([...b[1].y], [4, 5, 6, 14, 15, 16]);
    assert.deepEqual([...b[2].x], [6, 7, 8, 16, 17, 18]);
    assert.deepEqual([...b[2].y], [7, 8, 9, 17, 18, 19]);
  });

  it('continues every stream from one batch to the next (valid carried state), y = x shifted', () => {
    const batch = 4;
    const steps = 5;
    const data = Int32Array.from({ length: 257 }, (_, i) => (i * 7919) % 1009); // distinct, non-monotonic
    const pos = new Map<number, number>([...data].map((v, i) => [v, i]));
    const s = new BatchStream(data, batch, steps);
    assert.equal(s.batchesPerEpoch, Math.floor(Math.floor(256 / batch) / steps));
    for (let k = 0; k < s.batchesPerEpoch; k++) {
      const { x, y } = s.batch(k);
      assert.equal(x.length, batch * steps);
      for (let b = 0; b < batch; b++) {
        for (let t = 0; t < steps; t++) {
          const i = b * steps + t;
          assert.equal(pos.get(y[i]), pos.get(x[i])! + 1, `y follows x at k=${k} b=${b} t=${t}`);
          if (t > 0) assert.equal(pos.get(x[i]), pos.get(x[i - 1])! + 1);
        }
        if (k + 1 < s.batchesPerEpoch) {
          const next = s.batch(k + 1).x;
          const last = x[b * steps + steps - 1];
          assert.equal(pos.get(next[b * steps]), pos.get(last)! + 1, `stream ${b} continues after batch ${k}`);
          assert.equal(next[b * steps], y[b * steps + steps - 1]);
        }
      }
    }
  });

  it('rejects data too short for one batch and out-of-range batch indices', () => {
    assert.throws(() => new BatchStream(range(12), 2, 6), /at least 13/);
    const s = new BatchStream(range(13), 2, 6);
    assert.equal(s.batchesPerEpoch, 1);
    assert.throws(() => s.batch(1), RangeError);
    assert.throws(() => s.batch(-1), RangeError);
    assert.throws(() => new BatchStream(range(100), 0, 4), RangeError);
  });
});

describe('splitCorpus', () => {
  // Ten files of different lengths, each line tagged with its file so overlap is detectable.
  const docs = Array.from({ length: 10 }, (_, i) =>
    doc(`src/file${i}.ts`, Array.from({ length: 5 + i }, (_, j) => `F${i} line ${j} ;`).join('\n')));
  const vocab = Vocab.build(docs.map((d) => d.text), 1);
  const totalChars = docs.reduce((n, d) => n + d.text.length, 0) + docs.length - 1;

  /** Which files' texts appear in the decoded side (split on the '\n' separators by tag). */
  const filesIn = (ids: Int32Array) => new Set([...vocab.decode(ids).matchAll(/F(\d+) /g)].map((m) => Number(m[1])));

  it('holds out whole files, deterministically, about valFraction of the text, without overlap', () => {
    const a = splitCorpus(docs, vocab, 0.2);
    const b = splitCorpus(docs, vocab, 0.2);
    assert.deepEqual(a, b);
    const train = filesIn(a.train);
    const val = filesIn(a.val);
    assert.ok(val.size >= 1);
    for (const f of val) assert.ok(!train.has(f), `file ${f} is in both`);
    assert.equal(train.size + val.size, 10);
    assert.equal(a.trainFiles, train.size);
    assert.equal(a.valFiles, val.size);
    assert.equal(a.train.length + a.val.length + 1, totalChars); // one separator fewer when split in two
    const share = a.val.length / totalChars;
    assert.ok(share > 0.2 / 1.5 && share < 0.2 * 1.5, `val share ${share}`);
    // Each held-out file is whole: its text decodes intact inside val.
    const valText = vocab.decode(a.val);
    for (const f of val) assert.ok(valText.includes(docs[f].text));
  });

  it('holds out code rather than a data file that comes first in the hash order', () => {
    // Files of varied lines, and a table of cases named so that its path comes first.
    const code = (i: number) => Array.from({ length: 30 }, (_, k) => `const value${i}_${k} = compute${k % 7}(input${i}, ${k});`).join('\n') + '\n';
    const key = (p: string) => createHash('sha1').update(p).digest().readUInt32BE(0);
    const paths = Array.from({ length: 12 }, (_, i) => `src/f${i}.ts`);
    const first = Math.min(...paths.map(key));
    let dataPath = '';
    for (let n = 0; !dataPath; n++) if (key(`test/cases${n}.ts`) < first) dataPath = `test/cases${n}.ts`;
    const table = Array.from({ length: 40 }, (_, k) => `  { input: "case${k}", expected: ${k}, valid: true },`).join('\n') + '\n';
    const docs = [...paths.map((p, i) => doc(p, code(i))), doc(dataPath, table)];
    // Small enough to be held out on its own (within the share's overshoot) if it were code.
    assert.ok(table.length < 0.15 * docs.reduce((n, d) => n + d.text.length + 1, 0));
    const s = splitCorpus(docs, Vocab.build(docs.map((d) => d.text)), 0.1);
    const v = Vocab.build(docs.map((d) => d.text));
    const held = s.valDocs.map((d) => v.decode(d));
    assert.ok(held.length > 0 && !held.includes(table), 'the table stays in training');
    assert.ok(held.every((t) => t.startsWith('const value')));
  });

  it('chooses the same held-out files whatever the input order', () => {
    const a = splitCorpus(docs, vocab, 0.3);
    const b = splitCorpus([...docs].reverse(), vocab, 0.3);
    assert.deepEqual(filesIn(b.val), filesIn(a.val));
    assert.equal(b.val.length, a.val.length);
  });

  it('keeps files with identical contents on the same side', () => {
    const twins = [
      ...docs,
      ...Array.from({ length: 3 }, (_, i) => doc(`copy${i}/LICENSE`, 'Permission granted')),
    ];
    const v = Vocab.build(twins.map((d) => d.text), 1);
    let heldOut = 0;
    for (let frac = 0.05; frac < 0.8; frac += 0.05) {
      const s = splitCorpus(twins, v, frac);
      const inTrain = v.decode(s.train).split('Permission').length - 1;
      const inVal = v.decode(s.val).split('Permission').length - 1;
      assert.ok(inTrain === 0 || inVal === 0, `identical files split across sides at ${frac}`);
      assert.equal(inTrain + inVal, 3);
      if (inVal > 0) heldOut++;
    }
    assert.ok(heldOut > 0, 'the copies were never held out: the test did not exercise grouping');
  });

  it('uses the tail of the text when there are fewer than 5 files', () => {
    const few = [doc('a.txt', 'abcdefghij'), doc('b.txt', 'klmnopqrst'), doc('c.txt', 'uvwxyz0123')];
    const v = Vocab.build([...few.map((d) => d.text), '\n'], 1);
    const s = splitCorpus(few, v, 0.25);
    const joined = 'abcdefghij\nklmnopqrst\nuvwxyz0123'; // 32 chars -> 8 held out
    assert.equal(v.decode(s.train), joined.slice(0, 24));
    assert.equal(v.decode(s.val), joined.slice(24));
    assert.equal(s.trainFiles, 3);
    assert.equal(s.valFiles, 1);
    // A cut on the separator after b.txt: b is wholly in train.
    const atSep = splitCorpus(few, v, 11 / 32);
    assert.equal(v.decode(atSep.val), '\nuvwxyz0123');
    assert.equal(atSep.trainFiles, 2);
    assert.equal(atSep.valFiles, 1);
  });

  it('holds out nothing with valFraction 0', () => {
    const s = splitCorpus(docs, vocab, 0);
    assert.equal(s.val.length, 0);
    assert.equal(s.valFiles, 0);
    assert.equal(s.trainFiles, 10);
    assert.equal(vocab.decode(s.train), docs.map((d) => d.text).join('\n'));
  });

  it('maps characters outside the vocabulary to the unknown symbol', () => {
    const v = Vocab.build(['ab'], 1);
    const s = splitCorpus([doc('a', 'abz')], v, 0);
    assert.deepEqual([...s.train], [v.id('a'), v.id('b'), 0]);
  });
});
