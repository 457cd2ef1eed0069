#!/usr/bin/env node
// Runs the integration suite (out/test/integration/suite) inside a real VS Code:
//  1. a desktop VS Code through @vscode/test-electron, when one is available: VSCODE_EXECUTABLE_PATH,
//     or a download that works (probed in a few seconds) on a machine with a display;
//  2. otherwise code-server (the same VS Code, server + web workbench) with headless Chromium,
//     installed once into .cache/ (see scripts/lib/codeServerInstall.js).
// Every run gets a fresh user-data folder, a copy of test/fixtures/workspace, a free port and an
// overall timeout; everything it starts is stopped at the end, on Ctrl-C and on timeout.
// Environment:
//   CHARRNN_TEST_TIMEOUT_SEC  overall timeout (default 900)
//   CHARRNN_TEST_GREP         only tests whose full title matches (mocha grep)
//   CHARRNN_TEST_HOST         force `desktop` or `web`
//   VSCODE_EXECUTABLE_PATH    a desktop VS Code to use
//   CHROMIUM_PATH             the Chromium to drive (default /usr/bin/chromium)
//   CHARRNN_TEST_KEEP=1       keep the run folder (it is always kept when the suite fails)
//   CHARRNN_TEST_STATS_FILE   write {"passed","failed","pending"} there (used by scripts/test.js)
'use strict';
const fs = require('fs');
const path = require('path');
const https = require('https');
const { runMain, startGroup } = require('./lib/proc');
const { ensureCodeServer } = require('./lib/codeServerInstall');
const { runWebSuite } = require('./lib/webSuite');
const { makeRunDir } = require('./lib/vscodeWeb');

const REPO = path.resolve(__dirname, '..');
const TESTS = path.join(REPO, 'out', 'test', 'integration', 'suite');
const FIXTURE = path.join(REPO, 'test', 'fixtures', 'workspace');
const RESULT_MARK = 'CHARRNN_TEST_RESULT ';
const LAUNCH_FAILED = 86;

const timeoutSec = Number(process.env.CHARRNN_TEST_TIMEOUT_SEC || 900);
const handles = { browser: undefined, server: undefined, desktop: undefined, runDir: undefined, status: 1 };

function log(msg) {
  console.log(`[integration] ${msg}`);
}

