// Mocha reporter for scripts/test.js: the usual `spec` output, plus the counts written as JSON
// ({"passed","failed","pending"}) to the file named by CHARRNN_MOCHA_STATS_FILE when the run ends.
'use strict';
const fs = require('fs');
const Mocha = require('mocha');

class CountReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.CHARRNN_MOCHA_STATS_FILE;
      if (!file) return;
      const s = runner.stats || {};
      fs.writeFileSync(file, JSON.stringify({ passed: s.passes || 0, failed: s.failures || 0, pending: s.pending || 0 }));
    });
  }
}

module.exports = CountReporter;
