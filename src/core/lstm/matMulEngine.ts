/**
 * Matrix products for the inference engine: `out[m, n] = a[m, k] · W[k, n]` with W a constant
 * weight matrix stored once. Two implementations behind one interface:
 *  - `wasm`: tfjs-backend-wasm's XNNPACK BatchMatMul kernel (SIMD), called directly on our own
 *    instance of its WebAssembly module. No tfjs engine, no tensors, no global backend: the
 *    weights live in the wasm heap (XNNPACK packs them once and caches the packed copy), the
 *    activations are copied in and the product is read out of the heap. Per call: a few µs.
 *  - `js`: plain Float32Array loops (a fallback; ~20x slower at 256 units, see the report).
 * Everything here is synchronous once created; creating the wasm engine is async (it compiles the
 * module once per process).
 */
import * as fs from 'fs';
import * as path from 'path';
import { findWasmDir as findWasmDirOf } from './wasmFiles';

export type EngineKind = 'auto' | 'wasm' | 'js';

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
}

export interface MatMulEngine {
  readonly name: 'wasm' | 'js';
  /** Stores a constant row-major [rows, cols] matrix. */
  matrix(data: Float32Array, rows: number, cols: number): Matrix;
  /** out[0 .. m*cols) = a[m, rows] · w. `a` holds at least m*rows values. */
  multiply(w: Matrix, a: Float32Array, m: number, out: Float32Array): void;
  /** Frees every matrix this engine stored. The engine is unusable afterwards. */
  dispose(): void;
}

// ---------------------------------------------------------------------------------------------
// Plain JS

class JsMatrix implements Matrix {
  constructor(readonly rows: number, readonly cols: number, readonly data: Float32Array) {}
}

export function jsMatMul(): MatMulEngine {
  return {
    name: 'js',
    matrix(data, rows, cols) {
      if (data.length !== rows * cols) throw new Error(`matrix data has ${data.length} values, expected ${rows * cols}`);
      return new JsMatrix(rows, cols, Float32Array.from(data));
    },
    multiply(w, a, m, out) {
      const { rows: K, cols: N, data: W } = w as JsMatrix;
      out.fill(0, 0, m * N);
      for (let k = 0; k < K; k++) {
        const wo = k * N;
        for (let r = 0; r < m; r++) {
          const av = a[r * K + k];
          if (av === 0) continue;
          const oo = r * N;
          for (let j = 0; j < N; j++) out[oo + j] += av * W[wo + j];
        }
      }
    },
    dispose() {},
  };
}

// ---------------------------------------------------------------------------------------------
// WebAssembly (tfjs-backend-wasm's module, used directly)

interface WasmModule {
  HEAPU8: Uint8Array;
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  _init(): void;
  _register_tensor(id: number, size: number, ptr: number): void;
  _dispose_data(id: number): void;
  _BatchMatMul(aId: number, aShape: number, aRank: number, bId: number, bShape: number, bRank: number,
    transposeA: number, transposeB: number, outId: number): void;
}
type WasmFactory = (config: {
  locateFile(file: string, prefix: string): string;
  print?(s: string): void;
  printErr?(s: string): void;
  onAbort?(what: unknown): void;
}) => Promise<WasmModule>;

const SIMD_BINARY = 'tfjs-backend-wasm-simd.wasm';
const PLAIN_BINARY = 'tfjs-backend-wasm.wasm';

/**
 * Where the wasm binaries are: next to the bundle (dist/, copied by webpack), or in
 * node_modules/@tensorflow/tfjs-backend-wasm/dist/ above this file (running from out/).
 */
export function findWasmDir(extra?: string): string | undefined {
  return findWasmDirOf([SIMD_BINARY, PLAIN_BINARY], extra);
}

let modulePromise: Promise<WasmModule> | undefined;

async function instantiate(binary: string, log: (m: string) => void): Promise<WasmModule> {
  // The emscripten glue of tfjs-backend-wasm (works for the plain and the SIMD binary).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const factory = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js') as WasmFactory;
  const before = {
    exc: process.listeners('uncaughtException'),
    rej: process.listeners('unhandledRejection'),
  };
  let aborted: string | undefined;
  try {
    const mod = await new Promise<WasmModule>((resolve, reject) => {
      factory({
        locateFile: (file, prefix) => (file.endsWith('.wasm') ? binary : prefix + file),
        // Never write to stdout (the CLI's stdout is a protocol).
        print: (s) => log(`wasm: ${s}`),
        printErr: (s) => log(`wasm: ${s}`),
        onAbort: (what) => {
          aborted = String(what);
          reject(new Error(`wasm module aborted: ${aborted}`));
        },
      }).then(resolve, reject);
    });
    mod._init();
    return mod;
  } finally {
    // The emscripten glue installs process-wide handlers that rethrow; remove them.
    for (const l of process.listeners('uncaughtException')) {
      if (!before.exc.includes(l)) process.removeListener('uncaughtException', l);
    }
    for (const l of process.listeners('unhandledRejection')) {
      if (!before.rej.includes(l)) process.removeListener('unhandledRejection', l);
    }
  }
}

