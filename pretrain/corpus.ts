/**
 * `npm run pretrain:corpus`: builds the base CharRNN's pretraining corpus, reproducibly, from the
 * packages allowed by ../shared/pretrain/packages.txt (a copy: pretrain/packages.txt) and nothing
 * else.
 *
 *   1. Fetch each package by name: npm (`npm pack NAME@VERSION`) or Debian (`apt-get download
 *      NAME=VERSION`), into .cache/pretrain/archives/. With a manifest (pretrain/corpus-manifest.json)
 *      the exact recorded versions are fetched and each archive's sha1 must match it; `--update`
 *      takes the versions the registries serve today and rewrites the manifest.
 *   2. Unpack, take the files the list names (npm: src/ or lib/, *.ts *.tsx *.js *.mjs, no *.d.ts;
 *      Go, Rust and Python from their Debian source folders) and apply the extension's own corpus
 *      rules (collectCorpus: binary, minified, generated, size caps).
 *   3. Split off a held-out part per language (about 3% of the files, by a hash of the path), encode
 *      with the base vocabulary (src/core/text/baseVocab.ts) and write .cache/pretrain/corpus/:
 *      train.u8 (character ids, files joined by '\n', languages interleaved), heldout-LANG.u8 and
 *      heldout-LANG.json (each file's length: files are scored from a zero state), vocab.json.
 */
import * as childProcess from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { collectCorpus, type CorpusDoc } from '../src/core/corpus/corpus';
import { baseVocab } from '../src/core/text/baseVocab';

const REPO = path.resolve(__dirname, '..', '..');
const LIST = path.join(REPO, 'pretrain', 'packages.txt');
const MANIFEST = path.join(REPO, 'pretrain', 'corpus-manifest.json');
const CACHE = path.join(REPO, '.cache', 'pretrain');
/** No package gives more than this (keeps the corpus from being one package's style). */
const DEFAULT_PACKAGE_BYTES = 6_000_000;
const MAX_FILE_BYTES = 300_000;
const HELDOUT_PERCENT = 3;

type Lang = 'typescript' | 'go' | 'rust' | 'python';

interface Spec {
  registry: 'npm' | 'deb';
  name: string;
  lang: Lang;
  /** The folder inside the package to take (npm), when the list names one. */
  dir?: string;
  maxBytes: number;
}

export interface ManifestEntry {
  registry: 'npm' | 'deb';
  name: string;
  version: string;
  archive: string;
  sha1: string;
  lang: Lang;
  /** The licence the package states (npm: package.json's "license"; Debian: the copyright file's first License field). */
  license: string;
  files: number;
  chars: number;
  heldoutFiles: number;
  heldoutChars: number;
}

interface Dropped {
  registry: 'npm' | 'deb';
  name: string;
  version?: string;
  reason: string;
}

function parseList(text: string): Spec[] {
  const specs: Spec[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [registry, name, ...rest] = line.split(/\s+/);
    if (registry !== 'npm' && registry !== 'deb') throw new Error(`packages.txt: cannot read "${line}"`);
    const note = rest.join(' ');
    const lang: Lang =
      registry === 'npm' ? 'typescript' : name.startsWith('golang-') ? 'go' : name.startsWith('librust-') ? 'rust' : name.startsWith('python3-') ? 'python' : (() => {
        throw new Error(`packages.txt: no language for ${name}`);
      })();
    const dir = /^([\w.-]+)\//.exec(note)?.[1];
    const mb = /at most (\d+) MB/.exec(note)?.[1];
    specs.push({ registry, name, lang, dir, maxBytes: mb ? Number(mb) * 1_000_000 : DEFAULT_PACKAGE_BYTES });
  }
  return specs;
}

