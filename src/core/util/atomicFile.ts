/**
 * Writing files so that no reader sees half of one and no planted link is written through: the
 * one exclusive create (`writeExclusive`) and the one atomic swap (`replaceFile`: a fresh temp
 * name beside the file, created exclusively, renamed over it). The model folder's saves
 * (modelFolder.ts), the completion statistics (stats.ts) and the base model's serving file
 * (pretrain/serving.ts) write through these.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';

/** Creates `file` exclusively (never through an existing path, a symbolic link included) with `data`; removes it if the write fails. */
export function writeExclusive(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, 'wx', 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw e;
  }
  fs.closeSync(fd);
}

/**
 * Replaces `file` with `data` in one step: readers see the old content or the new, never a part.
 * The new content goes to a fresh name beside it (`<file>.<pid>.<random>.tmp`, created
 * exclusively), which is then renamed over `file` (a link at `file` is replaced, not followed).
 */
export function replaceFile(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeExclusive(tmp, data);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
