/**
 * `charrnn bench` hands its arguments to the benchmark's own program (dist/bench.js, built from
 * bench/ in a source checkout). The benchmark is not part of this bundle or of the .vsix.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** Where the benchmark program may be: next to this bundle, or (compiled by tsc) out/bench. */
export function benchProgramCandidates(dir = __dirname): string[] {
  return [path.join(dir, 'bench.js'), path.resolve(dir, '../../bench/main.js')];
}

export const NO_BENCH =
  'the benchmark is not part of this installation: run it from a source checkout with `npm run build && npm run bench -- [options]`';

/** Runs the benchmark with `args`; resolves to its exit code (2 when it is not installed). */
export function launchBench(args: string[], err: (m: string) => void = (m) => process.stderr.write(m)): Promise<number> {
  const program = benchProgramCandidates().find((f) => fs.existsSync(f));
  if (!program) {
    err(`charrnn bench: ${NO_BENCH}\n`);
    return Promise.resolve(2);
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [program, ...args], { stdio: 'inherit' });
    child.on('error', (e) => {
      err(`charrnn bench: ${e.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
