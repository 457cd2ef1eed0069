/**
 * The panel's static markup and typed references to its elements. The markup holds no data and no
 * event handlers (the CSP forbids inline handlers); main.ts fills it with textContent / properties.
 */
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeProgressBar } from '@vscode-elements/elements/dist/vscode-progress-bar/vscode-progress-bar.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import { SAMPLE_LIMITS } from '../protocol/panel';

const MARKUP = /* html */ `
<header class="top">
  <div class="title">
    <h1>CharRNN Training</h1>
    <span id="status" class="status" role="status" aria-live="polite">Idle</span>
  </div>
  <div class="actions" role="toolbar" aria-label="Training">
    <vscode-button id="start" title="Train a new model from scratch with the settings below (replaces the current model)">Start</vscode-button>
    <vscode-button id="continue" secondary title="Continue training the current model">Continue</vscode-button>
    <vscode-button id="pause" secondary title="Hold the run (the model stays in memory); Resume goes on">Pause</vscode-button>
    <vscode-button id="stop" secondary title="Save the best checkpoint and stop">Stop</vscode-button>
  </div>
</header>

<div id="notice" class="notice" role="alert" hidden></div>

<section class="progress" aria-labelledby="progress-h">
  <h2 id="progress-h" class="visually-hidden">Progress</h2>
  <vscode-progress-bar id="bar" aria-label="Training progress"></vscode-progress-bar>
  <dl class="stats">
    <div><dt>Epoch</dt><dd id="s-epoch">–</dd></div>
    <div><dt>Step</dt><dd id="s-step">–</dd></div>
    <div><dt>Speed</dt><dd id="s-speed">–</dd></div>
    <div><dt>Elapsed</dt><dd id="s-elapsed">–</dd></div>
    <div><dt>ETA</dt><dd id="s-eta">–</dd></div>
    <div><dt>Train loss</dt><dd id="s-loss">–</dd></div>
    <div title="The LSTM alone on the validation files, read in chunks of num_steps characters as training reads them (the chart's validation line)"><dt>LSTM validation loss</dt><dd id="s-val">–</dd></div>
    <div><dt>Backend</dt><dd id="s-backend">–</dd></div>
    <div><dt>Corpus</dt><dd id="s-corpus">–</dd></div>
    <div><dt>Started from</dt><dd id="s-origin">–</dd></div>
    <div><dt>Vocabulary</dt><dd id="s-vocab">–</dd></div>
    <div><dt>Parameters</dt><dd id="s-params">–</dd></div>
    <div><dt>Model</dt><dd id="s-model">none</dd></div>
    <div><dt>Serving</dt><dd id="s-serving">–</dd></div>
    <div title="Each model that answers completions, and their mixture, on held-out positions of the validation files read from their start (the mixer's fit; its last quarter is held out of the fit)"><dt>Completion models, held out (bits/char)</dt><dd id="s-experts">–</dd></div>
  </dl>
</section>

<section class="chart-section" aria-labelledby="chart-h">
  <div class="section-head">
    <h2 id="chart-h">Loss <span class="unit">(bits per character)</span></h2>
    <div class="axis-select">
      <vscode-label for="axis">X axis</vscode-label>
      <vscode-single-select id="axis" aria-label="X axis">
        <vscode-option value="step">Steps</vscode-option>
        <vscode-option value="chars">Characters seen</vscode-option>
      </vscode-single-select>
    </div>
  </div>
  <div id="chart" class="chart" role="img" aria-label="Loss chart: no data yet"></div>
  <p id="chart-empty" class="empty">No training history yet. Start a run to see the training and validation loss.</p>
</section>

<div class="columns">
  <section class="settings" aria-labelledby="settings-h">
    <div class="section-head">
      <h2 id="settings-h">Settings</h2>
      <vscode-button id="open-settings" secondary title="Open these settings in the Settings editor">Settings editor</vscode-button>
    </div>
    <form id="form" class="form" novalidate></form>
    <p id="shape-note" class="shape-note" hidden></p>
    <p id="params-note" class="hint"></p>
    <div class="form-actions">
      <vscode-button id="apply" title="Write these values to this workspace's settings: .vscode/settings.json in the project (your user settings when no folder is open)">Apply</vscode-button>
      <vscode-button id="revert" secondary title="Discard the changes not applied yet">Revert</vscode-button>
      <span id="form-status" class="form-status" role="status" aria-live="polite"></span>
    </div>
  </section>

  <section class="sample" aria-labelledby="sample-h">
    <div class="section-head">
      <h2 id="sample-h">Sample</h2>
    </div>
    <div class="sample-controls">
      <div class="field">
        <vscode-label for="temperature">Temperature</vscode-label>
        <vscode-textfield id="temperature" value="${SAMPLE_LIMITS.temperature.default}"></vscode-textfield>
      </div>
      <div class="field">
        <vscode-label for="length">Length</vscode-label>
        <vscode-textfield id="length" type="number" value="${SAMPLE_LIMITS.length.default}"></vscode-textfield>
      </div>
      <div class="field grow">
        <vscode-label for="prime">Start with</vscode-label>
        <vscode-textfield id="prime" placeholder="(optional prime text)"></vscode-textfield>
      </div>
      <vscode-button id="generate" title="Generate text with the current model">Generate</vscode-button>
    </div>
    <p id="sample-label" class="hint"></p>
    <pre id="sample-text" class="sample-text" tabindex="0" aria-label="Sample text">No sample yet.</pre>
  </section>
</div>

<section class="usage" aria-labelledby="usage-h">
  <div class="section-head">
    <h2 id="usage-h">Completions <span class="unit">(kept on this machine only)</span></h2>
    <vscode-button id="reset-stats" secondary title="Forget these statistics">Reset</vscode-button>
  </div>
  <table id="usage-table" class="usage-table">
    <thead><tr><th scope="col">Language</th><th scope="col">Shown</th><th scope="col">Accepted</th><th scope="col">Partly</th><th scope="col">Chars saved</th><th scope="col">Latency p50 / p95</th></tr></thead>
    <tbody id="usage-rows"></tbody>
  </table>
  <p id="usage-empty" class="empty">No completions shown yet.</p>
  <p id="usage-since" class="hint"></p>
</section>
`;

