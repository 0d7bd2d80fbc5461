// Starts the real Nordlys demo (`nordlys demo`) for one test file and stops it after.
//
// Why the real binary and not a mock: the browser tests are meant to show what a
// citizen sees, so the pages must come from the same server, store, policy engine
// and demo region as `nordlys demo` gives a person trying it out. Each test file
// gets its own server on a free port with a fresh data directory, so files never
// share sessions or access-log entries and can run in any order.
//
// The binary is target/release/nordlys (built by scripts/test.sh before `npm test`);
// NORDLYS_BIN points elsewhere, e.g. NORDLYS_BIN=target/debug/nordlys while
// developing (a relative path is taken from the repository root).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The line `nordlys demo` prints when it accepts requests. */
const READY = 'Nordlys demo is running';
/** A debug build writes the demo region in a few seconds; allow for a busy machine. */
const START_TIMEOUT_MS = 120_000;

function binaryPath() {
  // Cargo puts the build under $CARGO_TARGET_DIR when it is set, as scripts/test.sh's
  // `cargo build --release` does then.
  const target = process.env.CARGO_TARGET_DIR || 'target';
  const bin = process.env.NORDLYS_BIN || join(target, 'release', 'nordlys');
  return isAbsolute(bin) ? bin : join(REPO_ROOT, bin);
}

/** A port nobody listens on right now (the OS picks it; we release it at once). */
function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/**
 * The people the demo lists under "People to log in as": lines of
 * `  <11-digit pid>  <Name>, <age>   <role>`. Keyed by given name.
 */
export function parsePeople(stdout) {
  const people = new Map();
  for (const line of stdout.split('\n')) {
    const m = line.match(/^\s+(\d{11})\s+(\S+), (\d+)\s+(.*)$/);
    if (m) people.set(m[2], { pid: m[1], name: m[2], age: Number(m[3]), role: m[4].trim() });
  }
  return people;
}

/**
 * Starts the demo (`extraArgs` appended to `nordlys demo`). Resolves to `{ url, people, stop }` once the server says it is
 * running; rejects (with what it printed) if it exits or does not get there in time.
 */
export async function startDemo(extraArgs = []) {
  const bin = binaryPath();
  if (!existsSync(bin)) {
    throw new Error(`${bin} does not exist: run \`cargo build --release\` first (or set NORDLYS_BIN)`);
  }
  // The port is free when chosen; another process could take it before the demo
  // binds, so a failed start is tried again on a new port.
  let lastError;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'nordlys-browser-'));
    try {
      return await launch(bin, port, dataDir, extraArgs);
    } catch (e) {
      lastError = e;
      await rm(dataDir, { recursive: true, force: true });
      if (!/in use/i.test(String(e.message))) break;
    }
  }
  throw lastError;
}

function launch(bin, port, dataDir, extraArgs = []) {
  const listen = `127.0.0.1:${port}`;
  const child = spawn(bin, ['demo', '--listen', listen, '--data-dir', dataDir, ...extraArgs], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  // Keep reading after start so a chatty server never blocks on a full pipe.
  child.stderr.on('data', (s) => { stderr += s; });

  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  // A test process that dies without running its `after` hook must not leave a server.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      stop().finally(() => fail(new Error(`demo did not start in ${START_TIMEOUT_MS} ms\n${stdout}\n${stderr}`)));
    }, START_TIMEOUT_MS);
    let ready = false;
    let settle;
    const done = () => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      clearTimeout(settle);
      const people = parsePeople(stdout);
      ok({ url: `http://${listen}`, people, stop, output: () => stdout + stderr });
    };
    child.stdout.on('data', (s) => {
      stdout += s;
      if (ready || !stdout.includes(READY)) return;
      // The list of people follows the ready line and ends before the "Try"
      // examples; should that wording change, a short pause gets the list too.
      if (/\n\s*Try\b/.test(stdout.slice(stdout.indexOf(READY)))) done();
      else settle ??= setTimeout(done, 500);
    });
    child.once('exit', (code, signal) => {
      if (ready) return;
      clearTimeout(timer);
      stop().finally(() =>
        fail(new Error(`nordlys demo exited (${code ?? signal}) before it was ready\n${stdout}\n${stderr}`)));
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
  });
}
