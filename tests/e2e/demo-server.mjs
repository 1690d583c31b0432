#!/usr/bin/env node
// Hardening test of the demo server (www/server.mjs): hostile requests, the restart control, its options.
// Node built-ins only, no browser.
//
//   node tests/e2e/demo-server.mjs
//
// Starts www/server.mjs as a child process (`--port 0 --page-port 0`) and, over raw TCP (so that no
// client library normalises the request line):
//   1. sends every request of HOSTILE (NUL bytes, encoded dot segments and slashes, backslashes,
//      over-long paths, malformed percent-encoding, directories, request targets that are no path,
//      unsupported methods) to BOTH origins, the page origin and the stream origin: each must be
//      answered with a 4xx, must not return a file from outside www/ and the package (the repository's
//      Cargo.toml, /etc/passwd, the server's own source), and afterwards the process must still be
//      alive and both origins must answer a normal request. A request that kills the server is
//      reported and the server started again, so that one failure does not hide the others;
//   2. sends POST /control/restart from a foreign Origin, without Origin, with Origin "null", with a
//      Host that is not the page's (DNS rebinding) and other near misses: each must get 403 and the
//      stream server must still be up; then from the page's own origin: 200, down, up again;
//   3. starts the server with mistyped or malformed flags: each must exit non-zero naming the flag.
// The last line of output is exactly `N passed, M failed`; the exit code is 1 on any failure, and
// also when no check ran.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLine } from '../lib/args.mjs';

commandLine({ name: 'tests/e2e/demo-server.mjs', usage: 'node tests/e2e/demo-server.mjs', options: {} }); // no options: anything given is a mistake

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const SERVER = path.join(root, 'www/server.mjs');
const DOWN = 500; // how long a restart keeps the stream server down
const TIMEOUT = 10_000; // for one request, a server start or exit: generous for a busy 2-core machine

