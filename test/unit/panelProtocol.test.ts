import * as assert from 'assert';
import { SETTINGS } from '../../src/core/contracts/config';
import { parameterCount } from '../../src/core/lstm/weights';
import { appendPoint, buildSeries, chartColumns, emptySeries, historyToSeries, latestEvents, type HistoryPointLike, type RunSnapshot } from '../../src/core/views/lossSeries';
import { modelInfo } from '../../src/core/views/modelSummary';
import { panelHtml } from '../../src/extension/panelHtml';
import { checkFromPanel, isToPanel } from '../../src/protocol/panel';
import { PANEL_SETTING_KEYS, checkSettingsCombination, defaultPanelSettings, parseSettingInput, readPanelSettings, shapeDiffers } from '../../src/protocol/panelSettings';
import type { DoneEvent, ProgressEvent } from '../../src/core/contracts/trainEvents';

const progress = (step: number, loss: number, valLoss?: number): ProgressEvent => ({
  type: 'progress',
  step,
  epoch: 1,
  totalSteps: 1000,
  loss,
  valLoss,
  charsPerSec: 1000,
  etaSec: 10,
  elapsedSec: 1,
  charsSeen: step * 100,
});

describe('panel protocol: messages from the webview', () => {
  it('accepts every well-formed command', () => {
    const good: unknown[] = [
      { command: 'ready' },
      { command: 'stop' },
      { command: 'openSettings' },
      { command: 'showLog' },
      { command: 'start', resume: false },
      { command: 'start', resume: true, values: { 'model.lstmSize': 128 } },
      { command: 'applySettings', values: { 'model.lstmSize': 512, 'model.numLayers': 3, 'training.learningRate': 0.001, 'training.backend': 'wasm' } },
      { command: 'sample', temperature: 0.8, length: 200, prime: 'func' },
    ];
    for (const m of good) {
      const r = checkFromPanel(m);
      assert.ok(r.ok, `${JSON.stringify(m)}: ${r.ok ? '' : r.reason}`);
      assert.deepStrictEqual(r.message, m);
    }
  });

  it('refuses what is not a message', () => {
    for (const m of [undefined, null, 42, 'start', [], [{ command: 'start' }], {}, { command: 7 }, { type: 'ready' }]) {
      const r = checkFromPanel(m);
      assert.strictEqual(r.ok, false, JSON.stringify(m));
    }
  });

  it('refuses unknown commands, naming them', () => {
    const r = checkFromPanel({ command: 'rm -rf', values: {} });
    assert.strictEqual(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /unknown command "rm -rf"/);
    assert.strictEqual(checkFromPanel({ command: '__proto__' }).ok, false);
    assert.strictEqual(checkFromPanel({ command: 'toString' }).ok, false);
  });

  it('refuses bad types', () => {
    const bad: unknown[] = [
      { command: 'start' },
      { command: 'start', resume: 'yes' },
      { command: 'start', resume: 1 },
      { command: 'applySettings' },
      { command: 'applySettings', values: null },
      { command: 'applySettings', values: [256] },
      { command: 'applySettings', values: { 'model.lstmSize': '256' } },
      { command: 'applySettings', values: { 'model.lstmSize': Number.NaN } },
      { command: 'applySettings', values: { 'training.backend': 3 } },
      { command: 'sample', temperature: '0.5', length: 10, prime: '' },
      { command: 'sample', temperature: 0.5, length: 10 },
      { command: 'sample', temperature: 0.5, length: 10, prime: 5 },
    ];
    for (const m of bad) assert.strictEqual(checkFromPanel(m).ok, false, JSON.stringify(m));
  });

  it('refuses out-of-range values with per-field errors', () => {
    const lstm = SETTINGS['model.lstmSize'];
    for (const v of [lstm.minimum - 1, lstm.maximum + 1, 100.5, -Infinity]) {
      const r = checkFromPanel({ command: 'applySettings', values: { 'model.lstmSize': v } });
      assert.strictEqual(r.ok, false, String(v));
      assert.ok(!r.ok && r.fieldErrors && 'model.lstmSize' in r.fieldErrors, String(v));
    }
    const edge = checkFromPanel({ command: 'applySettings', values: { 'model.lstmSize': lstm.maximum, 'model.numLayers': SETTINGS['model.numLayers'].minimum } });
    assert.ok(edge.ok, 'the bounds themselves are allowed');
    assert.strictEqual(checkFromPanel({ command: 'applySettings', values: { 'training.dropout': 0.95 } }).ok, false);
    assert.strictEqual(checkFromPanel({ command: 'applySettings', values: { 'training.backend': 'cuda' } }).ok, false);
    assert.strictEqual(checkFromPanel({ command: 'start', resume: false, values: { 'training.batchSize': 0 } }).ok, false);
    assert.strictEqual(checkFromPanel({ command: 'sample', temperature: 0, length: 10, prime: '' }).ok, false);
    assert.strictEqual(checkFromPanel({ command: 'sample', temperature: 5, length: 10, prime: '' }).ok, false);
    assert.strictEqual(checkFromPanel({ command: 'sample', temperature: 1, length: 0, prime: '' }).ok, false);
    assert.strictEqual(checkFromPanel({ command: 'sample', temperature: 1, length: 2.5, prime: '' }).ok, false);
    assert.strictEqual(checkFromPanel({ command: 'sample', temperature: 1, length: 10, prime: 'x'.repeat(5000) }).ok, false);
  });

  it('refuses settings the panel does not edit and unexpected fields', () => {
    const r = checkFromPanel({ command: 'applySettings', values: { 'completion.enabled': false } });
    assert.strictEqual(r.ok, false);
    assert.strictEqual(checkFromPanel({ command: 'applySettings', values: { 'training.include': ['**/*'] } }).ok, false);
    assert.strictEqual(checkFromPanel({ command: 'applySettings', values: { __proto__: 1 } }).ok, true, 'a literal __proto__ key sets the prototype, not a field');
    assert.strictEqual(checkFromPanel(JSON.parse('{"command":"applySettings","values":{"__proto__":{"x":1}}}')).ok, false);
    assert.strictEqual(checkFromPanel({ command: 'stop', now: true }).ok, false);
    assert.strictEqual(checkFromPanel({ command: 'start', resume: true, checkpointDir: '/tmp' }).ok, false);
  });

  it('says which command a refused message was, so the host can answer it', () => {
    const r = checkFromPanel({ command: 'applySettings', values: { 'model.numLayers': 99 } });
    assert.ok(!r.ok);
    assert.strictEqual(r.command, 'applySettings');
  });
});

