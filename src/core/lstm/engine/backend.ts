/**
 * Chooses and initialises the TensorFlow.js backend that runs the engine's matrix products.
 *
 *   tensorflow  @tensorflow/tfjs-node (native TensorFlow), an optional dependency loaded at run time
 *   wasm        @tensorflow/tfjs-backend-wasm: XNNPACK SIMD kernels, multi-threaded via ./wasmThreads
 *   cpu         @tensorflow/tfjs-backend-cpu: plain JavaScript, the slow last resort
 *
 * The wasm binaries sit next to the running bundle when webpack built us (dist/*.wasm) and in
 * node_modules/@tensorflow/tfjs-backend-wasm/dist/ when we run from tsc output (out/).
 */
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import type { Backend } from '../../contracts/config';
import { defaultGlueCandidates, patchForThreads, unrefPthreadWorkers } from './wasmThreads';
import { findWasmDir, wasmDirCandidates } from '../wasmFiles';

export interface BackendInfo {
  name: 'tensorflow' | 'wasm' | 'cpu';
  threads: number;
}

const WASM_BINARY = 'tfjs-backend-wasm-simd.wasm';
/** tfjs-backend-wasm's registration priority (WASM_PRIORITY in its source). */
const WASM_PRIORITY = 2;

let current: BackendInfo | undefined;
let queue: Promise<unknown> = Promise.resolve();
let wasmPathsSet = false;

/**
 * 'auto': @tensorflow/tfjs-node if require() of it works (it is an optional dependency), else wasm,
 * else cpu (last resort). Explicit names fail with a clear Error if unavailable. Idempotent:
 * calling again with 'auto' or the current name returns the current backend.
 * `threads` (wasm only; default: defaultWasmThreads()) only takes effect on the first wasm
 * initialisation of the process.
 */
export async function initBackend(pref: Backend, opts: { threads?: number } = {}): Promise<BackendInfo> {
  // Serialise concurrent calls: backend initialisation is global state.
  const run = queue.then(() => doInit(pref, opts));
  queue = run.catch(() => undefined);
  return run;
}

/** The backend chosen by the last successful initBackend, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

async function doInit(pref: Backend, opts: { threads?: number }): Promise<BackendInfo> {
  if (current && (pref === 'auto' || pref === current.name) && tf.getBackend() === current.name) return current;
  const threads = Math.max(1, Math.floor(opts.threads ?? defaultWasmThreads()));
  let info: BackendInfo | undefined;
  switch (pref) {
    case 'tensorflow':
      info = await initTensorflow();
      break;
    case 'wasm':
      info = await initWasm(threads);
      break;
    case 'cpu':
      info = await initCpu();
      break;
    case 'auto':
      info = await initTensorflow().catch(() => undefined);
      info ??= await initWasm(threads).catch(() => undefined);
      info ??= await initCpu();
      break;
    default:
      throw new Error(`unknown backend "${String(pref)}" (use auto, tensorflow, wasm or cpu)`);
  }
  current = info;
  return info;
}

/**
 * All cores, unless the machine is already busy (1-minute load average ≥ cores): then one. The
 * wasm thread pool wakes its threads for every product, and on a busy machine a woken thread
 * waits for a time slice, so 2 threads measured 1.5–3x slower than 1 here under load.
 */
export function defaultWasmThreads(): number {
  const cores = os.cpus().length;
  return os.loadavg()[0] >= cores ? 1 : cores;
}

async function initTensorflow(): Promise<BackendInfo> {
  try {
    // Optional native module: kept out of the bundle (webpack externals) and absent on most machines.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when this backend is asked for
    require('@tensorflow/tfjs-node');
  } catch (e) {
    throw new Error(`backend "tensorflow" needs the optional package @tensorflow/tfjs-node, which does not load here: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!(await tf.setBackend('tensorflow'))) {
    throw new Error('backend "tensorflow": @tensorflow/tfjs-node loaded but did not register with this copy of @tensorflow/tfjs-core (version mismatch?)');
  }
  // TensorFlow sizes its own intra-op pool from the cores; we do not control it.
  return { name: 'tensorflow', threads: os.cpus().length };
}

/** The folder holding the .wasm binaries, with a trailing separator. */
export function wasmBinaryDir(): string {
  const dir = findWasmDir([WASM_BINARY]);
  if (!dir) {
    throw new Error(`backend "wasm": ${WASM_BINARY} not found in ${wasmDirCandidates().join(' or ')}`);
  }
  return dir + path.sep;
}

/**
 * Initialises tfjs-backend-wasm, with `threads` XNNPACK threads when the threaded build can be
 * loaded (see ./wasmThreads), else single-threaded. `glueCandidates` is for tests.
 */
export async function initWasm(threads: number, glueCandidates?: string[]): Promise<BackendInfo> {
  const registered = tf.findBackend('wasm') !== null;
  if (!registered) {
    if (!wasmPathsSet) {
      setWasmPaths(wasmBinaryDir());
      wasmPathsSet = true;
    }
    const restore = patchForThreads(threads, glueCandidates ?? defaultGlueCandidates(version_wasm), (n) => {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      setThreadsCount(n);
    });
    let ok = false;
    try {
      ok = await tf.setBackend('wasm');
    } finally {
      restore?.();
    }
    if (!ok && restore) {
      // The threaded build failed to start: fall back to the single-threaded SIMD build.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      setThreadsCount(1);
      ok = await tf.setBackend('wasm');
    }
    if (!ok) throw new Error('backend "wasm" failed to initialise (see the warning above)');
    unrefPthreadWorkers((tf.backend() as unknown as { wasm?: unknown }).wasm);
  } else if (!(await tf.setBackend('wasm'))) {
    throw new Error('backend "wasm" is not available');
  }
  return { name: 'wasm', threads: getThreadsCount() };
}

/**
 * Re-creates the wasm backend with `threads` threads (the thread pool is fixed when the backend
 * starts): a fresh wasm instance, the old one's pthreads terminated. Every tensor of the old
 * backend is gone afterwards, so call it only where none is alive (the trainer: between steps;
 * its weights live in typed arrays). Takes 0.1–1 s. Returns the backend as it now is (it may
 * have fewer threads than asked, when the threaded build cannot start).
 */
export async function setWasmThreads(threads: number): Promise<BackendInfo> {
  const run = queue.then(async () => {
    if (current?.name !== 'wasm' || tf.getBackend() !== 'wasm') throw new Error('setWasmThreads: the wasm backend is not the current one');
    if (current.threads === threads) return current;
    const factory = tf.findBackendFactory('wasm');
    if (!factory) throw new Error('setWasmThreads: the wasm backend is not registered');
    tf.removeBackend('wasm'); // disposes the old instance (terminates its threads)
    tf.registerBackend('wasm', factory, WASM_PRIORITY);
    if (threads < 2) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      setThreadsCount(1);
    }
    current = undefined;
    current = await initWasm(threads);
    return current;
  });
  queue = run.catch(() => undefined);
  return run;
}

async function initCpu(): Promise<BackendInfo> {
  if (!(await tf.setBackend('cpu'))) throw new Error('backend "cpu" failed to initialise');
  return { name: 'cpu', threads: 1 };
}

