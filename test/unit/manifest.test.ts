/**
 * package.json (the manifest) against the code: the contributed commands are exactly those the
 * extension registers, all in the "CharRNN" category, and contributes.configuration is exactly
 * SETTINGS from src/core/contracts/config.ts.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { RESTRICTED_SETTINGS, SETTINGS, settingScope, type SettingKey } from '../../src/core/contracts/config';

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
  icon?: string;
  galleryBanner?: { color?: string; theme?: string };
  repository?: { url?: string };
  bugs?: { url?: string };
  homepage?: string;
  extensionKind?: string[];
  [key: string]: unknown;
  capabilities: { untrustedWorkspaces: { supported: string | boolean; restrictedConfigurations?: string[] } };
  contributes: {
    commands: ManifestCommand[];
    configuration: { properties: Record<string, ManifestProperty> } | { properties: Record<string, ManifestProperty> }[];
    menus?: { commandPalette?: { command: string; when?: string }[] };
    keybindings?: { command: string; key: string; mac?: string; when?: string }[];
    walkthroughs?: { id: string; title: string; steps: { id: string; title: string; description: string; media: { markdown?: string } }[] }[];
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

  describe('Marketplace conventions', () => {
    const nls: Record<string, string> = JSON.parse(fs.readFileSync(path.join(REPO, 'package.nls.json'), 'utf8'));

    it('every %placeholder% in package.json has a string in package.nls.json', () => {
      const text = fs.readFileSync(path.join(REPO, 'package.json'), 'utf8');
      const keys = [...text.matchAll(/"%([^"%]+)%"/g)].map((m) => m[1]);
      assert.ok(keys.length > 10, 'the titles are localisable');
      assert.deepStrictEqual(keys.filter((k) => typeof nls[k] !== 'string'), []);
      for (const c of manifest.contributes.commands) assert.match(c.title, /^%.+%$/, `title of ${c.command} comes from package.nls.json`);
    });

    it('has a 128x128 PNG icon, a gallery banner, repository, bugs, homepage and runs on the workspace side', () => {
      const png = fs.readFileSync(path.join(REPO, manifest.icon ?? 'missing'));
      assert.strictEqual(png.subarray(1, 4).toString('latin1'), 'PNG');
      assert.deepStrictEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128], 'IHDR width and height');
      assert.match(manifest.galleryBanner?.color ?? '', /^#[0-9a-f]{6}$/i);
      assert.match(manifest.repository?.url ?? '', /^https:\/\/github\.com\//);
      assert.match(manifest.bugs?.url ?? '', /\/issues$/);
      assert.match(manifest.homepage ?? '', /^https:\/\//);
      assert.deepStrictEqual(manifest.extensionKind, ['workspace']);
    });

    it('hides commands from the palette when they cannot run, using context keys the code sets', () => {
      const palette = manifest.contributes.menus?.commandPalette ?? [];
      const contributed = manifest.contributes.commands.map((c) => c.command);
      for (const p of palette) assert.ok(contributed.includes(p.command), `${p.command} in menus.commandPalette is not contributed`);
      const when = (id: string) => palette.find((p) => p.command === id)?.when ?? '';
      assert.match(when('charrnn.stop'), /\bcharrnn\.training\b/, 'no Stop when nothing trains');
      assert.match(when('charrnn.resumeTraining'), /\bcharrnn\.trainingPaused\b/);
      assert.match(when('charrnn.deleteModel'), /\bcharrnn\.hasModel\b/);
      const keysSet = fs.readFileSync(path.join(EXTENSION_SRC, 'contextKeys.ts'), 'utf8');
      const used = new Set(palette.flatMap((p) => [...(p.when ?? '').matchAll(/\bcharrnn\.[A-Za-z]+/g)].map((m) => m[0])));
      for (const key of used) assert.ok(keysSet.includes(`'${key}'`), `context key ${key} is never set (src/extension/contextKeys.ts)`);
    });

    it('binds "Suggest completion" to a key that takes nothing from the editor (not Tab, not Ctrl+Right, ...)', () => {
      const kb = manifest.contributes.keybindings ?? [];
      const suggest = kb.find((k) => k.command === 'charrnn.suggest');
      assert.ok(suggest, 'a keybinding for charrnn.suggest');
      const core = ['tab', 'shift+tab', 'ctrl+right', 'cmd+right', 'alt+right', 'escape', 'enter', 'ctrl+space', 'cmd+space', 'alt+\\', 'alt+]', 'alt+['];
      for (const k of kb) {
        for (const key of [k.key, k.mac].filter(Boolean) as string[]) assert.ok(!core.includes(key.toLowerCase()), `${k.command} takes ${key}`);
      }
      assert.match(suggest.when ?? '', /editorTextFocus/);
    });

    it('has a getting-started walkthrough whose steps all have their markdown', () => {
      const w = manifest.contributes.walkthroughs ?? [];
      assert.strictEqual(w.length, 1);
      assert.deepStrictEqual(w[0].steps.map((s) => s.id), ['train', 'panel', 'accept', 'tune']);
      for (const step of w[0].steps) {
        assert.ok(step.media.markdown && fs.existsSync(path.join(REPO, step.media.markdown)), `${step.id}: ${step.media.markdown} exists`);
      }
    });
  });
});
