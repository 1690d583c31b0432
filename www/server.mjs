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
//                                       open connection) and starts it again on the same port after MS
//   GET  /control/status                {up, connections, lastId}
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

const HOST = '127.0.0.1';
const HISTORY = 3600; // events kept for replay: one hour
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

// ------------------------------------------------------------------------------------ options

function usage() {
  return 'usage: node www/server.mjs [--port 3000] [--page-port 8080] [--retry 10000] [--down 1500] [--exit-on-stdin-close]\n';
}

function parseArgs(argv, env) {
  const opts = {
    port: env.PORT ?? '3000',
    pagePort: env.PAGE_PORT ?? '8080',
    retry: '10000',
    down: '1500',
    exitOnStdinClose: false,
  };
  const names = { '--port': 'port', '--page-port': 'pagePort', '--retry': 'retry', '--down': 'down' };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i], undefined];
    if (name === '--exit-on-stdin-close') opts.exitOnStdinClose = true;
    else if (name === '--help' || name === '-h') opts.help = true;
    else if (names[name]) {
      const v = inline !== undefined ? inline : argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      opts[names[name]] = v;
    } else throw new Error(`unknown argument: ${argv[i]}`);
  }
  for (const key of ['port', 'pagePort', 'retry', 'down']) {
    const n = Number(opts[key]);
    if (!/^\d+$/.test(String(opts[key]).trim()) || (key.endsWith('ort') && n > 65535)) {
      throw new Error(`invalid value for ${key}: ${opts[key]}`);
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
    const server = http.createServer((req, res) => this.#handle(req, res));
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
    const url = new URL(req.url, `http://${HOST}`);
    if (req.method === 'OPTIONS') {
      // No preflight support, like the classic setup: no CORS headers at all.
      res.writeHead(405, { Allow: 'GET', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('no preflight here: keep the request CORS-simple\n');
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

function sendFile(res, file) {
  fs.readFile(file, (err, body) => {
    if (err) {
      const hint = file.startsWith(path.join(root, 'dist')) ? ' (run `npm run build` first)' : '';
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`not found: ${path.relative(root, file)}${hint}\n`);
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
      'Cache-Control': 'no-store',
    });
    res.end(body);
  });
}

/** `rel` inside `dir`, or null when it tries to leave it. */
function inside(dir, rel) {
  const file = path.resolve(dir, `.${path.posix.normalize(`/${rel}`)}`);
  return file === dir || file.startsWith(dir + path.sep) ? file : null;
}

function json(res, status, value) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(value));
}

function pageHandler(stream, opts) {
  const pkgPrefix = '/node_modules/eventsource-wasm/';
  return (req, res) => {
    const url = new URL(req.url, `http://${HOST}`);
    let p;
    try {
      p = decodeURIComponent(url.pathname);
    } catch {
      return json(res, 400, { error: 'malformed path' });
    }
    if (p === '/control/restart') {
      if (req.method !== 'POST') return json(res, 405, { error: 'POST only' });
      const down = url.searchParams.has('down') ? Math.min(60_000, Number(url.searchParams.get('down')) || 0) : opts.down;
      const restarting = stream.restart(down);
      return json(res, restarting ? 200 : 409, { restarting, down, up: stream.up });
    }
    if (p === '/control/status') {
      return json(res, 200, { up: stream.up, connections: stream.connections, lastId: stream.timeline.lastId });
    }
    if (p === '/config.json') return json(res, 200, { streamUrl: stream.url, retry: opts.retry, down: opts.down });
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'GET only' });
    if (p === '/favicon.ico') {
      res.writeHead(204);
      return res.end();
    }
    if (p.startsWith(pkgPrefix)) {
      // What `npm install eventsource-wasm` would put there: package.json and dist/.
      const rel = p.slice(pkgPrefix.length);
      if (rel === 'package.json') return sendFile(res, path.join(root, 'package.json'));
      const file = rel.startsWith('dist/') ? inside(path.join(root, 'dist'), rel.slice(5)) : null;
      if (file) return sendFile(res, file);
    } else {
      const file = inside(here, p === '/' ? 'index.html' : p);
      if (file && !file.endsWith('.mjs')) return sendFile(res, file);
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
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
    opts = parseArgs(process.argv.slice(2), process.env);
  } catch (e) {
    process.stderr.write(`${e.message}\n${usage()}`);
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
  const page = http.createServer(pageHandler(stream, opts));
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