/** Answers whether VS Code's update server can be reached within a few seconds. */
function canDownloadVSCode() {
  return new Promise((resolve) => {
    const req = https.get('https://update.code.visualstudio.com/api/releases/stable', { timeout: 4000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** @returns {Promise<{host: 'desktop'|'web', why: string, exe?: string}>} */
async function chooseHost() {
  const forced = process.env.CHARRNN_TEST_HOST;
  if (forced && forced !== 'desktop' && forced !== 'web') throw new Error(`CHARRNN_TEST_HOST must be desktop or web, not ${forced}`);
  const exe = process.env.VSCODE_EXECUTABLE_PATH;
  if (forced === 'web') return { host: 'web', why: 'CHARRNN_TEST_HOST=web' };
  if (exe) {
    if (!fs.existsSync(exe)) throw new Error(`VSCODE_EXECUTABLE_PATH=${exe} does not exist`);
    return { host: 'desktop', exe, why: 'VSCODE_EXECUTABLE_PATH' };
  }
  if (forced === 'desktop') return { host: 'desktop', why: 'CHARRNN_TEST_HOST=desktop' };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { host: 'web', why: 'no display for a desktop VS Code' };
  }
  if (await canDownloadVSCode()) return { host: 'desktop', why: 'VS Code can be downloaded' };
  return { host: 'web', why: 'no desktop VS Code (VSCODE_EXECUTABLE_PATH unset, download unreachable)' };
}

/** The suite's environment: where its counts go, its grep, and which VS Code it runs in (`desktop` or `web`). */
function suiteEnv(resultFile, host) {
  const env = { CHARRNN_TEST_RESULT_FILE: resultFile, CHARRNN_TEST_HOST_KIND: host };
  if (process.env.CHARRNN_TEST_GREP) env.CHARRNN_TEST_GREP = process.env.CHARRNN_TEST_GREP;
  return env;
}

async function runDesktop(choice) {
  const run = makeRunDir({ fixture: FIXTURE });
  handles.runDir = run.dir;
  const resultFile = path.join(run.dir, 'result.json');
  const options = {
    vscodeExecutablePath: choice.exe,
    cachePath: path.join(REPO, '.vscode-test'),
    extensionDevelopmentPath: REPO,
    extensionTestsPath: TESTS,
    workspace: run.workspace,
    ud: run.ud,
    ext: run.ext,
    env: suiteEnv(resultFile, 'desktop'),
  };
  const child = startGroup(process.execPath, [path.join(__dirname, 'lib', 'desktopSuite.js'), JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    cwd: REPO,
  });
  handles.desktop = child;
  const { code, signal } = await child.exited;
  await child.stop(1000);
  return { status: code ?? (signal ? 1 : 0), resultFile, lines: [] };
}

async function runWeb() {
  const install = await ensureCodeServer(path.join(REPO, '.cache'));
  try {
    install.vscodeVersion = JSON.parse(fs.readFileSync(path.join(install.codeServerRoot, 'lib', 'vscode', 'package.json'), 'utf8')).version;
  } catch {
    /* only for the log line */
  }
  let resultFile = '';
  const lines = [];
  const status = await runWebSuite({
    install,
    extensionDevelopmentPath: REPO,
    extensionTestsPath: TESTS,
    fixture: FIXTURE,
    onRunDir: (run) => {
      handles.runDir = run.dir;
      resultFile = path.join(run.dir, 'result.json');
      return suiteEnv(resultFile, 'web');
    },
    handles,
    out: (line) => {
      lines.push(line);
      console.log(line);
    },
  });
  return { status, resultFile, lines };
}

/** Counts from the suite: its result file, else its marker line in the log. */
function readCounts(resultFile, lines) {
  try {
    return JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  } catch {
    const line = [...lines].reverse().find((l) => l.includes(RESULT_MARK));
    if (line) {
      try {
        return JSON.parse(line.slice(line.indexOf(RESULT_MARK) + RESULT_MARK.length));
      } catch {
        /* fall through */
      }
    }
    return undefined;
  }
}

async function main() {
  for (const [what, p, fix] of [
    ['extension bundle', path.join(REPO, 'dist', 'extension.js'), 'npm run build'],
    ['compiled integration suite', path.join(TESTS, 'index.js'), 'npm run compile-tests'],
    ['fixture workspace', FIXTURE, 'restore test/fixtures/workspace'],
  ]) {
    if (!fs.existsSync(p)) throw new Error(`${what} missing (${path.relative(REPO, p)}): run ${fix} first`);
  }
  // The fixture's own .gitignore hides secrets/ from git as well: a clone lacks that file unless it
  // was added with `git add -f`, and tests that it is never trained on would then prove nothing.
  for (const rel of ['secrets/never-train-on-this.txt', 'assets/logo.png', '.gitignore']) {
    if (!fs.existsSync(path.join(FIXTURE, rel))) {
      throw new Error(`fixture file test/fixtures/workspace/${rel} is missing (it must be committed: git add -f test/fixtures/workspace/${rel})`);
    }
  }
  if (process.env.CHARRNN_TEST_GREP) log(`grep: ${process.env.CHARRNN_TEST_GREP}`);
  const t0 = Date.now();
  let choice = await chooseHost();
  log(`host: ${choice.host} (${choice.why})`);
  let result;
  if (choice.host === 'desktop') {
    result = await runDesktop(choice);
    if (result.status === LAUNCH_FAILED && !process.env.CHARRNN_TEST_HOST && !choice.exe) {
      log('desktop VS Code unavailable after all: falling back to code-server');
      choice = { host: 'web', why: 'fallback' };
    }
  }
  if (choice.host === 'web') result = await runWeb();
  if (choice.host === 'desktop' && result.status === LAUNCH_FAILED) {
    throw new Error('no desktop VS Code could be had (see above): set VSCODE_EXECUTABLE_PATH, or CHARRNN_TEST_HOST=web for code-server');
  }
  const counts = readCounts(result.resultFile, result.lines);
  handles.status = result.status;
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (!counts) {
    log(`the suite reported no results (status ${result.status}) after ${secs} s; logs in ${handles.runDir}`);
    for (const name of ['workbench.log', 'server.log']) {
      const file = path.join(handles.runDir || '', name);
      if (!handles.runDir || !fs.existsSync(file)) continue;
      const tail = fs.readFileSync(file, 'utf8').split('\n').slice(-40).join('\n');
      console.log(`----- last lines of ${name} -----\n${tail}\n-----`);
    }
    if (process.env.CHARRNN_TEST_STATS_FILE) fs.writeFileSync(process.env.CHARRNN_TEST_STATS_FILE, JSON.stringify({ passed: 0, failed: 1, pending: 0, crashed: true }));
    handles.status = result.status || 1;
    return handles.status;
  }
  if (process.env.CHARRNN_TEST_STATS_FILE) fs.writeFileSync(process.env.CHARRNN_TEST_STATS_FILE, JSON.stringify(counts));
  log(`${counts.passed} passed, ${counts.failed} failed${counts.pending ? `, ${counts.pending} pending` : ''} in ${choice.host} VS Code (${secs} s, exit ${result.status})`);
  if (result.status === 0 && counts.failed > 0) handles.status = 1;
  if (result.status === 0 && counts.passed + counts.failed === 0 && !process.env.CHARRNN_TEST_GREP) {
    log('no integration tests ran');
    handles.status = 1;
  }
  return handles.status;
}

async function cleanup() {
  if (handles.browser) await handles.browser.close().catch(() => {});
  if (handles.server) await handles.server.stop(5000);
  if (handles.desktop) await handles.desktop.stop(5000);
  if (handles.runDir) {
    if (handles.status === 0 && !process.env.CHARRNN_TEST_KEEP) fs.rmSync(handles.runDir, { recursive: true, force: true });
    else log(`run folder kept: ${handles.runDir} (server.log, workbench.log)`);
  }
}

runMain(main, { name: 'integration', timeoutSec, cleanup });