describe('panel protocol: settings', () => {
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

describe('panel protocol: loss series', () => {
  const hist = (n: number, every = 10): HistoryPointLike[] =>
    Array.from({ length: n }, (_, i) => ({ step: i + 1, charsSeen: (i + 1) * 64, loss: 5 - i * 0.01, valLoss: (i + 1) % every === 0 ? 5.1 - i * 0.01 : undefined }));

  it('turns the history into aligned train and validation columns', () => {
    const s = historyToSeries(hist(30));
    assert.strictEqual(s.step.length, 30);
    assert.strictEqual(s.chars.length, 30);
    assert.strictEqual(s.loss.length, 30);
    assert.strictEqual(s.valLoss.length, 30);
    assert.deepStrictEqual(s.step.slice(0, 3), [1, 2, 3]);
    assert.deepStrictEqual(s.chars.slice(0, 2), [64, 128]);
    assert.strictEqual(s.valLoss[8], null);
    assert.ok(Math.abs(s.valLoss[9]! - (5.1 - 0.09)) < 1e-12);
    assert.strictEqual(s.valLoss.filter((v) => v !== null).length, 3);
    const [x, train, val] = chartColumns(s, 'chars');
    assert.strictEqual(x, s.chars);
    assert.strictEqual(train, s.loss);
    assert.strictEqual(val, s.valLoss);
    assert.strictEqual(chartColumns(s, 'step')[0], s.step);
  });

  it('sorts an unsorted history and skips malformed points', () => {
    const s = historyToSeries([
      { step: 3, charsSeen: 30, loss: 3 },
      { step: 1, charsSeen: 10, loss: 1 },
      { step: Number.NaN, charsSeen: 0, loss: 9 },
      { step: 2, charsSeen: 20, loss: 2, valLoss: 2.5 },
    ]);
    assert.deepStrictEqual(s.step, [1, 2, 3]);
    assert.deepStrictEqual(s.loss, [1, 2, 3]);
    assert.deepStrictEqual(s.valLoss, [null, 2.5, null]);
    assert.deepStrictEqual(historyToSeries(undefined), emptySeries());
  });

  it('keeps a non-finite loss as a gap', () => {
    const s = emptySeries();
    appendPoint(s, { step: 1, charsSeen: 1, loss: Number.NaN });
    appendPoint(s, { step: 2, charsSeen: 2, loss: Infinity });
    assert.deepStrictEqual(s.loss, [null, null]);
  });

  it('appends progress events at the end', () => {
    const s = historyToSeries(hist(5));
    assert.strictEqual(appendPoint(s, progress(6, 4.5)), 'appended');
    assert.strictEqual(appendPoint(s, progress(7, 4.4, 4.6)), 'appended');
    assert.deepStrictEqual(s.step, [1, 2, 3, 4, 5, 6, 7]);
    assert.deepStrictEqual(s.chars.slice(-2), [600, 700]);
    assert.deepStrictEqual(s.valLoss.slice(-2), [null, 4.6]);
  });

  it('merges a validation result reported for the last step', () => {
    const s = emptySeries();
    appendPoint(s, progress(100, 3));
    assert.strictEqual(appendPoint(s, { step: 100, charsSeen: 10000, loss: Number.NaN, valLoss: 3.2 }), 'merged');
    assert.deepStrictEqual(s.step, [100]);
    assert.deepStrictEqual(s.loss, [3], 'a missing loss does not erase the one reported');
    assert.deepStrictEqual(s.valLoss, [3.2]);
  });

  it('cuts the series back when a new run starts at an earlier step', () => {
    const s = historyToSeries(hist(50));
    // Continuing from a checkpoint saved at step 30: steps after 30 belonged to the old run.
    assert.strictEqual(appendPoint(s, progress(31, 1)), 'rewound');
    assert.strictEqual(s.step.length, 31);
    assert.deepStrictEqual(s.step.slice(-2), [30, 31]);
    assert.strictEqual(s.loss.length, 31);
    assert.strictEqual(s.valLoss.length, 31);
    assert.strictEqual(s.chars.length, 31);
    // A fresh run starts again from step 1.
    assert.strictEqual(appendPoint(s, progress(1, 6)), 'rewound');
    assert.deepStrictEqual(s.step, [1]);
    assert.deepStrictEqual(s.loss, [6]);
  });

  it('builds the series of a reopened panel from the history and the run events', () => {
    const history = hist(40);
    const events: RunSnapshot['events'] = [
      progress(31, 2),
      { type: 'sample', text: 'abc', step: 31 },
      progress(32, 1.9, 2.1),
    ];
    const snap: RunSnapshot = { running: true, events };
    const s = buildSeries(history, snap);
    assert.deepStrictEqual(s.step.slice(-3), [30, 31, 32]);
    assert.strictEqual(s.step.length, 32);
    assert.deepStrictEqual(s.valLoss.slice(-1), [2.1]);

    // A fresh run while it runs: the old model's history is left out even before its first step.
    assert.deepStrictEqual(buildSeries(history, { running: true, resume: false, events: [] }).step, []);
    // No run: the saved history.
    assert.strictEqual(buildSeries(history, { running: false, events: [] }).step.length, 40);
    assert.strictEqual(buildSeries(undefined, undefined).step.length, 0);
  });

  it('handles tens of thousands of points', () => {
    const s = emptySeries();
    for (let i = 1; i <= 50_000; i++) appendPoint(s, { step: i, charsSeen: i * 2048, loss: 2, valLoss: i % 100 ? undefined : 2.2 });
    assert.strictEqual(s.step.length, 50_000);
    assert.strictEqual(s.valLoss.filter((v) => v !== null).length, 500);
    appendPoint(s, progress(25_000, 1));
    assert.strictEqual(s.step.length, 25_000);
    assert.strictEqual(s.step[24_999], 25_000);
  });

  it('picks the latest events of a snapshot as TrainingClient keeps it, and no end while running', () => {
    // TrainingClient keeps the latest ready/corpus/progress/done/error as fields and the stream of
    // progress, sample and checkpoint events in `events`.
    const done: DoneEvent = { type: 'done', reason: 'stopped' };
    const ready = { type: 'ready', backend: 'wasm', threads: 2 } as const;
    const snap: RunSnapshot = {
      running: false,
      ready,
      progress: progress(2, 2),
      done,
      events: [progress(1, 3), { type: 'sample', text: 'a', step: 1 }, progress(2, 2), { type: 'sample', text: 'b', step: 2 }],
    };
    const l = latestEvents(snap);
    assert.strictEqual(l.ready, ready);
    assert.strictEqual(l.progress?.step, 2);
    assert.strictEqual(l.sample?.text, 'b');
    assert.strictEqual(l.done, done);
    assert.strictEqual(l.error, undefined);
    const error = { type: 'error', message: 'boom' } as const;
    assert.strictEqual(latestEvents({ running: false, error, events: [] }).error, error);
    // A run that is going: the previous run's end is not shown.
    const going = latestEvents({ ...snap, running: true, error });
    assert.strictEqual(going.done, undefined);
    assert.strictEqual(going.error, undefined);
    assert.strictEqual(going.progress?.step, 2);
    assert.deepStrictEqual(latestEvents(undefined), {});
  });
});

describe('panel protocol: page and host messages', () => {
  it('has a strict Content-Security-Policy with a nonce and no inline code', () => {
    const html = panelHtml({ cspSource: 'https://x.vscode-cdn.net', nonce: 'N0nce', scriptUri: 'https://x/dist/webview.js', styleUri: 'https://x/media/panel.css' });
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-N0nce'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.match(html, /<script nonce="N0nce" src="https:\/\/x\/dist\/webview.js"><\/script>/);
    assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
    assert.strictEqual((html.match(/<script/g) ?? []).length, 1);
    assert.doesNotMatch(html, /https?:\/\/(?!x[./])/, 'no remote content');
  });

  it('recognises host messages', () => {
    assert.ok(isToPanel({ type: 'running', running: true }));
    assert.ok(isToPanel({ type: 'trainer', event: progress(1, 1), running: true }));
    assert.ok(!isToPanel({ type: 'running' }));
    assert.ok(!isToPanel({ type: 'nope' }));
    assert.ok(!isToPanel({ command: 'ready' }));
  });
});
