/** The panel's page (src/extension/panelHtml.ts). */
import * as assert from 'assert';
import { panelHtml } from '../../src/extension/panelHtml';

describe('panel page', () => {
  it('has a strict Content-Security-Policy with a nonce and no inline code', () => {
    const html = panelHtml({ cspSource: 'https://x.vscode-cdn.net', nonce: 'N0nce', scriptUri: 'https://x/dist/webview.js', styleUri: 'https://x/media/panel.css' });
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-N0nce'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.match(html, /<script nonce="N0nce" src="https:\/\/x\/dist\/webview.js"><\/script>/);
    assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
    assert.strictEqual((html.match(/<script/g) ?? []).length, 1);
    assert.doesNotMatch(html, /https?:\/\/(?!x[./])/, 'no remote content');
  });
});
