/**
 * Responsiveness measurement (not a test: nothing is asserted), run inside the real VS Code by
 * scripts/measure-responsiveness.js. With one busy-loop process per core, it measures, phase by
 * phase, the extension host's event-loop delay, the editor's round trip for an edit (the
 * extension host asks the editor to insert a character and waits until it has), the completion
 * round trip (provider → worker → answer) and the trainer's speed:
 *   idle             nothing else runs
 *   busy             every core busy, no training
 *   busy+train       every core busy, training at low priority (the default), not yielding
 *   busy+train-nice0 every core busy, training at normal priority, not yielding
 *   busy+train-yield every core busy, training at low priority, yielding while typing (defaults)
 * Prints one `CHARRNN_MEASURE {json}` line per phase.
 */
import * as cp from 'child_process';
import * as os from 'os';
import { monitorEventLoopDelay } from 'perf_hooks';
import * as vscode from 'vscode';
import type { CharRnnApi } from '../../src/extension/extension';

const PHASE_MS = Number(process.env.CHARRNN_MEASURE_PHASE_MS || 20_000);
const EDIT_EVERY_MS = 150;
const PREFIX = 'const total = order.itemQu';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const q = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

async function configure(values: Record<string, unknown>): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('charrnn');
  for (const [k, v] of Object.entries(values)) await cfg.update(k, v, vscode.ConfigurationTarget.Workspace);
}

function whenDone(api: CharRnnApi): Promise<void> {
  return new Promise((resolve) => {
    const sub = api.training.onDidChangeRunning((running) => {
      if (!running) {
        sub.dispose();
        resolve();
      }
    });
  });
}

function busyLoops(): cp.ChildProcess[] {
  return os.cpus().map(() => cp.spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } }));
}

async function phase(api: CharRnnApi, name: string, editor: vscode.TextEditor): Promise<Record<string, unknown>> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const edits: number[] = [];
  const completions: number[] = [];
  const speeds: number[] = [];
  const steps: number[] = [];
  let pausedMs = 0;
  let pausedAt: number | undefined;
  const subs = [
    api.training.onEvent((e) => {
      if (e.type === 'progress') {
        speeds.push(e.charsPerSec);
        steps.push(e.step);
      }
    }),
    api.training.onDidChangePaused(() => {
      if (api.training.paused && pausedAt === undefined) pausedAt = Date.now();
      if (!api.training.paused && pausedAt !== undefined) {
        pausedMs += Date.now() - pausedAt;
        pausedAt = undefined;
      }
    }),
  ];
  delay.enable();
  const end = Date.now() + PHASE_MS;
  let i = 0;
  while (Date.now() < end) {
    const t0 = performance.now();
    await editor.edit((b) => b.insert(new vscode.Position(1, 0), 'x'), { undoStopBefore: false, undoStopAfter: false });
    edits.push(performance.now() - t0);
    if (i++ % 4 === 0) {
      const t1 = performance.now();
      const doc = editor.document;
      const a = await api.completions.client.complete({
        docKey: `measure-${i}`, offset: PREFIX.length, prefix: PREFIX, suffix: '',
        settings: { maxChars: 40, minConfidence: 0.05, contextChars: 256 },
      });
      if (a) completions.push(performance.now() - t1);
      void doc;
    }
    await sleep(EDIT_EVERY_MS);
  }
  delay.disable();
  if (pausedAt !== undefined) pausedMs += Date.now() - pausedAt;
  subs.forEach((s) => s.dispose());
  const ms = (ns: number) => +(ns / 1e6).toFixed(1);
  const r = {
    phase: name,
    loopDelayP50: ms(delay.percentile(50)),
    loopDelayP99: ms(delay.percentile(99)),
    loopDelayMax: ms(delay.max),
    editP50: +q(edits, 0.5).toFixed(1),
    editP95: +q(edits, 0.95).toFixed(1),
    completionP50: +q(completions, 0.5).toFixed(1),
    completionP95: +q(completions, 0.95).toFixed(1),
    trainCharsPerSec: speeds.length ? Math.round(speeds[speeds.length - 1]) : null,
    /** Training steps reported during the phase (0: the trainer got next to no CPU). */
    trainSteps: api.training.running ? (steps.length ? steps[steps.length - 1] - steps[0] + 1 : 0) : null,
    /** The machine's 1-minute load average at the end of the phase (other programs included). */
    load: +os.loadavg()[0].toFixed(1),
    trainerPausedShare: api.training.running || pausedMs ? +(pausedMs / PHASE_MS).toFixed(2) : null,
  };
  console.log(`CHARRNN_MEASURE ${JSON.stringify(r)}`);
  return r;
}

export async function run(): Promise<void> {
  console.log('CHARRNN_TEST_START measure');
  const ext = vscode.extensions.getExtension<CharRnnApi>('charrnn.charrnn-complete')!;
  const api = ext.isActive ? ext.exports : await ext.activate();
  console.log(`cores: ${os.cpus().length}, phase: ${PHASE_MS / 1000} s`);

  // A small model for the completion round trips (as the completion suite trains it).
  await configure({ 'model.lstmSize': 64, 'model.numLayers': 1, 'training.batchSize': 8, 'training.numSteps': 32, 'training.epochs': 15, 'training.maxMinutes': 4, 'training.learningRate': 0.01 });
  const trained = whenDone(api);
  await vscode.commands.executeCommand('charrnn.train', { mode: 'fresh', quiet: true });
  await trained;
  // Training during the phases: the default model shape, long enough to outlast them.
  await configure({ 'model.lstmSize': 256, 'model.numLayers': 2, 'training.batchSize': 32, 'training.numSteps': 64, 'training.epochs': 1000, 'training.maxMinutes': 30, 'training.learningRate': 0.002 });

  const doc = await vscode.workspace.openTextDocument({ language: 'typescript', content: `${PREFIX}\n\n` });
  const editor = await vscode.window.showTextDocument(doc);
  await api.completions.client.complete({ docKey: 'warm', offset: PREFIX.length, prefix: PREFIX, suffix: '', settings: { maxChars: 40, minConfidence: 0.05, contextChars: 256 } });
  await sleep(2000);

  await phase(api, 'idle', editor);
  const loops = busyLoops();
  try {
    await sleep(1000);
    await phase(api, 'busy', editor);
    for (const [name, settings] of [
      ['busy+train', { 'training.lowPriority': true, 'training.yieldWhileTyping': false }],
      ['busy+train-nice0', { 'training.lowPriority': false, 'training.yieldWhileTyping': false }],
      ['busy+train-yield', { 'training.lowPriority': true, 'training.yieldWhileTyping': true }],
    ] as const) {
      await configure(settings);
      const started = new Promise<void>((resolve) => {
        const sub = api.training.onEvent((e) => {
          if (e.type === 'progress') {
            sub.dispose();
            resolve();
          }
        });
      });
      await vscode.commands.executeCommand('charrnn.train', { mode: 'fresh', quiet: true });
      await started;
      await phase(api, name, editor);
      await api.training.stop();
    }
  } finally {
    for (const l of loops) l.kill('SIGKILL');
    if (api.training.running) await api.training.stop();
  }
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
}
