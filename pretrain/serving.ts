/**
 * `npm run pretrain:serving`: fits what the base model needs to serve before any training on a
 * workspace (src/core/complete/baseServing.ts): the mixer of the base CharRNN and the document cache, and
 * the show/abstain threshold for 90% precision, on the pretraining corpus's held-out files of every
 * language (.cache/pretrain/corpus, from `npm run pretrain:corpus`). Writes media/base/serving.json.
 * Run it after each export of the base weights (pretrain/train.py).
 */
import * as fs from 'fs';
import * as path from 'path';
import { defaultBaseDir, loadBaseModel } from '../src/core/store/baseModel';
import { fitBaseServingSteps, SERVING_FILE } from '../src/core/complete/baseServing';
import { LstmModel } from '../src/core/lstm/lstmModel';
import { replaceFile } from '../src/core/util/atomicFile';
import { runSteps } from '../src/core/util/steps';

const REPO = path.resolve(__dirname, '..', '..');
const CORPUS = path.join(REPO, '.cache', 'pretrain', 'corpus');

/** The held-out files of every language, interleaved (so that a budget takes from each). */
function heldoutDocs(vocabChars: readonly string[]): { relPath: string; text: string }[] {
  const perLang: { relPath: string; text: string }[][] = [];
  for (const name of fs.readdirSync(CORPUS).sort()) {
    const m = /^heldout-(\w+)\.u8$/.exec(name);
    if (!m) continue;
    const ids = fs.readFileSync(path.join(CORPUS, name));
    const { lengths, files } = JSON.parse(fs.readFileSync(path.join(CORPUS, `heldout-${m[1]}.json`), 'utf8')) as { lengths: number[]; files: string[] };
    const docs: { relPath: string; text: string }[] = [];
    let at = 0;
    lengths.forEach((n, i) => {
      let text = '';
      for (let k = at; k < at + n; k++) text += vocabChars[ids[k]];
      docs.push({ relPath: `${m[1]}/${files[i]}`, text });
      at += n;
    });
    perLang.push(docs);
  }
  const out: { relPath: string; text: string }[] = [];
  for (let i = 0; perLang.some((d) => i < d.length); i++) for (const d of perLang) if (i < d.length) out.push(d[i]);
  return out;
}

async function main(): Promise<void> {
  const dir = defaultBaseDir(REPO + '/x');
  if (!dir) throw new Error('no media/base: run npm run pretrain first');
  const base = loadBaseModel(dir);
  const docs = heldoutDocs(base.vocab.chars);
  const lstm = await LstmModel.create({ vocabSize: base.vocab.size, lstmSize: base.lstmSize, numLayers: base.numLayers }, base.weights, 'auto', (m) => console.log(m));
  const t = Date.now();
  const serving = runSteps(fitBaseServingSteps(base, lstm, docs));
  lstm.dispose();
  const file = path.join(dir, SERVING_FILE);
  replaceFile(file, JSON.stringify(serving) + '\n');
  const c = serving.calibration;
  console.log(`serving: ${Object.entries(serving.mixer.bitsPerChar ?? {}).map(([k, v]) => `${k} ${(v as number).toFixed(3)}`).join(', ')} bits/char; ` +
    `threshold ${c.minConfidence.toFixed(3)} for ${(100 * c.precision).toFixed(1)}% precision (shown ${(100 * c.shown).toFixed(1)}% of ${c.positions}), ${((Date.now() - t) / 1000).toFixed(0)} s`);
}

main().catch((e: unknown) => {
  console.error(`pretrain:serving: ${(e as Error).message}`);
  process.exit(1);
});
