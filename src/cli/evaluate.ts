/**
 * `charrnn eval`: bits per character of a checkpoint on files and folders, for each expert (the
 * workspace n-gram, the document cache, the CharRNN) and for the mixture that serves completions.
 * Each file is read from its start by the inference models (the same numbers as the bench).
 * Inputs are bounded (./evalInputs.ts); long evaluations report progress.
 */
import { SETTINGS } from '../core/config';
import { collectCorpus } from '../core/corpus';
import { loadMixture } from '../core/infer/completer';
import { mixtureBitsPerChar } from '../core/lm/fit';
import type { ExpertName } from '../core/lm/mixer';
import { readEvalInputs } from './evalInputs';

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

export interface EvalLimits {
  maxFileBytes: number;
  maxCorpusBytes: number;
  /** Called as characters are scored: characters done, characters in all. */
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_EVAL_LIMITS: EvalLimits = {
  maxFileBytes: SETTINGS['training.maxFileBytes'].default,
  maxCorpusBytes: SETTINGS['training.maxCorpusBytes'].default,
};

export async function evaluateModel(modelDir: string, paths: string[], limits: EvalLimits = DEFAULT_EVAL_LIMITS): Promise<EvalResult> {
  const { texts, folders } = readEvalInputs(paths, limits.maxFileBytes, limits.maxCorpusBytes);
  if (folders.length) {
    const { docs } = await collectCorpus(folders, {
      include: ['**/*'],
      exclude: [],
      maxFileBytes: limits.maxFileBytes,
      maxCorpusBytes: limits.maxCorpusBytes,
    });
    texts.push(...docs.map((d) => d.text));
  }
  const { model, lstm, meta, vocab } = await loadMixture(modelDir);
  try {
    const docs = texts.map((t) => vocab.encode(t)).filter((d) => d.length > 0);
    let unknownChars = 0;
    for (const d of docs) for (const id of d) if (id === 0) unknownChars++;
    if (docs.length === 0) throw new Error('no text to evaluate');
    const { bpc: experts, chars } = mixtureBitsPerChar(
      { vocabSize: vocab.size, ngram: model.ngram, lstm, docs, maxChars: Infinity, onProgress: limits.onProgress },
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
