/**
 * Entry of dist/bench.js (`npm run bench -- …`): the benchmark lives in its own bundle so that
 * neither dist/cli.js nor the .vsix carries its baselines, package fetcher or PyTorch runner.
 */
import { Command } from 'commander';
import { addBenchOptions, runBench, type BenchOptions } from './run';

const program = addBenchOptions(
  new Command('charrnn bench').description(
    'Benchmarks: completion quality against word-completion and n-gram baselines, training speed against PyTorch, completion latency (see BENCHMARKS.md).',
  ),
).action(async (o: BenchOptions) => {
  process.exitCode = await runBench(o);
});
program.parseAsync(process.argv).catch((e: Error) => {
  process.stderr.write(`charrnn bench: ${e.message}\n`);
  process.exitCode = 1;
});
