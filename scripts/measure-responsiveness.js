#!/usr/bin/env node
// Measures the extension host's and the editor's responsiveness while training with every core
// busy (test/measure/index.ts, inside the real VS Code: code-server + headless Chromium), and
// prints a Markdown table for BENCHMARKS.md. Needs `npm run build && npm run compile-tests`.
//   node scripts/measure-responsiveness.js        (CHARRNN_MEASURE_PHASE_MS=20000 per phase)
'use strict';
const path = require('path');
const { runMain } = require('./lib/proc');
const { ensureCodeServer } = require('./lib/codeServerInstall');
const { runWebSuite } = require('./lib/webSuite');

const REPO = path.resolve(__dirname, '..');
const handles = { browser: undefined, server: undefined, status: 1 };
const MARK = 'CHARRNN_MEASURE ';

async function main() {
  const install = await ensureCodeServer(path.join(REPO, '.cache'));
  const rows = [];
  const status = await runWebSuite({
    install,
    extensionDevelopmentPath: REPO,
    extensionTestsPath: path.join(REPO, 'out', 'test', 'measure'),
    fixture: path.join(REPO, 'test', 'fixtures', 'workspace'),
    onRunDir: () => ({ CHARRNN_MEASURE_PHASE_MS: process.env.CHARRNN_MEASURE_PHASE_MS || '20000' }),
    handles,
    out: (line) => {
      console.log(line);
      const i = line.indexOf(MARK);
      if (i >= 0) rows.push(JSON.parse(line.slice(i + MARK.length)));
    },
  });
  const f = (v) => (v === null || v === undefined || Number.isNaN(v) ? '–' : String(v));
  console.log('\n| phase | host event-loop delay p50 / p99 / max (ms) | editor edit round trip p50 / p95 (ms) | completion round trip p50 / p95 (ms) | trainer steps in the phase | trainer paused | load avg |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.phase} | ${f(r.loopDelayP50)} / ${f(r.loopDelayP99)} / ${f(r.loopDelayMax)} | ${f(r.editP50)} / ${f(r.editP95)} | ${f(r.completionP50)} / ${f(r.completionP95)} | ${f(r.trainSteps)} | ${r.trainerPausedShare === null ? '–' : `${Math.round(100 * r.trainerPausedShare)}%`} | ${f(r.load)} |`);
  }
  handles.status = rows.length === 5 ? status : 1;
  return handles.status;
}

async function cleanup() {
  if (handles.browser) await handles.browser.close().catch(() => {});
  if (handles.server) await handles.server.stop(5000);
}

runMain(main, { name: 'measure', timeoutSec: 900, cleanup });
