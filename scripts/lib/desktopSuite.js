// Child process: runs the suite in a desktop VS Code through @vscode/test-electron's runTests
// (downloaded, or the one at VSCODE_EXECUTABLE_PATH). The parent starts it in its own process
// group so that a timeout or Ctrl-C can stop VS Code with everything it started.
// Input: JSON in argv[2]. Exit status: the suite's, or LAUNCH_FAILED when VS Code could not be had.
'use strict';
const LAUNCH_FAILED = 86;

async function main() {
  const o = JSON.parse(process.argv[2]);
  const { runTests, downloadAndUnzipVSCode } = require('@vscode/test-electron');
  let vscodeExecutablePath = o.vscodeExecutablePath;
  try {
    if (!vscodeExecutablePath) vscodeExecutablePath = await downloadAndUnzipVSCode({ version: 'stable', cachePath: o.cachePath, timeout: 30000 });
  } catch (err) {
    console.error(`[integration] cannot get a desktop VS Code: ${err.message}`);
    process.exit(LAUNCH_FAILED);
  }
  try {
    await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: o.extensionDevelopmentPath,
      extensionTestsPath: o.extensionTestsPath,
      extensionTestsEnv: o.env,
      // runTests adds --no-sandbox, --disable-updates, --skip-welcome, --disable-workspace-trust.
      launchArgs: [o.workspace, '--user-data-dir', o.ud, '--extensions-dir', o.ext, '--disable-gpu'],
    });
    process.exit(0);
  } catch (err) {
    console.error(`[integration] ${err.message}`);
    process.exit(typeof err.code === 'number' && err.code > 0 ? err.code : 1);
  }
}

main();
