/**
 * Numbers as people read them, shared by the panel (webview), the corpus report, the progress
 * notification and the CLI. Pure: no Node or DOM.
 */

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
