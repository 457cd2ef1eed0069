/**
 * The `charrnn` program — the same engine as the extension, headless: train | eval | sample | complete | bench.
 * Bad input exits non-zero with a one-line reason on stderr.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import * as fs from 'fs';
import * as path from 'path';
import { BACKENDS, COMPLETION_LENGTHS, MODEL_INITS, SETTINGS, checkSetting, defaultTrainConfig, validateTrainConfig, type Backend, type ModelInit, type SettingKey, type TrainConfig } from '../core/contracts/config';
import { runTraining } from '../core/training/train';
import type { TrainingEvent } from '../core/contracts/trainEvents';
import { DEFAULT_EVAL_LIMITS, EVAL_POSITIONS, evaluateModel, formatPromise } from './evaluate';
import { createProgressView } from './progressView';
import { hasLstm, loadCheckpoint } from '../core/store/checkpoint';
import { sampleFromWeights } from '../core/lstm/sample';
import { makeRng } from '../core/util/random';
import { runComplete } from './complete';
import { launchBench } from './benchLauncher';

class UsageError extends Error {}

// Plain decimal only: Number() would also take '0x20', '0b1', '1e3' for a whole number, or ''.
const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const int = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!INT_RE.test(v.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number`);
  return n;
};
const float = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!FLOAT_RE.test(v.trim()) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
  return n;
};
/** An option that is also a setting: its value must be in the setting's range. */
const setting = (key: SettingKey, name: string) => {
  const parse = SETTINGS[key].type === 'integer' ? int(name) : float(name);
  return (v: string): number => {
    const n = parse(v);
    const problem = checkSetting(key, n);
    if (problem) throw new InvalidArgumentError(problem.replace(key, name));
    return n;
  };
};
const collect = (v: string, prev: string[]) => [...prev, v];
/** A number in [0, 1]. */
const probability = (name: string) => (v: string): number => {
  const n = float(name)(v);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`${name} must be between 0 and 1`);
  return n;
};

/**
 * A path argument as Node received it: bytes that are not UTF-8 arrive as U+FFFD, so the path
 * would name another file (`--out` would make a folder of another name). Refused with one line.
 */
function utf8Path(p: string, what: string): string {
  if (p.includes('\uFFFD')) throw new UsageError(`${what} "${p}" is not valid UTF-8: charrnn reads file names as UTF-8 (rename it, or use a link with a UTF-8 name)`);
  return p;
}

/** Glob options without their empty patterns (`--include ''`), with a warning on stderr for each option that had one. */
function globList(patterns: string[], option: string): string[] {
  const kept = patterns.filter((p) => p.trim() !== '');
  if (kept.length < patterns.length) process.stderr.write(`charrnn: warning: an empty pattern in ${option} was ignored\n`);
  return kept;
}

function existingDirs(folders: string[]): string[] {
  return folders.map((f) => {
    utf8Path(f, 'the folder');
    const abs = path.resolve(f);
    if (!fs.existsSync(abs)) throw new UsageError(`no such folder: ${f}`);
    if (!fs.statSync(abs).isDirectory()) throw new UsageError(`not a folder: ${f}`);
    return abs;
  });
}