function run(cmd: string, args: string[], cwd: string): string {
  return childProcess.execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

function sha1(file: string): string {
  return crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex');
}

/** Fetches one package's archive; returns its file name and version. */
function fetchArchive(spec: Spec, version: string | undefined, dir: string): { archive: string; version: string } {
  if (spec.registry === 'npm') {
    const out = JSON.parse(run('npm', ['pack', version ? `${spec.name}@${version}` : spec.name, '--json', '--pack-destination', dir], dir)) as { filename: string; version: string }[];
    return { archive: out[0].filename.replace(/^@/, '').replace(/\//g, '-'), version: out[0].version };
  }
  const before = new Set(fs.readdirSync(dir));
  run('apt-get', ['download', version ? `${spec.name}=${version}` : spec.name], dir);
  const added = fs.readdirSync(dir).filter((f) => !before.has(f) && f.startsWith(`${spec.name}_`) && f.endsWith('.deb'));
  const archive = added[0] ?? fs.readdirSync(dir).find((f) => f.startsWith(`${spec.name}_${version ? encodeURIComponent(version).replace(/%3A/gi, '%3a') : ''}`) && f.endsWith('.deb'));
  if (!archive) throw new Error(`apt-get download ${spec.name} wrote no .deb`);
  const v = run('dpkg-deb', ['-f', archive, 'Version'], dir).trim();
  return { archive, version: v };
}

function unpack(spec: Spec, archiveFile: string, dest: string): string {
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(dest, { recursive: true });
  if (spec.registry === 'npm') {
    run('tar', ['-xzf', archiveFile, '-C', dest], dest);
    const root = path.join(dest, 'package');
    const sub = spec.dir ?? ['src', 'lib'].find((d) => fs.existsSync(path.join(root, d)));
    return sub ? path.join(root, sub) : root;
  }
  run('dpkg-deb', ['-x', archiveFile, dest], dest);
  const roots: Record<Exclude<Lang, 'typescript'>, string> = {
    go: 'usr/share/gocode/src',
    rust: 'usr/share/cargo/registry',
    python: 'usr/lib/python3/dist-packages',
  };
  return path.join(dest, roots[spec.lang as Exclude<Lang, 'typescript'>]);
}

const INCLUDE: Record<Lang, string[]> = {
  typescript: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.mjs'],
  go: ['**/*.go'],
  rust: ['**/*.rs'],
  python: ['**/*.py'],
};

/** The licence a package states, read from its unpacked files. */
function licenseOf(spec: Spec, unpacked: string): string {
  try {
    if (spec.registry === 'npm') {
      const pkg = JSON.parse(fs.readFileSync(path.join(unpacked, 'package', 'package.json'), 'utf8')) as { license?: unknown };
      return typeof pkg.license === 'string' ? pkg.license : 'unknown';
    }
    const text = fs.readFileSync(path.join(unpacked, 'usr', 'share', 'doc', spec.name, 'copyright'), 'utf8');
    // The Files: * stanza's licence (the first License: field of a machine-readable copyright file).
    return /^License:\s*(\S.*)$/m.exec(text)?.[1].trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function hashPercent(s: string): number {
  return crypto.createHash('sha1').update(s).digest().readUInt32BE(0) % 100;
}

/** A deterministic shuffle (the files' order in train.u8 interleaves packages and languages). */
function shuffled<T>(items: T[], key: (t: T) => string): T[] {
  return items
    .map((t) => ({ t, k: crypto.createHash('sha1').update(`order:${key(t)}`).digest('hex') }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((x) => x.t);
}

interface Doc {
  id: string;
  lang: Lang;
  text: string;
}

/** The text as the base model sees it: CRLF as LF. */
function normalise(text: string): string {
  return text.replace(/\r\n/g, '\n');
}

async function main(): Promise<void> {
  const update = process.argv.includes('--update');
  const specs = parseList(fs.readFileSync(LIST, 'utf8'));
  const saved = fs.existsSync(MANIFEST) && !update ? (JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as { packages: ManifestEntry[]; dropped?: Dropped[] }) : undefined;
  const manifest: ManifestEntry[] = saved?.packages ?? [];
  const pinned = new Map(manifest.map((m) => [`${m.registry}:${m.name}`, m]));
  const wasDropped = new Set((saved?.dropped ?? []).map((d) => `${d.registry}:${d.name}`));
  const dropped: Dropped[] = [];
  const archives = path.join(CACHE, 'archives');
  fs.mkdirSync(archives, { recursive: true });
  const entries: ManifestEntry[] = [];
  const train: Doc[] = [];
  const heldout = new Map<Lang, Doc[]>();
  for (const spec of specs) {
    const pin = pinned.get(`${spec.registry}:${spec.name}`);
    if (!update && wasDropped.has(`${spec.registry}:${spec.name}`)) {
      dropped.push(saved!.dropped!.find((d) => d.name === spec.name && d.registry === spec.registry)!);
      continue;
    }
    if (!update && manifest.length > 0 && !pin) throw new Error(`${spec.name} is in packages.txt but not in the manifest: run with --update`);
    let archive: string;
    let version: string;
    if (pin && fs.existsSync(path.join(archives, pin.archive))) {
      ({ archive, version } = pin);
    } else {
      try {
        ({ archive, version } = fetchArchive(spec, pin?.version, archives));
      } catch (e) {
        if (pin) throw e;
        const reason = `cannot fetch (${(e as Error).message.split('\n')[0]})`;
        console.log(`${spec.name}: ${reason}; dropped`);
        dropped.push({ registry: spec.registry, name: spec.name, reason });
        continue;
      }
    }
    const digest = sha1(path.join(archives, archive));
    if (pin && pin.sha1 !== digest) throw new Error(`${archive}: sha1 ${digest} but the manifest records ${pin.sha1}`);
    const unpacked = path.join(CACHE, 'src', spec.name.replace(/[@/]/g, '_'));
    const root = unpack(spec, path.join(archives, archive), unpacked);
    let docs: CorpusDoc[] = [];
    if (fs.existsSync(root)) {
      try {
        ({ docs } = await collectCorpus([root], {
          include: INCLUDE[spec.lang],
          exclude: ['**/*.d.ts', '**/*.min.js'],
          maxFileBytes: MAX_FILE_BYTES,
          maxCorpusBytes: spec.maxBytes,
          timeBudgetMs: 600_000,
        }));
      } catch (e) {
        console.log(`${spec.name}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    const entry: ManifestEntry = { registry: spec.registry, name: spec.name, version, archive, sha1: digest, lang: spec.lang, license: licenseOf(spec, unpacked), files: 0, chars: 0, heldoutFiles: 0, heldoutChars: 0 };
    for (const d of docs.sort((a, b) => (a.relPath < b.relPath ? -1 : 1))) {
      const id = `${spec.name}/${d.relPath}`;
      const text = normalise(d.text);
      if (hashPercent(id) < HELDOUT_PERCENT) {
        entry.heldoutFiles++;
        entry.heldoutChars += text.length;
        const list = heldout.get(spec.lang) ?? [];
        list.push({ id, lang: spec.lang, text });
        heldout.set(spec.lang, list);
      } else {
        entry.files++;
        entry.chars += text.length;
        train.push({ id, lang: spec.lang, text });
      }
    }
    if (entry.files === 0) {
      console.log(`${spec.name}@${version}: no readable sources; dropped`);
      dropped.push({ registry: spec.registry, name: spec.name, version, reason: 'no readable sources (only bundles, type declarations or files over the size cap)' });
      continue;
    }
    console.log(`${spec.name}@${version}: ${entry.files} files, ${(entry.chars / 1e6).toFixed(2)} M chars (+${entry.heldoutFiles} held out)`);
    entries.push(entry);
  }

  const vocab = baseVocab();
  const outDir = path.join(CACHE, 'corpus');
  fs.mkdirSync(outDir, { recursive: true });
  const encode = (docs: Doc[]): { bytes: Uint8Array; lengths: number[]; unknown: number } => {
    const parts: Uint8Array[] = [];
    const lengths: number[] = [];
    let unknown = 0;
    for (const d of docs) {
      const ids = vocab.encode(d.text);
      const u8 = Uint8Array.from(ids);
      for (const id of u8) if (id === 0) unknown++;
      parts.push(u8);
      lengths.push(u8.length);
    }
    const total = lengths.reduce((a, b) => a + b, 0) + docs.length;
    const bytes = new Uint8Array(total);
    let at = 0;
    const nl = vocab.id('\n');
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
      bytes[at++] = nl;
    }
    return { bytes, lengths, unknown };
  };
  const trainEnc = encode(shuffled(train, (d) => d.id));
  fs.writeFileSync(path.join(outDir, 'train.u8'), trainEnc.bytes);
  fs.writeFileSync(path.join(outDir, 'vocab.json'), JSON.stringify(vocab.toJSON()));
  const summary: Record<string, unknown> = { trainChars: trainEnc.bytes.length, trainUnknownShare: trainEnc.unknown / trainEnc.bytes.length, heldout: {} };
  for (const [lang, docs] of heldout) {
    const enc = encode(docs);
    // Each held-out file alone (the separators are not scored).
    const onlyDocs = new Uint8Array(enc.bytes.length - docs.length);
    let from = 0;
    let to = 0;
    for (const n of enc.lengths) {
      onlyDocs.set(enc.bytes.subarray(from, from + n), to);
      from += n + 1;
      to += n;
    }
    fs.writeFileSync(path.join(outDir, `heldout-${lang}.u8`), onlyDocs);
    fs.writeFileSync(path.join(outDir, `heldout-${lang}.json`), JSON.stringify({ lengths: enc.lengths, files: docs.map((d) => d.id) }));
    (summary.heldout as Record<string, unknown>)[lang] = { files: docs.length, chars: onlyDocs.length };
  }
  const byLang: Record<string, { packages: number; files: number; chars: number }> = {};
  for (const e of entries) {
    const l = (byLang[e.lang] ??= { packages: 0, files: 0, chars: 0 });
    l.packages++;
    l.files += e.files;
    l.chars += e.chars;
  }
  summary.byLanguage = byLang;
  fs.writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify(summary, null, 1));
  fs.writeFileSync(MANIFEST, JSON.stringify({ note: 'Written by `npm run pretrain:corpus -- --update`; checked by `npm run pretrain:corpus`.', vocabulary: 'src/core/text/baseVocab.ts', heldoutPercent: HELDOUT_PERCENT, maxFileBytes: MAX_FILE_BYTES, byLanguage: byLang, packages: entries, dropped }, null, 1) + '\n');
  console.log(JSON.stringify(summary, null, 1));
}

main().catch((e: unknown) => {
  console.error(`pretrain:corpus: ${(e as Error).message}`);
  process.exit(1);
});