// What must never come back: the content of files outside what the demo serves.
const SECRETS = [
  { what: "the repository's Cargo.toml", marker: fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8').match(/^name = .*$/m)[0] },
  { what: '/etc/passwd', marker: 'root:x:0:0' },
  { what: "the demo server's source", marker: "import http from 'node:http'" },
];

const longName = 'a'.repeat(300); // one segment longer than a file name can be (ENAMETOOLONG)
const longPath = `/${'abcdefgh/'.repeat(400)}x`; // 3.6 kB: longer than any URL of the demo
const overHeaderLimit = `/${'b'.repeat(17_000)}`; // past Node's 16 KiB limit for the request head

// [method, request target as sent on the wire, what it tries]. The target is written byte for byte.
const HOSTILE = [
  ['GET', '/a%00b', 'encoded NUL in the path'],
  ['GET', '/%00', 'encoded NUL alone'],
  ['GET', '/index.html%00.png', 'encoded NUL before an extension'],
  ['GET', '/node_modules/eventsource-wasm/dist/index.js%00', 'encoded NUL in a package path'],
  ['GET', '/a%0d%0aSet-Cookie:%20x=1', 'encoded CR LF (header injection)'],
  ['GET', '/a%01b', 'encoded control character'],
  ['GET', '/%2e%2e/%2e%2e/Cargo.toml', '%2e%2e segments'],
  ['GET', '/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd', '%2E%2E segments to /etc/passwd'],
  ['GET', '/%2e%2e%2f%2e%2e%2fCargo.toml', '%2e%2e%2f: dots and slash encoded'],
  ['GET', '/..%2f..%2fCargo.toml', '..%2f'],
  ['GET', '/..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd', '..%2F to /etc/passwd'],
  ['GET', '/index.html/..%2f..%2fCargo.toml', '..%2f after a file'],
  ['GET', '/node_modules/eventsource-wasm/dist/..%2f..%2fCargo.toml', '..%2f out of dist/'],
  ['GET', '/node_modules/eventsource-wasm/dist/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd', '..%2f from dist/ to /etc/passwd'],
  ['GET', '/node_modules/eventsource-wasm/dist/%2e%2e/%2e%2e/Cargo.toml', '%2e%2e out of dist/'],
  ['GET', '/node_modules/eventsource-wasm/..%2fCargo.toml', '..%2f beside package.json'],
  ['GET', '/node_modules/eventsource-wasm/dist/.%2e/.%2e/Cargo.toml', '.%2e segments'],
  ['GET', '/../../Cargo.toml', 'literal ../'],
  ['GET', '/node_modules/eventsource-wasm/dist/../../../Cargo.toml', 'literal ../ out of dist/'],
  ['GET', '/%5c..%5c..%5cCargo.toml', '%5c (backslash)'],
  ['GET', '/..%5c..%5cCargo.toml', '..%5c'],
  ['GET', '/node_modules/eventsource-wasm/dist/..%5c..%5cCargo.toml', '..%5c out of dist/'],
  ['GET', '/..\\..\\Cargo.toml', 'raw backslashes'],
  ['GET', '/%', 'lone %'],
  ['GET', '/%zz', 'invalid percent-encoding %zz'],
  ['GET', '/%E0%A4%A', 'truncated percent-encoding'],
  ['GET', '/%C0%AF..%C0%AFCargo.toml', 'over-long UTF-8 slash %C0%AF'],
  ['GET', '/%ff', 'invalid UTF-8 %ff'],
  ['GET', `/${longName}`, 'a 300-character file name'],
  ['GET', longPath, 'a 3.6 kB path'],
  ['GET', overHeaderLimit, 'a 17 kB path (past the 16 KiB head limit)'],
  ['GET', '//', 'a target that is two slashes'],
  ['GET', '//[', 'a target that reads as a broken authority'],
  ['GET', '//a:b@', 'a target that reads as credentials'],
  ['GET', '///etc/passwd', 'three slashes then /etc/passwd'],
  ['GET', '//127.0.0.1/../Cargo.toml', 'a network-path target'],
  ['GET', '*', 'asterisk target with GET'],
  ['OPTIONS', '*', 'asterisk target with OPTIONS'],
  ['GET', 'http://evil.example/', 'absolute-form naming another host'],
  ['GET', 'file:///etc/passwd', 'a file: URL as the target'],
  ['GET', '/node_modules/eventsource-wasm/dist/', 'a directory (dist/)'],
  ['GET', '/node_modules/eventsource-wasm/dist', 'a directory without its slash'],
  ['GET', '/node_modules/', 'a directory that is not served'],
  ['GET', '/node_modules/eventsource-wasm/', 'the package directory'],
  ['GET', '/server.mjs', "the server's source"],
  ['GET', '/server.mjs/', "the server's source with a slash"],
  ['GET', '/server.mjs%00', "the server's source with a NUL"],
  ['GET', '/control/restart', 'restart with GET'],
  ['OPTIONS', '/control/restart', 'restart with OPTIONS'],
  ['PUT', '/config.json', 'PUT to the config'],
  ['DELETE', '/control/status', 'DELETE to the status'],
  ['OPTIONS', '/event-stream', 'preflight to the stream'],
  ['POST', '/event-stream', 'POST to the stream'],
  ['PROPFIND', '/', 'a WebDAV method'],
  ['BREW', '/', 'a method HTTP does not know'],
  ['GET', '/a\x00b', 'a raw NUL byte in the request line'],
];

// ------------------------------------------------------------------------------------ results

let passed = 0;
let failed = 0;

function check(cond, name, detail = '') {
  if (cond) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}${detail ? `\n     ${String(detail).split('\n').join('\n     ')}` : ''}`);
  }
  return cond;
}

// ------------------------------------------------------------------------------------ raw HTTP

/** The head and the body of a response read so far, the body decoded when it is chunked (as far as it came). */
function parseResponse(text) {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  const split = text.indexOf('\r\n\r\n');
  const headers = {};
  for (const line of text.slice(0, split < 0 ? text.length : split).split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = split < 0 ? '' : text.slice(split + 4);
  if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    let decoded = '';
    let rest = body;
    for (;;) {
      const eol = rest.indexOf('\r\n');
      const size = eol < 0 ? NaN : Number.parseInt(rest.slice(0, eol), 16);
      if (!(size > 0)) break;
      decoded += rest.slice(eol + 2, eol + 2 + size);
      rest = rest.slice(eol + 2 + size + 2);
    }
    body = decoded;
  }
  return { status: m ? Number(m[1]) : null, headers, body };
}

/**
 * Sends `head` (and `body`) over a new TCP connection and reads the answer until the server closes
 * it, `until(text)` holds, or TIMEOUT passes. Resolves {status, headers, body, text, error}; status is
 * null when no status line came (the connection was reset or closed without an answer).
 */
function raw(port, head, { body = '', until = null } = {}) {
  return new Promise((resolve) => {
    const chunks = [];
    let error = null;
    let settled = false;
    const socket = net.connect({ host: '127.0.0.1', port });
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ ...parseResponse(text), text, error });
    };
    const timer = setTimeout(() => {
      error = new Error(`no complete answer in ${TIMEOUT} ms`);
      finish();
    }, TIMEOUT);
    // Written, not ended: Node's HTTP server closes a connection whose client half-closed it before an
    // answer that takes a moment (a file read) is written. `Connection: close` ends it after the answer.
    socket.on('connect', () => socket.write(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)])));
    socket.on('data', (c) => {
      chunks.push(c);
      if (until && until(parseResponse(Buffer.concat(chunks).toString('latin1')).body)) finish();
    });
    socket.on('error', (e) => {
      error = e;
      finish();
    });
    socket.on('close', finish);
  });
}

function request(port, method, target, headers = {}, opts = {}) {
  const all = { Host: `127.0.0.1:${port}`, Connection: 'close', ...headers };
  const lines = Object.entries(all).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}\r\n`);
  const length = method === 'POST' || method === 'PUT' ? `Content-Length: ${Buffer.byteLength(opts.body ?? '')}\r\n` : '';
  return raw(port, `${method} ${target} HTTP/1.1\r\n${lines.join('')}${length}\r\n`, opts);
}

