/**
 * Lines of a text stream for the JSON-lines protocols (`charrnn complete`): split at '\n' only,
 * with one '\r' before it dropped (CRLF input). A raw '\r' inside a line stays in that line, so a
 * request is never split in two (readline would, shifting every later answer). A line longer than
 * `maxChars` is not kept in memory: it comes out as `{ tooLong: chars }` once its end is reached.
 */
import { StringDecoder } from 'string_decoder';

export const MAX_LINE_CHARS = 16 * 1024 * 1024;

export type Line = string | { tooLong: number };

export async function* readLines(input: NodeJS.ReadableStream, maxChars = MAX_LINE_CHARS): AsyncGenerator<Line> {
  const decoder = new StringDecoder('utf8');
  let buf = '';
  let dropped = 0; // characters of an over-long line thrown away so far
  const take = function* (text: string, final: boolean): Generator<Line> {
    buf += text;
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (dropped > 0 || line.length > maxChars) {
        yield { tooLong: dropped + line.length };
        dropped = 0;
      } else {
        yield line.endsWith('\r') ? line.slice(0, -1) : line;
      }
    }
    if (buf.length > maxChars) {
      dropped += buf.length;
      buf = '';
    }
    if (final && (buf.length > 0 || dropped > 0)) {
      yield dropped > 0 ? { tooLong: dropped + buf.length } : buf.endsWith('\r') ? buf.slice(0, -1) : buf;
      buf = '';
      dropped = 0;
    }
  };
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    yield* take(typeof chunk === 'string' ? chunk : decoder.write(chunk), false);
  }
  yield* take(decoder.end(), true);
}
