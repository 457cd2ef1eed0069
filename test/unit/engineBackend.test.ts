/**
 * Backend selection and the multi-threaded wasm shim. Thread counts are fixed when the wasm
 * backend first initialises, so those cases run in child processes.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { defaultWasmThreads, initBackend } from '../../src/core/lstm/engine/backend';
import { matMul, transpose, upload } from '../../src/core/lstm/engine/tfMatMul';

const ENGINE = path.resolve(__dirname, '../../src/core/lstm/engine');

/** Runs `body` (CommonJS, top-level await inside an async IIFE) in a fresh Node process; returns its last stdout line as JSON. */
function runChild(body: string): unknown {
  const script = `
    const backend = require(${JSON.stringify(path.join(ENGINE, 'backend.js'))});
    const mm = require(${JSON.stringify(path.join(ENGINE, 'tfMatMul.js'))});
    const tf = require('@tensorflow/tfjs-core');
    // A product checked against plain loops: [40, 300] · [300, 70].
    function checkProduct() {
      const m = 40, k = 300, n = 70;
      const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
      const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i));
      const bt = mm.upload(b, k, n);
      const c = mm.matMul(a, m, k, bt);
      bt.dispose();
      let err = 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a[i * k + q] * b[q * n + j];
        err = Math.max(err, Math.abs(s - c[i * n + j]));
      }
      return err;
    }
    (async () => { ${body} })().catch((e) => { console.error(e); process.exit(1); });
  `;
  // No process.exit on success: the child must also exit by itself (no ref'ed pthread workers).
  const r = spawnSync(process.execPath, ['-e', script], { cwd: path.resolve(__dirname, '../../..'), encoding: 'utf8', timeout: 60000 });
  assert.strictEqual(r.error, undefined, `child failed to run or hung: ${r.error}`);
  assert.strictEqual(r.status, 0, `child exited with ${r.status}: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

describe('engine: backends', function () {
  this.timeout(120000);

  /** Makes `require('@tensorflow/tfjs-node')` in the child fail, or load `stand-in` (child code) instead. */
  const tfjsNode = (standIn?: string) => `
    const Module = require('module');
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (request !== '@tensorflow/tfjs-node') return resolve.call(this, request, ...rest);
      ${standIn ? "return require.resolve('./package.json');" : "throw Object.assign(new Error(\"Cannot find module '@tensorflow/tfjs-node'\"), { code: 'MODULE_NOT_FOUND' });"}
    };
    ${standIn ?? ''}
  `;

  it('picks wasm for auto when tfjs-node is absent, and is idempotent', () => {
    // A fresh process (the backend is process-wide state), with @tensorflow/tfjs-node unloadable
    // whether or not it is installed here: the "absent" path is the one that runs.
    const out = runChild(`
      ${tfjsNode()}
      const a = await backend.initBackend('auto');
      const b = await backend.initBackend('auto');
      let refused = '';
      await backend.initBackend('tensorflow').catch((e) => { refused = e.message; });
      console.log(JSON.stringify({ a, same: a === b, active: tf.getBackend(), refused, kept: backend.currentBackend() === a, err: checkProduct() }));
    `) as { a: { name: string; threads: number }; same: boolean; active: string; refused: string; kept: boolean; err: number };
    assert.strictEqual(out.a.name, 'wasm');
    assert.ok(Number.isInteger(out.a.threads) && out.a.threads >= 1, JSON.stringify(out.a));
    assert.strictEqual(out.same, true, 'a second auto returns the backend the first one initialised, not a new one');
    assert.strictEqual(out.active, 'wasm');
    assert.match(out.refused, /needs the optional package @tensorflow\/tfjs-node/);
    assert.strictEqual(out.kept, true, 'a refused explicit backend leaves the current one');
    assert.ok(out.err < 1e-3, `product error ${out.err}`);
  });

  it('picks tensorflow for auto when @tensorflow/tfjs-node loads', () => {
    // A stand-in for tfjs-node: registers a "tensorflow" backend (the cpu kernels) as it does.
    const out = runChild(`
      ${tfjsNode(`
        const { MathBackendCPU } = require('@tensorflow/tfjs-backend-cpu');
        const cpuKernels = tf.getKernelsForBackend('cpu');
        tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
        for (const k of cpuKernels) tf.registerKernel({ ...k, backendName: 'tensorflow' });
      `)}
      const a = await backend.initBackend('auto');
      console.log(JSON.stringify({ a, active: tf.getBackend(), err: checkProduct() }));
    `) as { a: { name: string; threads: number }; active: string; err: number };
    assert.strictEqual(out.a.name, 'tensorflow');
    assert.strictEqual(out.active, 'tensorflow');
    assert.ok(out.err < 1e-3, `product error ${out.err}`);
  });

  it('switches to the cpu backend on request and back to wasm', async () => {
    const cpu = await initBackend('cpu');
    assert.deepStrictEqual(cpu, { name: 'cpu', threads: 1 });
    assert.strictEqual(tf.getBackend(), 'cpu');
    const bt = upload(new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3);
    assert.deepStrictEqual([...matMul(new Float32Array([1, 1]), 1, 2, bt)], [5, 7, 9]);
    bt.dispose();
    const wasm = await initBackend('wasm');
    assert.strictEqual(wasm.name, 'wasm');
    assert.strictEqual(tf.getBackend(), 'wasm');
  });

  it('rejects an unknown backend name', async () => {
    await assert.rejects(initBackend('gpu' as never), /unknown backend "gpu"/);
  });

  it('defaults to all cores on an idle machine and to one thread on a busy one', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, to patch it
    const realOs = require('os') as typeof os;
    const { loadavg, cpus } = realOs;
    const fakeCpus = cpus().slice(0, 1);
    try {
      realOs.cpus = () => [fakeCpus[0], fakeCpus[0]];
      realOs.loadavg = () => [0.3, 0.2, 0.1];
      assert.strictEqual(defaultWasmThreads(), 2);
      realOs.loadavg = () => [2.5, 2, 1];
      assert.strictEqual(defaultWasmThreads(), 1);
    } finally {
      realOs.loadavg = loadavg;
      realOs.cpus = cpus;
    }
  });

  it('transposes', () => {
    const a = Float32Array.from({ length: 35 * 70 }, (_, i) => i);
    const t = transpose(a, 35, 70);
    for (let r = 0; r < 35; r++) for (let c = 0; c < 70; c++) assert.strictEqual(t[c * 35 + r], a[r * 70 + c]);
  });

  it('runs wasm with 2 threads in Node (threaded build via temp files) and exits cleanly', function () {
    if (os.cpus().length < 2) this.skip();
    const out = runChild(`
      const info = await backend.initBackend('wasm', { threads: 2 });
      console.log(JSON.stringify({ info, err: checkProduct() }));
    `) as { info: { name: string; threads: number }; err: number };
    assert.deepStrictEqual(out.info, { name: 'wasm', threads: 2 });
    assert.ok(out.err < 1e-3, `product error ${out.err}`);
  });

  it('falls back to one thread when the threaded build cannot be loaded', () => {
    const out = runChild(`
      const info = await backend.initWasm(2, ['/nonexistent/tfjs-backend-wasm-threaded-simd.js']);
      console.log(JSON.stringify({ info, err: checkProduct(), flag: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') }));
    `) as { info: { name: string; threads: number }; err: number; flag: boolean };
    assert.deepStrictEqual(out.info, { name: 'wasm', threads: 1 });
    assert.strictEqual(out.flag, false);
    assert.ok(out.err < 1e-3, `product error ${out.err}`);
  });

  it('switches the wasm thread count at run time (2 -> 1 -> 2), products still right, and exits cleanly', function () {
    if (os.cpus().length < 2) this.skip();
    const out = runChild(`
      const seen = [];
      seen.push(await backend.initBackend('wasm', { threads: 2 }));
      seen.push(await backend.setWasmThreads(1));
      const err1 = checkProduct();
      seen.push(await backend.setWasmThreads(2));
      console.log(JSON.stringify({ seen, err1, err2: checkProduct(), current: backend.currentBackend() }));
    `) as { seen: { name: string; threads: number }[]; err1: number; err2: number; current: { threads: number } };
    assert.deepStrictEqual(out.seen.map((b) => b.threads), [2, 1, 2]);
    assert.strictEqual(out.current.threads, 2);
    assert.ok(out.err1 < 1e-3 && out.err2 < 1e-3, `product errors ${out.err1} ${out.err2}`);
  });

  it('uses one thread when asked to', () => {
    const out = runChild(`
      const info = await backend.initBackend('wasm', { threads: 1 });
      console.log(JSON.stringify({ info, err: checkProduct() }));
    `) as { info: { name: string; threads: number }; err: number };
    assert.deepStrictEqual(out.info, { name: 'wasm', threads: 1 });
    assert.ok(out.err < 1e-3, `product error ${out.err}`);
  });
});