const describe = (r) => (r.status !== null ? `HTTP ${r.status}` : `no answer (${r.error ? r.error.code || r.error.message : 'closed'})`);

// ------------------------------------------------------------------------------------ the server

let server = null; // {child, pagePort, streamPort, out}

function startServer(args = ['--port', '0', '--page-port', '0', '--down', String(DOWN)]) {
  const child = spawn(process.execPath, [SERVER, ...args, '--exit-on-stdin-close'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  const s = { child, out: '', pagePort: null, streamPort: null, exited: null };
  child.stdout.on('data', (c) => (s.out += c));
  child.stderr.on('data', (c) => (s.out += c));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((s.exited = { code, signal }))));
  s.gone = exited;
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no Open line in ${TIMEOUT} ms:\n${s.out}`)), TIMEOUT);
    child.stdout.on('data', () => {
      const open = /^Open http:\/\/127\.0\.0\.1:(\d+)\//m.exec(s.out);
      const stream = /stream: http:\/\/127\.0\.0\.1:(\d+)\/event-stream/.exec(s.out);
      if (open && stream) {
        clearTimeout(timer);
        s.pagePort = Number(open[1]);
        s.streamPort = Number(stream[1]);
        resolve(s);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${signal || code}) before it was ready:\n${s.out}`));
    });
  });
  ready.catch(() => {});
  return { s, ready, exited };
}

async function stopServer(s) {
  if (!s || s.exited) return;
  const gone = new Promise((resolve) => s.child.once('exit', resolve));
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 3000);
  await gone;
  clearTimeout(timer);
}

const alive = (s) => s.child.exitCode === null && s.child.signalCode === null;

/** Both origins answer a normal request: the page's config, and the stream's first lines. */
async function healthy(s) {
  const config = await request(s.pagePort, 'GET', '/config.json');
  let streamUrl = null;
  try {
    streamUrl = JSON.parse(config.body).streamUrl;
  } catch {
    // reported below
  }
  const stream = await request(s.streamPort, 'GET', '/event-stream', {}, { until: (body) => /^retry: \d+\n\n/.test(body) });
  const problems = [];
  if (config.status !== 200 || streamUrl !== `http://127.0.0.1:${s.streamPort}/event-stream`) problems.push(`page origin GET /config.json: ${describe(config)} ${config.body.slice(0, 200)}`);
  if (stream.status !== 200 || !/text\/event-stream/.test(stream.headers['content-type'] || '') || !/retry: \d+/.test(stream.body)) {
    problems.push(`stream origin GET /event-stream: ${describe(stream)} ${stream.body.slice(0, 200)}`);
  }
  if (!alive(s)) problems.push(`the process exited (${s.child.signalCode || s.child.exitCode})`);
  return problems;
}

async function status(s) {
  const r = await request(s.pagePort, 'GET', '/control/status');
  try {
    return JSON.parse(r.body);
  } catch {
    return { error: describe(r) };
  }
}

