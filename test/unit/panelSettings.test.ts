/** The panel form's settings and their checks (src/protocol/panelSettings.ts). */
import * as assert from 'assert';
import { SETTINGS } from '../../src/core/contracts/config';
import { PANEL_SETTING_KEYS, checkSettingsCombination, defaultPanelSettings, parseSettingInput, readPanelSettings, shapeDiffers } from '../../src/protocol/panelSettings';

describe('panel settings', () => {
  it('lists the model shape first and only settings of the table', () => {
    assert.deepStrictEqual(PANEL_SETTING_KEYS.slice(0, 2), ['model.lstmSize', 'model.numLayers']);
    for (const k of PANEL_SETTING_KEYS) assert.ok(k in SETTINGS, k);
  });

  it('reads settings, replacing invalid ones by defaults and reporting them', () => {
    const raw: Record<string, unknown> = { 'model.lstmSize': 512, 'model.numLayers': 99, 'training.learningRate': 'fast' };
    const { settings, errors } = readPanelSettings((k) => raw[k]);
    assert.strictEqual(settings['model.lstmSize'], 512);
    assert.strictEqual(settings['model.numLayers'], SETTINGS['model.numLayers'].default);
    assert.strictEqual(settings['training.learningRate'], SETTINGS['training.learningRate'].default);
    assert.deepStrictEqual(Object.keys(errors).sort(), ['model.numLayers', 'training.learningRate']);
    assert.match(errors['model.numLayers']!, /99/);
  });

  it('parses form input strictly', () => {
    assert.deepStrictEqual(parseSettingInput('model.lstmSize', ' 128 '), { value: 128 });
    assert.deepStrictEqual(parseSettingInput('training.learningRate', '2e-3'), { value: 0.002 });
    assert.deepStrictEqual(parseSettingInput('training.backend', 'wasm'), { value: 'wasm' });
    for (const [key, text] of [
      ['model.lstmSize', ''],
      ['model.lstmSize', '0x10'],
      ['model.lstmSize', '12abc'],
      ['model.lstmSize', '128.5'],
      ['model.lstmSize', '4'],
      ['training.dropout', '1'],
      ['training.backend', 'gpu'],
    ] as const) {
      assert.ok('error' in parseSettingInput(key, text), `${key}=${text}`);
    }
  });

  it('refuses epochs and max minutes both 0', () => {
    const s = defaultPanelSettings();
    assert.strictEqual(checkSettingsCombination(s), undefined);
    assert.ok(checkSettingsCombination({ ...s, 'training.epochs': 0, 'training.maxMinutes': 0 }));
    assert.strictEqual(checkSettingsCombination({ ...s, 'training.epochs': 0 }), undefined);
  });

  it('tells a model shape change', () => {
    const s = defaultPanelSettings();
    const model = { lstmSize: s['model.lstmSize'], numLayers: s['model.numLayers'] };
    assert.strictEqual(shapeDiffers(model, s), false);
    assert.strictEqual(shapeDiffers(undefined, s), false, 'no model: nothing to differ from');
    assert.strictEqual(shapeDiffers(model, { ...s, 'model.numLayers': s['model.numLayers'] + 1 }), true);
    assert.strictEqual(shapeDiffers(model, { ...s, 'model.lstmSize': 64 }), true);
  });
});
