#!/usr/bin/env node
// Browser check of inline completions as a person meets them, in the real VS Code (code-server +
// headless Chromium, scripts/lib/browserCheck.js): runs "CharRNN: Train on workspace" from the
// command palette (a small model) on a copy of test/fixtures/workspace, waits for the status bar to
// say the model is ready, types a prefix the model has learnt into an editor, waits for the ghost
// text, screenshots it, accepts it with Tab and checks the line.
//   node scripts/ghost-text-check.js [out.png]     (default: /tmp/charrnn-ghost-text.png)
// Exit 0 when the ghost text appeared and Tab inserted it.
'use strict';
const fs = require('fs');
const path = require('path');
const { runBrowserCheck, runCommand } = require('./lib/browserCheck');

const OUT = path.resolve(process.argv[2] || '/tmp/charrnn-ghost-text.png');
const PREFIX = 'const total = order.itemQu';
const EXPECTED = 'antity';

async function statusText(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('.statusbar-item')].map((e) => e.textContent || '').find((t) => t.includes('CharRNN')) || '',
  );
}

async function check({ page, log }) {
  // The extension activates after start-up: its status bar item says there is no workspace model
  // yet (the shipped base model answers until there is).
  const deadline0 = Date.now() + 60000;
  while (!/base model|no model/.test(await statusText(page))) {
    if (Date.now() > deadline0) throw new Error(`no "CharRNN: base model" status bar item; saw "${await statusText(page)}"`);
    await page.waitForTimeout(500);
  }
  log(`status bar: ${await statusText(page)}`);

  await runCommand(page, 'CharRNN: Train on workspace');
  log('training from the command palette');
  const deadline = Date.now() + 300000;
  let seenTraining = false;
  for (;;) {
    const s = await statusText(page);
    if (/training/.test(s)) seenTraining = true;
    if (seenTraining && !/training/.test(s)) {
      log(`status bar after training: ${s}`);
      if (!/CharRNN$/.test(s.trim())) throw new Error(`the model is not ready: "${s}"`);
      break;
    }
    if (/error/.test(s)) throw new Error(`training failed: "${s}"`);
    if (Date.now() > deadline) throw new Error(`training did not finish in time: "${s}"`);
    await page.waitForTimeout(1000);
  }

  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { timeout: 10000 });
  await page.keyboard.type('scratch.ts', { delay: 20 });
  await page.waitForTimeout(700);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.monaco-editor .view-lines', { timeout: 20000 });
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type(PREFIX, { delay: 50 });
  let ghost = '';
  const until = Date.now() + 20000;
  while (Date.now() < until) {
    ghost = await page.evaluate(() => [...document.querySelectorAll('.ghost-text-decoration, .ghost-text')].map((e) => e.textContent || '').join(''));
    if (ghost.includes(EXPECTED)) break;
    await page.waitForTimeout(250);
  }
  await page.screenshot({ path: OUT });
  log(`screenshot: ${OUT}`);
  if (!ghost.includes(EXPECTED)) throw new Error(`no ghost text "${EXPECTED}" after typing "${PREFIX}" (saw "${ghost}")`);
  log(`ghost text while typing "${PREFIX}": "${ghost}"`);
  await page.keyboard.press('Tab');
  await page.waitForTimeout(500);
  const line = await page.evaluate(() => {
    const lines = [...document.querySelectorAll('.monaco-editor .view-line')].map((e) => (e.textContent || '').replace(/\u00a0/g, ' '));
    return lines.find((l) => l.includes('const total')) || '';
  });
  log(`line after Tab: "${line}"`);
  if (!line.includes(`order.itemQu${EXPECTED}`)) throw new Error(`Tab did not insert the completion: "${line}"`);
  return 0;
}

runBrowserCheck(
  {
    name: 'ghost-text',
    bundles: ['dist/extension.js', 'dist/trainer.js', 'dist/worker.js'],
    settings: {
      'charrnn.model.lstmSize': 64,
      'charrnn.model.numLayers': 1,
      'charrnn.training.batchSize': 8,
      'charrnn.training.numSteps': 32,
      'charrnn.training.learningRate': 0.01,
      'charrnn.training.epochs': 15,
      'charrnn.training.maxMinutes': 4,
      'charrnn.completion.minConfidence': 0.05,
      'editor.quickSuggestions': { other: false, comments: false, strings: false },
      'editor.suggestOnTriggerCharacters': false,
      'editor.inlineSuggest.enabled': true,
    },
    prepare: (run) => fs.writeFileSync(path.join(run.workspace, 'src', 'scratch.ts'), '// typed by the browser check\n'),
  },
  check,
);
