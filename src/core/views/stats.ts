/**
 * Local completion statistics, per language: completions shown, accepted, partially accepted
 * (word by word), characters saved, and request latency. Kept in one JSON file in the workspace's
 * storage folder (`<storage>/stats.json`), written atomically and at most every few seconds;
 * never sent anywhere. A missing or unreadable file starts empty. No `vscode` import.
 */
import * as fs from 'fs';
import * as path from 'path';
import { replaceFile } from '../util/atomicFile';
import { LATENCY_BUCKETS_MS, emptyData, emptyLanguageStats, parseStats, type LanguageStats, type StatsData, type StatsEvent } from './statsData';

export * from './statsData';

const SAVE_DELAY_MS = 5000;

export class StatsStore {
  private data: StatsData;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private listeners: (() => void)[] = [];

  /** `file` undefined: kept in memory only (no workspace storage). */
  constructor(private readonly file: string | undefined, private readonly now: () => number = Date.now) {
    this.data = emptyData(now());
    if (!file) return;
    try {
      this.data = parseStats(fs.readFileSync(file, 'utf8'), now());
    } catch {
      // missing or unreadable: start empty
    }
  }

  get snapshot(): StatsData {
    return JSON.parse(JSON.stringify(this.data)) as StatsData;
  }

  /** Called (synchronously) after every change. */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  }

  record(languageId: string, event: StatsEvent, charsSaved = 0): void {
    const l = this.lang(languageId);
    switch (event) {
      case 'shown':
        l.shown++;
        break;
      case 'accepted':
        l.accepted++;
        break;
      case 'partial':
        l.partial++;
        break;
      case 'partialBecameAccepted':
        l.partial = Math.max(0, l.partial - 1);
        l.accepted++;
        break;
    }
    l.charsSaved += Math.max(0, charsSaved);
    this.changed();
  }

  addChars(languageId: string, chars: number): void {
    if (chars <= 0) return;
    this.lang(languageId).charsSaved += chars;
    this.changed();
  }

  recordLatency(languageId: string, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const lat = this.lang(languageId).latency;
    lat.count++;
    lat.totalMs += ms;
    let i = LATENCY_BUCKETS_MS.findIndex((b) => ms <= b);
    if (i < 0) i = LATENCY_BUCKETS_MS.length;
    lat.buckets[i]++;
    this.changed();
  }

  reset(): void {
    this.data = emptyData(this.now());
    this.changed();
    this.save();
  }

  /** Writes the file now if anything changed (temp file + rename). */
  save(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.file || !this.dirty) return;
    this.dirty = false;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      replaceFile(this.file, JSON.stringify(this.data));
    } catch {
      this.dirty = true; // try again at the next change
    }
  }

  dispose(): void {
    this.save();
    this.listeners = [];
  }

  private lang(languageId: string): LanguageStats {
    const langs = this.data.languages;
    if (!Object.prototype.hasOwnProperty.call(langs, languageId)) {
      Object.defineProperty(langs, languageId, { value: emptyLanguageStats(), enumerable: true, writable: true, configurable: true });
    }
    return langs[languageId];
  }

  private changed(): void {
    this.dirty = true;
    if (this.file && !this.timer) {
      this.timer = setTimeout(() => this.save(), SAVE_DELAY_MS);
      this.timer.unref?.();
    }
    for (const l of this.listeners) l();
  }
}

