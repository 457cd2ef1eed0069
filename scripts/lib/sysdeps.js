// System packages the code-server fallback needs: a Chromium to drive, and (only to install
// code-server) the Kerberos headers, a C/C++ toolchain and Python for its native modules.
// As root with apt-get they are installed; otherwise we stop with the exact command to run.
'use strict';
const fs = require('fs');
const path = require('path');
const { run } = require('./proc');

const APT_PACKAGES = ['chromium', 'libkrb5-dev', 'build-essential', 'python3'];
const APT_COMMAND = `apt-get update && apt-get install -y ${APT_PACKAGES.join(' ')}`;

function onPath(name) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The Chromium to drive: $CHROMIUM_PATH, else the usual system locations. */
function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((p) => p && fs.existsSync(p));
}

/** What is missing, as apt package names. `forBuild`: also what compiling code-server needs. */
function missingPackages(forBuild) {
  const missing = [];
  if (!findChromium()) missing.push('chromium');
  if (forBuild) {
    if (!fs.existsSync('/usr/include/krb5.h') && !fs.existsSync('/usr/include/krb5/krb5.h')) missing.push('libkrb5-dev');
    if (!onPath('make') || !onPath('g++')) missing.push('build-essential');
    if (!onPath('python3')) missing.push('python3');
  }
  return missing;
}

/**
 * Makes sure the system packages are there; installs them as root with apt-get.
 * @param {boolean} forBuild code-server still has to be installed
 * @throws Error with the command to run when they are missing and cannot be installed here
 */
async function ensureSystemPackages(forBuild) {
  const missing = missingPackages(forBuild);
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (process.platform === 'linux' && isRoot && onPath('apt-get')) {
    console.log(`[deps] missing ${missing.join(', ')}: running ${APT_COMMAND}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const code = await run('sh', ['-c', APT_COMMAND], { env });
    if (code !== 0) throw new Error(`'${APT_COMMAND}' failed (exit ${code})`);
    const still = missingPackages(forBuild);
    if (still.length) throw new Error(`still missing after apt-get: ${still.join(', ')}`);
    return;
  }
  throw new Error(
    `missing system packages: ${missing.join(', ')}. Install them with:\n` +
      `  sudo sh -c '${APT_COMMAND}'\n` +
      '(or point CHROMIUM_PATH at a Chromium/Chrome binary), then run the tests again.',
  );
}

module.exports = { findChromium, missingPackages, ensureSystemPackages, APT_COMMAND };