/** Waits (bounded) until the stream server is up again after a restart. */
async function waitUp(s) {
  const deadline = Date.now() + DOWN + TIMEOUT;
  while (Date.now() < deadline) {
    if ((await status(s)).up === true) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function ensureServer() {
  if (server && alive(server)) return server;
  if (server) console.log(`     (the server died; its output ended with:\n       ${server.out.trim().split('\n').slice(-6).join('\n       ')}\n      starting it again)`);
  const { ready } = startServer();
  server = await ready;
  return server;
}

// ------------------------------------------------------------------------------------ 1. hostile requests

async function hostileRequests() {
  for (const [method, target, what] of HOSTILE) {
    for (const origin of ['page', 'stream']) {
      const s = await ensureServer();
      const port = origin === 'page' ? s.pagePort : s.streamPort;
      const r = await request(port, method, target);
      const shown = target.length > 60 ? `${target.slice(0, 40)}…(${target.length} chars)` : JSON.stringify(target).slice(1, -1);
      const name = `${origin} origin: ${method} ${shown} (${what}) → ${describe(r)}`;
      const problems = [];
      if (!(r.status >= 400 && r.status <= 499)) problems.push(`expected a 4xx, got ${describe(r)}: ${JSON.stringify(r.text.slice(0, 300))}`);
      for (const { what: secret, marker } of SECRETS) if (r.text.includes(marker)) problems.push(`the answer contains ${secret}`);
      // A crash takes a moment to end the process: the next requests, on both origins, notice it.
      problems.push(...(await healthy(s)));
      if (!check(problems.length === 0, name, problems.join('\n'))) {
        // A server that crashed may take a moment to be gone: wait for it (bounded), so that the next
        // request is not blamed for this one.
        await Promise.race([s.gone, new Promise((r) => setTimeout(r, 3000))]);
      }
    }
  }
}

// ------------------------------------------------------------------------------------ traversal on the good paths

async function servedFiles() {
  const s = await ensureServer();
  const page = await request(s.pagePort, 'GET', '/');
  check(page.status === 200 && /<html/i.test(page.body), 'page origin: GET / serves the page', describe(page));
  const pkg = await request(s.pagePort, 'GET', '/node_modules/eventsource-wasm/package.json');
  check(pkg.status === 200 && /"name": "eventsource-wasm"/.test(pkg.body), 'page origin: the package.json is served', describe(pkg));
  const dist = await request(s.pagePort, 'GET', '/node_modules/eventsource-wasm/dist/index.js');
  check(dist.status === 200 && /javascript/.test(dist.headers['content-type'] || ''), 'page origin: dist/index.js is served (run `npm run build` first)', describe(dist));
  const absolute = await request(s.pagePort, 'GET', `http://127.0.0.1:${s.pagePort}/config.json`);
  check(absolute.status === 200 && /streamUrl/.test(absolute.body), 'page origin: an absolute-form target naming the server is served', describe(absolute));
  const head = await request(s.pagePort, 'HEAD', '/app.js');
  check(head.status === 200 && head.body === '', 'page origin: HEAD /app.js is 200 without a body', `${describe(head)} ${head.body.length} bytes`);
}

// ------------------------------------------------------------------------------------ 2. the restart control

async function restartControl() {
  const s = await ensureServer();
  const page = `127.0.0.1:${s.pagePort}`;
  const refused = [
    ['a foreign Origin', { Origin: 'http://evil.example' }],
    ['a foreign Origin on the same host, another port (the stream origin)', { Origin: `http://127.0.0.1:${s.streamPort}` }],
    ['no Origin header', {}],
    ['Origin "null" (a sandboxed frame, a data: URL)', { Origin: 'null' }],
    ['the page Origin with a trailing slash', { Origin: `http://${page}/` }],
    ['the page Origin over https', { Origin: `https://${page}` }],
    ['a DNS-rebound name: Origin and Host agree, but name another site', { Host: `evil.example:${s.pagePort}`, Origin: `http://evil.example:${s.pagePort}` }],
    ['the page Origin with a Host that is not the page', { Host: `evil.example:${s.pagePort}`, Origin: `http://${page}` }],
    // HTTP/1.1 requires a Host header: Node's parser answers 400 before the handler sees it.
    ['the page Origin without a Host header', { Host: null, Origin: `http://${page}` }, 400],
    ['the page Origin and a Host with another port', { Host: `127.0.0.1:${s.streamPort}`, Origin: `http://${page}` }],
    ['a form post from a foreign site', { Origin: 'http://evil.example', 'Content-Type': 'application/x-www-form-urlencoded', 'Sec-Fetch-Site': 'cross-site' }],
  ];
  for (const [what, headers, expected = 403] of refused) {
    const before = await status(s);
    const r = await request(s.pagePort, 'POST', '/control/restart', headers);
    const after = await status(s); // a restart stops the stream server before it answers
    const problems = [];
    if (before.up !== true) problems.push(`the stream server was not up before: ${JSON.stringify(before)}`);
    if (r.status !== expected) problems.push(`expected ${expected}, got ${describe(r)} ${r.body.slice(0, 200)}`);
    if (after.up !== true) problems.push(`the stream server was stopped: ${JSON.stringify(after)}`);
    check(problems.length === 0, `POST /control/restart with ${what} → ${describe(r)}, stream server ${after.up ? 'up' : 'DOWN'}`, problems.join('\n'));
    if (after.up !== true) await waitUp(s); // so that the next check starts from a running stream server
  }

  const accepted = [
    ['the page origin (as the demo page sends it)', { Origin: `http://${page}` }],
    ['the page origin named localhost', { Host: `localhost:${s.pagePort}`, Origin: `http://localhost:${s.pagePort}` }],
  ];
  for (const [what, headers] of accepted) {
    const r = await request(s.pagePort, 'POST', '/control/restart', headers);
    let body = {};
    try {
      body = JSON.parse(r.body);
    } catch {
      // reported below
    }
    const down = await status(s);
    const problems = [];
    if (r.status !== 200 || body.restarting !== true) problems.push(`expected 200 {restarting: true}, got ${describe(r)} ${r.body.slice(0, 200)}`);
    if (down.up !== false) problems.push(`the stream server did not stop: ${JSON.stringify(down)}`);
    if (!(await waitUp(s))) problems.push(`the stream server did not come back within ${DOWN + TIMEOUT} ms`);
    check(problems.length === 0, `POST /control/restart from ${what} → ${describe(r)}, stopped, up again`, problems.join('\n'));
  }

  const bad = await request(s.pagePort, 'POST', '/control/restart?down=soon', { Origin: `http://${page}` });
  const after = await status(s);
  check(bad.status === 400 && after.up === true, `POST /control/restart?down=soon from the page → ${describe(bad)}, not a restart`, `${describe(bad)} ${JSON.stringify(after)}`);
  if (after.up !== true) await waitUp(s);
}

// ------------------------------------------------------------------------------------ 3. options

async function options() {
  const cases = [
    [['--prot', '0'], '--prot', 'a mistyped flag'],
    [['--exit-on-stdin-close=no'], 'exit-on-stdin-close', 'a value given to a switch'],
    [['--help=yes'], 'help', 'a value given to --help'],
    [['--port'], '--port', 'a flag without its value'],
    [['--port', '--retry', '5'], '--port', 'a flag that would swallow the next one'],
    [['8080'], '8080', 'a positional argument'],
    [['-p', '0'], '-p', 'an unknown short flag'],
    [['--retry', 'soon'], '--retry', 'a value that is not a number'],
    [['--page-port', '70000'], '--page-port', 'a port out of range'],
  ];
  for (const [args, mention, what] of cases) {
    // Free ports first, so that a server that wrongly starts binds nothing fixed.
    const { s, exited } = startServer(['--port', '0', '--page-port', '0', ...args]);
    const outcome = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), TIMEOUT))]);
    const problems = [];
    if (outcome === null) problems.push(`still running after ${TIMEOUT} ms: it accepted the arguments`);
    else if (outcome.code === 0 || outcome.code === null) problems.push(`exited with ${outcome.signal || outcome.code}, expected a non-zero code`);
    if (!s.out.includes(mention)) problems.push(`its message does not name ${mention}: ${JSON.stringify(s.out.slice(0, 300))}`);
    await stopServer(s);
    check(problems.length === 0, `options: ${args.join(' ')} (${what}) → exit ${outcome ? outcome.signal || outcome.code : 'none'}`, problems.join('\n'));
  }
  const { s, exited } = startServer(['--port', '0', '--page-port', '0', '--help']);
  const outcome = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), TIMEOUT))]);
  await stopServer(s);
  check(outcome && outcome.code === 0 && /^usage: /m.test(s.out), 'options: --help prints the usage and exits 0', JSON.stringify({ outcome, out: s.out.slice(0, 200) }));
}

// ------------------------------------------------------------------------------------ main

const t0 = Date.now();
try {
  if (!fs.existsSync(path.join(root, 'dist/index.js'))) console.log('note: dist/index.js is missing: run `npm run build` first');
  await ensureServer();
  console.log(`demo server: page http://127.0.0.1:${server.pagePort}/, stream http://127.0.0.1:${server.streamPort}/event-stream`);
  await hostileRequests();
  await servedFiles();
  await restartControl();
  await options();
} catch (e) {
  failed++;
  console.log(`FAIL ${e.stack || e}`);
} finally {
  await stopServer(server);
}
if (passed + failed === 0) {
  failed++;
  console.log('FAIL no check ran');
}
console.log(`time: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
