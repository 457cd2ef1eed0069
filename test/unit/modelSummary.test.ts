/** What the panel says of a model, read from its meta.json (src/core/modelSummary.ts). */
import * as assert from 'assert';
import { parameterCount } from '../../src/core/lstm/weights';
import { modelInfo } from '../../src/core/views/modelSummary';

describe('model summary', () => {
  it('describes a model from its meta', () => {
    const info = modelInfo({
      config: { lstmSize: 32, numLayers: 2 },
      vocab: { chars: ['\u0000', 'a', 'b', 'c'] },
      history: [],
      corpus: { files: 3, bytes: 1000 },
      backend: 'wasm',
      updatedAt: 'now',
      bestValLoss: 2.5,
      step: 40,
      epoch: 2,
    });
    assert.strictEqual(info.vocabSize, 4);
    assert.strictEqual(info.parameters, parameterCount(4, 32, 2));
    assert.strictEqual(info.corpusFiles, 3);
  });
});
