/**
 * The extension in a real VS Code: it activates, its commands exist, its settings have the
 * manifest's defaults, and a command changes a setting.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID, FIXTURE_SOURCE, fixtureWorkspacePath, getExtension, manifest, waitFor } from './helpers';

const COMMANDS = ['charrnn.train', 'charrnn.stop', 'charrnn.showPanel', 'charrnn.toggleCompletions'];

/** Every `charrnn.*` property of contributes.configuration (an object or a list of them). */
function manifestSettings(): Record<string, { default?: unknown }> {
  const conf = manifest().contributes.configuration;
  const sections = Array.isArray(conf) ? conf : [conf];
  return Object.assign({}, ...sections.map((s) => s.properties));
}

describe('extension in a real VS Code', () => {
  before(async () => {
    // A previous run must not leave the setting the toggle test flips.
    await vscode.workspace.getConfiguration('charrnn').update('completion.enabled', undefined, vscode.ConfigurationTarget.Global);
  });

  it('runs in a real VS Code (reports where)', () => {
    const where = `uiKind=${vscode.UIKind[vscode.env.uiKind]} remoteName=${vscode.env.remoteName ?? '(local)'} appName=${vscode.env.appName} vscode=${vscode.version} node=${process.version}`;
    console.log(`      host: ${where}`);
    // The VS Code the runner started (scripts/run-integration-tests.js says which; F5's "Extension
    // Tests" starts a desktop one): code-server's web workbench, whose extension host runs on the
    // server (a remote, and our extension in it as its manifest's extensionKind asks), or a
    // desktop VS Code with a local one.
    const kind = process.env.CHARRNN_TEST_HOST_KIND ?? 'desktop';
    assert.strictEqual(vscode.UIKind[vscode.env.uiKind], kind === 'web' ? 'Web' : 'Desktop', `the runner started ${kind}: ${where}`);
    if (kind === 'web') {
      assert.ok(vscode.env.remoteName, `web workbench without a remote: ${where}`);
      assert.strictEqual(getExtension().extensionKind, vscode.ExtensionKind.Workspace, 'the extension runs on the server, beside the files');
    }
    // A VS Code the manifest says it supports (engines.vscode, "^major.minor.patch").
    const engine = /^\^(\d+)\.(\d+)\.(\d+)$/.exec((manifest().engines as { vscode: string }).vscode);
    assert.ok(engine, `engines.vscode: ${(manifest().engines as { vscode: string }).vscode}`);
    const [want, have] = [engine.slice(1), vscode.version.split(/[.-]/).slice(0, 3)].map((v) => v.map(Number));
    const atLeast = have[1] > want[1] || (have[1] === want[1] && have[2] >= want[2]);
    assert.ok(have[0] === want[0] && atLeast, `VS Code ${vscode.version} is not ${engine[0]}`);
  });

  it('opens a copy of the fixture workspace', () => {
    const ws = fixtureWorkspacePath();
    assert.notStrictEqual(path.resolve(ws), path.resolve(FIXTURE_SOURCE), 'tests must run on a copy of the fixture');
    assert.ok(fs.existsSync(path.join(ws, '.gitignore')), `${ws} has no .gitignore`);
  });

  it('activates', async () => {
    const ext = getExtension();
    assert.strictEqual(ext.id, EXTENSION_ID);
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
    assert.ok(ext.extensionPath, 'extension has a path');
  });

  it('registers its four commands, and every command it contributes', async () => {
    const all = await vscode.commands.getCommands(true);
    const missing = COMMANDS.filter((c) => !all.includes(c));
    assert.deepStrictEqual(missing, [], `commands not registered: ${missing.join(', ')}`);
    const contributed = manifest().contributes.commands.map((c) => c.command);
    for (const c of COMMANDS) assert.ok(contributed.includes(c), `${c} is not in contributes.commands`);
    const unregistered = contributed.filter((c) => !all.includes(c));
    assert.deepStrictEqual(unregistered, [], `contributed but not registered: ${unregistered.join(', ')}`);
  });

  it('gives every charrnn.* setting its manifest default', () => {
    const settings = manifestSettings();
    const keys = Object.keys(settings).filter((k) => k.startsWith('charrnn.'));
    assert.ok(keys.length >= 10, `only ${keys.length} charrnn.* settings in the manifest`);
    const config = vscode.workspace.getConfiguration();
    for (const key of keys) {
      const inspected = config.inspect(key);
      assert.ok(inspected, `VS Code does not know the setting ${key}`);
      assert.deepStrictEqual(inspected.defaultValue, settings[key].default, `default of ${key}`);
      assert.deepStrictEqual(config.get(key), settings[key].default, `value of ${key} (nothing else sets it)`);
    }
  });

  it('toggles completions on and off with charrnn.toggleCompletions', async () => {
    const enabled = () => vscode.workspace.getConfiguration('charrnn').get<boolean>('completion.enabled');
    assert.strictEqual(enabled(), true, 'completions start enabled');
    await vscode.commands.executeCommand('charrnn.toggleCompletions');
    await waitFor(() => enabled() === false, { message: 'charrnn.completion.enabled to become false' });
    await vscode.commands.executeCommand('charrnn.toggleCompletions');
    await waitFor(() => enabled() === true, { message: 'charrnn.completion.enabled to become true again' });
  });

  after(async () => {
    await vscode.workspace.getConfiguration('charrnn').update('completion.enabled', undefined, vscode.ConfigurationTarget.Global);
  });
});
