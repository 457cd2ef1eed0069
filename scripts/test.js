#!/usr/bin/env node
// `npm test`: build the bundles (webpack, production), compile the tests (tsc), lint (typescript-eslint), run the unit tests
// (mocha), the integration tests in a real VS Code (scripts/run-integration-tests.js) and two
// browser checks of that VS Code (scripts/ghost-text-check.js, scripts/panel-screenshot.js).
// Every step runs even when an earlier one failed (except that the integration tests need the
// bundles); the exit status is non-zero when any step failed, and the last line is
// `N passed, N failed` over unit + integration tests.
'use strict';
const cp = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let current; // the step's child process
let interrupted = false;

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    interrupted = true;
    // Each step runs in its own process group (so that npm's grandchildren, e.g. webpack, are
    // reached too): pass the signal on to the whole group; the integration runner then stops
    // VS Code and the browser before it exits.
    if (current && current.exitCode === null) {
      try {
        process.kill(-current.pid, sig);
      } catch {
        current.kill(sig);
      }
    }
  });
}

/** Runs one step; resolves with its exit status. */
function step(cmd, args, env = {}) {
  return new Promise((resolve) => {
    current = cp.spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env }, detached: true });
    current.on('error', (err) => {
      console.error(`cannot run ${cmd}: ${err.message}`);
      resolve(127);
    });
    current.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function banner(text) {
  console.log(`\n=== ${text} ===`);
}

function readStats(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

async function main() {
  const t0 = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-test-'));
  const results = []; // {name, ok, note}
  const failedTests = []; // {suite, title, error}: named again in the summary
  const counts = { passed: 0, failed: 0, pending: 0 };
  const addCounts = (name, status, file) => {
    const s = readStats(file);
    if (s) {
      counts.passed += s.passed;
      counts.failed += s.failed;
      counts.pending += s.pending || 0;
      results.push({ name, ok: status === 0, note: `${s.passed} passed, ${s.failed} failed` + (s.crashed ? ' (the suite crashed or did not report)' : '') });
      for (const f of s.failedTests || []) failedTests.push({ suite: name.replace(/ \(.*/, ''), ...f });
    } else {
      // The tests did not even report: count the suite as one failure, never as a pass.
      counts.failed += 1;
      results.push({ name, ok: false, note: `no results (exit ${status}); counted as 1 failure` });
    }
  };

  let t = Date.now();
  banner('build (webpack --mode production)');
  const build = await step(npm, ['run', 'build']);
  results.push({ name: 'build', ok: build === 0, note: `exit ${build}, ${((Date.now() - t) / 1000).toFixed(0)} s` });
  // webpack still writes the bundles when ts-loader reports type errors: then the integration
  // tests can run on this build (and say more than "build failed"); never on an older bundle.
  const bundle = path.join(REPO, 'dist', 'extension.js');
  const bundleFresh = fs.existsSync(bundle) && fs.statSync(bundle).mtimeMs >= t - 1000;

  if (!interrupted) {
    t = Date.now();
    banner('compile tests (tsc -p tsconfig.json)');
    const tsc = await step(npm, ['run', 'compile-tests']);
    results.push({ name: 'compile tests', ok: tsc === 0, note: `exit ${tsc}, ${((Date.now() - t) / 1000).toFixed(0)} s` });
  }

  if (!interrupted) {
    t = Date.now();
    banner('lint (typescript-eslint)');
    const lint = await step(npm, ['run', 'lint']);
    // A lint failure fails npm test (and counts as one failed check in the closing line).
    if (lint !== 0) counts.failed += 1;
    results.push({ name: 'lint', ok: lint === 0, note: `exit ${lint}, ${((Date.now() - t) / 1000).toFixed(0)} s` });
  }

  if (!interrupted) {
    t = Date.now();
    banner('unit tests (mocha)');
    const statsFile = path.join(tmp, 'unit.json');
    const mochaBin = path.join(REPO, 'node_modules', 'mocha', 'bin', 'mocha.js');
    const unit = await step(process.execPath, [mochaBin, '--reporter', path.join(__dirname, 'lib', 'mocha-count-reporter.js')], { CHARRNN_MOCHA_STATS_FILE: statsFile });
    addCounts(`unit tests (${((Date.now() - t) / 1000).toFixed(0)} s)`, unit, statsFile);
  }

  if (!interrupted) {
    t = Date.now();
    banner('integration tests (real VS Code)');
    if (build !== 0 && !bundleFresh) {
      counts.failed += 1;
      results.push({ name: 'integration tests', ok: false, note: 'not run: the build wrote no dist/extension.js; counted as 1 failure' });
    } else {
      if (build !== 0) console.log('(the build reported errors but wrote dist/extension.js: testing that bundle)');
      const statsFile = path.join(tmp, 'integration.json');
      const integ = await step(process.execPath, [path.join(__dirname, 'run-integration-tests.js')], { CHARRNN_TEST_STATS_FILE: statsFile });
      addCounts(`integration tests (${((Date.now() - t) / 1000).toFixed(0)} s)`, integ, statsFile);
    }
  }

  // Browser checks: the product as a person meets it (ghost text while typing; the panel's chart
  // during a run), each one test. Screenshots stay in the temp folder named in the output.
  const shots = fs.mkdtempSync(path.join(os.tmpdir(), 'charrnn-shots-'));
  for (const [name, script, env] of [
    ['browser: ghost text appears while typing and Tab accepts it', 'ghost-text-check.js', {}],
    ['browser: the training panel charts a live run', 'panel-screenshot.js', { CHARRNN_SHOT_SECONDS: '8' }],
  ]) {
    if (interrupted) break;
    t = Date.now();
    banner(name);
    const shot = path.join(shots, script.replace(/\.js$/, '.png'));
    const status = build !== 0 && !bundleFresh ? 1 : await step(process.execPath, [path.join(__dirname, script), shot], env);
    if (status === 0) counts.passed += 1;
    else counts.failed += 1;
    results.push({ name, ok: status === 0, note: `exit ${status}, ${((Date.now() - t) / 1000).toFixed(0)} s, screenshot ${shot}` });
  }

  fs.rmSync(tmp, { recursive: true, force: true });
  console.log('\n=== summary ===');
  for (const r of results) console.log(`${r.ok ? 'ok    ' : 'FAILED'} ${r.name}: ${r.note}`);
  for (const f of failedTests) console.log(`  failed in ${f.suite}: ${f.title}\n    ${f.error}`);
  if (interrupted) console.log('INTERRUPTED: later steps did not run');
  const ok = !interrupted && results.every((r) => r.ok);
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s${counts.pending ? `, ${counts.pending} pending` : ''}`);
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  process.exitCode = interrupted ? 130 : ok ? 0 : 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
