/**
 * `charrnn complete [--model DIR]`: JSON lines in, JSON lines out (README.md, the command line).
 *   in:  {"prefix": string, "suffix"?: string}   (suffix: the rest of the line after the cursor)
 *   out: {"completion": string, "confidence": number, "continuation": string, "continuationConfidence": number, "ms": number}
 *        one line per request, in order
 * An empty completion means the model abstains; `ms` is the engine's own time for the request.
 * `completion` is the rest of the token (as before continuations existed); `continuation` is what
 * the editor shows after it on the same line (with --length line, the default; empty when none,
 * and then continuationConfidence is 0), possibly after an empty completion when the token typed
 * looks complete.
 * Nothing else is written to stdout. A line that is not a valid request gets a message on stderr
 * and {"completion":"","confidence":0,"continuation":"","continuationConfidence":0,"ms":0}. Blank lines are ignored. Consecutive prefixes
 * that extend each other reuse the model state (as typing does in the editor). Send the whole text
 * before the cursor: the mixture's document cache counts all of it (the LSTM reads the last
 * contextChars).
 * Exit code: 0 at the end of input; 1 with a one-line reason on stderr when the model is
 * unreadable, when the input cannot be read, or when an answer cannot be written (a full disk,
 * the reader gone: `| head -1`): the answers stop there.
 */
import { loadCompleter, warmUp, type Completer } from '../core/complete/completer';
import { defaultBaseDir } from '../core/store/baseModel';
import { loadBaseCompleter } from '../core/complete/baseServing';
import type { CompleteOptions } from '../core/contracts/completion';
import type { EngineKind } from '../core/lstm/matMulEngine';
import { readLines, type Line } from './jsonLines';

export interface RunCompleteOptions extends Partial<CompleteOptions> {
  engine?: EngineKind;
}

const DOC_KEY = 'stdin';

/** `modelDir` undefined: the shipped base model (with the document cache), before any training. */
export async function runComplete(
  modelDir: string | undefined,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  options: RunCompleteOptions = {},
): Promise<number> {
  const { engine, ...rest } = options;
  // Unset options take the completer's defaults (the threshold: the model's calibrated one).
  const opts: Partial<CompleteOptions> = rest;
  let loaded: { completer: Completer<unknown>; model: { dispose(): void } };
  const log = (m: string) => err.write(`charrnn complete: ${m}\n`);
  try {
    if (modelDir !== undefined) {
      loaded = await loadCompleter(modelDir, engine ?? 'auto', log);
    } else {
      const baseDir = defaultBaseDir();
      if (!baseDir) throw new Error('no --model given and no base model next to the program (media/base)');
      loaded = await loadBaseCompleter(baseDir, engine ?? 'auto', log);
    }
  } catch (e) {
    err.write(`charrnn complete: ${oneLine((e as Error).message)}\n`);
    return 1;
  }
  // A write error (ENOSPC; EPIPE when the reader went away, `| head -1`) ends the run with one
  // line, no stack trace: the answers after it would be lost.
  let outputError: NodeJS.ErrnoException | undefined;
  let outputClosed = false;
  const onOutputError = (e: Error) => {
    outputError ??= e;
    outputClosed = true;
  };
  output.on('error', onOutputError);
  let answered = 0;
  let lastWrite: Promise<void> = Promise.resolve();
  const failed = (): number => {
    const e = outputError!;
    const why = e.code === 'ENOSPC' ? ': the disk is full' : e.code === 'EPIPE' ? ': the reader closed it' : '';
    err.write(`charrnn complete: cannot write the answers (${e.code ?? oneLine(e.message)}${why}) after ${answered} answers\n`);
    return 1;
  };
  try {
    warmUp(loaded.completer);
    let n = 0;
    const lines = readLines(input);
    for (;;) {
      let next: IteratorResult<Line, void>;
      try {
        next = await lines.next();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        err.write(`charrnn complete: cannot read the requests (${code === 'EISDIR' ? 'stdin is a directory' : code ?? oneLine((e as Error).message)})\n`);
        return 1;
      }
      if (next.done) break;
      const raw = next.value;
      n++;
      if (outputClosed) break;
      const line = typeof raw === 'string' ? raw.trim() : '';
      if (typeof raw === 'string' && line === '') continue;
      let answer: CompleteAnswer;
      const req = typeof raw === 'string' ? parseRequest(line) : `line too long (${raw.tooLong} characters)`;
      if (typeof req === 'string') {
        err.write(`charrnn complete: line ${n}: ${req}\n`);
        answer = abstain(0);
      } else {
        const t0 = performance.now();
        try {
          const r = loaded.completer.complete({ docKey: DOC_KEY, prefix: req.prefix, suffix: req.suffix }, opts);
          answer = {
            completion: r.completion, confidence: round(r.confidence, 6),
            continuation: r.continuation ?? '', continuationConfidence: round(r.continuationConfidence ?? 0, 6),
            ms: round(performance.now() - t0, 3),
          };
        } catch (e) {
          err.write(`charrnn complete: line ${n}: ${oneLine((e as Error).message)}\n`);
          answer = abstain(round(performance.now() - t0, 3));
        }
      }
      let ok!: boolean;
      lastWrite = new Promise<void>((resolve) => {
        ok = output.write(JSON.stringify(answer) + '\n', (e?: Error | null) => {
          if (e) onOutputError(e);
          else answered++;
          resolve();
        });
      });
      if (!ok && !outputClosed) {
        await new Promise<void>((resolve) => {
          output.once('drain', resolve);
          output.once('error', resolve);
        });
      }
      if (outputClosed) break;
    }
    // The last answer's write may fail after the input ended.
    await lastWrite;
    return outputError ? failed() : 0;
  } finally {
    // The error listener stays: a late EPIPE must not become an uncaught exception.
    loaded.model.dispose();
  }
}

export interface CompleteAnswer {
  completion: string;
  confidence: number;
  continuation: string;
  continuationConfidence: number;
  ms: number;
}

function abstain(ms: number): CompleteAnswer {
  return { completion: '', confidence: 0, continuation: '', continuationConfidence: 0, ms };
}

/** The request, or a reason it is not one. */
export function parseRequest(line: string): { prefix: string; suffix?: string } | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    return `not JSON (${(e as Error).message})`;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'expected an object {"prefix": string}';
  const o = v as Record<string, unknown>;
  if (typeof o.prefix !== 'string') return '"prefix" must be a string';
  if (o.suffix !== undefined && typeof o.suffix !== 'string') return '"suffix" must be a string when given';
  return { prefix: o.prefix, suffix: o.suffix as string | undefined };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