export interface View {
  status: HTMLElement;
  start: VscodeButton;
  cont: VscodeButton;
  pause: VscodeButton;
  stop: VscodeButton;
  notice: HTMLElement;
  bar: VscodeProgressBar;
  stats: {
    epoch: HTMLElement;
    step: HTMLElement;
    speed: HTMLElement;
    elapsed: HTMLElement;
    eta: HTMLElement;
    loss: HTMLElement;
    val: HTMLElement;
    backend: HTMLElement;
    corpus: HTMLElement;
    origin: HTMLElement;
    vocab: HTMLElement;
    params: HTMLElement;
    model: HTMLElement;
    serving: HTMLElement;
    experts: HTMLElement;
  };
  axis: VscodeSingleSelect;
  chart: HTMLElement;
  chartEmpty: HTMLElement;
  form: HTMLFormElement;
  shapeNote: HTMLElement;
  paramsNote: HTMLElement;
  apply: VscodeButton;
  revert: VscodeButton;
  openSettings: VscodeButton;
  formStatus: HTMLElement;
  temperature: VscodeTextfield;
  length: VscodeTextfield;
  prime: VscodeTextfield;
  generate: VscodeButton;
  sampleLabel: HTMLElement;
  sampleText: HTMLElement;
  resetStats: VscodeButton;
  usageTable: HTMLTableElement;
  usageRows: HTMLElement;
  usageEmpty: HTMLElement;
  usageSince: HTMLElement;
}

/** Renders the markup into `root` and returns the element references. */
export function renderView(root: HTMLElement): View {
  root.innerHTML = MARKUP;
  root.removeAttribute('aria-busy');
  const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
    const el = root.querySelector<T>(`#${id}`);
    if (!el) throw new Error(`panel markup has no #${id}`);
    return el;
  };
  return {
    status: $('status'),
    start: $('start'),
    cont: $('continue'),
    pause: $('pause'),
    stop: $('stop'),
    notice: $('notice'),
    bar: $('bar'),
    stats: {
      epoch: $('s-epoch'),
      step: $('s-step'),
      speed: $('s-speed'),
      elapsed: $('s-elapsed'),
      eta: $('s-eta'),
      loss: $('s-loss'),
      val: $('s-val'),
      backend: $('s-backend'),
      corpus: $('s-corpus'),
      origin: $('s-origin'),
      vocab: $('s-vocab'),
      params: $('s-params'),
      model: $('s-model'),
      serving: $('s-serving'),
      experts: $('s-experts'),
    },
    axis: $('axis'),
    chart: $('chart'),
    chartEmpty: $('chart-empty'),
    form: $('form'),
    shapeNote: $('shape-note'),
    paramsNote: $('params-note'),
    apply: $('apply'),
    revert: $('revert'),
    openSettings: $('open-settings'),
    formStatus: $('form-status'),
    temperature: $('temperature'),
    length: $('length'),
    prime: $('prime'),
    generate: $('generate'),
    sampleLabel: $('sample-label'),
    sampleText: $('sample-text'),
    resetStats: $('reset-stats'),
    usageTable: $('usage-table'),
    usageRows: $('usage-rows'),
    usageEmpty: $('usage-empty'),
    usageSince: $('usage-since'),
  };
}
