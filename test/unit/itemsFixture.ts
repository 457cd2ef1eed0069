/**
 * Test helper (not a test file): a small TypeScript text, six files made from it (the last two
 * with names the first four never use), and a vocabulary over it and the alphabet, for the tests
 * of the mixture's layers and of its judged confidence.
 */
import { Vocab } from '../../src/core/text/vocab';

export const ITEMS_TEXT = `export function total(items: Item[]): number {
  let sum = 0;
  for (const item of items) sum += item.price * item.quantity;
  return sum;
}
export function count(items: Item[]): number {
  return items.reduce((n, item) => n + item.quantity, 0);
}
`;

export const itemsVocab = Vocab.build([ITEMS_TEXT + 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'], 1);

/** Files 0-3 train, 4 and 5 are held out (they call `total` `grandTotal4` and `grandTotal5`). */
export const ITEMS_FILES = Array.from({ length: 6 }, (_, i) =>
  ITEMS_TEXT.replace(/item/g, `item${i % 3}`).replace(/total/g, i >= 4 ? `grandTotal${i}` : 'total'));
