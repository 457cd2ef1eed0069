// Mocha reporter for scripts/test.js: the usual `spec` output, plus the counts written as JSON
// ({"passed","failed","pending","failedTests":[{title,error}]}) to the file named by
// CHARRNN_MOCHA_STATS_FILE when the run ends.
'use strict';
const fs = require('fs');
const Mocha = require('mocha');

class CountReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const failedTests = [];
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, err) => {
      const text = err && err.message ? err.message : String(err);
      failedTests.push({ title: test.fullTitle(), error: text.split('\n')[0].slice(0, 300) });
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.CHARRNN_MOCHA_STATS_FILE;
      if (!file) return;
      const s = runner.stats || {};
      fs.writeFileSync(file, JSON.stringify({ passed: s.passes || 0, failed: s.failures || 0, pending: s.pending || 0, failedTests }));
    });
  }
}

module.exports = CountReporter;
