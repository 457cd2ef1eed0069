/**
 * Lines of a text stream for the JSON-lines protocols (`charrnn complete`): split at '\n' only,
 * with one '\r' before it dropped (CRLF input). A raw '\r' inside a line stays in that line, so a
 * request is never split in two (readline would, shifting every later answer). A line longer than
 * `maxChars` is not kept in memory: it comes out as `{ tooLong: chars }` once its end is reached.
 *
 * Linear in the input: each chunk is searched for '\n' once, and a line's pieces are joined once
 * at its end (appending to one string and searching it from the start at every chunk was
 * quadratic: 6.8 s for a line of 16 M characters against 1.2 s for 16 lines of 1 M, issue 20).
 */
import { StringDecoder } from 'string_decoder';

export const MAX_LINE_CHARS = 16 * 1024 * 1024;

export type Line = string | { tooLong: number };

export async function* readLines(input: NodeJS.ReadableStream, maxChars = MAX_LINE_CHARS): AsyncGenerator<Line> {
  const decoder = new StringDecoder('utf8');
  let parts: string[] = []; // the current line so far, in pieces without '\n'
  let kept = 0; // characters in parts
  let dropped = 0; // characters of an over-long line thrown away so far (parts is then empty)
  const endLine = (last: string): Line => {
    const total = dropped + kept + last.length;
    let line: Line;
    if (dropped > 0 || total > maxChars) {
      line = { tooLong: total };
    } else {
      const text = parts.length ? parts.join('') + last : last;
      line = text.endsWith('\r') ? text.slice(0, -1) : text;
    }
    parts = [];
    kept = 0;
    dropped = 0;
    return line;
  };
  const keep = (piece: string) => {
    if (piece.length === 0) return;
    if (dropped > 0) dropped += piece.length;
    else if (kept + piece.length > maxChars) {
      dropped = kept + piece.length;
      parts = [];
      kept = 0;
    } else {
      parts.push(piece);
      kept += piece.length;
    }
  };
  const take = function* (text: string, final: boolean): Generator<Line> {
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) !== -1) {
      yield endLine(text.slice(start, nl));
      start = nl + 1;
    }
    keep(start === 0 ? text : text.slice(start));
    if (final && (kept > 0 || dropped > 0)) yield endLine('');
  };
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    yield* take(typeof chunk === 'string' ? chunk : decoder.write(chunk), false);
  }
  yield* take(decoder.end(), true);
}
