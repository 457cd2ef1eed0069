// Runs a @vscode/test-electron style suite (a module exporting run()) inside the real VS Code
// that code-server bundles, with headless Chromium as the workbench: the `payload` URL parameter
// (honoured with --vscode-option enable-smoke-test-driver) names the extension under development
// and the tests; the workbench reports the suite's status through codeAutomationExit and every
// console message (the extension host's included) through codeAutomationLog.
'use strict';
const fs = require('fs');
const path = require('path');
const { makeRunDir, startServer, launchChromium, automationLogText } = require('./vscodeWeb');

/** Written by the suite (test/integration/suite/index.ts) when it starts. */
const START_MARK = 'CHARRNN_TEST_START';

/** Workbench chatter that says nothing about the tests (gallery, auth, vsda look-ups and the like). */
const NOISE = [
  /open-vsx\.org|marketplace|gallery/i,
  /authentication provider 'github'/i,
  /vsda/i,
  /Failed to load resource/i,
  /^Creation of workbench contribution/,
  /^\[(AccountPolicyGate|AgentHost|Service Worker|reconnection-grace-time)/,
];

/**
 * @param {object} o
 * @param {{nodeBin: string, entry: string}} o.install
 * @param {string} o.extensionDevelopmentPath
 * @param {string} o.extensionTestsPath  module (or folder with index.js) exporting run()
 * @param {string} o.fixture  workspace folder, copied for the run
 * @param {(line: string) => void} o.out  where the suite's report goes
 * @param {(run: object) => Record<string,string>} o.onRunDir  called with the run folder (for
 *   results and cleanup); returns extra environment for the server and its extension host
 * @param {{browser?: any, server?: any}} o.handles  filled in, so that the caller can clean up
 * @returns {Promise<number>} the suite's exit status
 */
async function runWebSuite(o) {
  const run = makeRunDir({ fixture: o.fixture });
  const env = o.onRunDir(run);
  const workbenchLog = fs.createWriteStream(path.join(run.dir, 'workbench.log'));
  const server = await startServer(o.install, run, { args: ['--vscode-option', 'enable-smoke-test-driver'], env });
  o.handles.server = server;
  console.log(`[integration] code-server (VS Code ${o.install.vscodeVersion || '?'}) on ${server.origin}, run folder ${run.dir}`);
  const browser = await launchChromium();
  o.handles.browser = browser;
  const page = await browser.newPage();

  let settled = false;
  let resolveStatus;
  const status = new Promise((resolve) => (resolveStatus = resolve));
  const settle = (code) => {
    if (!settled) resolveStatus(code);
    settled = true;
  };
  await page.exposeFunction('codeAutomationExit', (code) => settle(typeof code === 'number' ? code : 1));
  // Until the suite says it started, the console is the workbench's start-up: it goes to
  // workbench.log only (the runner prints its tail when the suite reports nothing).
  let started = false;
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = automationLogText(args);
    workbenchLog.write(`[${type}] ${text}\n`);
    if (text.includes(START_MARK)) started = true;
    else if (started && !NOISE.some((re) => re.test(text))) o.out(text);
  });
  page.on('crash', () => {
    console.error('[integration] the workbench page crashed');
    settle(1);
  });
  page.on('pageerror', (err) => workbenchLog.write(`[pageerror] ${err.message}\n`));
  browser.on('disconnected', () => settle(1));
  server.exited.then(({ code, signal }) => {
    if (settled) return;
    console.error(`[integration] code-server exited early (${code ?? signal}); see ${run.serverLog}`);
    settle(1);
  });

  const remote = (p) => `vscode-remote://${server.authority}${p.split(path.sep).join('/')}`;
  const payload = [
    ['extensionDevelopmentPath', remote(o.extensionDevelopmentPath)],
    ['extensionTestsPath', remote(o.extensionTestsPath)],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ];
  const url = `${server.origin}/?folder=${encodeURIComponent(run.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
  const code = await status;
  await new Promise((r) => workbenchLog.end(r));
  return code;
}

module.exports = { runWebSuite };
