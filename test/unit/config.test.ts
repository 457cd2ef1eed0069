import * as assert from 'assert';
import { SETTINGS, checkSetting, combinationProblem, defaultTrainConfig, validateCorpusConfig, validateTrainConfig } from '../../src/core/contracts/config';

describe('config', () => {
  it('defaults are valid', () => {
    assert.deepStrictEqual(validateTrainConfig(defaultTrainConfig()), []);
    for (const [key, spec] of Object.entries(SETTINGS)) {
      assert.strictEqual(checkSetting(key as keyof typeof SETTINGS, spec.default), undefined, key);
    }
  });
  it('rejects out-of-range, fractional and wrongly typed values', () => {
    assert.match(checkSetting('model.lstmSize', 4)!, /between 8 and 2048/);
    assert.match(checkSetting('model.numLayers', 1.5)!, /whole number/);
    assert.match(checkSetting('training.learningRate', '0.1')!, /must be a number/);
    assert.match(checkSetting('training.backend', 'gpu')!, /one of auto, tensorflow, wasm, cpu/);
    assert.match(checkSetting('training.include', [1])!, /list of strings/);
    assert.strictEqual(checkSetting('completion.enabled', false), undefined);
  });
  it('refuses a run without any limit', () => {
    const c = { ...defaultTrainConfig(), epochs: 0, maxMinutes: 0 };
    assert.ok(validateTrainConfig(c).some((e) => /never stop/.test(e)));
    // One rule: the CLI, the trainer and the panel's form refuse with the same message.
    assert.ok(validateTrainConfig(c).includes(combinationProblem(c)!));
    assert.strictEqual(combinationProblem({ epochs: 0, maxMinutes: 5 }), undefined);
    assert.ok(validateTrainConfig({ ...defaultTrainConfig(), batchSize: 0 }).some((e) => /batchSize/.test(e)));
  });
  it('refuses negative byte limits in a run\'s corpus settings (issue 20: the trainer\'s path as the CLI\'s)', () => {
    const ok = { include: ['**/*'], exclude: [], maxFileBytes: 1_000_000, maxCorpusBytes: 20_000_000 };
    assert.deepStrictEqual(validateCorpusConfig(ok), []);
    assert.deepStrictEqual(validateCorpusConfig({ ...ok, maxFileBytes: -5 }), ['training.maxFileBytes must be between 1000 and 100000000']);
    assert.deepStrictEqual(validateCorpusConfig({ ...ok, maxCorpusBytes: -1 }), ['training.maxCorpusBytes must be between 10000 and 1000000000']);
    assert.deepStrictEqual(validateCorpusConfig({ ...ok, include: [3] as unknown as string[] }), ['training.include must be a list of strings']);
  });
});
