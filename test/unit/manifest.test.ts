/**
 * package.json (the manifest) against the code: the contributed commands are exactly those the
 * extension registers, all in the "CharRNN" category, and contributes.configuration is exactly
 * SETTINGS from src/core/config.ts.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { RESTRICTED_SETTINGS, SETTINGS, settingScope, type SettingKey } from '../../src/core/config';

// Compiled to out/test/unit/: the sources are read from the repository itself.
const REPO = path.resolve(__dirname, '..', '..', '..');
const EXTENSION_SRC = path.join(REPO, 'src', 'extension');

interface ManifestCommand {
  command: string;
  title: string;
  category?: string;
}
interface ManifestProperty {
  type?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  description?: string;
  markdownDescription?: string;
  scope?: string;
  items?: { type?: string };
}
interface Manifest {
  capabilities: { untrustedWorkspaces: { supported: string | boolean; restrictedConfigurations?: string[] } };
  contributes: {
    commands: ManifestCommand[];
    configuration: { properties: Record<string, ManifestProperty> } | { properties: Record<string, ManifestProperty> }[];
  };
}

const manifest: Manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));

function tsFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f));
}

/** Every registerCommand / registerTextEditorCommand call in src/extension, with its id. */
function registeredCommands(): { id: string | undefined; where: string }[] {
  const found: { id: string | undefined; where: string }[] = [];
  for (const file of tsFiles(EXTENSION_SRC)) {
    const text = fs.readFileSync(file, 'utf8');
    const call = /\bregister(?:TextEditor)?Command\(\s*(?:(['"`])([^'"`]*)\1)?/g;
    for (let m = call.exec(text); m; m = call.exec(text)) {
      const line = text.slice(0, m.index).split('\n').length;
      found.push({ id: m[2], where: `${path.relative(REPO, file)}:${line}` });
    }
  }
  return found;
}

/** Commands whose id has a segment starting with `_` are internal and need no manifest entry. */
const isInternal = (id: string) => id.split('.').some((part) => part.startsWith('_'));

function manifestProperties(): Record<string, ManifestProperty> {
  const conf = manifest.contributes.configuration;
  const sections = Array.isArray(conf) ? conf : [conf];
  return Object.assign({}, ...sections.map((s) => s.properties));
}

describe('manifest (package.json)', () => {
  describe('commands', () => {
    const registered = registeredCommands();

    it('the source registers commands with literal ids (so this test can see them)', () => {
      assert.ok(registered.length > 0, 'no registerCommand calls found in src/extension');
      const dynamic = registered.filter((r) => r.id === undefined).map((r) => r.where);
      assert.deepStrictEqual(dynamic, [], `registerCommand without a literal id at: ${dynamic.join(', ')}`);
    });

    it('registers each command once', () => {
      const seen = new Map<string, string[]>();
      for (const r of registered) seen.set(r.id!, [...(seen.get(r.id!) ?? []), r.where]);
      const twice = [...seen].filter(([, where]) => where.length > 1).map(([id, where]) => `${id} (${where.join(', ')})`);
      assert.deepStrictEqual(twice, [], `registered more than once (VS Code throws on the second): ${twice.join('; ')}`);
    });

    it('contributes exactly the commands the code registers', () => {
      const inCode = [...new Set(registered.map((r) => r.id!).filter((id) => !isInternal(id)))].sort();
      const inManifest = manifest.contributes.commands.map((c) => c.command).sort();
      assert.deepStrictEqual(inManifest, inCode, 'package.json contributes.commands vs registerCommand ids in src/extension');
    });

    it('puts every command in the "CharRNN" category with a title', () => {
      for (const c of manifest.contributes.commands) {
        assert.strictEqual(c.category, 'CharRNN', `category of ${c.command}`);
        assert.ok(c.title && c.title.trim() === c.title, `title of ${c.command}`);
        assert.match(c.command, /^charrnn\.[A-Za-z]+$/, `id of ${c.command}`);
      }
    });
  });

  describe('configuration', () => {
    const props = manifestProperties();

    it('declares exactly the settings of SETTINGS, all under charrnn.', () => {
      const inManifest = Object.keys(props).sort();
      const inTable = Object.keys(SETTINGS).map((k) => `charrnn.${k}`).sort();
      assert.deepStrictEqual(inManifest, inTable);
    });

    it('restricts in untrusted workspaces exactly RESTRICTED_SETTINGS', () => {
      const untrusted = manifest.capabilities.untrustedWorkspaces;
      assert.strictEqual(untrusted.supported, 'limited');
      assert.deepStrictEqual(untrusted.restrictedConfigurations, RESTRICTED_SETTINGS.map((k) => `charrnn.${k}`));
    });

    for (const [key, spec] of Object.entries(SETTINGS)) {
      it(`charrnn.${key} matches SETTINGS (type, default, bounds, enum, description)`, () => {
        const p = props[`charrnn.${key}`];
        assert.ok(p, `charrnn.${key} missing from package.json`);
        const s = spec as { type: string; default: unknown; minimum?: number; maximum?: number; enum?: readonly string[]; description: string };
        assert.strictEqual(p.type, s.type, 'type');
        assert.deepStrictEqual(p.default, s.default, 'default');
        assert.strictEqual(p.minimum, s.minimum, 'minimum');
        assert.strictEqual(p.maximum, s.maximum, 'maximum');
        assert.deepStrictEqual(p.enum, s.enum === undefined ? undefined : [...s.enum], 'enum');
        assert.strictEqual(p.description, s.description, 'description');
        const md = (spec as { markdownDescription?: string }).markdownDescription;
        assert.strictEqual(p.markdownDescription, md, 'markdownDescription');
        assert.strictEqual(p.scope, settingScope(key as SettingKey), 'scope');
        if (s.type === 'array') assert.deepStrictEqual(p.items, { type: 'string' }, 'array settings hold strings');
        else assert.strictEqual(p.items, undefined, 'items only on arrays');
      });
    }
  });
});
