// The frame shared by the browser checks (scripts/ghost-text-check.js, scripts/panel-screenshot.js):
// a run folder with a copy of test/fixtures/workspace and this extension (linked, built: dist/),
// code-server, headless Chromium on the workbench; closed again whatever happens, with a timeout.
'use strict';
const fs = require('fs');
const path = require('path');
const { runMain } = require('./proc');
const { ensureCodeServer } = require('./codeServerInstall');
const { makeRunDir, startServer, launchChromium } = require('./vscodeWeb');

const REPO = path.resolve(__dirname, '..', '..');

/**
 * Runs `check({page, run, server, log})` against a fresh workbench and exits with its status.
 * @param {{name: string, settings: object, bundles: string[], viewport?: {width: number, height: number}, prepare?: (run: object) => void, timeoutSec?: number}} o
 * @param {(ctx: {page: import('playwright-core').Page, run: object, server: object, log: (m: string) => void}) => Promise<number>} check
 */
function runBrowserCheck(o, check) {
  const handles = { browser: undefined, server: undefined };
  const log = (msg) => console.log(`[${o.name}] ${msg}`);
  const cleanup = async () => {
    await handles.browser?.close().catch(() => undefined);
    await handles.server?.stop();
  };
  const main = async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    for (const f of o.bundles) {
      if (!fs.existsSync(path.join(REPO, f))) throw new Error(`${f} is missing: run npm run build first`);
    }
    const install = await ensureCodeServer(path.join(REPO, '.cache'));
    const run = makeRunDir({ fixture: path.join(REPO, 'test', 'fixtures', 'workspace'), settings: o.settings });
    o.prepare?.(run);
    // The extension, installed as a link to this repository.
    fs.symlinkSync(REPO, path.join(run.ext, `${pkg.publisher}.${pkg.name}-${pkg.version}`), 'dir');
    const server = await startServer(install, run, { folder: run.workspace });
    handles.server = server;
    log(`code-server on ${server.origin}, run folder ${run.dir}`);
    handles.browser = await launchChromium();
    const page = await handles.browser.newPage({ viewport: o.viewport ?? { width: 1280, height: 800 } });
    await page.goto(`${server.origin}/?folder=${encodeURIComponent(run.workspace)}`, { waitUntil: 'domcontentloaded', timeout: 60000 });
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    return check({ page, run, server, log });
  };
  runMain(
    async () => {
      try {
        return await main();
      } finally {
        await cleanup();
      }
    },
    { timeoutSec: o.timeoutSec ?? 600, cleanup, name: o.name },
  );
}

/** Runs a command by its title from the command palette. */
async function runCommand(page, title) {
  await page.keyboard.press('Control+Shift+P');
  await page.waitForSelector('.quick-input-widget input', { timeout: 10000 });
  await page.keyboard.type(title, { delay: 20 });
  // On a loaded machine the palette filters late: Enter only once the focused row is the command
  // (the extension has many "CharRNN: …" commands, and the first of them is not always this one).
  await page
    .waitForFunction(
      (t) => (document.querySelector('.quick-input-widget .monaco-list-row.focused')?.textContent || '').includes(t),
      title,
      { timeout: 15000 },
    )
    .catch(() => {});
  await page.waitForTimeout(200);
  await page.keyboard.press('Enter');
}

module.exports = { runBrowserCheck, runCommand, REPO };
