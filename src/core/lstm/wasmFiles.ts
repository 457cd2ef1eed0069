/**
 * Where tfjs-backend-wasm's binaries are at run time: next to the running bundle (webpack copies
 * them into dist/), else in the package's dist/ folder in node_modules (running from out/).
 * Used by the training engine's backend and by the inference engine's own matMul kernel.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createRequire } from 'module';

/** The folders to look in, in order (`extra` first when given). */
export function wasmDirCandidates(extra?: string): string[] {
  const dirs = extra ? [extra, __dirname] : [__dirname];
  try {
    const pkg = createRequire(__filename).resolve('@tensorflow/tfjs-backend-wasm/package.json');
    dirs.push(path.join(path.dirname(pkg), 'dist'));
  } catch {
    // not installed (a packaged extension): only the bundle folder can hold the binaries
  }
  return dirs;
}

/** The first candidate folder holding any of `files`, or undefined. */
export function findWasmDir(files: string[], extra?: string): string | undefined {
  return wasmDirCandidates(extra).find((d) => files.some((f) => fs.existsSync(path.join(d, f))));
}
