/**
 * `npm run pretrain:card`: writes media/base/MODEL_CARD.md from what the pretraining recorded
 * (media/base/base.json, media/base/serving.json, pretrain/corpus-manifest.json), so the card never
 * says anything the files do not.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadBaseModel } from '../src/core/store/baseModel';
import { readServing } from '../src/core/complete/baseServing';
import { parameterCount } from '../src/core/lstm/weights';
import type { ManifestEntry } from './corpus';

const REPO = path.resolve(__dirname, '..', '..');
const BASE = path.join(REPO, 'media', 'base');

interface Manifest {
  byLanguage: Record<string, { packages: number; files: number; chars: number }>;
  packages: ManifestEntry[];
  heldoutPercent: number;
}

/**
 * The runs that led to the published weights, each resuming the one before with a new total
 * budget (`--hours`), which sets its learning-rate schedule; train.py keeps only the total, so
 * they are listed here by hand when a run is added (from .cache/pretrain/train.log).
 */
const RUNS: { from: number; to: number; plannedHours: number; schedule: string }[] = [
  { from: 0, to: 2.33, plannedHours: 2.4, schedule: '0.002 until 1.68 h, then falling to 0.0002' },
  { from: 2.33, to: 3.34, plannedHours: 4.3, schedule: 'back at 0.002 until 3.01 h (a warm restart: held-out bits/char rose by 0.03-0.08), then falling; stopped at 0.0015' },
  { from: 3.34, to: 4.0, plannedHours: 4.0, schedule: 'falling from 0.0011 to 0.0002; time counted as the process\'s CPU time from here on (a shared machine)' },
];

const LANGS: Record<string, string> = { typescript: 'TypeScript / JavaScript', go: 'Go', rust: 'Rust', python: 'Python' };

