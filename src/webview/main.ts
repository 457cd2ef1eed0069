/**
 * The training panel's script (bundled as dist/webview.js, target web). It renders the panel,
 * sends `{command}` messages to the extension and applies the `{type}` messages it gets back.
 * Its small UI state (x axis, drafts, sample box) survives the webview being hidden or reloaded
 * through getState/setState; everything else comes from the extension on `ready`.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { MixtureEvent } from '../core/contracts/trainEvents';
import type { FromTrainer } from '../protocol/trainer';
import type { LatestEvents, XAxis } from '../core/views/lossSeries';
import { thresholdText, type ModelInfo } from '../core/views/modelSummary';
import { SAMPLE_LIMITS, isToPanel, type FromPanel, type InitMessage, type ToPanel } from '../protocol/panel';
import { TYPICAL_VOCAB_SIZE, shapeDiffers, type PanelSettingKey } from '../protocol/panelSettings';
import { parameterCount } from '../core/lstm/weights';
import type { StatsView } from '../core/views/statsData';
import { LossChart } from './chart';
import { SettingsForm } from './form';
import { formatBpc, formatBytes, formatCompact, formatDuration, formatInt, originText } from './format';
import { runPercent } from '../core/views/runProgress';
import { renderView, type View } from './view';

interface VsCodeApi<S> {
  postMessage(message: FromPanel): void;
  getState(): S | undefined;
  setState(state: S): void;
}
declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

/** What the webview keeps across hide/show and window reloads (small: no chart data). */
interface UiState {
  v: 1;
  axis: XAxis;
  drafts: Partial<Record<PanelSettingKey, string>>;
  temperature: string;
  length: string;
  prime: string;
  sample?: { text: string; label: string; fromTrainer: boolean };
}

type RunPhase = 'idle' | 'starting' | 'running' | 'stopping';

class Panel {
  private readonly vscode = acquireVsCodeApi<UiState>();
  private readonly v: View;
  private readonly chart: LossChart;
  private readonly form: SettingsForm;
  private state: UiState;
  private phase: RunPhase = 'idle';
  private model: ModelInfo | undefined;
  /** The model folder's meta.json cannot be read: shown instead of "none". */
  private modelError: string | undefined;
  /** The last mixture fit of the current run (what serves completions now). */
  private latestMixture: MixtureEvent | undefined;
  private latest: LatestEvents = {};
  private lastEnd: { text: string; kind: 'done' | 'error' } | undefined;
  private sampling = false;
  private frame = 0;
  private paused = false;

  constructor(root: HTMLElement) {
    const saved = this.vscode.getState();
    this.state = saved && saved.v === 1 ? saved : {
      v: 1,
      axis: 'step',
      drafts: {},
      temperature: String(SAMPLE_LIMITS.temperature.default),
      length: String(SAMPLE_LIMITS.length.default),
      prime: '',
    };
    this.v = renderView(root);
    this.chart = new LossChart(this.v.chart, this.state.axis);
    this.chart.onDraw = () => this.describeChart();
    this.form = new SettingsForm(this.v.form, this.state.drafts);
    this.form.onChange = () => {
      this.state.drafts = this.form.draftTexts;
      this.save();
      this.renderControls();
    };
    this.v.axis.value = this.state.axis;
    this.v.temperature.value = this.state.temperature;
    this.v.length.value = this.state.length;
    this.v.prime.value = this.state.prime;
    if (this.state.sample) this.showSample(this.state.sample.text, this.state.sample.label, this.state.sample.fromTrainer);
    this.wire();
    this.renderAll();
    // Ask for the state only once the listener is there, so nothing posted in reply is missed.
    this.post({ command: 'ready' });
  }

  private post(m: FromPanel): void {
    this.vscode.postMessage(m);
  }

  private save(): void {
    this.vscode.setState(this.state);
  }

