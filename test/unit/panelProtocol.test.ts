/** The messages between the panel's host and its webview (src/protocol/panel.ts): their runtime checks. */
import * as assert from 'assert';
import { SETTINGS } from '../../src/core/contracts/config';
import { checkFromPanel, isToPanel } from '../../src/protocol/panel';
import { progress } from './eventsFixture';


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

describe('panel protocol: host messages', () => {
  it('recognises host messages', () => {
    assert.ok(isToPanel({ type: 'running', running: true }));
    assert.ok(isToPanel({ type: 'trainer', event: progress(1, 1), running: true }));
    assert.ok(!isToPanel({ type: 'running' }));
    assert.ok(!isToPanel({ type: 'nope' }));
    assert.ok(!isToPanel({ command: 'ready' }));
  });
});
