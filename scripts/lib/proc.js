// Child processes for the test scripts: run a command to completion, or start one in its own
// process group and later stop the whole group (SIGTERM, then SIGKILL after a grace period).
// Every group started here is also killed when this process exits, is interrupted or times out.
'use strict';
const cp = require('child_process');

/** Process-group leaders still alive, killed on exit. */
const groups = new Set();
let hooksInstalled = false;

function killGroupNow(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is already gone
  }
}

function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL whatever is left.
  process.on('exit', () => {
    for (const pid of groups) killGroupNow(pid, 'SIGKILL');
  });
}

/**
 * Runs a command with inherited stdio (or `stdio` from opts). Resolves with its exit code
 * (a signal counts as 1); never rejects for a non-zero exit.
 * @param {string} cmd
 * @param {string[]} args
 * @param {import('child_process').SpawnOptions & {quiet?: boolean}} [opts]
 * @returns {Promise<number>}
 */
function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = cp.spawn(cmd, args, { stdio: 'inherit', ...opts, detached: true });
    installExitHooks();
    groups.add(child.pid);
    child.on('error', (err) => {
      groups.delete(child.pid);
      console.error(`cannot run ${cmd}: ${err.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      // The command may have left children in its group: stop them too.
      killGroupNow(child.pid, 'SIGKILL');
      groups.delete(child.pid);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

/**
 * Starts a long-running process in its own process group.
 * @param {string} cmd
 * @param {string[]} args
 * @param {import('child_process').SpawnOptions} [opts]
 * @returns {{child: import('child_process').ChildProcess, exited: Promise<{code: number|null, signal: string|null}>, stop: (graceMs?: number) => Promise<void>}}
 */
function startGroup(cmd, args, opts = {}) {
  const child = cp.spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts, detached: true });
  installExitHooks();
  if (child.pid) groups.add(child.pid);
  const exited = new Promise((resolve) => {
    child.on('error', (err) => resolve({ code: 127, signal: null, error: err }));
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const pid = child.pid;
  let stopping;
  const stop = (graceMs = 5000) => {
    if (stopping) return stopping;
    stopping = (async () => {
      if (!pid) return;
      killGroupNow(pid, 'SIGTERM');
      const timer = new Promise((r) => setTimeout(r, graceMs, 'timeout'));
      const how = await Promise.race([exited, timer]);
      if (how === 'timeout') console.error(`[proc] ${cmd} did not stop within ${graceMs} ms: SIGKILL`);
      // The leader is gone (or will be): anything left in its group goes now.
      killGroupNow(pid, 'SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      groups.delete(pid);
    })();
    return stopping;
  };
  return { child, exited, stop };
}

/** Kills every process group started here (synchronously, SIGKILL). */
function killAll() {
  for (const pid of groups) killGroupNow(pid, 'SIGKILL');
  groups.clear();
}

/**
 * Runs `main` with an overall timeout and Ctrl-C handling: on either, `cleanup` runs (bounded to
 * 15 s), every process group started here is killed, and the process exits non-zero.
 * @param {() => Promise<number>} main resolves with the exit code
 * @param {{timeoutSec: number, cleanup: () => Promise<void>, name: string}} o timeoutSec 0 = none
 */
function runMain(main, o) {
  let finishing = false;
  const finish = async (code, why) => {
    if (finishing) return;
    finishing = true;
    if (why) console.error(`\n[${o.name}] ${why}`);
    await Promise.race([o.cleanup().catch((e) => console.error(`[${o.name}] cleanup: ${e.message}`)), new Promise((r) => setTimeout(r, 15000))]);
    killAll();
    process.exit(code);
  };
  if (o.timeoutSec > 0) {
    const timer = setTimeout(() => finish(1, `timed out after ${o.timeoutSec} s (CHARRNN_TEST_TIMEOUT_SEC); stopping everything`), o.timeoutSec * 1000);
    timer.unref();
  }
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => finish(130, `${sig}: stopping everything`));
  }
  main().then(
    (code) => finish(code),
    (err) => finish(1, `failed: ${err && err.stack ? err.stack : err}`),
  );
}

module.exports = { run, startGroup, killAll, runMain };
