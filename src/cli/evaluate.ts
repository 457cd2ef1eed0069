/** `charrnn eval`: bits per character of a checkpoint on files and folders. */
import type { Backend } from '../core/config';
import { SETTINGS } from '../core/config';
import { loadCheckpoint } from '../core/checkpoint';
import { collectCorpus } from '../core/corpus';
import { BatchStream } from '../core/batching';
import { initBackend } from '../core/engine/backend';
import { createCharRnn } from '../core/engine/charRnn';
import { readEvalInputs } from './evalInputs';

export interface EvalResult {
  bitsPerChar: number;
  chars: number;
  files: number;
  unknownChars: number;
  backend: string;
}

export interface EvalLimits {
  maxFileBytes: number;
  maxCorpusBytes: number;
  /** Called after each batch: batches done, batches in all. */
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_EVAL_LIMITS: EvalLimits = {
  maxFileBytes: SETTINGS['training.maxFileBytes'].default,
  maxCorpusBytes: SETTINGS['training.maxCorpusBytes'].default,
};

export async function evaluateModel(modelDir: string, paths: string[], backend: Backend, limits: EvalLimits = DEFAULT_EVAL_LIMITS): Promise<EvalResult> {
  const ck = loadCheckpoint(modelDir);
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
  const data = ck.vocab.encode(texts.join('\n'));
  let unknownChars = 0;
  for (const id of data) if (id === 0) unknownChars++;
  const steps = ck.meta.config.numSteps;
  const batch = Math.max(1, Math.min(32, Math.floor((data.length - 1) / steps)));
  if (data.length < steps + 1) throw new Error(`too little text to evaluate: ${data.length} characters, need at least ${steps + 1}`);
  const info = await initBackend(backend);
  const model = createCharRnn(
    { vocabSize: ck.vocab.size, lstmSize: ck.meta.config.lstmSize, numLayers: ck.meta.config.numLayers, dropout: 0, learningRate: 0.001, gradClip: 5, seed: 1 },
    ck.weights,
  );
  try {
    const stream = new BatchStream(data, batch, steps);
    model.resetEvalState();
    let sum = 0;
    for (let k = 0; k < stream.batchesPerEpoch; k++) {
      const { x, y } = stream.batch(k);
      sum += await model.evalLoss(x, y, batch, steps);
      limits.onProgress?.(k + 1, stream.batchesPerEpoch);
    }
    return {
      bitsPerChar: sum / stream.batchesPerEpoch / Math.LN2,
      chars: stream.batchesPerEpoch * batch * steps,
      files: texts.length,
      unknownChars,
      backend: info.name,
    };
  } finally {
    model.dispose();
  }
}
