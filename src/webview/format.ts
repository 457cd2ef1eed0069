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

/** Bytes as "812 B", "1.2 MB" (decimal units, like the corpus limits in the settings). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** Seconds as "42s", "3:07", "1:02:03"; negative or not finite → "–". */
export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '–';
  const s = Math.round(sec);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const two = (x: number) => String(x).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(r)}` : `${m}:${two(r)}`;
}

/** Bits per character with three decimals, "–" when missing. */
export function formatBpc(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(3) : '–';
}

/** Percentage of `step` in `total`, clamped to 0..100 (undefined when the total is unknown). */
export function percent(step: number, total: number): number | undefined {
  if (!(total > 0) || !Number.isFinite(step)) return undefined;
  return Math.max(0, Math.min(100, (100 * step) / total));
}
