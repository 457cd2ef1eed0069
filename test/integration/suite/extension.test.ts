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
    assert.ok([vscode.UIKind.Desktop, vscode.UIKind.Web].includes(vscode.env.uiKind), where);
    // code-server's web workbench talks to a remote (server) extension host; a desktop VS Code
    // runs the extension host locally.
    if (vscode.env.uiKind === vscode.UIKind.Web) assert.ok(vscode.env.remoteName, `web workbench without a remote: ${where}`);
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
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
