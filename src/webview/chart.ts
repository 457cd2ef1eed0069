/**
 * The loss chart: uPlot (canvas, made for large series) over the aligned LossSeries of
 * src/core/lossSeries.ts. Points are appended to the series' arrays in place; the chart redraws at
 * most once per animation frame, whatever the rate of progress events. Colours and fonts come from
 * VS Code's theme variables and are re-read when the theme changes.
 */
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css';
import { appendPoint, chartColumns, emptySeries, type AppendResult, type HistoryPointLike, type LossSeries, type XAxis } from '../core/views/lossSeries';
import { formatBpc, formatCompact, formatInt, WHOLE_INCREMENTS } from './format';

let cssAdopted = false;

/** uPlot's stylesheet as a constructed stylesheet (allowed by the panel's CSP, no inline style). */
function adoptUPlotCss(): void {
  if (cssAdopted) return;
  cssAdopted = true;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(uPlotCss);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

interface Theme {
  train: string;
  val: string;
  mix: string;
  text: string;
  grid: string;
  font: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

let probe: CanvasRenderingContext2D | null | undefined;

/**
 * The colour made opaque. Some themes define the chart colours through colours with alpha
 * (charts.orange defaults to minimap.findMatchHighlight): a thin line in them is hard to see.
 */
export function opaque(color: string): string {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return color;
  probe.fillStyle = '#000';
  probe.fillStyle = color;
  const normal = String(probe.fillStyle);
  const m = /^rgba\((\d+),\s*(\d+),\s*(\d+),\s*[\d.]+\)$/.exec(normal);
  return m ? `rgb(${m[1]}, ${m[2]}, ${m[3]})` : normal;
}

function readTheme(): Theme {
  const style = getComputedStyle(document.body);
  const hc = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  const fg = cssVar(style, '--vscode-foreground', '#cccccc');
  const family = cssVar(style, '--vscode-font-family', 'system-ui, sans-serif');
  return {
    train: opaque(cssVar(style, '--vscode-charts-blue', '#3794ff')),
    val: opaque(cssVar(style, '--vscode-charts-orange', '#d18616')),
    mix: opaque(cssVar(style, '--vscode-charts-green', '#388a34')),
    text: cssVar(style, '--vscode-descriptionForeground', fg),
    grid: hc ? cssVar(style, '--vscode-contrastBorder', fg) : cssVar(style, '--vscode-editorWidget-border', 'rgba(128,128,128,0.35)'),
    font: `11px ${family}`,
  };
}

export class LossChart {
  private plot: uPlot | undefined;
  private series: LossSeries = emptySeries();
  private frame = 0;
  /** The user has zoomed in (drag on the chart); appends then keep the zoom. Double-click resets. */
  private zoomed = false;
  /** Called after each redraw (for the text summary next to the chart). */
  onDraw: ((s: LossSeries) => void) | undefined;

  constructor(
    private readonly host: HTMLElement,
    private axis: XAxis,
  ) {
    adoptUPlotCss();
    this.create();
    // The chart lives as long as the webview's page: nothing to disconnect.
    new ResizeObserver(() => this.resize()).observe(host);
    // VS Code changes the body's classes and the theme variables (on <html>) on a theme switch.
    const themeObserver = new MutationObserver(() => this.create());
    themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
  }

  get data(): LossSeries {
    return this.series;
  }

  /** Replaces all the data (panel opened, run restored). */
  setSeries(s: LossSeries): void {
    this.series = s;
    this.zoomed = false;
    this.schedule();
  }

  /** Adds a progress point; the redraw happens on the next animation frame. */
  append(p: HistoryPointLike): AppendResult {
    const r = appendPoint(this.series, p);
    if (r !== 'ignored') this.schedule();
    return r;
  }

  setAxis(axis: XAxis): void {
    if (axis === this.axis) return;
    this.axis = axis;
    this.create();
  }

  private size(): { width: number; height: number } {
    const width = Math.max(200, Math.floor(this.host.clientWidth));
    const height = Math.max(180, Math.min(420, Math.round(width * 0.42)));
    return { width, height };
  }

  private resize(): void {
    if (!this.plot) return;
    const { width, height } = this.size();
    if (width !== this.plot.width || height !== this.plot.height) this.plot.setSize({ width, height });
  }

  /** (Re)creates the plot: at start, on a theme change and when the x axis changes. */
  private create(): void {
    const t = readTheme();
    this.plot?.destroy();
    const chars = this.axis === 'chars';
    const axisCommon = {
      stroke: t.text,
      font: t.font,
      labelFont: t.font,
      grid: { stroke: t.grid, width: 1 },
      ticks: { stroke: t.grid, width: 1 },
    };
    const opts: uPlot.Options = {
      ...this.size(),
      class: 'loss-chart',
      scales: { x: { time: false } },
      legend: { live: true },
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width > 0) this.zoomed = true;
          },
        ],
      },
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
      series: [
        {
          label: chars ? 'chars seen' : 'step',
          value: (_u, v) => (v == null ? '–' : formatInt(v)),
        },
        {
          label: 'train',
          stroke: t.train,
          width: 1.5,
          spanGaps: true,
          points: { show: false },
          value: (_u, v) => formatBpc(v),
        },
        {
          label: 'validation',
          stroke: t.val,
          width: 2,
          spanGaps: true,
          // Dots while validations are few enough to tell apart, a plain line after that.
          points: { show: () => this.valPointsSparse(), size: 5, fill: t.val, stroke: t.val },
          value: (_u, v) => formatBpc(v),
        },
        {
          // The completion model (n-gram + cache + LSTM), where the mixer was fitted.
          label: 'mixture',
          stroke: t.mix,
          width: 2,
          spanGaps: true,
          points: { show: true, size: 5, fill: t.mix, stroke: t.mix },
          value: (_u, v) => formatBpc(v),
        },
      ],
      axes: [
        {
          ...axisCommon,
          label: chars ? 'characters seen' : 'step',
          // Whole steps and characters only: at step 1 the ticks read "0 1", not "0 0 0 1 1 1".
          incrs: WHOLE_INCREMENTS,
          values: (_u, splits) => splits.map((v) => formatCompact(v)),
        },
        {
          ...axisCommon,
          label: 'bits per character',
          size: 56,
          values: (_u, splits) => splits.map((v) => v.toFixed(v !== 0 && Math.abs(v) < 1 ? 2 : 1)),
        },
      ],
    };
    this.zoomed = false;
    this.plot = new uPlot(opts, chartColumns(this.series, this.axis), this.host);
    this.plot.over.addEventListener('dblclick', () => {
      this.zoomed = false;
    });
  }

  private valPointsSparse(): boolean {
    const width = this.plot?.bbox.width ?? 0;
    const max = width / (8 * devicePixelRatio);
    let n = 0;
    for (const v of this.series.valLoss) if (v !== null && ++n > max) return false;
    return true;
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Pushes the current arrays to uPlot (one setData per frame at most). */
  draw(): void {
    if (!this.plot) return;
    // uPlot keeps the arrays; passing them again makes it re-read their length and ranges.
    this.plot.setData(chartColumns(this.series, this.axis), !this.zoomed);
    this.onDraw?.(this.series);
  }
}
