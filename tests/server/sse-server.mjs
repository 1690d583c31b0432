#!/usr/bin/env node
// A real HTTP Server-Sent Events test server for the browser and Node test suites.
// Node built-ins only. Loopback only (127.0.0.1). Endpoints are documented in README.md beside this file.
//
//   node tests/server/sse-server.mjs --port 0 [--ports N] [--exit-on-stdin-close]
//
// prints exactly one stdout line `LISTENING http://127.0.0.1:PORT` when ready.
// Programmatic use:  import { startServer } from './sse-server.mjs';
//                    const srv = await startServer({ port: 0 }); ... await srv.close();

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HOST = '127.0.0.1';
const CHUNK_64K = Buffer.alloc(64 * 1024, 'x');
const MAX_BODY = 1024 * 1024;
const noop = () => {};

// ---------------------------------------------------------------- helpers

function int(v, def) {
  if (v === undefined || v === null || v === '') return def;
  const n = Number.parseInt(String(v), 10);
  return Number.isFinite(n) ? n : def;
}

/**
 * CORS headers: `*` by default; with cred=1 (or forced) and an Origin, reflect it and allow
 * credentials. `acao=none|empty|other` answers as a server whose CORS setup refuses this page:
 * no `Access-Control-Allow-Origin`, an empty one, or another origin's.
 */
function corsHeaders(ctx, forceCred = false) {
  const refuse = { none: null, empty: '', other: 'http://other.invalid' }[ctx.q.acao];
  if (refuse !== undefined) return refuse === null ? {} : { 'Access-Control-Allow-Origin': refuse };
  const origin = ctx.req.headers.origin;
  if ((forceCred || ctx.q.cred === '1') && origin) {
    return {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Credentials': 'true',
      Vary: 'Origin',
    };
  }
  return { 'Access-Control-Allow-Origin': '*' };
}

function sendPlain(ctx, status, body, extra = {}) {
  const { res } = ctx;
  const headers = { ...corsHeaders(ctx), 'Cache-Control': 'no-store', ...extra };
  if (body !== null && status !== 204 && status !== 304 && !('Content-Type' in headers)) {
    headers['Content-Type'] = 'text/plain; charset=utf-8';
  }
  res.writeHead(status, headers);
  if (body === null || status === 204 || status === 304) res.end();
  else res.end(body);
}

function sendJson(ctx, status, value, extra = {}) {
  sendPlain(ctx, status, JSON.stringify(value), { 'Content-Type': 'application/json', ...extra });
}

/**
 * Resume point from Last-Event-ID: the header wins over the `lastEventId` query parameter.
 * Records which one was used in the request's log entry.
 */
function resumeFrom(ctx, defStart) {
  const h = ctx.req.headers['last-event-id'];
  const qv = ctx.q.lastEventId;
  let source = null;
  let value = null;
  if (h !== undefined && h !== '') { source = 'header'; value = h; }
  else if (qv !== undefined && qv !== '') { source = 'query'; value = qv; }
  let first = defStart;
  if (value !== null && /^\s*-?\d+\s*$/.test(value)) first = Number.parseInt(value, 10) + 1;
  ctx.entry.lastEventIdSource = source;
  ctx.entry.lastEventIdUsed = value;
  ctx.entry.resumeFrom = first;
  return first;
}

function formatEvent({ id, type, data, comment, eol = '\n' }) {
  const lines = [];
  if (comment) lines.push(': comment');
  if (id !== undefined && id !== null) lines.push(`id: ${id}`);
  if (type) lines.push(`event: ${type}`);
  for (const l of String(data).split('\n')) lines.push(`data: ${l}`);
  return lines.join(eol) + eol + eol;
}

// ---------------------------------------------------------------- the server

/**
 * Start the server.
 * @param {{port?: number, ports?: number, host?: string}} opts  port 0 = any free port;
 *        ports = number of extra consecutive ports (port+1 … port+N) sharing the same state.
 * @returns {Promise<{url: string, port: number, urls: string[], ports: number[], close(): Promise<void>,
 *           getLog(key?: string): object[], openCount(key?: string): number}>}
 */
const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json', '.png': 'image/png' };

/**
 * Serves a file below one of the `files` roots ({ '/url-prefix/': '/abs/dir' }), or returns false.
 * Malformed percent-encoding or a control character (a NUL would make fs throw) is 400, a path
 * that leaves the root 403, anything that is not a readable file 404.
 */