/** "MIT 25, Apache-2.0 or MIT 9, ..." with the spellings of one licence merged. */
function licenceSummary(packages: { license?: string }[]): string {
  const norm = (l = 'unknown') => {
    const x = l.replace(/\bExpat\b/g, 'MIT').replace(/BSD-(\d)-clause/gi, 'BSD-$1-Clause').replace(/^Apache$/, 'Apache-2.0');
    if (/^Redistribution and use/.test(x)) return 'BSD-style';
    return x.replace(/^Apache-2\.0 or MIT$/, 'MIT or Apache-2.0');
  };
  const counts = new Map<string, number>();
  for (const p of packages) counts.set(norm(p.license), (counts.get(norm(p.license)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([l, n]) => `${l} ${n}`).join(', ');
}

function main(): void {
  const base = loadBaseModel(BASE);
  const p = base.meta.pretraining as Record<string, unknown> & { run: { elapsed: number; steps: number; chars: number; epoch: number }; heldoutBits: Record<string, number>; evals?: { seconds: number; chars: number; heldoutBits: Record<string, number> }[] };
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'pretrain', 'corpus-manifest.json'), 'utf8')) as Manifest;
  let serving = '';
  try {
    const s = readServing(base);
    const b = s.mixer.bitsPerChar ?? {};
    const layout = s.mixer.layout === 'cache-doubt'
      ? ", with weights that depend on how sure the cache is (above 0.9 by decades of doubt) and on whether the character before is an identifier character (mixer layout 'cache-doubt')"
      : '';
    serving = `Before any training on a workspace the extension serves the base CharRNN mixed with the open document's cache (src/core/complete/baseServing.ts)${layout}. ` +
      `Fitted on the held-out files: ${Object.entries(b).map(([k, v]) => `${k} ${(v as number).toFixed(3)}`).join(', ')} bits/char; ` +
      `show/abstain threshold ${s.calibration.minConfidence.toFixed(3)} for ${(100 * s.calibration.target).toFixed(0)}% precision ` +
      `(${(100 * s.calibration.precision).toFixed(1)}% reached, ${(100 * s.calibration.shown).toFixed(1)}% of ${s.calibration.positions} identifier positions shown)` +
      (s.calibration.check && Number.isFinite(s.calibration.check.precision)
        ? `: about ${Math.round(100 * s.calibration.check.precision)}% of ghosts right (measured on ${s.calibration.check.positions} held-out positions, each fold of files at the threshold chosen on the others).`
        : '.');
  } catch (e) {
    serving = `No serving mixer yet (${(e as Error).message}).`;
  }
  const weightsBytes = fs.statSync(path.join(BASE, 'weights.bin')).size;
  const total = Object.values(manifest.byLanguage).reduce((n, l) => n + l.chars, 0);
  const lines = [
    `# Model card: ${base.meta.name}`,
    '',
    'The base CharRNN that CharRNN Complete ships and fine-tunes on a workspace (issue 18). Written by',
    '`npm run pretrain:card` from `base.json`, `serving.json` and `pretrain/corpus-manifest.json`.',
    '',
    '## Model',
    `- A character-level LSTM: one-hot input over a fixed vocabulary of ${base.vocab.size} symbols (the unknown`,
    '  symbol, tab, newline and printable ASCII: `src/core/text/baseVocab.ts`), ' + `${base.numLayers} LSTM layers of ${base.lstmSize} units, a dense layer and a softmax.`,
    `- ${parameterCount(base.vocab.size, base.lstmSize, base.numLayers).toLocaleString('en-US')} parameters; \`weights.bin\` is ${(weightsBytes / 1e6).toFixed(2)} MB of float32 in the layout of \`src/core/lstm/weights.ts\`.`,
    '',
    '## Data',
    `Public source code fetched by package name from the npm registry and Debian, only the packages of`,
    '`pretrain/packages.txt`, each pinned by version and sha1 in `pretrain/corpus-manifest.json`',
    `(${manifest.packages.length} packages kept; npm packages that ship no readable sources were dropped), with the extension's own corpus rules`,
    `(no minified, generated or binary files; files over 300 KB skipped). ${manifest.heldoutPercent}% of the files of each language (by a hash of the path) are held out.`,
    'No benchmark corpus (zod, Python\'s standard library, bstr, semver) is in it.',
    '',
    '| language | packages | files | characters (training) | share |',
    '|---|---|---|---|---|',
    ...Object.entries(manifest.byLanguage).map(([k, l]) => `| ${LANGS[k] ?? k} | ${l.packages} | ${l.files} | ${(l.chars / 1e6).toFixed(1)} M | ${((100 * l.chars) / total).toFixed(0)}% |`),
    '',
    '## Training',
    `PyTorch ${String(p.torch)} (\`pretrain/train.py\`, \`npm run pretrain\`), ${String(p.threads)} CPU thread: batch ${String(p.batchSize)} streams x ${String(p.numSteps)} characters, Adam at ${String(p.learningRate)}`,
    `(constant, then falling linearly to a tenth over the last 30% of the planned ${String(p.plannedHours)} h), gradient norm clipped at ${String(p.gradClip)}, state carried between batches.`,
    ...(RUNS.length > 1 && Math.abs(RUNS[RUNS.length - 1].to - p.run.elapsed / 3600) < 0.05
      ? ['', 'In runs, each resuming the one before with a new planned total (which sets its learning rate):', '',
        '| from | to | planned total | learning rate |', '|---|---|---|---|',
        ...RUNS.map((r) => `| ${r.from.toFixed(2)} h | ${r.to.toFixed(2)} h | ${r.plannedHours} h | ${r.schedule} |`), '']
      : []),
    `- ${p.run.steps.toLocaleString('en-US')} steps, ${(p.run.chars / 1e6).toFixed(0)} M characters (${(p.run.chars / Number(p.trainChars)).toFixed(2)} passes over the corpus), ${(p.run.elapsed / 3600).toFixed(2)} h of training.`,
    '',
    '## Held-out bits per character',
    'On the held-out files of each language (up to 150,000 characters each; each file read from a zero state):',
    '',
    '| hours | characters seen | ' + Object.keys(p.heldoutBits).map((k) => LANGS[k] ?? k).join(' | ') + ' |',
    '|---|---|' + Object.keys(p.heldoutBits).map(() => '---').join('|') + '|',
    ...(p.evals ?? []).filter((_, i, a) => i === a.length - 1 || i % Math.max(1, Math.floor(a.length / 8)) === 0)
      .map((e) => `| ${(e.seconds / 3600).toFixed(2)} | ${(e.chars / 1e6).toFixed(0)} M | ` + Object.keys(p.heldoutBits).map((k) => e.heldoutBits[k]?.toFixed(3) ?? '–').join(' | ') + ' |'),
    '',
    '## Serving before training',
    serving,
    '',
    '## Checks',
    '`test/unit/baseModel.test.ts`: our inference engine gives the distribution PyTorch gave at export',
    '(`test/fixtures/base-reference.json`, 1,000 held-out characters, max abs diff <= 1e-4).',
    '',
    '## Licences',
    `The packages state these licences (manifest field \`license\`; counts of packages): ${licenceSummary(manifest.packages)}.`,
    'All are open-source licences. The weights are a statistical summary of that code (they store no source',
    'text) and are distributed under this repository\'s licence; the manifest names every package and version',
    'they were learnt from, with its licence.',
    '',
  ];
  fs.writeFileSync(path.join(BASE, 'MODEL_CARD.md'), lines.join('\n'));
  console.log(`wrote ${path.join(BASE, 'MODEL_CARD.md')}`);
}

main();
