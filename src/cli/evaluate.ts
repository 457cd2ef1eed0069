/**
 * `charrnn eval`: bits per character of a checkpoint on files and folders, for each expert (the
 * workspace n-gram, the document cache, the CharRNN) and for the mixture that serves completions.
 * Each file is read from its start by the inference models (the same numbers as the bench).
 */
import * as fs from 'fs';
import { SETTINGS } from '../core/config';
import { collectCorpus } from '../core/corpus';
import { loadMixture } from '../core/infer/completer';
import { mixtureBitsPerChar } from '../core/lm/fit';
import type { ExpertName } from '../core/lm/mixer';

export interface EvalResult {
  /** The mixture's bits per character (the LSTM's when the checkpoint has no mixer). */
  bitsPerChar: number;
  /** Each expert's, and the mixture's. */
  experts: Partial<Record<ExpertName | 'mixture', number>>;
  chars: number;
  files: number;
  unknownChars: number;
  /** What answers completions, e.g. "n-gram + cache + LSTM". */
  model: string;
  engine: string;
}

export async function evaluateModel(modelDir: string, paths: string[]): Promise<EvalResult> {
  const { model, lstm, meta, vocab } = await loadMixture(modelDir);
  try {
    const texts: string[] = [];
    const folders: string[] = [];
    for (const p of paths) {
      if (fs.statSync(p).isDirectory()) folders.push(p);
      else texts.push(new TextDecoder('utf-8').decode(fs.readFileSync(p)));
    }
    if (folders.length) {
      const { docs } = await collectCorpus(folders, {
        include: ['**/*'],
        exclude: [],
        maxFileBytes: SETTINGS['training.maxFileBytes'].default,
        maxCorpusBytes: SETTINGS['training.maxCorpusBytes'].default,
      });
      texts.push(...docs.map((d) => d.text));
    }
    const docs = texts.map((t) => vocab.encode(t)).filter((d) => d.length > 0);
    let unknownChars = 0;
    for (const d of docs) for (const id of d) if (id === 0) unknownChars++;
    if (docs.length === 0) throw new Error('no text to evaluate');
    const { bpc: experts, chars } = mixtureBitsPerChar(
      { vocabSize: vocab.size, ngram: model.ngram, lstm, docs, maxChars: Infinity },
      meta.mixer ?? meta.countMixer,
    );
    return {
      bitsPerChar: experts.mixture ?? experts.lstm ?? experts.ngram ?? NaN,
      experts,
      chars,
      files: texts.length,
      unknownChars,
      model: model.description,
      engine: lstm ? lstm.engine.name : 'none',
    };
  } finally {
    model.dispose();
  }
}