export function buildProgram(): Command {
  const d = defaultTrainConfig();
  const program = new Command('charrnn')
    .description('Train a character-level LSTM on your code and complete with it (the engine of the CharRNN Complete extension).')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('train')
    .description('Train a CharRNN on the text files of one or more folders and save it to --out.')
    .argument('<folder...>', 'folders to collect training files from (honours .gitignore)')
    .requiredOption('--out <dir>', 'checkpoint folder to write')
    .option('--lstm-size <n>', 'units per LSTM layer', int('--lstm-size'), d.lstmSize)
    .option('--num-layers <n>', 'LSTM layers', int('--num-layers'), d.numLayers)
    .option('--batch-size <n>', 'parallel streams per batch', int('--batch-size'), d.batchSize)
    .option('--num-steps <n>', 'characters unrolled per batch', int('--num-steps'), d.numSteps)
    .option('--learning-rate <x>', 'Adam learning rate', float('--learning-rate'), d.learningRate)
    .option('--dropout <x>', 'dropout between layers', float('--dropout'), d.dropout)
    .option('--grad-clip <x>', 'clip the gradient to this global norm', float('--grad-clip'), d.gradClip)
    .option('--epochs <n>', 'passes over the data (0 = no limit)', int('--epochs'), d.epochs)
    .option('--max-minutes <x>', 'time limit in minutes (0 = none)', float('--max-minutes'), d.maxMinutes)
    .option('--val-fraction <x>', 'share of the corpus held out for validation', float('--val-fraction'), d.valFraction)
    .option('--eval-every <n>', 'validate and checkpoint every n steps', int('--eval-every'), d.evalEvery)
    .option('--patience <n>', 'stop after n validations without improvement (0 = never)', int('--patience'), d.patience)
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices(BACKENDS as string[]).default(d.backend))
    .option('--seed <n>', 'random seed', int('--seed'), d.seed)
    .addOption(new Option('--init <how>', 'where a fresh run starts: the shipped base model (fine-tuning; 256x2 only) or random weights').choices(MODEL_INITS as string[]).default(d.init))
    .option('--include <glob>', 'only files matching this glob (repeatable)', collect, [])
    .option('--exclude <glob>', 'never files matching this glob (repeatable)', collect, [])
    .option('--max-file-bytes <n>', 'skip larger files', setting('training.maxFileBytes', '--max-file-bytes'), SETTINGS['training.maxFileBytes'].default)
    .option('--max-corpus-bytes <n>', 'stop collecting at this many bytes', setting('training.maxCorpusBytes', '--max-corpus-bytes'), SETTINGS['training.maxCorpusBytes'].default)
    .option('--resume', 'continue the model in --out instead of starting fresh')
    .option('--no-samples', 'do not generate sample text at validations')
    .option('--json', 'print one JSON event per line on stdout instead of a progress bar')
    .action(async (folders: string[], o) => {
      const config: TrainConfig = {
        lstmSize: o.lstmSize,
        numLayers: o.numLayers,
        batchSize: o.batchSize,
        numSteps: o.numSteps,
        learningRate: o.learningRate,
        dropout: o.dropout,
        gradClip: o.gradClip,
        epochs: o.epochs,
        maxMinutes: o.maxMinutes,
        valFraction: o.valFraction,
        evalEvery: o.evalEvery,
        patience: o.patience,
        seed: o.seed,
        backend: o.backend as Backend,
        init: o.init as ModelInit,
      };
      const problems = validateTrainConfig(config);
      if (problems.length) throw new UsageError(problems.join('; '));
      const out = utf8Path(o.out, '--out');
      const dirs = existingDirs(folders);
      const include = globList(o.include, '--include');
      const exclude = globList(o.exclude, '--exclude');
      const abort = new AbortController();
      let interrupted = 0;
      // SIGINT (Ctrl-C) and SIGTERM (kill, a service manager) both save the best model so far.
      const onSigint = (signal: NodeJS.Signals) => {
        if (++interrupted > 1) process.exit(signal === 'SIGTERM' ? 143 : 130);
        process.stderr.write(`\nstopping: saving the best model so far (${signal === 'SIGTERM' ? 'SIGTERM' : 'Ctrl-C'} again to quit at once)\n`);
        abort.abort();
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      const view = o.json ? undefined : createProgressView(config);
      const onEvent = (e: TrainingEvent) => {
        if (o.json) process.stdout.write(JSON.stringify(e) + '\n');
        else view!.onEvent(e);
      };
      try {
        const done = await runTraining({
          config,
          folders: dirs,
          corpus: { include: include.length ? include : ['**/*'], exclude, maxFileBytes: o.maxFileBytes, maxCorpusBytes: o.maxCorpusBytes },
          checkpointDir: path.resolve(out),
          resume: Boolean(o.resume),
          onEvent,
          signal: abort.signal,
          samples: o.samples,
          lockOwner: 'charrnn train',
        });
        view?.finish(done);
      } catch (e) {
        view?.stop();
        if (o.json) process.stdout.write(JSON.stringify({ type: 'error', message: (e as Error).message }) + '\n');
        throw e;
      } finally {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
      }
    });

  program
    .command('eval')
    .description('Bits per character of a trained model on files or folders: each expert and the mixture.')
    .requiredOption('--model <dir>', 'checkpoint folder')
    .argument('<path...>', 'files or folders (folders honour .gitignore)')
    .option('--max-file-bytes <n>', 'refuse (given directly) or skip (in folders) larger files', int('--max-file-bytes'), DEFAULT_EVAL_LIMITS.maxFileBytes)
    .option('--max-corpus-bytes <n>', 'read at most this many bytes in all', int('--max-corpus-bytes'), DEFAULT_EVAL_LIMITS.maxCorpusBytes)
    .option('--positions <n>', "identifier positions at which the threshold's promise is checked (0: none)", int('--positions'), EVAL_POSITIONS)
    .option('--seed <n>', 'seed for sampling those positions', int('--seed'), 1)
    .option('--json', 'print the result as JSON')
    .action(async (paths: string[], o) => {
      utf8Path(o.model, '--model');
      for (const p of paths) if (!fs.existsSync(utf8Path(p, 'the path'))) throw new UsageError(`no such file or folder: ${p}`);
      if (o.maxFileBytes < 1 || o.maxCorpusBytes < 1) throw new UsageError('--max-file-bytes and --max-corpus-bytes must be positive');
      if (o.positions < 0) throw new UsageError('--positions must be 0 or more');
      // Progress on stderr for long evaluations: a line every few seconds after the first five.
      const t0 = Date.now();
      let last = t0;
      const onProgress = (done: number, total: number) => {
        const now = Date.now();
        if (now - t0 < 5000 || now - last < 5000) return;
        last = now;
        process.stderr.write(`eval: ${Math.floor((100 * done) / total)}% (${done}/${total} characters)\n`);
      };
      const r = await evaluateModel(path.resolve(o.model), paths.map((p) => path.resolve(p)), {
        maxFileBytes: o.maxFileBytes,
        maxCorpusBytes: o.maxCorpusBytes,
        onProgress,
        positions: o.positions,
        seed: o.seed,
      });
      if (o.json) {
        process.stdout.write(JSON.stringify(r) + '\n');
        return;
      }
      process.stdout.write(`${r.bitsPerChar.toFixed(4)} bits per character (${r.model}) over ${r.chars} characters in ${r.files} files (${r.unknownChars} unknown)\n`);
      for (const [name, bpc] of Object.entries(r.experts)) process.stdout.write(`  ${name.padEnd(8)} ${(bpc as number).toFixed(4)}\n`);
      if (r.promise) process.stdout.write(formatPromise(r.promise) + '\n');
    });

  program
    .command('sample')
    .description('Generate text from a trained model.')
    .requiredOption('--model <dir>', 'checkpoint folder')
    .option('--prime <text>', 'text to start from', '')
    .option('--length <n>', 'characters to generate', int('--length'), 500)
    .option('--temperature <t>', 'sampling temperature (lower = more conservative)', float('--temperature'), 0.8)
    .option('--seed <n>', 'random seed', int('--seed'), Date.now() % 2147483647)
    .action((o) => {
      if (o.length < 1 || o.length > 1_000_000) throw new UsageError('--length must be between 1 and 1000000');
      if (!(o.temperature > 0 && o.temperature <= 10)) throw new UsageError('--temperature must be above 0 and at most 10');
      const ck = loadCheckpoint(path.resolve(utf8Path(o.model, '--model')));
      if (!hasLstm(ck.meta)) throw new UsageError('the model has no trained LSTM yet (training stopped in its n-gram stage): train it longer to sample');
      const text = sampleFromWeights(ck.weights, ck.vocab, ck.meta.config, {
        prime: o.prime,
        length: o.length,
        temperature: o.temperature,
        rng: makeRng(o.seed),
      });
      process.stdout.write(o.prime + text + '\n');
    });

  program
    .command('complete')
    .description('Complete prefixes read as JSON lines {"prefix": string, "suffix"?: string} on stdin; answers {"completion","confidence","continuation","continuationConfidence","ms"} per line on stdout, in order.')
    .option('--model <dir>', 'checkpoint folder (absent or "base": the base model shipped with the program, with the document cache, before any training)')
    .option('--max-chars <n>', 'longest completion', setting('completion.maxChars', '--max-chars'), SETTINGS['completion.maxChars'].default)
    .option('--min-confidence <x>', "abstain below this probability (default: the model's calibrated threshold)", setting('completion.minConfidence', '--min-confidence'))
    .option('--context-chars <n>', 'characters of the prefix the model reads', setting('completion.contextChars', '--context-chars'), SETTINGS['completion.contextChars'].default)
    .addOption(new Option('--length <how>', 'token: no continuation; line: "continuation" is what the editor shows past the token').choices(COMPLETION_LENGTHS as string[]).default(SETTINGS['completion.length'].default))
    .option('--max-continuation-chars <n>', 'longest continuation', setting('completion.maxContinuationChars', '--max-continuation-chars'), SETTINGS['completion.maxContinuationChars'].default)
    .option('--continuation-threshold <x>', "show a continuation only when the whole ghost's probability reaches this (default: the model's calibrated threshold; 1: never)", probability('--continuation-threshold'))
    .action(async (o) => {
      // A directory as stdin (`< dir`) reads as an empty input: say so instead of answering nothing.
      let stdinIsDir = false;
      try {
        stdinIsDir = fs.fstatSync(0).isDirectory();
      } catch {
        // no stdin at all: the reader sees its end
      }
      if (stdinIsDir) throw new UsageError('stdin is a directory: send the requests as JSON lines (charrnn complete --model DIR < requests.jsonl)');
      const model = o.model && o.model !== 'base' ? path.resolve(utf8Path(o.model, '--model')) : undefined;
      const code = await runComplete(model, process.stdin, process.stdout, process.stderr, {
        maxChars: o.maxChars,
        minConfidence: o.minConfidence,
        contextChars: o.contextChars,
        length: o.length,
        maxContinuationChars: o.maxContinuationChars,
        ...(o.continuationThreshold !== undefined ? { continuationMinConfidence: o.continuationThreshold } : {}),
      });
      if (code !== 0) process.exitCode = code;
    });

  program
    .command('bench')
    .description('Benchmarks: completion quality against word-completion and n-gram baselines, training speed against PyTorch, completion latency (see BENCHMARKS.md). Runs dist/bench.js of a source checkout; `charrnn bench --help` lists its options.')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]')
    .action(async (_args: string[], _o: unknown, cmd: Command) => {
      const code = await launchBench(cmd.args);
      if (code !== 0) process.exitCode = code;
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
      // commander already printed its message (help, version, usage errors).
      return err.exitCode ?? 1;
    }
    process.stderr.write(`charrnn: ${firstLine(err.message ?? String(e))}\n`);
    return 1;
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}