  private wire(): void {
    const v = this.v;
    window.addEventListener('message', (e: MessageEvent<unknown>) => {
      if (isToPanel(e.data)) this.onMessage(e.data);
    });
    v.start.addEventListener('click', () => this.start(false));
    v.cont.addEventListener('click', () => this.start(true));
    v.stop.addEventListener('click', () => {
      if (this.phase !== 'running' && this.phase !== 'starting') return;
      this.phase = 'stopping';
      this.renderControls();
      this.post({ command: 'stop' });
    });
    v.pause.addEventListener('click', () => {
      if (this.phase !== 'running') return;
      this.post({ command: this.paused ? 'resume' : 'pause' });
    });
    v.resetStats.addEventListener('click', () => this.post({ command: 'resetStats' }));
    v.apply.addEventListener('click', () => this.apply());
    v.revert.addEventListener('click', () => this.form.revert());
    v.openSettings.addEventListener('click', () => this.post({ command: 'openSettings' }));
    v.axis.addEventListener('change', () => {
      const axis: XAxis = v.axis.value === 'chars' ? 'chars' : 'step';
      this.state.axis = axis;
      this.save();
      this.chart.setAxis(axis);
    });
    const sampleField = () => {
      this.state.temperature = v.temperature.value;
      this.state.length = v.length.value;
      this.state.prime = v.prime.value;
      this.save();
      this.renderSampleControls();
    };
    for (const f of [v.temperature, v.length, v.prime]) {
      f.addEventListener('input', sampleField);
      f.addEventListener('change', sampleField);
      f.addEventListener('keydown', (e: KeyboardEvent) => {
        if (e.key === 'Enter') this.generate();
      });
    }
    v.generate.addEventListener('click', () => this.generate());
    // Enter in a settings field applies (the form does not submit).
    v.form.addEventListener('keydown', (e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.target as HTMLElement).tagName === 'VSCODE-TEXTFIELD') this.apply();
    });
  }

  private start(resume: boolean): void {
    const { changes, errors, dirty } = this.form.values();
    if (Object.keys(errors).length) {
      this.formStatus('Fix the settings marked in red first.', true);
      this.form.focusFirstError();
      return;
    }
    this.phase = 'starting';
    this.lastEnd = undefined;
    this.hideNotice();
    this.renderControls();
    this.post(dirty ? { command: 'start', resume, values: changes } : { command: 'start', resume });
  }

  private apply(): void {
    const { changes, errors, dirty } = this.form.values();
    if (Object.keys(errors).length) {
      this.formStatus('Fix the settings marked in red first.', true);
      this.form.focusFirstError();
      return;
    }
    if (!dirty) {
      this.formStatus('No changes.');
      return;
    }
    this.formStatus('Saving…');
    this.post({ command: 'applySettings', values: changes });
  }

  private sampleRequest(): { temperature: number; length: number; prime: string } | undefined {
    const T = SAMPLE_LIMITS.temperature;
    const L = SAMPLE_LIMITS.length;
    const temperature = Number(this.v.temperature.value);
    const length = Number(this.v.length.value);
    const tOk = this.v.temperature.value.trim() !== '' && Number.isFinite(temperature) && temperature >= T.min && temperature <= T.max;
    const lOk = Number.isInteger(length) && length >= L.min && length <= L.max;
    this.v.temperature.invalid = !tOk;
    this.v.length.invalid = !lOk;
    const prime = this.v.prime.value.slice(0, SAMPLE_LIMITS.primeMaxLength);
    return tOk && lOk ? { temperature, length, prime } : undefined;
  }

  private generate(): void {
    if (this.sampling) return;
    const req = this.sampleRequest();
    if (!req) {
      this.v.sampleLabel.textContent = `Temperature ${SAMPLE_LIMITS.temperature.min}–${SAMPLE_LIMITS.temperature.max}, length ${SAMPLE_LIMITS.length.min}–${SAMPLE_LIMITS.length.max}.`;
      this.v.sampleLabel.classList.add('error');
      return;
    }
    this.sampling = true;
    this.v.sampleLabel.classList.remove('error');
    this.v.sampleLabel.textContent = 'Generating…';
    this.renderSampleControls();
    this.post({ command: 'sample', ...req });
  }

  // ------------------------------------------------------------------ messages from the host

  private onMessage(m: ToPanel): void {
    switch (m.type) {
      case 'init':
        this.init(m);
        break;
      case 'trainer':
        this.onTrainer(m.event);
        this.setRunning(m.running);
        break;
      case 'running':
        this.setRunning(m.running);
        break;
      case 'settings':
        this.form.setApplied(m.settings, m.settingErrors);
        break;
      case 'applied':
        if (m.ok) this.formStatus(m.message ?? 'Saved.');
        else {
          this.form.showErrors(m.errors);
          this.formStatus(m.message ?? 'Not saved.', true);
        }
        if (!m.ok && this.phase === 'starting') this.phase = 'idle';
        this.renderControls();
        break;
      case 'model':
        this.model = m.model;
        this.modelError = m.modelError;
        this.renderControls();
        this.renderStats();
        break;
      case 'sampleResult':
        this.sampling = false;
        if (m.ok) this.showSample(m.text, `Temperature ${m.temperature}`, false);
        else {
          this.v.sampleLabel.textContent = m.error ?? 'No sample.';
          this.v.sampleLabel.classList.add('error');
        }
        this.renderSampleControls();
        break;
      case 'notice':
        this.showNotice(m.message, m.level);
        if (this.phase === 'starting' || this.phase === 'stopping') this.phase = 'idle';
        this.renderControls();
        break;
      case 'paused':
        this.paused = m.paused;
        this.renderAll();
        break;
      case 'stats':
        this.renderUsage(m.stats);
        break;
    }
  }

  private renderUsage(stats: StatsView | undefined): void {
    const v = this.v;
    const rows = stats ? [...stats.rows, ...(stats.rows.length > 1 ? [stats.total] : [])] : [];
    v.usageRows.replaceChildren(
      ...rows.map((r) => {
        const tr = document.createElement('tr');
        if (r === stats?.total) tr.className = 'total';
        const cells = [
          r === stats?.total ? 'All' : r.language,
          formatInt(r.shown),
          `${formatInt(r.accepted)}${r.acceptRate !== undefined ? ` (${Math.round(100 * r.acceptRate)}% with partly)` : ''}`,
          formatInt(r.partial),
          formatInt(r.charsSaved),
          r.p50Ms !== undefined ? `≤ ${r.p50Ms} / ${r.p95Ms !== undefined ? `≤ ${r.p95Ms}` : '> 2000'} ms` : '–',
        ];
        for (const text of cells) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.appendChild(td);
        }
        return tr;
      }),
    );
    v.usageTable.hidden = rows.length === 0;
    v.usageEmpty.hidden = rows.length > 0;
    v.usageSince.textContent = stats && rows.length ? `Since ${new Date(stats.since).toLocaleString()}. Stored in this workspace's storage folder; never sent anywhere.` : '';
  }

  private init(m: InitMessage): void {
    this.model = m.model;
    this.modelError = m.modelError;
    this.paused = m.paused ?? false;
    this.renderUsage(m.stats);
    this.latest = m.latest;
    this.phase = m.running ? 'running' : 'idle';
    this.lastEnd = m.latest.error
      ? { text: `Error: ${m.latest.error.message}`, kind: 'error' }
      : m.latest.done
        ? { text: doneText(m.latest.done.reason), kind: 'done' }
        : undefined;
    this.form.setApplied(m.settings, m.settingErrors);
    this.chart.setSeries(m.series);
    // A trainer sample newer than what the box shows replaces it (unless the user generated one).
    if (m.latest.sample && (!this.state.sample || this.state.sample.fromTrainer)) {
      this.showSample(m.latest.sample.text, `Trainer sample at step ${formatInt(m.latest.sample.step)}`, true);
    }
    if (!this.state.sample && !m.latest.sample && m.model && !m.running) this.generate();
    this.renderAll();
  }

  private onTrainer(e: FromTrainer): void {
    switch (e.type) {
      case 'ready':
        this.latest = { ready: e };
        this.latestMixture = undefined;
        this.lastEnd = undefined;
        if (this.phase !== 'stopping') this.phase = 'running';
        break;
      case 'corpus':
        this.latest.corpus = e;
        break;
      case 'origin':
        this.latest.origin = e;
        break;
      case 'progress':
        this.latest.progress = e;
        this.chart.append(e);
        break;
      case 'sample':
        this.latest.sample = e;
        this.showSample(e.text, `Trainer sample at step ${formatInt(e.step)}`, true);
        break;
      case 'checkpoint':
        break;
      case 'mixture':
        this.latestMixture = e;
        if (e.bitsPerChar.mixture !== undefined && e.step > 0) this.chart.append({ step: e.step, charsSeen: NaN, loss: NaN, mixLoss: e.bitsPerChar.mixture });
        break;
      case 'done':
        this.latest.done = e;
        this.lastEnd = { text: doneText(e.reason), kind: 'done' };
        break;
      case 'error':
        this.latest.error = e;
        this.lastEnd = { text: `Error: ${e.message}`, kind: 'error' };
        this.showNotice(e.message, 'error');
        break;
      case 'log':
        return;
    }
    this.scheduleRender();
  }

  private setRunning(running: boolean): void {
    const before = this.phase;
    if (!running) this.paused = false;
    if (running) {
      if (this.phase !== 'stopping') this.phase = 'running';
    } else if (this.phase !== 'starting') {
      this.phase = 'idle';
    }
    if (before !== this.phase) this.scheduleRender();
  }

  // ------------------------------------------------------------------ rendering

  /** Progress events can come many times a second: the text is rendered once per frame. */
  private scheduleRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderAll();
    });
  }

  private renderAll(): void {
    this.renderStats();
    this.renderControls();
    this.renderSampleControls();
  }

  private renderStats(): void {
    const s = this.v.stats;
    const p = this.latest.progress;
    const c = this.latest.corpus;
    s.epoch.textContent = p ? formatInt(p.epoch) : '–';
    s.step.textContent = p ? `${formatInt(p.step)} / ${formatInt(p.totalSteps)}` : '–';
    s.speed.textContent = p ? `${formatCompact(p.charsPerSec)} chars/s` : '–';
    s.elapsed.textContent = p ? formatDuration(p.elapsedSec) : '–';
    s.eta.textContent = p && this.phase === 'running' ? formatDuration(p.etaSec) : '–';
    s.loss.textContent = p ? `${formatBpc(p.loss)} bits/char` : '–';
    const lastVal = lastNonNull(this.chart.data.valLoss);
    const best = minNonNull(this.chart.data.valLoss);
    s.val.textContent = lastVal !== null ? `${formatBpc(lastVal)} (best ${formatBpc(best)})` : this.model?.bestValLoss != null ? `best ${formatBpc(this.model.bestValLoss)}` : '–';
    const r = this.latest.ready;
    s.backend.textContent = r ? `${backendName(r.backend)} · ${r.threads} thread${r.threads === 1 ? '' : 's'}` : this.model ? backendName(this.model.backend) : '–';
    s.corpus.textContent = c
      ? `${formatInt(c.files)} files · ${formatBytes(c.bytes)} · ${formatCompact(c.chars)} chars`
      : this.model
        ? `${formatInt(this.model.corpusFiles)} files · ${formatBytes(this.model.corpusBytes)}`
        : '–';
    const origin = this.latest.origin;
    s.origin.textContent = origin ? originText(origin) : '–';
    s.vocab.textContent = c ? formatInt(c.vocabSize) : this.model ? formatInt(this.model.vocabSize) : '–';
    s.params.textContent = c ? formatInt(c.parameters) : this.model ? formatInt(this.model.parameters) : '–';
    const stale = this.model?.savedSince
      ? ` · ${formatInt(this.model.savedSince)} file${this.model.savedSince === 1 ? '' : 's'} saved since: completions count them, the LSTM learns them at the next run`
      : '';
    s.model.textContent = this.model
      ? `${this.model.lstmSize}×${this.model.numLayers}, ${formatInt(this.model.step)} steps${stale}`
      : this.modelError
        ? `cannot be read: ${this.modelError}`
        : 'none';
    const mx = this.latestMixture;
    s.serving.textContent = mx
      ? `${mx.experts}${mx.step > 0 ? ` (step ${formatInt(mx.step)})` : ''} · ${thresholdText(mx)}`
      : this.model
        ? `${this.model.serving}${this.model.threshold ? ` · ${thresholdText(this.model.threshold)}` : ''}`
        : '–';
    const bpc = mx?.bitsPerChar ?? this.model?.expertBpc;
    s.experts.textContent = bpc
      ? Object.entries(bpc).map(([k, v]) => `${k === 'ngram' ? 'n-gram' : k === 'lstm' ? 'LSTM' : k} ${formatBpc(v as number)}`).join(' · ')
      : '–';

    // Against what ends the run (time limit or epochs), as the status bar shows it.
    const pc = p ? runPercent(p) : undefined;
    if (this.phase === 'starting' || (this.phase === 'running' && pc === undefined)) {
      this.v.bar.indeterminate = true;
    } else {
      this.v.bar.indeterminate = false;
      this.v.bar.max = 100;
      // A run that ended is at its end, whatever share of its plan it used (an early stop, a
      // time limit): "Done" beside a bar at 14% read as unfinished.
      this.v.bar.value = this.phase === 'idle' && this.lastEnd?.kind === 'done' ? 100 : pc ?? 0;
    }
    this.v.bar.hidden = this.phase === 'idle' && !p;

    const status = this.v.status;
    status.classList.remove('running', 'error', 'done');
    switch (this.phase) {
      case 'starting':
        status.textContent = 'Starting…';
        status.classList.add('running');
        break;
      case 'stopping':
        status.textContent = 'Stopping…';
        status.classList.add('running');
        break;
      case 'running':
        // Floored, as the status bar shows it (a run is never at 100% before it ends).
        status.textContent = this.paused
          ? `Paused${pc !== undefined ? ` · ${Math.floor(pc)}%` : ''}`
          : pc !== undefined ? `Training · ${Math.floor(pc)}%` : 'Training';
        status.classList.add('running');
        break;
      case 'idle':
        status.textContent = this.lastEnd?.text ?? (this.model ? 'Ready' : 'No model');
        if (this.lastEnd) status.classList.add(this.lastEnd.kind);
        break;
    }
    // A long error is cut to one line in the header (the buttons stay put); all of it on hover.
    status.title = status.textContent ?? '';
  }

  private renderControls(): void {
    const { merged, errors, dirty } = this.form.values();
    const hasErrors = Object.keys(errors).length > 0;
    const busy = this.phase !== 'idle';
    const shapeChanged = shapeDiffers(this.model, merged);
    this.v.start.disabled = busy || hasErrors;
    this.v.cont.disabled = busy || hasErrors || !this.model || shapeChanged;
    this.v.cont.title = !this.model
      ? 'No model to continue yet'
      : shapeChanged
        ? 'The model shape changed: it needs a fresh run (Start)'
        : `Continue training the current ${this.model.lstmSize}×${this.model.numLayers} model`;
    this.v.stop.disabled = this.phase !== 'running' && this.phase !== 'starting';
    this.v.pause.disabled = this.phase !== 'running';
    const pauseLabel = this.phase === 'running' && this.paused ? 'Resume' : 'Pause';
    if (this.v.pause.textContent !== pauseLabel) this.v.pause.textContent = pauseLabel;
    this.v.apply.disabled = !dirty || hasErrors;
    this.v.revert.disabled = Object.keys(this.form.draftTexts).length === 0;

    if (shapeChanged && this.model) {
      this.v.shapeNote.hidden = false;
      this.v.shapeNote.textContent =
        `Model shape ${this.model.lstmSize}×${this.model.numLayers} → ${merged['model.lstmSize']}×${merged['model.numLayers']}: ` +
        'a new shape needs a fresh training run (Start); Continue is not possible.';
    } else {
      this.v.shapeNote.hidden = true;
    }
    const vocab = this.latest.corpus?.vocabSize ?? this.model?.vocabSize;
    const params = parameterCount(vocab ?? TYPICAL_VOCAB_SIZE, merged['model.lstmSize'], merged['model.numLayers']);
    this.v.paramsNote.textContent =
      `${merged['model.lstmSize']}×${merged['model.numLayers']} model: ${vocab ? '' : '≈ '}${formatInt(params)} parameters` +
      (vocab ? ` (vocabulary ${formatInt(vocab)})` : ` (with a vocabulary of about ${TYPICAL_VOCAB_SIZE})`);
  }

  private renderSampleControls(): void {
    this.v.generate.disabled = this.sampling || (!this.model && this.phase === 'idle');
  }

  private describeChart(): void {
    const d = this.chart.data;
    const n = d.step.length;
    this.v.chartEmpty.hidden = n > 0;
    this.v.chart.classList.toggle('is-empty', n === 0);
    const train = lastNonNull(d.loss);
    const val = lastNonNull(d.valLoss);
    this.v.chart.setAttribute(
      'aria-label',
      n === 0
        ? 'Loss chart: no data yet'
        : `Loss chart, ${formatInt(n)} points up to step ${formatInt(d.step[n - 1])}: training ${formatBpc(train)}, validation ${formatBpc(val)} bits per character`,
    );
  }

  private showSample(text: string, label: string, fromTrainer: boolean): void {
    this.v.sampleText.textContent = text || '(empty)';
    this.v.sampleLabel.textContent = label;
    this.v.sampleLabel.classList.remove('error');
    this.state.sample = { text: text.slice(0, 4000), label, fromTrainer };
    this.save();
  }

  private formStatus(text: string, error = false): void {
    this.v.formStatus.textContent = text;
    this.v.formStatus.classList.toggle('error', error);
  }

  private showNotice(text: string, level: 'info' | 'warning' | 'error'): void {
    this.v.notice.hidden = false;
    this.v.notice.textContent = text;
    this.v.notice.className = `notice ${level}`;
  }

  private hideNotice(): void {
    this.v.notice.hidden = true;
    this.v.notice.textContent = '';
  }
}

function doneText(reason: string): string {
  switch (reason) {
    case 'completed':
      return 'Done';
    case 'stopped':
      return 'Stopped';
    case 'time-limit':
      return 'Done (time limit)';
    case 'early-stop':
      return 'Done (no more improvement)';
    case 'diverged':
      return 'Stopped: the loss diverged';
    default:
      return `Done (${reason})`;
  }
}

function backendName(b: string): string {
  if (b === 'tensorflow') return 'native TensorFlow';
  if (b === 'wasm') return 'WebAssembly (embedded)';
  if (b === 'cpu') return 'JavaScript CPU';
  return b;
}

function lastNonNull(a: readonly (number | null)[]): number | null {
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== null) return a[i];
  return null;
}

function minNonNull(a: readonly (number | null)[]): number | null {
  let m: number | null = null;
  for (const v of a) if (v !== null && (m === null || v < m)) m = v;
  return m;
}

const root = document.getElementById('app');
if (root) new Panel(root);
