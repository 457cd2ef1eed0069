/** Why the trainer process ended, in words (src/extension/exitReason.ts). */
import * as assert from 'assert';
import { exitReason } from '../../src/extension/exitReason';

describe('exitReason', () => {
  it('names out-of-memory, kills and crashes', () => {
    assert.match(exitReason(134, null, 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'), /out of memory/);
    assert.match(exitReason(null, 'SIGKILL', ''), /killed \(SIGKILL\)/);
    assert.match(exitReason(null, 'SIGTERM', ''), /terminated by SIGTERM/);
    assert.match(exitReason(3, null, 'Error: boom\n'), /code 3: Error: boom/);
  });
});
