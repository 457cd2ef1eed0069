/**
 * Entry point of the integration suite, loaded by VS Code's extension host (extensionTestsPath,
 * @vscode/test-electron style): runs every *.test.js under this folder with mocha (both the bdd
 * globals `describe`/`it`/`before` and the tdd ones `suite`/`test`/`suiteSetup`) and
 * reports through the console, which the runner (scripts/run-integration-tests.js) shows.
 * CHARRNN_TEST_GREP selects tests by title; the counts go to CHARRNN_TEST_RESULT_FILE (when set)
 * and to a last `CHARRNN_TEST_RESULT {...}` console line.
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

/** Every *.test.js below `dir`, sorted, so the order is the same on every run. */
function testFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => path.join(dir, f));
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].slice(0, 300);
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 60_000 });
  // Test files may use either interface: register the tdd globals next to the bdd ones.
  Mocha.interfaces.tdd(mocha.suite);
  const grep = process.env.CHARRNN_TEST_GREP;
  if (grep) mocha.grep(grep);
  const files = testFiles(__dirname);
  for (const file of files) mocha.addFile(file);
  // The runner forwards the console from this line on (before it: the workbench's start-up).
  console.log(`CHARRNN_TEST_START ${files.length} test files: ${files.map((f) => path.basename(f)).join(', ')}${grep ? `; grep: ${grep}` : ''}`);

  return new Promise((resolve, reject) => {
    try {
      // The failing tests' titles and first error line travel with the counts, so the summary at
      // the end of `npm test` (often all a CI log keeps) names them.
      const failedTests: { title: string; error: string }[] = [];
      const runner = mocha.run((failures) => {
        const stats = runner.stats ?? { passes: 0, failures, pending: 0 };
        const counts = { passed: stats.passes, failed: stats.failures, pending: stats.pending, failedTests };
        const resultFile = process.env.CHARRNN_TEST_RESULT_FILE;
        if (resultFile) {
          try {
            fs.writeFileSync(resultFile, JSON.stringify(counts));
          } catch (err) {
            console.error(`cannot write ${resultFile}: ${String(err)}`);
          }
        }
        console.log(`CHARRNN_TEST_RESULT ${JSON.stringify(counts)}`);
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
      runner.on('fail', (test, err: unknown) => {
        failedTests.push({ title: test.fullTitle(), error: firstLine(err) });
      });
    } catch (err) {
      console.error(err);
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
