// Runs the real VS Code that code-server bundles: a fresh run folder (user data, extensions,
// a copy of the workspace), the server on a free port in its own process group, and headless
// Chromium (playwright-core, the system browser; never a downloaded one) as the workbench.
'use strict';
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const http = require('http');
const util = require('util');
const { startGroup } = require('./proc');
const { findChromium } = require('./sysdeps');

/** User settings for every test run: a quiet workbench that never saves or phones home by itself. */
const QUIET_SETTINGS = {
  'files.autoSave': 'off',
  'workbench.startupEditor': 'none',
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'github.gitAuthentication': false,
  'npm.autoDetect': 'off',
  'typescript.disableAutomaticTypeAcquisition': true,
  'typescript.tsserver.experimental.enableProjectDiagnostics': false,
  'window.restoreWindows': 'none',
  'workbench.editor.restoreViewState': false,
};

/**
 * A fresh run folder: ud/User/settings.json, ext/, xdg/ and (when given) a copy of the workspace.
 * @param {{fixture?: string, settings?: object}} o
 */
function makeRunDir(o = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-vscode-'));
  const ud = path.join(dir, 'ud');
  fs.mkdirSync(path.join(ud, 'User'), { recursive: true });
  fs.writeFileSync(path.join(ud, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...o.settings }, null, 2) + '\n');
  const ext = path.join(dir, 'ext');
  fs.mkdirSync(ext);
  let workspace;
  if (o.fixture) {
    workspace = path.join(dir, 'workspace');
    fs.cpSync(o.fixture, workspace, { recursive: true });
  }
  for (const x of ['config', 'data', 'cache']) fs.mkdirSync(path.join(dir, 'xdg', x), { recursive: true });
  return { dir, ud, ext, workspace, serverLog: path.join(dir, 'server.log') };
}

/** @returns {Promise<number>} a TCP port free on 127.0.0.1 right now */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/** Environment for code-server: XDG folders inside the run folder, nothing in $HOME. */
function serverEnv(run, extra) {
  return {
    ...process.env,
    XDG_CONFIG_HOME: path.join(run.dir, 'xdg', 'config'),
    XDG_DATA_HOME: path.join(run.dir, 'xdg', 'data'),
    XDG_CACHE_HOME: path.join(run.dir, 'xdg', 'cache'),
    ...extra,
  };
}

/** Base arguments shared by every code-server invocation of a run. */
function baseArgs(install, run) {
  return [install.entry, '--config', '/dev/null', '--disable-telemetry', '--disable-update-check', '--user-data-dir', run.ud, '--extensions-dir', run.ext];
}

function getStatus(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => req.destroy());
  });
}

/**
 * Starts code-server for a run folder and waits until /healthz answers.
 * @param {{nodeBin: string, entry: string}} install from ensureCodeServer
 * @param {ReturnType<typeof makeRunDir>} run
 * @param {{args?: string[], env?: object, folder?: string}} [o]
 */
async function startServer(install, run, o = {}) {
  const port = await freePort();
  const args = [
    ...baseArgs(install, run),
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    ...(o.args || []),
  ];
  if (o.folder) args.push(o.folder);
  const log = fs.createWriteStream(run.serverLog);
  const server = startGroup(install.nodeBin, args, { env: serverEnv(run, o.env), cwd: run.dir });
  server.child.stdout.pipe(log);
  server.child.stderr.pipe(log);
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60000;
  let exitedEarly = false;
  server.exited.then(() => (exitedEarly = true));
  while ((await getStatus(`${origin}/healthz`)) !== 200) {
    if (exitedEarly || Date.now() > deadline) {
      await server.stop();
      const tail = fs.existsSync(run.serverLog) ? fs.readFileSync(run.serverLog, 'utf8').slice(-3000) : '';
      throw new Error(`code-server did not come up on port ${port} (${exitedEarly ? 'it exited' : 'timeout'}); log:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { port, origin, authority: `127.0.0.1:${port}`, ...server };
}

/**
 * Runs a one-shot code-server command (e.g. --install-extension) for a run folder.
 * @returns {Promise<{code: number, output: string}>}
 */
async function serverCommand(install, run, args) {
  const p = startGroup(install.nodeBin, [...baseArgs(install, run), ...args], { env: serverEnv(run), cwd: run.dir });
  let output = '';
  p.child.stdout.on('data', (d) => (output += d));
  p.child.stderr.on('data', (d) => (output += d));
  const { code } = await p.exited;
  await p.stop(1000);
  return { code: code ?? 1, output };
}

/** Headless system Chromium through playwright-core. */
async function launchChromium() {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('no Chromium found (set CHROMIUM_PATH)');
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    // We handle Ctrl-C and termination ourselves (and kill the browser's process group then).
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

/**
 * Text of a codeAutomationLog call. `args` are a console call's arguments: the extension host's
 * console.log('%s%s', a, b) arrives as ['%s%s', a, b]; util.format applies them (and drops %c css).
 */
function automationLogText(args) {
  const list = Array.isArray(args) ? args : [args];
  return util.format(...list);
}

module.exports = { QUIET_SETTINGS, makeRunDir, freePort, startServer, serverCommand, launchChromium, automationLogText };
