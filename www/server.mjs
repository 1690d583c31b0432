#!/usr/bin/env node
// The demo server of eventsource-wasm: the classic Server-Sent Events walkthrough, on two origins.
// Node.js built-ins only, loopback only (127.0.0.1). Started by `npm run demo` (scripts/demo).
//
//   node www/server.mjs [--port 3000] [--page-port 8080] [--retry 10000] [--down 1500] [--exit-on-stdin-close]
//
//   --port N        port of the stream origin, http://127.0.0.1:N/event-stream (env PORT; default 3000)
//   --page-port N   port of the page origin, http://127.0.0.1:N/ (env PAGE_PORT; default 8080)
//                   0 picks a free port; the actual URLs are printed.
//   --retry MS      the `retry:` value sent first on every stream (default 10000, as in the classic
//                   tutorial; the end-to-end tests pass 1000 to stay fast)
//   --down MS       how long "Restart stream server" keeps the stream server stopped (default 1500)
//   --exit-on-stdin-close   exit when the parent process closes our stdin (used by the tests)
//
// It prints exactly one line starting `Open http://127.0.0.1:PAGE/` once both origins listen.
//
// Page origin (http://127.0.0.1:8080):
//   GET  /                              www/index.html (and the other files of www/)
//   GET  /config.json                   {streamUrl, retry, down}: what the page needs to know
//   GET  /node_modules/eventsource-wasm/...   the package as a user installs it: its package.json and
//                                       dist/ (run `npm run build` first); the page imports it through
//                                       an import map, `import { EventSource } from 'eventsource-wasm'`
//   POST /control/restart[?down=MS]     stops the stream server (closes its listening socket and every
//                                       open connection) and starts it again on the same port after MS.
//                                       Only from the demo page: `Origin` must be the page origin
//                                       (http://127.0.0.1:PAGE, or http://localhost:PAGE when the page was
//                                       opened so) and `Host` its host:port, else 403. Browsers send Origin
//                                       with every POST; other clients must add it (curl -H 'Origin: …').
//   GET  /control/status                {up, connections, lastId}
// Bad requests get a 4xx and the server goes on: a path with malformed percent-encoding, a NUL or other
// control character, a backslash or an encoded `..` is 400, a request target that is no path 400, one
// longer than 2048 characters 414, anything outside www/ (but *.mjs), package.json and dist/ 404, a
// method a path does not take 405. Should a handler throw all the same, that request gets a 500.
//
// Stream origin (http://127.0.0.1:3000), the classic SSE endpoint:
//   GET /event-stream[?mode=longpoll]
//     Answers with `Content-Type: text/event-stream`, `Cache-Control: no-cache` and, for CORS, only
//     `Access-Control-Allow-Origin: *`. There is no preflight support: OPTIONS gets 405 and no CORS
//     headers, so a cross-origin client must keep its requests CORS-simple.
//     Per connection it sends `retry: RETRY`, then an `event: connecttime` event whose data is the
//     connection time, then one `id: N` / `data: <current time>` event every second.
//     A single timeline of events (one per second, ids 1, 2, 3, …, the last hour kept in memory) is
//     shared by every connection. A new connection starts with the latest event; a reconnecting one
//     gets every event after its last event ID replayed first, then the live ones, so a reconnect
//     loses nothing and repeats nothing.
//     The last event ID is read from the `Last-Event-ID` header (sent by the browser's native
//     EventSource, and by eventsource-wasm for same-origin sources) and ALSO from the `lastEventId`
//     query parameter: eventsource-wasm's fetch, xhr and longpoll transports send it there for
//     cross-origin sources, because a custom header would need a CORS preflight, which this server,
//     like many, does not answer. The header wins when both are present. An ID this server never
//     issued (from an earlier run of the process) is ignored: the stream starts afresh.
//     `?mode=longpoll` makes it a real long-polling endpoint: each response ends as soon as it has
//     sent some events (it waits for the next one if there is nothing to replay), and `connecttime`
//     is sent only on a request that carries no last event ID (the start of a session).

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HOST = '127.0.0.1';
const HISTORY = 3600; // events kept for replay: one hour
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

// ------------------------------------------------------------------------------------ options

