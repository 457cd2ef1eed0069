/** Saved files that count as the workspace's code (src/extension/workspaceFiles.ts): issue 22, finding 9. */
import * as assert from 'assert';
import { countsAsCode } from '../../src/extension/workspaceFiles';

describe('saved files that count as code', () => {
  it('the settings the panel writes, and the tools\' folders, do not count', () => {
    assert.strictEqual(countsAsCode('.vscode/settings.json'), false);
    assert.strictEqual(countsAsCode('sub\\.vscode\\launch.json'), false);
    assert.strictEqual(countsAsCode('.git/COMMIT_EDITMSG'), false);
    assert.strictEqual(countsAsCode('packages/a/node_modules/x/index.js'), false);
  });

  it('the project\'s files do', () => {
    assert.strictEqual(countsAsCode('src/orders.ts'), true);
    assert.strictEqual(countsAsCode('settings.json'), true);
    assert.strictEqual(countsAsCode('docs/vscode-notes.md'), true);
  });
});
