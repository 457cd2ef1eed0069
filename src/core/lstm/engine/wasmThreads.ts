/**
 * Multi-threaded tfjs-backend-wasm in Node.
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD build (XNNPACK on a pthreadpool) but switches it off
 * in Node (tfjs issue #3830), for two reasons this module works around:
 *  1. The emscripten pthread workers are created from `Blob` + `URL.createObjectURL`, which Node's
 *     `worker_threads.Worker` cannot load. We write the worker script to a temp file instead, with a
 *     one-line prologue so that the worker loads the emscripten glue (the "main script") from a file
 *     too. The glue must be the original file: the copy inside a bundle (`Function.toString()` of
 *     the bundled factory) has its `require()` calls rewritten by the bundler and cannot run alone.
 *  2. The backend caps the pool at "logical cores / 2" (it assumes hyper-threading), i.e. 1 on a
 *     2-vCPU machine, even when `setThreadsCount` asks for more. During initialisation we make
 *     `os.cpus()` report twice the requested thread count.
 * Everything patched is restored as soon as the backend is initialised. When anything is missing
 * (no glue file, version mismatch) the caller falls back to the single-threaded SIMD build.
 */
import * as fs from 'fs';
import * as path from 'path';
// `import =` keeps the real module object: we patch `os.cpus` where the emscripten glue reads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
import os = require('os');
import { createRequire } from 'module';

export const GLUE_FILE = 'tfjs-backend-wasm-threaded-simd.js';
const WASM_PKG = '@tensorflow/tfjs-backend-wasm';

/** A `require` that resolves at run time from the running file (also inside a webpack bundle). */
function runtimeRequire(): NodeRequire {
  return createRequire(__filename);
}

/**
 * Where the original emscripten glue of the threaded build may be: next to the running bundle
 * (if the build copies it there) or in node_modules, when its package version is `version`.
 */
export function defaultGlueCandidates(version: string): string[] {
  const out = [path.join(__dirname, GLUE_FILE)];
  try {
    const pkgJson = runtimeRequire().resolve(`${WASM_PKG}/package.json`);
    const pkg = JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { version?: string };
    if (pkg.version === version) out.push(path.join(path.dirname(pkgJson), 'wasm-out', GLUE_FILE));
  } catch {
    // not installed next to us (e.g. a packaged extension): only the bundle folder counts
  }
  return out;
}

export function findFile(candidates: string[]): string | undefined {
  return candidates.find((p) => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

let tempDir: string | undefined;

/** Writes the pthread worker script to a temp file (removed at exit); returns its path. */
function writeWorkerScript(gluePath: string): string {
  // The emscripten worker script, as a string (bundled with us like the rest of the backend).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS file of the package, bundled as it is
  const contents = (require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
    wasmWorkerContents: string;
  }).wasmWorkerContents;
  if (!tempDir) {
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-wasm-'));
    const dir = tempDir;
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  const file = path.join(tempDir, 'tfjs-backend-wasm-threaded-simd.worker.js');
  // The worker receives the main script as a Blob and turns it into an object URL before
  // `importScripts` (= eval of a file in Node): hand it the glue file's path instead.
  const prologue =
    `URL.createObjectURL = () => ${JSON.stringify(gluePath)}; URL.revokeObjectURL = () => {};\n`;
  // Same escaping as tfjs does for its Blob: the template literal's "\n" inside strings.
  fs.writeFileSync(file, prologue + contents.replace(/\n/g, '\\n'));
  return file;
}

/**
 * Prepares the process so that the next `tf.setBackend('wasm')` loads the threaded build with
 * `threads` threads. Returns a function that undoes the global patches (call it right after
 * initialisation, success or not), or undefined when threads are not possible here.
 */
export function patchForThreads(
  threads: number,
  glueCandidates: string[],
  enableThreadedBuild: (threads: number) => void,
): (() => void) | undefined {
  if (threads < 2 || typeof SharedArrayBuffer === 'undefined') return undefined;
  const glue = findFile(glueCandidates);
  if (!glue) return undefined;
  const workerScript = writeWorkerScript(glue);

  const realCreateObjectURL = URL.createObjectURL;
  const realCpus = os.cpus;
  URL.createObjectURL = (obj: unknown) => (obj instanceof Blob ? workerScript : realCreateObjectURL(obj as Blob));
  os.cpus = () => {
    const cpus = realCpus();
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]);
  };
  enableThreadedBuild(threads);
  return () => {
    URL.createObjectURL = realCreateObjectURL;
    os.cpus = realCpus;
  };
}

/** Emscripten keeps running pthread workers ref'ed, which would keep Node alive forever. */
export function unrefPthreadWorkers(wasmModule: unknown): void {
  const pthread = (wasmModule as { PThread?: { runningWorkers?: { unref?: () => void }[]; unusedWorkers?: { unref?: () => void }[] } })
    .PThread;
  for (const w of [...(pthread?.runningWorkers ?? []), ...(pthread?.unusedWorkers ?? [])]) w.unref?.();
}