function usage() {
  return 'usage: node www/server.mjs [--port 3000] [--page-port 8080] [--retry 10000] [--down 1500] [--exit-on-stdin-close]\n';
}

/** The options; throws with a message naming the culprit on a mistyped flag, a missing value or a bad number. */
function parseOptions(argv, env) {
  // strict: a flag we do not know, a value given to a switch (`--exit-on-stdin-close=no`) or a flag
  // that swallows the next one as its value (`--port --retry 5`) is an error, not silently ignored.
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      'page-port': { type: 'string' },
      retry: { type: 'string' },
      down: { type: 'string' },
      'exit-on-stdin-close': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const opts = {
    port: values.port ?? env.PORT ?? '3000',
    pagePort: values['page-port'] ?? env.PAGE_PORT ?? '8080',
    retry: values.retry ?? '10000',
    down: values.down ?? '1500',
    exitOnStdinClose: values['exit-on-stdin-close'] === true,
    help: values.help === true,
  };
  const flags = { port: '--port (or PORT)', pagePort: '--page-port (or PAGE_PORT)', retry: '--retry', down: '--down' };
  for (const key of Object.keys(flags)) {
    const n = Number(opts[key]);
    if (!/^\d+$/.test(String(opts[key]).trim()) || (key.endsWith('ort') && n > 65535)) {
      throw new Error(`invalid value for ${flags[key]}: '${opts[key]}' (${key.endsWith('ort') ? 'a port, 0..65535' : 'milliseconds'})`);
    }
    opts[key] = n;
  }
  return opts;
}

// ------------------------------------------------------------------------------------ the timeline

/** One event a second, shared by every connection; ids are consecutive. */
class Timeline {
  events = []; // {id, data}, oldest first, ids consecutive
  lastId = 0;
  #listeners = new Set();
  #timer = null;

  start() {
    this.#tick();
  }

