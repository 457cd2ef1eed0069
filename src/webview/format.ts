/** Number and time formatting for the panel. Pure (no DOM): unit-tested in Node. */

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1234567 → "1,234,567". */
export function formatInt(n: number): string {
  return Number.isFinite(n) ? intFmt.format(Math.round(n)) : '–';
}

/** 1234567 → "1.23M", 5300 → "5.3k", 12 → "12". */
export function formatCompact(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  const unit = a >= 1e9 ? ['G', 1e9] : a >= 1e6 ? ['M', 1e6] : a >= 1e3 ? ['k', 1e3] : ['', 1];
  const v = n / (unit[1] as number);
  const digits = unit[0] === '' ? 0 : Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toFixed(digits)}${unit[0]}`;
}

export { formatBytes, formatDuration } from '../core/util/format';

/** Bits per character with three decimals, "–" when missing. */
export function formatBpc(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(3) : '–';
}

/** Percentage of `step` in `total`, clamped to 0..100 (undefined when the total is unknown). */
export function percent(step: number, total: number): number | undefined {
  if (!(total > 0) || !Number.isFinite(step)) return undefined;
  return Math.max(0, Math.min(100, (100 * step) / total));
}

/** The panel's "Started from" line: the base model (and how well it knew the workspace before the first step), scratch and why, or the saved model. */
export function originText(o: { from: 'base' | 'scratch' | 'checkpoint'; base?: string; note: string; valBits?: number }): string {
  const before = o.valBits !== undefined ? ` · ${formatBpc(o.valBits)} bits/char on this workspace before training` : '';
  if (o.from === 'base') return `base model ${o.base ?? ''}${before}`;
  if (o.from === 'checkpoint') return `the saved model${before}`;
  // "training from scratch: the base model is 256x2 and ..." -> "scratch: the base model is ..."
  return o.note.replace(/^training from /, '');
}
/** Tick increments of an axis of whole numbers (steps, characters): 1, 2, 5, 10, 20, 50, ... */
export const WHOLE_INCREMENTS: number[] = Array.from({ length: 13 }, (_, k) => [1, 2, 5].map((m) => m * 10 ** k)).flat();