function loadModule(wasmDir: string | undefined, log: (m: string) => void): Promise<WasmModule> {
  if (!modulePromise) {
    modulePromise = (async () => {
      const dir = findWasmDir(wasmDir);
      if (!dir) throw new Error(`${SIMD_BINARY} not found next to ${__dirname} or in node_modules`);
      const simd = path.join(dir, SIMD_BINARY);
      if (fs.existsSync(simd)) {
        try {
          return await instantiate(simd, log);
        } catch (e) {
          log(`SIMD wasm failed to load (${(e as Error).message}); trying the plain build`);
        }
      }
      return instantiate(path.join(dir, PLAIN_BINARY), log);
    })();
    modulePromise.catch(() => {
      modulePromise = undefined;
    });
  }
  return modulePromise;
}

let nextTensorId = 1;

interface HeapBuffer {
  id: number;
  ptr: number;
  size: number;
}

class WasmMatrix implements Matrix {
  constructor(readonly rows: number, readonly cols: number, readonly buf: HeapBuffer) {}
}

class WasmMatMul implements MatMulEngine {
  readonly name = 'wasm';
  private readonly owned: HeapBuffer[] = [];
  private inBuf: HeapBuffer | undefined;
  private outBuf: HeapBuffer | undefined;
  private readonly shapes: number;
  private disposed = false;

  constructor(private readonly mod: WasmModule) {
    this.shapes = mod._malloc(24) >>> 0;
  }

  private alloc(size: number): HeapBuffer {
    const ptr = this.mod._malloc(Math.max(1, size) * 4) >>> 0;
    if (ptr === 0) throw new Error(`wasm heap: cannot allocate ${size * 4} bytes`);
    const id = nextTensorId++;
    this.mod._register_tensor(id, size, ptr);
    return { id, ptr, size };
  }

  private free(b: HeapBuffer): void {
    this.mod._dispose_data(b.id);
    this.mod._free(b.ptr);
  }

  matrix(data: Float32Array, rows: number, cols: number): Matrix {
    if (data.length !== rows * cols) throw new Error(`matrix data has ${data.length} values, expected ${rows * cols}`);
    const b = this.alloc(rows * cols);
    this.mod.HEAPF32.set(data, b.ptr >>> 2);
    this.owned.push(b);
    return new WasmMatrix(rows, cols, b);
  }

  private scratch(which: 'in' | 'out', size: number): HeapBuffer {
    const cur = which === 'in' ? this.inBuf : this.outBuf;
    if (cur && cur.size >= size) return cur;
    if (cur) this.free(cur);
    const b = this.alloc(Math.max(size, cur ? cur.size * 2 : 0));
    if (which === 'in') this.inBuf = b;
    else this.outBuf = b;
    return b;
  }

  multiply(w: Matrix, a: Float32Array, m: number, out: Float32Array): void {
    if (this.disposed) throw new Error('matrix engine disposed');
    const { rows: K, cols: N, buf } = w as WasmMatrix;
    const inB = this.scratch('in', m * K);
    const outB = this.scratch('out', m * N);
    const mod = this.mod;
    // Views are taken after any allocation: the heap may have grown (new buffer).
    const shape = new Int32Array(mod.HEAPU8.buffer, this.shapes, 6);
    shape[0] = 1; shape[1] = m; shape[2] = K;
    shape[3] = 1; shape[4] = K; shape[5] = N;
    const heap = mod.HEAPF32;
    heap.set(a.length === m * K ? a : a.subarray(0, m * K), inB.ptr >>> 2);
    mod._BatchMatMul(inB.id, this.shapes, 3, buf.id, this.shapes + 12, 3, 0, 0, outB.id);
    const o = outB.ptr >>> 2;
    out.set(mod.HEAPF32.subarray(o, o + m * N));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.owned) this.free(b);
    if (this.inBuf) this.free(this.inBuf);
    if (this.outBuf) this.free(this.outBuf);
    this.mod._free(this.shapes);
    this.owned.length = 0;
  }
}

export async function wasmMatMul(opts: { wasmDir?: string; log?: (m: string) => void } = {}): Promise<MatMulEngine> {
  const mod = await loadModule(opts.wasmDir, opts.log ?? (() => {}));
  return new WasmMatMul(mod);
}

/** `auto`: wasm when it loads, else plain JS (with a log line saying why). */
export async function createMatMul(kind: EngineKind = 'auto', log: (m: string) => void = () => {}, wasmDir?: string): Promise<MatMulEngine> {
  if (kind === 'js') return jsMatMul();
  try {
    return await wasmMatMul({ wasmDir, log });
  } catch (e) {
    if (kind === 'wasm') throw e;
    log(`wasm matrix products unavailable (${(e as Error).message}); using plain JS (slower)`);
    return jsMatMul();
  }
}
