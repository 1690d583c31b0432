// The benchmark's own loopback HTTP server: the run pages, the client scripts, the SSE
// workloads, a clock for latency calibration, and the endpoint where pages post their results.
// Node built-ins only; 127.0.0.1 only.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { HASH_SEED, hashEvent } from './workloads.mjs';

const HOST = '127.0.0.1';
const MIME = { '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.html': 'text/html; charset=utf-8' };

/** Wall-clock epoch milliseconds with sub-millisecond precision (the page uses the same kind). */
export const epochNow = () => performance.timeOrigin + performance.now();

/**
 * @param {object} o
 * @param {Record<string, object>} o.workloads  built workloads by id
 * @param {Record<string, string>} o.roots      URL prefix → directory for static files
 * @param {(token: string) => string} o.page    HTML of the run page for a token
 * @param {{ events: number, interval: number }} o.latency
 */
export async function startBenchServer({ workloads, roots, page, latency }) {
  const waiting = new Map(); // token → { resolve, streams: [], files: Set }
  const sockets = new Set();

  const server = http.createServer((req, res) => {
    req.socket.setNoDelay(true);
    res.on('error', () => {});
    const url = new URL(req.url, `http://${HOST}`);
    const token = url.searchParams.get('t') || tokenFromReferer(req.headers.referer);
    const run = token ? waiting.get(token) : undefined;
    if (req.method === 'POST') return collect(req, (body) => {
      if (url.pathname === '/result' && run) run.resolve(JSON.parse(body));
      res.writeHead(204, { 'Access-Control-Allow-Origin': '*' });
      res.end();
    });
    const p = url.pathname;
    if (p === '/page') {
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        // Cross-origin isolation: performance.now() at 5 µs instead of 100 µs resolution.
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      });
      return res.end(page(token));
    }
    if (p === '/clock') {
      const now = epochNow();
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': '*' });
      return res.end(String(now));
    }
    if (p === '/noop') {
      res.writeHead(204, { 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': '*' });
      return res.end();
    }
    if (p.startsWith('/sse/')) return stream(p.slice(5), req, res, run);
    for (const [prefix, dir] of Object.entries(roots)) {
      if (!p.startsWith(prefix)) continue;
      const file = path.resolve(dir, decodeURIComponent(p.slice(prefix.length)));
      if (!file.startsWith(path.resolve(dir) + path.sep)) break;
      let body;
      try { body = fs.readFileSync(file); } catch { break; }
      if (run) run.files.add(file);
      res.writeHead(200, {
        'Content-Type': MIME[path.extname(file)] || 'application/octet-stream',
        'Cache-Control': 'no-store',
        'Cross-Origin-Resource-Policy': 'same-origin',
      });
      return res.end(body);
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  server.keepAliveTimeout = 2000;
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}); });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  const origin = `http://${HOST}:${server.address().port}`;

  function startSse(req, res) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      'Access-Control-Allow-Origin': '*',
      'Cross-Origin-Resource-Policy': 'cross-origin',
    });
    res.flushHeaders();
  }

  function stream(name, req, res, run) {
    const record = { name, start: epochNow(), hash: null, sent: 0, done: false };
    if (run) run.streams.push(record);
    let closed = false;
    res.on('close', () => { closed = true; });
    if (name === 'first') {
      // Start-up: one event at once, then stay open until the client leaves.
      startSse(req, res);
      res.write('retry: 60000\ndata: first\n\n');
      record.hash = hashEvent(HASH_SEED, 'message', 'first', '');
      record.sent = 1;
      return;
    }
    if (name === 'latency') {
      // One event every `interval` ms; each carries its send time, taken right before the write.
      startSse(req, res);
      let hash = HASH_SEED;
      let i = 0;
      const begin = performance.now();
      res.write('retry: 60000\n');
      const tick = () => {
        if (closed) return;
        const data = `${i} ${epochNow().toFixed(4)}`;
        res.write(`data: ${data}\n\n`);
        hash = hashEvent(hash, 'message', data, '');
        record.hash = hash;
        record.sent = ++i;
        if (i >= latency.events) { record.done = true; res.end(); return; }
        // Scheduled against the start, so that timer lateness does not accumulate.
        setTimeout(tick, Math.max(0, begin + i * latency.interval - performance.now()));
      };
      setTimeout(tick, latency.interval);
      return;
    }
    const w = workloads[name];
    if (!w) {
      res.writeHead(404);
      return res.end();
    }
    startSse(req, res);
    record.hash = w.hash;
    let at = 0;
    let k = 0;
    if (w.id === 'e') {
      // Tiny writes, one at a time: the next piece is written once the previous one has gone
      // to the kernel, so each (with Nagle off) leaves as its own segment.
      const next = () => {
        if (closed) return;
        // (When the last piece left: what a client that keeps pace delivers its last event right after.)
        if (k >= w.chunks.length) { record.done = true; record.end = epochNow(); res.end(); return; }
        const n = w.chunks[k++];
        const piece = w.body.subarray(at, at + n);
        at += n;
        res.write(piece, next);
      };
      next();
      return;
    }
    const pump = () => {
      while (!closed && k < w.chunks.length) {
        const n = w.chunks[k++];
        const piece = w.body.subarray(at, at + n);
        at += n;
        if (!res.write(piece)) { res.once('drain', pump); return; }
      }
      if (!closed) { record.done = true; res.end(); }
    };
    pump();
  }

  return {
    origin,
    /** Waits for the result the page with this token posts (or a timeout). */
    expect(token, timeoutMs) {
      let resolve;
      const promise = new Promise((r) => { resolve = r; });
      const run = { resolve, streams: [], files: new Set() };
      waiting.set(token, run);
      const timer = setTimeout(() => resolve({ ok: false, error: `no result within ${timeoutMs / 1000} s` }), timeoutMs);
      return promise.then((result) => {
        clearTimeout(timer);
        waiting.delete(token);
        return { result, streams: run.streams, files: [...run.files] };
      });
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

function tokenFromReferer(referer) {
  if (!referer) return null;
  try { return new URL(referer).searchParams.get('t'); } catch { return null; }
}

function collect(req, done) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
}
