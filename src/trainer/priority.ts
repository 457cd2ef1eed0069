/**
 * Runs the trainer at the lowest scheduling priority, so the editor, the extension host and the
 * user's own programs get the cores first (nice 19 on Unix, IDLE_PRIORITY_CLASS on Windows).
 *
 * On Linux a priority belongs to a thread, not to the process: `os.setPriority(0, …)` changes only
 * the calling thread. Threads created afterwards (the wasm backend's thread pool) inherit it from
 * the main thread; the ones Node started before us (libuv's pool, V8's helpers) are lowered one by
 * one through /proc/self/task.
 */
import * as fs from 'fs';
import * as os from 'os';

/** Lowers the priority of every thread of this process; returns the new priority, or undefined. */
export function lowerPriority(log: (m: string) => void): number | undefined {
  const target = os.constants.priority.PRIORITY_LOW;
  try {
    os.setPriority(0, target);
  } catch (e) {
    log(`could not lower the trainer's priority: ${(e as Error).message}`);
    return undefined;
  }
  if (process.platform === 'linux') {
    let tids: string[] = [];
    try {
      tids = fs.readdirSync('/proc/self/task');
    } catch {
      // no /proc: the main thread's priority is all we can set
    }
    for (const tid of tids) {
      try {
        os.setPriority(Number(tid), target);
      } catch {
        // the thread may have ended meanwhile
      }
    }
  }
  return os.getPriority(0);
}
