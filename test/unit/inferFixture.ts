/**
 * Test helper (not a test file): a tiny checkpoint with random weights whose output layer's bias
 * makes the model predict ')' (most) or ' ' (next) whatever it has read, so its completions are
 * known: at a token boundary ")" (probability about 0.27 x 0.73), and nothing after a word
 * (the word looks complete: ' ' is likely next). `likely` replaces ')' (a character of FIXTURE_TEXT).
 */
import { saveCheckpoint } from '../../src/core/store/checkpoint';
import { defaultTrainConfig } from '../../src/core/contracts/config';
import { randomWeights } from '../../bench/randomWeights';
import { Vocab } from '../../src/core/text/vocab';

export const FIXTURE_TEXT = 'function add(a, b) {\n  return a + b;\n}\nconst x = add(1, 2);\n';

export function writeTinyCheckpoint(dir: string, lstmSize = 8, numLayers = 2, likely = ')'): Vocab {
  const vocab = Vocab.build([FIXTURE_TEXT], 1);
  const weights = randomWeights({ vocabSize: vocab.size, lstmSize, numLayers }, 11, 0.01);
  const bias = weights.find((w) => w.name === 'dense/bias')!.data;
  bias.fill(0);
  bias[vocab.id(' ')] = 10;
  bias[vocab.id(likely)] = 9;
  saveCheckpoint(dir, {
    config: { ...defaultTrainConfig(), lstmSize, numLayers },
    vocab: vocab.toJSON(),
    history: [],
    corpus: { files: 1, bytes: FIXTURE_TEXT.length, hash: 'test' },
    backend: 'test',
    createdAt: new Date(0).toISOString(),
    updatedAt: new Date(0).toISOString(),
    bestValLoss: null,
    step: 0,
    epoch: 0,
  }, weights);
  return vocab;
}
