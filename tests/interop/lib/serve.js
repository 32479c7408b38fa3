// Starts `hemsrig serve` for an interop test and stops it again, whatever happens.
//
// start() resolves once serve printed `ready`, with the node endpoints it announced
// (`echonet-node <id> <ip>:<port> 0xEOJ...`). stop() sends SIGINT and waits for the exit,
// SIGKILL after a grace period; it is idempotent and also runs when the test process exits,
// so no serve outlives its test. Every wait is bounded.
'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');

const SOURCE_DIR = path.resolve(__dirname, '..', '..', '..');
const live = new Set();

process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function hemsrigBinary() {
  return process.env.HEMSRIG || path.join(SOURCE_DIR, 'build', 'rig', 'hemsrig');
}

function demoHouse() {
  return path.join(SOURCE_DIR, 'scenarios', 'worlds', 'demo-house.yaml');
}

// `echonet-node living_ac 127.71.0.1:3610 0x013001 living_ac (...)`
function parseEndpoint(line) {
  const m = /^echonet-node (\S+) (\d+\.\d+\.\d+\.\d+):(\d+) (.*)$/.exec(line);
  if (!m) return null;
  const eojs = (m[4].match(/\b0x[0-9A-Fa-f]{6}\b/g) || []).map((e) => e.slice(2).toLowerCase());
  return { id: m[1], address: m[2], port: Number(m[3]), eojs, detail: m[4] };
}

// command: argv of the process to run (e.g. [hemsrig, 'serve', world, ...], or prefixed with
// `ip netns exec NS`); it must exec serve itself so that its pid receives the SIGINT.
function start(command, { readyTimeoutMs = 20000, log = () => {} } = {}) {
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const endpoints = [];
  const output = [];
  let ready = false;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      live.delete(child);
      resolve({ code: null, signal: null, error });
    });
  });

  let stopping = null;
  const stop = (graceMs = 5000) => {
    if (stopping) return stopping;
    stopping = (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      let timer;
      const killed = new Promise((resolve) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(null);
        }, graceMs);
      });
      const first = await Promise.race([exited, killed]);
      clearTimeout(timer);
      const result = first || { ...(await exited), killed: true };
      return { ...result, output: output.join('\n') };
    })();
    return stopping;
  };

  const readyPromise = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`hemsrig serve printed no "ready" within ${readyTimeoutMs} ms:\n` +
                       output.join('\n')));
    }, readyTimeoutMs);
    const onLine = (line) => {
      output.push(line);
      log(line);
      const endpoint = parseEndpoint(line);
      if (endpoint) endpoints.push(endpoint);
      if (line.trim() === 'ready' && !ready) {
        ready = true;
        clearTimeout(timer);
        resolve();
      }
    };
    lines(child.stdout, onLine);
    lines(child.stderr, (line) => {
      output.push(line);
      log(line);
    });
    exited.then(({ code, signal, error }) => {
      if (ready) return;
      clearTimeout(timer);
      reject(new Error(`hemsrig serve ended before "ready" (code ${code}, signal ${signal}` +
                       `${error ? `, ${error.message}` : ''}):\n${output.join('\n')}`));
    });
  });

  return readyPromise.then(
    () => ({ child, endpoints, stop, output }),
    async (error) => {
      await stop(2000);
      throw error;
    });
}

function lines(stream, onLine) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    rest += chunk;
    let i;
    while ((i = rest.indexOf('\n')) >= 0) {
      onLine(rest.slice(0, i).replace(/\r$/, ''));
      rest = rest.slice(i + 1);
    }
  });
}

// Polls `predicate` every 20 ms until it is truthy; rejects with `what` after timeoutMs.
function waitFor(predicate, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = () => {
      let value;
      try {
        value = predicate();
      } catch (error) {
        reject(error);
        return;
      }
      if (value) resolve(value);
      else if (Date.now() >= deadline) reject(new Error(`timed out after ${timeoutMs} ms: ${what}`));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

module.exports = { start, hemsrigBinary, demoHouse, parseEndpoint, waitFor, SOURCE_DIR };
