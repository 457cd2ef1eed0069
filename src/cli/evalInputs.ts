/**
 * What `charrnn eval` reads, bounded: a path given directly must be a regular file (a FIFO would
 * hang, /dev/zero never ends), not binary and within the size limit; folders go through corpus
 * collection (which applies the same limits and skips such files with a count).
 */
import * as fs from 'fs';
import { isBinaryFileSync } from 'isbinaryfile';
import { decodeText } from '../core/corpus/corpus';
import { formatBytes } from '../core/util/format';

export interface EvalInputs {
  /** Texts of the files given directly, in order. */
  texts: string[];
  /** Folders given, for corpus collection. */
  folders: string[];
}

/** Throws a one-line Error for the first path that cannot be evaluated. */
export function readEvalInputs(paths: string[], maxFileBytes: number, maxTotalBytes: number): EvalInputs {
  const texts: string[] = [];
  const folders: string[] = [];
  let total = 0;
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new Error(`no such file or folder: ${p}`);
    }
    if (st.isDirectory()) {
      folders.push(p);
      continue;
    }
    if (!st.isFile()) throw new Error(`not a regular file: ${p} (FIFOs, devices and sockets are not read)`);
    if (st.size > maxFileBytes) {
      throw new Error(`${p} is ${formatBytes(st.size)}, over the ${formatBytes(maxFileBytes)} limit (raise it with --max-file-bytes)`);
    }
    total += st.size;
    if (total > maxTotalBytes) throw new Error(`the files given add up to more than ${formatBytes(maxTotalBytes)} (--max-corpus-bytes)`);
    // Read at most the size seen: a file that grows meanwhile is cut there.
    const buf = Buffer.alloc(st.size);
    const fd = fs.openSync(p, 'r');
    let n = 0;
    try {
      while (n < buf.length) {
        const got = fs.readSync(fd, buf, n, buf.length - n, n);
        if (got === 0) break;
        n += got;
      }
    } finally {
      fs.closeSync(fd);
    }
    if (n > 0 && isBinaryFileSync(buf.subarray(0, n), n)) throw new Error(`${p} looks like a binary file`);
    texts.push(decodeText(buf.subarray(0, n)));
  }
  return { texts, folders };
}
