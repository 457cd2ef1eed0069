/**
 * The base CharRNN's fixed vocabulary: the unknown symbol, tab, newline and the 95 printable ASCII
 * characters (98 symbols). A pretrained model cannot depend on one workspace's characters, so its
 * inputs and outputs are this set whatever the workspace holds; every other character (non-ASCII
 * letters in strings and comments, '\r', control characters, lone surrogates) maps to the unknown
 * symbol. Why characters and not UTF-8 bytes: code is >99.5% ASCII (measured on the pretraining
 * corpus, pretrain/corpus-manifest.json), a byte model would spend 2-4 steps on every other
 * character, and the decoder emits whole characters; the count models still see the workspace's
 * exact text.
 */
import { UNKNOWN, Vocab } from './vocab';

function baseChars(): string[] {
  const chars = [UNKNOWN, '\t', '\n'];
  for (let c = 0x20; c <= 0x7e; c++) chars.push(String.fromCharCode(c));
  return chars;
}

/** The characters of the base vocabulary, index 0 the unknown symbol. */
export const BASE_CHARS: readonly string[] = Object.freeze(baseChars());

/** The base vocabulary (98 symbols). */
export function baseVocab(): Vocab {
  return new Vocab([...BASE_CHARS]);
}