  stop() {
    clearTimeout(this.#timer);
  }

  // Ticks on whole seconds of the wall clock.
  #tick() {
    const event = { id: ++this.lastId, data: timeString(new Date()) };
    this.events.push(event);
    if (this.events.length > HISTORY) this.events.shift();
    for (const listener of [...this.#listeners]) listener(event);
    this.#timer = setTimeout(() => this.#tick(), 1000 - (Date.now() % 1000));
  }

  subscribe(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The events a connection starts with: those after `lastId` when it is an ID we issued,
   * otherwise (a new client, or an ID from an earlier run of the server) just the latest event.
   */
  backlog(lastId) {
    if (lastId !== null && lastId <= this.lastId) {
      const first = this.events[0].id;
      return this.events.slice(Math.max(0, lastId + 1 - first));
    }
    return this.events.slice(-1);
  }
}

function timeString(date) {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

// ------------------------------------------------------------------------------------ requests

/**
 * The URL of a request, or null when its target is neither a path nor an absolute URL naming this
 * server. `new URL(target, base)` would throw on `//` or `//[` and read `//x/…` as a host, so a path
 * is appended to a fixed origin instead. The absolute form (`GET http://host/path`), which an HTTP/1.1
 * server must accept, is taken only when its authority is the Host header's.
 */
function requestUrl(req) {
  const target = req.url;
  try {
    if (target.startsWith('/')) return new URL(`http://${HOST}${target}`);
    if (/^http:\/\//i.test(target)) {
      const url = new URL(target);
      return url.host === req.headers.host ? url : null;
    }
  } catch {
    // not a URL
  }
  return null;
}

/**
 * The handler, such that an exception in it, thrown at once or by the promise it returns, costs
 * one request a 500 rather than the whole demo its process. Bad requests are answered with a 4xx
 * by the handlers themselves; this is for the mistakes nobody has found yet, which it logs.
 */
function guarded(origin, handler) {
  return (req, res) => {
    const fail = (e) => {
      log(`${origin} origin: ${req.method} ${JSON.stringify(req.url).slice(0, 200)} failed: ${(e && e.stack) || e}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('internal error (logged by the demo server)\n');
    };
    try {
      const done = handler(req, res);
      if (done && typeof done.then === 'function') done.catch(fail);
    } catch (e) {
      fail(e);
    }
  };
}

// ------------------------------------------------------------------------------------ stream origin

/** The last event ID a request carries: the `Last-Event-ID` header, else the `lastEventId` query parameter. */
function lastEventId(req, url) {
  const header = req.headers['last-event-id'];
  const query = url.searchParams.get('lastEventId');
  const fromHeader = header !== undefined && header !== '';
  const value = fromHeader ? header : query || null;
  const source = fromHeader ? 'header' : value !== null ? 'query' : null;
  const id = value !== null && /^\s*\d+\s*$/.test(value) ? Number.parseInt(value, 10) : null;
  return { value, id, source };
}

const formatEvent = ({ id, data }) => `id: ${id}\ndata: ${data}\n\n`;

class StreamServer {
  server = null;
  port;
  #sockets = new Set();
  #connections = new Set(); // {res, unsubscribe}
  #requests = 0;
  #restartTimer = null;

  constructor(timeline, { port, retry }) {
    this.timeline = timeline;
    this.port = port;
    this.retry = retry;
  }

  get up() {
    return this.server !== null;
  }

  get connections() {
    return this.#connections.size;
  }

  get url() {
    return `http://${HOST}:${this.port}/event-stream`;
  }

  async start(restarting = false) {
    const server = http.createServer(guarded('stream', (req, res) => this.#handle(req, res)));
    server.on('connection', (socket) => {
      socket.setNoDelay(true);
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    // Right after a stop (a restart) the port can still be settling: try again for a moment.
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise((resolve, reject) => {
          const fail = (e) => {
            server.off('listening', done);
            reject(e);
          };
          const done = () => {
            server.off('error', fail);
            resolve();
          };
          server.once('error', fail);
          server.once('listening', done);
          server.listen(this.port, HOST);
        });
        break;
      } catch (e) {
        if (!restarting || e.code !== 'EADDRINUSE' || attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    this.port = server.address().port;
    this.server = server;
  }

  /** Stops listening and drops every connection, as a crashed or restarted server would. */
  stop() {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.close();
    for (const connection of this.#connections) connection.unsubscribe();
    this.#connections.clear();
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  /** Stops now and starts again after `down` ms; false when a restart is already under way. */
  restart(down) {
    if (this.#restartTimer) return false;
    this.stop();
    log(`stream server stopped; starting again in ${down} ms`);
    this.#restartTimer = setTimeout(async () => {
      try {
        await this.start(true);
        log(`stream server listening again on ${this.url}`);
      } catch (e) {
        log(`stream server could not start again: ${e.message}`);
      } finally {
        this.#restartTimer = null;
      }
    }, down);
    return true;
  }

  close() {
    clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
    this.stop();
  }

  #handle(req, res) {
    if (req.method === 'OPTIONS') {
      // No preflight support, like the classic setup: no CORS headers at all.
      res.writeHead(405, { Allow: 'GET', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('no preflight here: keep the request CORS-simple\n');
      return;
    }
    const url = requestUrl(req);
    if (!url) {
      res.writeHead(400, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('bad request target: expected a path such as /event-stream\n');
      return;
    }
    if (url.pathname !== '/event-stream') {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('The stream is at /event-stream\n');
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET', 'Access-Control-Allow-Origin': '*' });
      res.end();
      return;
    }

    const longpoll = url.searchParams.get('mode') === 'longpoll';
    const last = lastEventId(req, url);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      'Access-Control-Allow-Origin': '*',
    });
    res.flushHeaders();
    res.write(`retry: ${this.retry}\n\n`);
    const resuming = last.id !== null && last.id <= this.timeline.lastId;
    if (!longpoll || !resuming) res.write(`event: connecttime\ndata: ${timeString(new Date())}\n\n`);

    const backlog = this.timeline.backlog(last.id);
    const n = ++this.#requests;
    const how = last.value === null
      ? 'new (no last event ID)'
      : `${resuming ? 'resumes after' : 'unknown last event ID'} ${last.value} (${last.source === 'header' ? 'Last-Event-ID header' : 'lastEventId query parameter'})`;
    log(`${longpoll ? 'poll' : 'stream'} #${n}: ${how}; sends ${backlog.length ? `ids ${backlog[0].id}..${backlog[backlog.length - 1].id}` : 'nothing yet'}`);
    for (const event of backlog) res.write(formatEvent(event));
    if (longpoll && backlog.length > 0) {
      res.end();
      return;
    }
    const connection = {
      res,
      unsubscribe: this.timeline.subscribe((event) => {
        res.write(formatEvent(event));
        if (longpoll) finish();
      }),
    };
    const finish = () => {
      connection.unsubscribe();
      this.#connections.delete(connection);
      if (!res.writableEnded) res.end();
    };
    this.#connections.add(connection);
    res.on('close', finish);
  }
}

// ------------------------------------------------------------------------------------ page origin

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

const MAX_TARGET = 2048; // no URL of the demo comes near it; a longer request target gets 414

function text(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(body);
}

function json(res, status, value, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(value));
}

/** `rel` inside `dir`, or null when it tries to leave it. */
function inside(dir, rel) {
  const file = path.resolve(dir, `.${path.posix.normalize(`/${rel}`)}`);
  return file === dir || file.startsWith(dir + path.sep) ? file : null;
}

/**
 * Sends the regular file `rel` below `dir`, or 404. The path was checked before (no NUL, no `..`),
 * and `inside` keeps it textually below `dir`; the real path is checked again so that a symbolic
 * link cannot lead out either. A directory is not a file: 404; nor is a name `except` matches.
 */
async function sendFile(res, dir, rel, { except = null } = {}) {
  const file = inside(dir, rel);
  let body = null;
  if (file) {
    try {
      const [realDir, realFile] = await Promise.all([fs.promises.realpath(dir), fs.promises.realpath(file)]);
      const allowed = realFile.startsWith(realDir + path.sep) && !(except && except.test(realFile));
      if (allowed && (await fs.promises.stat(realFile)).isFile()) {
        body = await fs.promises.readFile(realFile);
      }
    } catch {
      // missing, unreadable, or a name the file system refuses (too long): not found
    }
  }
  if (body === null) {
    const hint = dir === path.join(root, 'dist') ? ' (run `npm run build` first)' : '';
    return text(res, 404, `not found: ${path.relative(root, path.join(dir, rel))}${hint}\n`);
  }
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/**
 * Why a `POST /control/restart` is refused, or null when it comes from the demo page itself.
 * Any web page the user visits could otherwise stop the stream server with a form or a fetch:
 * the request must carry the page origin's own `Origin` (a browser sends it with every POST,
 * so the demo page's fetch has it; a client that leaves it out, like curl, must add it), and its
 * `Host` must name the page origin, so that a site whose DNS name is rebound to 127.0.0.1 (its
 * own Origin, and Host, would match each other) is refused too. The server listens on 127.0.0.1
 * only, so the page is that or `localhost`, with the page port.
 */
function restartRefusal(req, pagePort) {
  const hosts = [`127.0.0.1:${pagePort}`, `localhost:${pagePort}`];
  const { host, origin } = req.headers;
  if (!hosts.includes(host)) return `the Host header must be ${hosts[0]} (the demo page's), not ${JSON.stringify(host ?? null)}`;
  if (origin === undefined) return `an Origin header is required: http://${host} (browsers send it)`;
  if (origin !== `http://${host}`) return `only the demo page (origin http://${host}) may restart the stream server, not ${JSON.stringify(origin)}`;
  return null;
}

function pageHandler(stream, opts) {
  const pkgPrefix = '/node_modules/eventsource-wasm/';
  return (req, res) => {
    if (req.url.length > MAX_TARGET) return json(res, 414, { error: `request target longer than ${MAX_TARGET} characters` });
    const url = requestUrl(req);
    if (!url) return json(res, 400, { error: 'bad request target: expected a path' });
    let p;
    try {
      p = decodeURIComponent(url.pathname);
    } catch {
      return json(res, 400, { error: 'malformed percent-encoding in the path' });
    }
    // The URL parser resolved the literal `.`/`..` segments (also `%2e%2e`); those left came with an
    // encoded slash (`..%2f`) to get past it. No file of ours has a control character or a backslash.
    if (/[\x00-\x1f\x7f\\]/.test(p) || p.split('/').some((segment) => segment === '.' || segment === '..')) {
      return json(res, 400, { error: 'bad path' });
    }
    const reading = req.method === 'GET' || req.method === 'HEAD';
    if (p === '/control/restart') {
      if (req.method !== 'POST') return json(res, 405, { error: 'POST only' }, { Allow: 'POST' });
      const refusal = restartRefusal(req, opts.pagePort);
      if (refusal) {
        log(`restart refused: ${refusal}`);
        return json(res, 403, { error: refusal });
      }
      let down = opts.down;
      if (url.searchParams.has('down')) {
        const value = url.searchParams.get('down');
        if (!/^\d{1,9}$/.test(value)) return json(res, 400, { error: 'down must be a number of milliseconds' });
        down = Math.min(60_000, Number(value));
      }
      const restarting = stream.restart(down);
      return json(res, restarting ? 200 : 409, { restarting, down, up: stream.up });
    }
    if (!reading) return json(res, 405, { error: 'GET only' }, { Allow: 'GET, HEAD' });
    if (p === '/control/status') {
      return json(res, 200, { up: stream.up, connections: stream.connections, lastId: stream.timeline.lastId });
    }
    if (p === '/config.json') return json(res, 200, { streamUrl: stream.url, retry: opts.retry, down: opts.down });
    if (p === '/favicon.ico') {
      res.writeHead(204);
      return res.end();
    }
    if (p.startsWith(pkgPrefix)) {
      // What `npm install eventsource-wasm` would put there: package.json and dist/.
      const rel = p.slice(pkgPrefix.length);
      if (rel === 'package.json') return sendFile(res, root, 'package.json');
      if (rel.startsWith('dist/')) return sendFile(res, path.join(root, 'dist'), rel.slice(5));
    } else {
      // Not the server's own source.
      return sendFile(res, here, p === '/' ? 'index.html' : p, { except: /\.mjs$/ });
    }
    return text(res, 404, 'not found\n');
  };
}

// ------------------------------------------------------------------------------------ main

function log(line) {
  process.stderr.write(`[demo] ${line}\n`);
}

async function listen(server, port, what) {
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, HOST, resolve);
    });
  } catch (e) {
    if (e.code === 'EADDRINUSE') {
      const flag = what === 'page' ? '--page-port' : '--port';
      throw new Error(`port ${port} (${what}) is in use: pass another one, e.g. \`npm run demo -- ${flag} 0\` for any free port`);
    }
    throw e;
  }
  return server.address().port;
}

async function main() {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2), process.env);
  } catch (e) {
    process.stderr.write(`www/server.mjs: ${e.message}\n${usage()}`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(usage());
    return;
  }
  if (!fs.existsSync(path.join(root, 'dist/index.js'))) log('dist/index.js is missing: run `npm run build` first');

  const timeline = new Timeline();
  timeline.start();
  const stream = new StreamServer(timeline, opts);
  const page = http.createServer(guarded('page', pageHandler(stream, opts)));
  const pageSockets = new Set();
  page.on('connection', (s) => {
    pageSockets.add(s);
    s.on('close', () => pageSockets.delete(s));
  });

  try {
    if (opts.port !== 0 && opts.port === opts.pagePort) throw new Error('--port and --page-port must differ');
    await stream.start().catch((e) => {
      if (e.code === 'EADDRINUSE') {
        throw new Error(`port ${opts.port} (stream) is in use: pass another one, e.g. \`npm run demo -- --port 0\` for any free port`);
      }
      throw e;
    });
    opts.pagePort = await listen(page, opts.pagePort, 'page');
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    timeline.stop();
    stream.close();
    page.close();
    for (const s of pageSockets) s.destroy();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (opts.exitOnStdinClose) {
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.on('error', stop);
    process.stdin.on('data', () => {});
    process.stdin.resume();
  }

  const pageUrl = `http://${HOST}:${opts.pagePort}/`;
  process.stdout.write(
    'eventsource-wasm demo: the classic Server-Sent Events walkthrough\n' +
      `  stream: ${stream.url}  (another origin; retry: ${opts.retry} ms)\n` +
      `  page:   ${pageUrl}\n` +
      `Open ${pageUrl} in your browser. Press Ctrl+C to stop.\n`,
  );
}

await main();