function serveStatic(ctx, files) {
  for (const [prefix, dir] of Object.entries(files)) {
    if (!ctx.url.pathname.startsWith(prefix)) continue;
    let rel;
    try { rel = decodeURIComponent(ctx.url.pathname.slice(prefix.length)) || 'index.html'; }
    catch { return sendPlain(ctx, 400, 'malformed percent-encoding in the path'), true; }
    if (/[\x00-\x1f\x7f]/.test(rel)) return sendPlain(ctx, 400, 'control character in the path'), true;
    const file = path.resolve(dir, rel);
    if (!file.startsWith(path.resolve(dir) + path.sep)) return sendPlain(ctx, 403, 'outside the root'), true;
    let body;
    try { body = fs.readFileSync(file); } catch { return sendPlain(ctx, 404, `no such file: ${rel}`), true; }
    const headers = { 'Content-Type': MIME[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-store', ...(ctx.extraHeaders || {}) };
    if (ctx.q.csp) headers['Content-Security-Policy'] = ctx.q.csp;
    ctx.res.writeHead(200, headers);
    ctx.res.end(body);
    return true;
  }
  return false;
}

export async function startServer({ port = 0, ports: extra = 0, host = HOST, files = {} } = {}) {
  const logs = new Map();         // key -> [entry]
  const open = new Map();         // key -> number of open SSE responses
  const sockets = new Set();
  const timers = new Set();       // server-wide timers (e.g. /open waits)
  const servers = [];
  let connSeq = 0;
  let reqSeq = 0;
  let closing = false;

  const addOpen = (key, d) => open.set(key, (open.get(key) || 0) + d);

  function makeServer() {
    const server = http.createServer();
    server.keepAliveTimeout = 5000;
    server.requestTimeout = 0;
    server.on('connection', (sock) => {
      sock.connId = ++connSeq;
      sockets.add(sock);
      sock.on('error', noop);
      sock.on('close', () => sockets.delete(sock));
      if (closing) sock.destroy();
    });
    server.on('clientError', (_err, sock) => { try { sock.destroy(); } catch { /* ignore */ } });
    server.on('request', (req, res) => onRequest(req, res, server));
    return server;
  }

  function listen(server, p) {
    return new Promise((resolve, reject) => {
      const onErr = (e) => { server.off('listening', onOk); reject(e); };
      const onOk = () => { server.off('error', onErr); resolve(server.address().port); };
      server.once('error', onErr);
      server.once('listening', onOk);
      server.listen(p, host);
    });
  }

  const closeServer = (s) => new Promise((r) => { if (s.listening) s.close(() => r()); else r(); });

  // Bind the main port and N consecutive extra ports (retrying with another base when port=0).
  let basePort = 0;
  for (let attempt = 0; ; attempt++) {
    const main = makeServer();
    basePort = await listen(main, port);
    const group = [main];
    let ok = true;
    for (let i = 1; i <= extra; i++) {
      const s = makeServer();
      try { await listen(s, basePort + i); group.push(s); }
      catch (e) {
        ok = false;
        await Promise.all(group.map(closeServer));
        if (port !== 0 || attempt >= 30) throw e;
        break;
      }
    }
    if (ok) { servers.push(...group); break; }
  }

  // ---------------------------------------------------------------- request dispatch

  function onRequest(req, res, server) {
    const time = Date.now();
    res.on('error', noop);
    req.on('error', noop);
    let url;
    try { url = new URL(req.url, `http://${host}`); }
    catch {
      // A target such as `//` or `//[` is no URL: answer, rather than let the throw end the process.
      res.writeHead(400, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('bad request target');
      return;
    }
    const q = Object.fromEntries(url.searchParams);
    // /held/K/… (see handleHeld) is logged under K.
    const key = q.key ?? url.pathname.match(/^\/held\/([^/]+)\//)?.[1] ?? '';
    const chunks = [];
    let size = 0;
    req.on('data', (c) => { if (size < MAX_BODY) { chunks.push(c); size += c.length; } });
    req.on('end', () => {
      if (res.destroyed) return;
      const body = Buffer.concat(chunks).toString('utf8');
      const entry = {
        seq: ++reqSeq,
        method: req.method,
        path: url.pathname,
        query: q,
        headers: { ...req.headers },
        body,
        time,
        port: server.address()?.port ?? null,
        conn: req.socket.connId,
      };
      const ctx = { req, res, q, key, url, entry, body };
      const control = url.pathname === '/log' || url.pathname === '/open' || url.pathname === '/logwait';
      if (!control) {
        if (!logs.has(key)) logs.set(key, []);
        logs.get(key).push(entry);
      }
      try { route(ctx); }
      catch (e) {
        try {
          if (!res.headersSent) sendPlain(ctx, 500, `server error: ${e && e.stack}`);
          else res.destroy();
        } catch { /* ignore */ }
      }
    });
  }

  function route(ctx) {
    const { req, url } = ctx;
    if (req.method === 'OPTIONS' && ctx.q.cors === 'full') {
      // Opt-in preflight support (for tests of custom headers and methods): allow what is asked.
      const origin = req.headers.origin;
      ctx.res.writeHead(204, {
        'Access-Control-Allow-Origin': ctx.q.cred === '1' && origin ? origin : '*',
        ...(ctx.q.cred === '1' ? { 'Access-Control-Allow-Credentials': 'true' } : {}),
        'Access-Control-Allow-Methods': req.headers['access-control-request-method'] || 'GET',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || '',
        'Access-Control-Max-Age': '0',
      });
      ctx.res.end();
      return;
    }
    if (req.method === 'HEAD') {
      // A client's probe (eventsource-wasm's, after a cross-origin request failed: a no-cors
      // HEAD tells a CORS refusal from a network error): no side effects, no step taken. On
      // /seq, after a `net` step, it fails too, so that a scripted network error stays one: by a
      // socket closed before any byte, not by `net`'s broken head, which WebKit takes for a
      // valid answer to a HEAD (and an opaque 200 is "the server is up"). A browser may resend
      // the probe on such a close: harmless, a HEAD takes no step.
      if (url.pathname === '/seq') {
        const steps = String(ctx.q.steps ?? 'open').split(',').map((x) => x.trim());
        const last = steps[Math.min(steps.length - 1, Math.max(0, (seqCounts.get(ctx.key) ?? 1) - 1))];
        // Not the malformed head of `net`: WebKit accepts it for a HEAD (it has no body to frame).
        // A socket closed before any byte fails everywhere; a browser may resend a HEAD so
        // refused, which takes no step.
        if (last === 'net') return (ctx.res.socket || ctx.req.socket).destroy();
      }
      ctx.res.writeHead(200, { ...corsHeaders(ctx), 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      ctx.res.end();
      return;
    }
    if (req.method === 'OPTIONS') {
      // No preflight support on purpose: 405, no CORS headers. (Already recorded in the log.)
      ctx.res.writeHead(405, { Allow: 'GET, HEAD, POST', 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' });
      ctx.res.end('preflight not supported');
      return;
    }
    switch (url.pathname) {
      case '/stream': return handleStream(ctx);
      case '/drop': return handleDropEnd(ctx, 'drop');
      case '/end': return handleDropEnd(ctx, 'end');
      case '/echo': return handleEcho(ctx, false);
      case '/credentials': return handleEcho(ctx, true);
      case '/status': return handleStatus(ctx);
      case '/ctype': return handleCtype(ctx);
      case '/redirect': return handleRedirect(ctx);
      case '/raw': return handleRaw(ctx);
      case '/stall': return handleStall(ctx);
      case '/longpoll': return handleLongpoll(ctx);
      case '/big': return handleBig(ctx);
      case '/burst': return handleBurst(ctx);
      case '/buffered': return handleBuffered(ctx);
      case '/set-cookie': return handleSetCookie(ctx);
      case '/page': return handlePage(ctx);
      case '/log': return handleLog(ctx);
      case '/open': return handleOpen(ctx);
      // Scripted sequences and log waits (tests/options/): appended routes, documented in README.md.
      case '/seq': return handleSeq(ctx);
      case '/logwait': return handleLogWait(ctx);
      // Fault injection (tests/reliability/): appended routes, documented in README.md.
      case '/fault': return handleFault(ctx);
      case '/hang': return handleHang(ctx);
      case '/restart': return handleRestart(ctx);
      case '/hugeevent': return handleHugeEvent(ctx);
      // Refused responses with a body (error details, tests/options/).
      case '/refuse': return handleRefuse(ctx);
      // What the package loads on use, held back or missing (tests/browser/held.html).
      case '/release': return handleRelease(ctx);
      default:
        if (url.pathname.startsWith('/held/')) return handleHeld(ctx);
        if (serveStatic(ctx, files)) return;
        return sendPlain(ctx, 404, `no such endpoint: ${url.pathname}`);
    }
  }

  // ---------------------------------------------------------------- SSE plumbing

  /**
   * Send SSE response headers (200, text/event-stream unless `ctype`/contentType says otherwise,
   * Cache-Control: no-cache), flush them, count the response as open for its key until 'close'.
   * Returns a small handle whose methods are no-ops once the response is closed.
   */
  function startSSE(ctx, { contentType = 'text/event-stream', forceCred = false } = {}) {
    const { req, res, key } = ctx;
    try { req.socket.setNoDelay(true); } catch { /* ignore */ }
    const ct = ctx.q.ctype !== undefined ? ctx.q.ctype : contentType;
    const headers = { ...corsHeaders(ctx, forceCred), 'Cache-Control': 'no-cache' };
    if (ct !== 'none' && ct !== '') headers['Content-Type'] = ct;
    // A stream that sets a cookie (tests/conformance/: is it sent on the reconnect?).
    if (ctx.q.setcookie) headers['Set-Cookie'] = `${ctx.q.setcookie}=1; Path=/; Max-Age=60`;
    res.writeHead(200, headers);
    res.flushHeaders();
    addOpen(key, 1);
    const own = new Set();
    const s = {
      closed: false,
      write(data, cb) {
        if (s.closed || res.destroyed || res.writableEnded) { if (cb) cb(); return true; }
        try { return res.write(data, cb); } catch { return true; }
      },
      end() { if (!s.closed && !res.writableEnded) { try { res.end(); } catch { /* ignore */ } } },
      destroy() { if (!s.closed) { try { (res.socket || req.socket).destroy(); } catch { /* ignore */ } } },
      later(fn, ms) {
        if (s.closed) return;
        const t = setTimeout(() => { own.delete(t); if (!s.closed) fn(); }, Math.max(0, ms));
        own.add(t);
      },
      /** resolve when the writable side can take more (backpressure). */
      drain(fn) {
        if (s.closed) return;
        res.once('drain', () => { if (!s.closed) fn(); });
      },
      finish(closeFlag) { if (closeFlag) s.end(); /* else: stay open, idle, until the client leaves */ },
    };
    res.once('close', () => {
      s.closed = true;
      addOpen(key, -1);
      for (const t of own) clearTimeout(t);
      own.clear();
    });
    return s;
  }

  // ---------------------------------------------------------------- endpoints

  function handleStream(ctx) {
    const { q } = ctx;
    const n = int(q.n, 5);
    const interval = int(q.interval, 50);
    const first = resumeFrom(ctx, int(q.start, 1));
    const eol = q.crlf === '1' ? '\r\n' : '\n';
    const s = startSSE(ctx);
    if (q.retry !== undefined && q.retry !== '') s.write(`retry: ${q.retry}${eol}`);
    let i = 0;
    const tick = () => {
      if (i >= n) return s.finish(q.close === '1');
      const id = first + i++;
      s.write(formatEvent({ id: q.ids === '1' ? id : null, type: q.type, data: `tick ${id}`, comment: q.comment === '1', eol }));
      if (i >= n) return s.finish(q.close === '1');
      s.later(tick, interval);
    };
    tick();
  }

  function handleDropEnd(ctx, mode) {
    const { q } = ctx;
    const after = Math.max(1, int(q.after, 3));
    const total = int(q.total, 10);
    const interval = int(q.interval, 10);
    const retry = q.retry ?? '50';
    const first = resumeFrom(ctx, 1);
    const eol = q.crlf === '1' ? '\r\n' : '\n';
    const s = startSSE(ctx);
    ctx.entry.sent = 0;
    if (retry !== 'none' && retry !== '') s.write(`retry: ${retry}${eol}`);
    let id = first;
    let sentHere = 0;
    const tick = () => {
      if (id > total) return; // everything delivered: stay open, idle
      const thisId = id++;
      sentHere++;
      ctx.entry.sent = sentHere;
      const cutHere = sentHere >= after && thisId < total;
      s.write(formatEvent({ id: thisId, type: q.type, data: `tick ${thisId}`, comment: q.comment === '1', eol }), () => {
        if (!cutHere || s.closed) return;
        ctx.entry.outcome = mode;
        if (mode === 'drop') s.later(() => s.destroy(), 5);
        else s.end();
      });
      if (thisId >= total) return; // the total is reached: idle
      if (cutHere) return; // drop/end happens once the write is flushed
      s.later(tick, interval);
    };
    tick();
  }

  function handleEcho(ctx, forceCred) {
    const { req, q } = ctx;
    const h = req.headers;
    const data = {
      method: req.method,
      lastEventIdHeader: h['last-event-id'] ?? null,
      lastEventIdQuery: q.lastEventId ?? null,
      accept: h.accept ?? null,
      cacheControl: h['cache-control'] ?? null,
      cookie: h.cookie ?? null,
      contentType: h['content-type'] ?? null,
      origin: h.origin ?? null,
      body: ctx.body,
      query: q,
      headers: h,
    };
    const s = startSSE(ctx, { forceCred });
    if (q.retry !== undefined && q.retry !== '') s.write(`retry: ${q.retry}\n`);
    s.write(formatEvent({ id: q.id, data: JSON.stringify(data) }));
    s.finish(q.close === '1');
  }

  function handleStatus(ctx) {
    const { q } = ctx;
    let code = int(q.code, 204);
    if (code < 200 || code > 599) code = 400;
    const extra = {};
    if (q.retry_after !== undefined) extra['Retry-After'] = q.retry_after;
    if (q.ctype !== undefined && q.ctype !== 'none') extra['Content-Type'] = q.ctype;
    sendPlain(ctx, code, 'nope', extra);
  }

  function handleCtype(ctx) {
    const { q } = ctx;
    const type = q.type ?? 'text/plain';
    const s = startSSE(ctx, { contentType: type });
    s.write('data: x\n\n');
    s.finish(q.close === '1');
  }

  function handleRedirect(ctx) {
    const { q } = ctx;
    let code = int(q.code, 302);
    if (![301, 302, 303, 307, 308].includes(code)) code = 302;
    const to = q.to ?? '/echo';
    if (!to.startsWith('/') || to.startsWith('//')) return sendPlain(ctx, 400, 'to must be a same-server path');
    sendPlain(ctx, code, null, { Location: to });
  }

  function handleRaw(ctx) {
    const { q } = ctx;
    const bytes = Buffer.from(q.b64 ?? '', 'base64url');
    const chunk = Math.max(1, int(q.chunk, bytes.length || 1));
    const delay = int(q.delay, 20);
    const s = startSSE(ctx);
    let off = 0;
    const step = () => {
      if (off >= bytes.length) return s.finish(q.close === '1');
      const part = bytes.subarray(off, off + chunk);
      off += part.length;
      s.write(part);
      if (off >= bytes.length) return s.finish(q.close === '1');
      s.later(step, delay);
    };
    step();
  }

  function handleStall(ctx) {
    const s = startSSE(ctx);
    s.write(': hi\n\n');
  }

  function handleLongpoll(ctx) {
    const { q } = ctx;
    const n = int(q.n, 3);
    const interval = int(q.interval, 0);
    const first = resumeFrom(ctx, int(q.start, 1));
    const s = startSSE(ctx);
    if (q.retry !== undefined && q.retry !== '') s.write(`retry: ${q.retry}\n`);
    let i = 0;
    const tick = () => {
      if (i >= n) return s.end();
      const id = first + i++;
      s.write(formatEvent({ id, type: q.type, data: `tick ${id}` }));
      if (i >= n) return s.end();
      if (interval > 0) s.later(tick, interval); else tick();
    };
    tick();
  }

  function handleBig(ctx) {
    const { q } = ctx;
    let left = Math.max(0, int(q.size, 1024 * 1024));
    const s = startSSE(ctx);
    s.write('data: ');
    const pump = () => {
      while (left > 0 && !s.closed) {
        const n = Math.min(left, CHUNK_64K.length);
        left -= n;
        const ok = s.write(n === CHUNK_64K.length ? CHUNK_64K : CHUNK_64K.subarray(0, n));
        if (!ok) return s.drain(pump);
      }
      if (s.closed) return;
      if (q.eol === '1') s.write('\n\n');
      // then=N: N events `id: i` / `data: tick i` after it.
      for (let i = 1; i <= int(q.then, 0); i++) s.write(formatEvent({ id: i, data: `tick ${i}` }));
      s.finish(q.close === '1');
    };
    pump();
  }

  function handleBurst(ctx) {
    const { q } = ctx;
    const n = Math.max(0, int(q.n, 100000));
    const size = Math.max(0, int(q.size, 32));
    const start = int(q.start, 1);
    const payload = 'x'.repeat(size);
    const s = startSSE(ctx);
    // Ids run from `start` to start+n-1 in all; a reconnect resumes after its Last-Event-ID.
    let i = resumeFrom(ctx, start) - start;
    const pump = () => {
      while (i < n && !s.closed) {
        let batch = '';
        while (i < n && batch.length < 64 * 1024) {
          batch += `id: ${start + i}\ndata: ${payload}\n\n`;
          i++;
        }
        if (!s.write(batch)) return s.drain(pump);
      }
      if (s.closed) return;
      s.finish(q.close === '1');
    };
    pump();
  }

  // A stream held back by a buffering proxy: nothing for `delay` ms, then `n` events (resuming
  // after Last-Event-ID) in a single write, and the end.
  function handleBuffered(ctx) {
    const { q } = ctx;
    const n = int(q.n, 3);
    const first = resumeFrom(ctx, int(q.start, 1));
    setTimeout(() => {
      if (ctx.res.destroyed) return;
      const s = startSSE(ctx);
      let body = '';
      for (let id = first; id < first + n; id++) body += formatEvent({ id, data: `tick ${id}` });
      s.write(body);
      s.end();
    }, int(q.delay, 1100));
  }

  function handleSetCookie(ctx) {
    const { q } = ctx;
    const name = q.name || 'sse_test';
    const value = q.value ?? '1';
    let cookie = `${name}=${value}; Path=/`;
    if (q.samesite) cookie += `; SameSite=${q.samesite}`;
    if (q.max_age !== undefined) cookie += `; Max-Age=${int(q.max_age, 0)}`;
    sendJson(ctx, 200, { set: cookie }, { 'Set-Cookie': cookie });
  }

  function handlePage(ctx) {
    sendPlain(ctx, 200, '<!doctype html><meta charset="utf-8"><title>sse-test</title><body>sse-test</body>',
      { 'Content-Type': 'text/html; charset=utf-8' });
  }

  function handleLog(ctx) {
    const { key, q } = ctx;
    const list = logs.get(key) || [];
    sendJson(ctx, 200, list);
    if (q.clear === '1') logs.delete(key);
  }

  // /held/K/F serves the file F of /dist/, except the files the package loads on use
  // (engine-full.js, xhr.js, share.js): those wait until /release?key=K, or with K `missing…`
  // are 404. So a page can tell what happens before the package's code arrives, and when it
  // never does, without timing anything.
  const ON_USE = new Set(['engine-full.js', 'xhr.js', 'share.js']);
  const heldBack = new Map(); // key -> [serve functions], until released
  const released = new Set();

  function handleHeld(ctx) {
    const [, key, file] = ctx.url.pathname.match(/^\/held\/([^/]+)\/(.*)$/) || [];
    if (key === undefined) return sendPlain(ctx, 404, 'expected /held/KEY/FILE');
    const serve = () => {
      if (ctx.res.destroyed) return;
      if (!serveStatic({ ...ctx, url: new URL(`/dist/${file}`, ctx.url) }, files)) sendPlain(ctx, 404, `no such file: ${file}`);
    };
    if (!ON_USE.has(file) || released.has(key)) return serve();
    if (key.startsWith('missing')) return sendPlain(ctx, 404, `${file} is missing on purpose`);
    if (!heldBack.has(key)) heldBack.set(key, []);
    heldBack.get(key).push(serve);
  }

  function handleRelease(ctx) {
    const { key } = ctx;
    released.add(key);
    const waiting = heldBack.get(key) || [];
    heldBack.delete(key);
    for (const serve of waiting) serve();
    sendJson(ctx, 200, { released: waiting.length });
  }

  function handleOpen(ctx) {
    const { key, q } = ctx;
    const reply = () => sendJson(ctx, 200, { open: open.get(key) || 0 });
    if (q.until === undefined) return reply();
    // Optional wait: /open?key=K&until=0&timeout=2000 answers as soon as the count equals `until`.
    const target = int(q.until, 0);
    const deadline = Date.now() + int(q.timeout, 2000);
    const check = () => {
      if (ctx.res.destroyed) return;
      if ((open.get(key) || 0) === target || Date.now() >= deadline || closing) return reply();
      const t = setTimeout(() => { timers.delete(t); check(); }, 10);
      timers.add(t);
    };
    check();
  }

  // ---------------------------------------------------------------- fault injection

  /** `ID:OFF,ID:OFF` → Map(id → byte offset); OFF may be negative (counted from the event's end). */
  function parseOffsets(spec) {
    const out = new Map();
    if (!spec) return out;
    for (const part of String(spec).split(',')) {
      const m = /^(\d+):(-?\d+)$/.exec(part.trim());
      if (m) out.set(Number(m[1]), Number(m[2]));
    }
    return out;
  }

  /** A small deterministic PRNG (mulberry32), so a random fault plan can be replayed from its seed. */
  function prng(seed) {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /**
   * `/fault`: events `id: i EOL (data: LINE EOL)+ EOL`, the data being `${data} ${i}` split on LF into
   * data lines, from the resume point to `total`, one every `interval` ms, after `retry: R` (retry=none
   * omits it). Faults, in byte offsets into one event's serialisation (negative: from its end):
   *   cuts=ID:OFF,...   on a connection that started before event ID (so never twice for one ID),
   *                     write only the first OFF bytes of event ID, then cut: how=drop (socket.destroy()),
   *                     end (res.end()) or mix (alternating, drop first);
   *   cuts=random       after 1..3 (every=LO-HI) whole events on each connection, write a random prefix of
   *                     the next event and cut (how as above; mix picks at random). The plan is drawn from
   *                     seed=S and the connection's resume point, so a run can be replayed;
   *   splits=ID:OFF,... write event ID in two writes, `pause` ms apart (default 30), split at OFF.
   * Once `total` is sent the stream stays open and idle (a stall), or ends with close=1.
   */
  function handleFault(ctx) {
    const { q } = ctx;
    const total = int(q.total, 10);
    const interval = int(q.interval, 10);
    const retry = q.retry ?? '50';
    const eol = q.eol === 'crlf' ? '\r\n' : q.eol === 'cr' ? '\r' : '\n';
    const text = q.data ?? 'tick';
    const how = q.how ?? 'drop';
    const pause = int(q.pause, 30);
    const first = resumeFrom(ctx, 1);
    const splits = parseOffsets(q.splits);
    const serialise = (id) => {
      const lines = `${text} ${id}`.split('\n').map((l) => `data: ${l}${eol}`).join('');
      return Buffer.from(`id: ${id}${eol}${lines}${eol}`, 'utf8');
    };
    const offsetIn = (bytes, off) => Math.max(0, Math.min(bytes.length, off < 0 ? bytes.length + off : off));
    // The one cut this connection makes, if any: { id, offset (may be negative), how }.
    let cut = null;
    if (q.cuts === 'random') {
      const [lo, hi] = String(q.every ?? '1-3').split('-').map((v) => Math.max(1, int(v, 1)));
      const rand = prng((int(q.seed, 1) * 1000003) ^ first);
      const whole = lo + Math.floor(rand() * (Math.max(lo, hi) - lo + 1));
      const id = first + whole;
      if (id <= total) {
        const len = serialise(id).length;
        const pick = rand();
        const mode = how === 'mix' ? (rand() < 0.5 ? 'drop' : 'end') : how;
        cut = { id, offset: Math.floor(pick * len), how: mode };
      }
    } else {
      const cuts = parseOffsets(q.cuts);
      let n = 0;
      for (const [id, offset] of [...cuts].sort((a, b) => a[0] - b[0])) {
        if (id > first && id <= total) {
          cut = { id, offset, how: how === 'mix' ? (n % 2 === 0 ? 'drop' : 'end') : how };
          break;
        }
        n++;
      }
    }
    const s = startSSE(ctx);
    ctx.entry.sent = 0;
    if (retry !== 'none' && retry !== '') s.write(`retry: ${retry}${eol}`);
    let id = first;
    const next = () => {
      if (s.closed) return;
      if (id > total) return s.finish(q.close === '1');
      const thisId = id++;
      const bytes = serialise(thisId);
      if (cut && cut.id === thisId) {
        const part = bytes.subarray(0, offsetIn(bytes, cut.offset));
        ctx.entry.cut = { id: thisId, bytes: part.length, of: bytes.length, how: cut.how };
        ctx.entry.outcome = cut.how;
        s.write(part, () => {
          if (s.closed) return;
          if (cut.how === 'drop') s.later(() => s.destroy(), 5);
          else s.end();
        });
        return;
      }
      const after = () => {
        ctx.entry.sent++;
        if (thisId >= total) return s.finish(q.close === '1');
        if (interval > 0) s.later(next, interval);
        else setImmediate(next);
      };
      if (splits.has(thisId)) {
        const at = offsetIn(bytes, splits.get(thisId));
        s.write(bytes.subarray(0, at));
        s.later(() => { s.write(bytes.subarray(at)); after(); }, pause);
        return;
      }
      s.write(bytes);
      after();
    };
    next();
  }

  /**
   * `/hang`: the request gets no response at all (no status, no headers) until the client leaves; it is
   * counted by /open for its key meanwhile. With first=1, a request without a last event ID (header or
   * query) instead gets a stream: `retry: R` (if given), `id: 1` `data: first`, and the end; so a client
   * hangs on its reconnect.
   */
  function handleHang(ctx) {
    const { q, req, res, key } = ctx;
    const resumed = (req.headers['last-event-id'] ?? '') !== '' || (q.lastEventId ?? '') !== '';
    if (q.first === '1' && !resumed) {
      const s = startSSE(ctx);
      if (q.retry !== undefined && q.retry !== '') s.write(`retry: ${q.retry}\n`);
      s.write(formatEvent({ id: 1, data: 'first' }));
      s.end();
      return;
    }
    ctx.entry.hung = true;
    addOpen(key, 1);
    res.once('close', () => addOpen(key, -1));
  }

  /**
   * `/refuse`: a response an EventSource must refuse, with headers and a body that say why: status
   * `code` (401), `WWW-Authenticate` and `X-Reason` headers (exposed to cross-origin pages only with
   * expose=1), Content-Type `ctype` (application/json), and the body `body` repeated `repeat` times.
   * With stall=1 the body is written and the response then never ends (counted by /open meanwhile).
   */
  function handleRefuse(ctx) {
    const { q, res, key } = ctx;
    let code = int(q.code, 401);
    if (code < 200 || code > 599) code = 401;
    const headers = {
      ...corsHeaders(ctx),
      'Cache-Control': 'no-store',
      'Content-Type': q.ctype ?? 'application/json',
      'WWW-Authenticate': 'Bearer error="invalid_token"',
      'X-Reason': 'token-expired',
    };
    if (q.expose === '1') headers['Access-Control-Expose-Headers'] = 'X-Reason, WWW-Authenticate';
    const body = (q.body ?? '{"error":"token expired"}').repeat(Math.max(0, int(q.repeat, 1)));
    try { ctx.req.socket.setNoDelay(true); } catch { /* ignore */ }
    res.writeHead(code, headers);
    if (q.stall !== '1') return res.end(body);
    res.flushHeaders();
    if (body) res.write(body);
    addOpen(key, 1);
    res.once('close', () => addOpen(key, -1));
  }

  let restarts = 0;
  /**
   * Simulates a server restart on one of our ports: stops listening there, destroys every connection
   * to that port (open streams included), and listens again `down` ms later. The other ports and all
   * state (logs, open counts) are untouched.
   */
  function restartPort(p, down) {
    const server = servers.find((s) => s.address()?.port === p);
    if (!server) return Promise.reject(new Error(`not listening on port ${p}`));
    return new Promise((resolve, reject) => {
      server.close(() => {
        const t = setTimeout(() => {
          timers.delete(t);
          if (closing) return resolve();
          listen(server, p).then(() => { restarts++; resolve(); }, reject);
        }, Math.max(0, down));
        timers.add(t);
      });
      try { server.closeAllConnections(); } catch { /* ignore */ }
      for (const sock of sockets) if (sock.localPort === p) sock.destroy();
    });
  }

  /** `/restart?port=P&down=300`: answers `{restarting: P, down}` at once, then restarts port P. */
  function handleRestart(ctx) {
    const { q, res } = ctx;
    const p = int(q.port, 0);
    const down = Math.max(0, int(q.down, 300));
    if (!servers.some((s) => s.address()?.port === p)) return sendJson(ctx, 404, { error: `not listening on port ${p}` });
    res.once('finish', () => { restartPort(p, down).catch(noop); });
    sendJson(ctx, 200, { restarting: p, down });
  }

  /** `/hugeevent?size=BYTES&line=1024`: one event that never ends: `data: yyy…` lines of `line` bytes
   * until `size` bytes are sent (no blank line, unless eol=1). */
  function handleHugeEvent(ctx) {
    const { q } = ctx;
    let left = Math.max(0, int(q.size, 32 * 1024 * 1024));
    const lineLen = Math.max(1, int(q.line, 1024));
    const line = `data: ${'y'.repeat(lineLen)}\n`;
    const batch = Buffer.from(line.repeat(Math.max(1, Math.floor(64 * 1024 / line.length))));
    const s = startSSE(ctx);
    const pump = () => {
      while (left > 0 && !s.closed) {
        const part = left >= batch.length ? batch : batch.subarray(0, left);
        left -= part.length;
        if (!s.write(part)) return s.drain(pump);
      }
      if (s.closed) return;
      if (q.eol === '1') s.write('\n');
      s.finish(q.close === '1');
    };
    pump();
  }

  // ---------------------------------------------------------------- scripted sequences (tests/options/)

  const seqCounts = new Map(); // key -> number of /seq requests so far (preflights not counted)

  /**
   * `/seq?steps=net,429,sse,open&n=1&interval=10&retry=R&retry_after=S&hold=50`: the k-th request for a key
   * (OPTIONS excluded) takes step k of the comma-separated list; the last step repeats. Steps:
   *   net   a network error: a response with two different Content-Lengths (a bare socket close
   *         would be resent by the browser, which would consume the next step), then the close;
   *   hang  no response at all until the client leaves (counted by /open meanwhile);
   *   NNN   answer that status, body `nope`, with `Retry-After: S` if retry_after is given (and
   *         `Access-Control-Expose-Headers: Retry-After`, so cross-origin clients can read it);
   *   sse   an SSE response: `retry: R` (if given), n events `id: i` `data: tick i` from the resume
   *         point one every `interval` ms, then, `hold` ms (default 50) later, socket.destroy();
   *   end   the same, then (after `hold` ms) res.end();
   *   open  the same, then stay open and idle.
   * Every response carries `Connection: close`, so no socket is reused: a browser never silently
   * resends a request whose reused socket failed (which would consume a step). Serve /seq from a
   * port nothing else uses, for the same reason. The log entry gets `step` and `stepIndex`.
   */
  /**
   * A network error. Not a bare socket.destroy(): browsers resend a request whose connection
   * closed before any response byte (Firefox up to 10 times, even on a fresh connection). A
   * response with two different Content-Lengths is a network error everywhere, never resent.
   */
  function brokenResponse(ctx) {
    const sock = ctx.res.socket || ctx.req.socket;
    try {
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n');
      sock.end();
      setTimeout(() => sock.destroy(), 50).unref();
    } catch { /* ignore */ }
  }

  function handleSeq(ctx) {
    const { q, key, req, res } = ctx;
    const steps = String(q.steps ?? 'open').split(',').map((x) => x.trim()).filter(Boolean);
    const k = seqCounts.get(key) ?? 0;
    seqCounts.set(key, k + 1);
    const step = steps.length ? steps[Math.min(k, steps.length - 1)] : 'open';
    ctx.entry.step = step;
    ctx.entry.stepIndex = k;
    if (step === 'net') return brokenResponse(ctx);
    if (step === 'hang') {
      // No response at all until the client leaves (counted as open meanwhile).
      addOpen(key, 1);
      res.once('close', () => addOpen(key, -1));
      return;
    }
    if (/^\d{3}$/.test(step)) {
      const extra = { Connection: 'close', 'Access-Control-Expose-Headers': 'Retry-After' };
      if (q.retry_after !== undefined) extra['Retry-After'] = q.retry_after;
      return sendPlain(ctx, Math.min(599, Math.max(200, Number(step))), 'nope', extra);
    }
    if (!['sse', 'end', 'open'].includes(step)) return sendPlain(ctx, 400, `unknown step: ${step}`, { Connection: 'close' });
    const n = Math.max(0, int(q.n, 1));
    const interval = int(q.interval, 10);
    const first = resumeFrom(ctx, 1);
    res.setHeader('Connection', 'close');
    const s = startSSE(ctx);
    if (q.retry !== undefined && q.retry !== '') s.write(`retry: ${q.retry}\n`);
    let i = 0;
    // Wait `hold` ms after the last event before cutting: a fetch body stream that errors drops
    // the bytes it has queued but not yet handed to the reader (Chromium), so an immediate cut
    // can lose the events just sent.
    const hold = Math.max(0, int(q.hold, 50));
    const finish = () => {
      if (step === 'sse') s.later(() => s.destroy(), hold);
      else if (step === 'end') s.later(() => s.end(), hold);
    };
    const tick = () => {
      if (i >= n) return finish();
      const id = first + i++;
      s.write(formatEvent({ id, data: `tick ${id}` }), () => {
        if (s.closed) return;
        if (i >= n) finish();
        else s.later(tick, interval);
      });
    };
    if (n === 0) s.write('', () => finish());
    else tick();
  }

  /**
   * `/logwait?key=K&n=N&timeout=2000[&path=/p]`: K's log (as /log returns it, filtered to `path` if
   * given) once it has at least N entries, or at the timeout (default 2000 ms), whichever is first.
   * Not logged itself.
   */
  function handleLogWait(ctx) {
    const { key, q } = ctx;
    const want = int(q.n, 1);
    const deadline = Date.now() + int(q.timeout, 2000);
    const pick = () => (logs.get(key) || []).filter((e) => !q.path || e.path === q.path);
    const check = () => {
      if (ctx.res.destroyed) return;
      const list = pick();
      if (list.length >= want || Date.now() >= deadline || closing) return sendJson(ctx, 200, list);
      const t = setTimeout(() => { timers.delete(t); check(); }, 10);
      timers.add(t);
    };
    check();
  }

  // ---------------------------------------------------------------- public handle

  async function close() {
    if (closing) return;
    closing = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    const done = Promise.all(servers.map(closeServer));
    for (const s of servers) { try { s.closeAllConnections(); } catch { /* ignore */ } }
    for (const sock of sockets) { try { sock.destroy(); } catch { /* ignore */ } }
    await done;
  }

  const allPorts = servers.map((s) => s.address().port);
  return {
    url: `http://${host}:${basePort}`,
    port: basePort,
    ports: allPorts,
    urls: allPorts.map((p) => `http://${host}:${p}`),
    close,
    getLog: (key = '') => logs.get(key) || [],
    openCount: (key = '') => open.get(key) || 0,
    /** Stops listening on port `p`, destroys its connections, listens again after `down` ms. */
    restart: (p, down = 300) => restartPort(p, down),
    restartCount: () => restarts,
  };
}

// ---------------------------------------------------------------- CLI

const USAGE = 'usage: node tests/server/sse-server.mjs --port 0 [--ports N] [--exit-on-stdin-close]';

/** The command line, by node:util's parseArgs in strict mode: an unknown flag is an error. */
function parseOptions(args) {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '0' },
      ports: { type: 'string', default: '0' },
      'exit-on-stdin-close': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const opts = { port: int(values.port, NaN), ports: int(values.ports, NaN), exitOnStdinClose: values['exit-on-stdin-close'], help: values.help };
  if (!/^\d+$/.test(values.port) || !Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error('--port needs 0..65535');
  if (!/^\d+$/.test(values.ports) || !Number.isInteger(opts.ports) || opts.ports < 0 || opts.ports > 100) throw new Error('--ports needs 0..100');
  return opts;
}

async function main() {
  let opts;
  try { opts = parseOptions(process.argv.slice(2)); }
  catch (e) { process.stderr.write(`sse-server: ${e.message}\n${USAGE}\n`); process.exit(2); }
  if (opts.help) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(0);
  }
  const srv = await startServer({ port: opts.port, ports: opts.ports });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 2000).unref();
    try { await srv.close(); } finally { process.exit(0); }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (opts.exitOnStdinClose) {
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.on('error', stop);
    process.stdin.on('data', noop);
    process.stdin.resume();
  }
  if (srv.ports.length > 1) process.stderr.write(`sse-server: also listening on ports ${srv.ports.slice(1).join(', ')}\n`);
  process.stdout.write(`LISTENING ${srv.url}\n`);
}

const isMain = (() => {
  try { return path.resolve(process.argv[1] || '') === fileURLToPath(import.meta.url); }
  catch { return false; }
})();
if (isMain) main();
