/**
 * Reading a file found by the walk: its size checked first, a large file's first bytes checked
 * for binary content before the rest is read, the bytes decoded (UTF-8, or UTF-16 with a BOM).
 */
import * as fs from 'fs';
import { isBinaryFileSync } from 'isbinaryfile';
import type { SkipReason } from './report';

/** Files larger than this are read in two parts: HEAD_BYTES to detect binary content, then the rest. */
const SMALL_FILE_BYTES = 65536;
const HEAD_BYTES = 4096;

export type ReadResult =
  | { ok: true; buf: Buffer }
  | { ok: false; reason: SkipReason };

const UNREADABLE: ReadResult = { ok: false, reason: 'unreadable' };

/**
 * Reads one file: checks its size first, and for a large file its first bytes for binary content
 * before reading the rest. Never rejects. (Callback fs: about twice as fast as FileHandle here.)
 */
export function readCandidate(abs: string, maxFileBytes: number): Promise<ReadResult> {
  return new Promise((resolve) => {
    fs.open(abs, 'r', (openErr, fd) => {
      if (openErr) return resolve(UNREADABLE);
      const finish = (r: ReadResult) => fs.close(fd, () => resolve(r));
      fs.fstat(fd, (statErr, st) => {
        if (statErr || !st.isFile()) return finish(UNREADABLE);
        if (st.size > maxFileBytes) return finish({ ok: false, reason: 'too-large' });
        if (st.size === 0) return finish({ ok: false, reason: 'empty' });
        // Read at most the size seen now: a file that grows meanwhile is cut there.
        const buf = Buffer.allocUnsafe(st.size);
        const head = st.size > SMALL_FILE_BYTES ? HEAD_BYTES : st.size;
        let n = 0;
        let checked = false;
        const isBinary = () => {
          checked = true;
          return isBinaryFileSync(buf.subarray(0, n), n);
        };
        const done = () => {
          if (n === 0) return finish({ ok: false, reason: 'empty' });
          if (!checked && isBinary()) return finish({ ok: false, reason: 'binary' });
          finish({ ok: true, buf: n === buf.length ? buf : buf.subarray(0, n) });
        };
        const more = (): void => {
          if (n >= buf.length) return done();
          const want = (checked ? buf.length : head) - n;
          fs.read(fd, buf, n, want, n, (readErr, bytesRead) => {
            if (readErr) return finish(UNREADABLE);
            if (bytesRead === 0) return done(); // the file shrank
            n += bytesRead;
            if (!checked && n >= head && isBinary()) return finish({ ok: false, reason: 'binary' });
            more();
          });
        };
        more();
      });
    });
  });
}

const utf8 = new TextDecoder('utf-8');

/** UTF-8 with invalid bytes replaced by U+FFFD (a BOM is dropped); UTF-16 when it has a BOM. */
export function decodeText(buf: Uint8Array): string {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder('utf-16le').decode(buf);
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    try {
      return new TextDecoder('utf-16be').decode(buf);
    } catch {
      // Node without full ICU: fall through to UTF-8.
    }
  }
  return utf8.decode(buf);
}

