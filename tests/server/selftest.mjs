#!/usr/bin/env node
// Self-test of tests/server/sse-server.mjs. Node built-ins only.  Run: node tests/server/selftest.mjs
// Exits 0 when every check passed, 1 otherwise (also when a test records no check, or none ran).

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { startServer } from './sse-server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVER = path.join(HERE, 'sse-server.mjs');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const watchdog = setTimeout(() => { console.error('selftest: TIMEOUT (15 s)'); process.exit(1); }, 15000);

let failures = 0;
let passes = 0;
function check(cond, msg, extra) {
  if (cond) { passes++; return; }
  failures++;
  console.error(`  FAIL: ${msg}${extra !== undefined ? ` -- got ${JSON.stringify(extra)}` : ''}`);
}
function eq(actual, expected, msg) {
  const ok = JSON.stringify(actual) === JSON.stringify(expected);
  check(ok, `${msg} (expected ${JSON.stringify(expected)})`, ok ? undefined : actual);
}

let BASE = '';
const u = (p) => BASE + p;

/**
 * Fetch `p` and read the body until `until(bytes)` is true, the body ends, errors, or `timeout` ms pass;
 * then abort. Returns { res, bytes, text, ended, error, reads, timedOut }.
 */
async function read(p, { until = () => false, timeout = 2000, headers, method, body, redirect } = {}) {
  const ac = new AbortController();
  const res = await fetch(p.startsWith('http') ? p : u(p), { headers, method, body, redirect, signal: ac.signal });
  const out = { res, bytes: Buffer.alloc(0), ended: false, error: null, reads: 0, timedOut: false };
  if (!res.body) { out.ended = true; out.text = ''; return out; }
  const reader = res.body.getReader();
  let timer;
  const timeoutP = new Promise((r) => { timer = setTimeout(() => r('timeout'), timeout); });
  try {
    for (;;) {
      if (until(out.bytes)) break;
      const r = await Promise.race([reader.read(), timeoutP]);
      if (r === 'timeout') { out.timedOut = true; break; }
      if (r.done) { out.ended = true; break; }
      out.reads++;
      out.bytes = Buffer.concat([out.bytes, Buffer.from(r.value)]);
    }
  } catch (e) {
    out.error = e;
  } finally {
    clearTimeout(timer);
    ac.abort();
    reader.cancel().catch(() => {});
  }
  out.text = out.bytes.toString('utf8');
  return out;
}

const count = (needle) => (b) => b.toString('utf8').split(needle).length - 1;
const hasEvents = (n) => (b) => count('\n\n')(b) >= n;

/** Minimal SSE parser (good enough for the server's own output). */
function parseEvents(text) {
  const events = [];
  for (const block of text.replace(/\r\n/g, '\n').split('\n\n').slice(0, -1)) {
    const ev = { id: null, event: null, data: [], retry: null };
    let any = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const f = i < 0 ? line : line.slice(0, i);
      let v = i < 0 ? '' : line.slice(i + 1);
      if (v.startsWith(' ')) v = v.slice(1);
      if (f === 'data') { ev.data.push(v); any = true; }
      else if (f === 'id') ev.id = v;
      else if (f === 'event') ev.event = v;
      else if (f === 'retry') ev.retry = v;
    }
    if (any) events.push({ id: ev.id, event: ev.event, data: ev.data.join('\n') });
  }
  return events;
}

async function getJson(p) {
  const r = await fetch(u(p));
  return r.json();
}

const corsNames = (res) => [...res.headers.keys()].filter((k) => k.startsWith('access-control-'));

// ---------------------------------------------------------------- tests

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test('stream: exact bytes, headers, minimal CORS', async () => {
  const r = await read('/stream?n=3&interval=20&ids=1&close=1&retry=100&type=t&key=s1');
  eq(r.res.status, 200, 'status');
  eq(r.res.headers.get('content-type'), 'text/event-stream', 'content-type');
  eq(r.res.headers.get('cache-control'), 'no-cache', 'cache-control');
  eq(corsNames(r.res), ['access-control-allow-origin'], 'only ACAO');
  eq(r.res.headers.get('access-control-allow-origin'), '*', 'ACAO *');
  check(r.ended && !r.error, 'close=1 ends cleanly', { ended: r.ended, error: String(r.error) });
  eq(await getJson('/open?key=s1&until=0&timeout=1000'), { open: 0 }, 'ended response no longer counted open');
  eq(r.text, 'retry: 100\nid: 1\nevent: t\ndata: tick 1\n\nid: 2\nevent: t\ndata: tick 2\n\nid: 3\nevent: t\ndata: tick 3\n\n', 'bytes');
});

test('stream: crlf + comment + start, no ids', async () => {
  const r = await read('/stream?n=2&interval=0&start=5&crlf=1&comment=1&close=1');
  eq(r.text, ': comment\r\ndata: tick 5\r\n\r\n: comment\r\ndata: tick 6\r\n\r\n', 'bytes');
});

test('stream: resume from Last-Event-ID header, query, header wins', async () => {
  const a = await read('/stream?n=2&interval=0&ids=1&close=1&key=s3', { headers: { 'Last-Event-ID': '7' } });
  eq(parseEvents(a.text).map((e) => e.id), ['8', '9'], 'header resume');
  const b = await read('/stream?n=2&interval=0&ids=1&close=1&key=s3&lastEventId=3');
  eq(parseEvents(b.text).map((e) => e.id), ['4', '5'], 'query resume');
  const c = await read('/stream?n=2&interval=0&ids=1&close=1&key=s3&lastEventId=3', { headers: { 'Last-Event-ID': '10' } });
  eq(parseEvents(c.text).map((e) => e.id), ['11', '12'], 'header wins over query');
  const log = await getJson('/log?key=s3');
  eq(log.map((e) => e.lastEventIdSource), ['header', 'query', 'header'], 'log records the source');
  eq(log.map((e) => e.lastEventIdUsed), ['7', '3', '10'], 'log records the value');
  eq(log[0].headers['last-event-id'], '7', 'log has lowercased headers');
});

test('stream: keep-open, interval timing, open count, disconnect seen', async () => {
  const t0 = Date.now();
  const r = await read('/stream?n=10&interval=60&ids=1&key=s4', { until: hasEvents(3) });
  const dt = Date.now() - t0;
  eq(parseEvents(r.text).map((e) => e.data), ['tick 1', 'tick 2', 'tick 3'], 'three events');
  check(dt >= 110, 'events are spaced by interval', dt);
  const after = await getJson('/open?key=s4&until=0&timeout=2000');
  eq(after, { open: 0 }, 'open goes to 0 after client abort');
  // n reached without close=1: stays open and silent.
  const r2 = await read('/stream?n=1&interval=0&key=s4b', { until: hasEvents(2), timeout: 250 });
  check(r2.timedOut && !r2.ended, 'stays open after n events', { ended: r2.ended });
  eq((await getJson('/open?key=s4b&until=0&timeout=2000')).open, 0, 'closed after abort');
});

test('open: counts a live stream', async () => {
  const ac = new AbortController();
  const res = await fetch(u('/stall?key=o1'), { signal: ac.signal });
  const reader = res.body.getReader();
  const first = await reader.read();
  eq(Buffer.from(first.value).toString(), ': hi\n\n', 'stall sends comment');
  eq(await getJson('/open?key=o1'), { open: 1 }, 'open = 1 while connected');
  const idle = await Promise.race([reader.read().then(() => 'data'), sleep(200).then(() => 'idle')]);
  eq(idle, 'idle', 'stall sends nothing more');
  ac.abort();
  eq(await getJson('/open?key=o1&until=0&timeout=2000'), { open: 0 }, 'open = 0 after abort');
});

/** A tiny reconnecting client: reads, reconnects with Last-Event-ID (header or query) until `want` events. */
async function reconnectingClient(pathBase, want, { viaQuery = false } = {}) {
  const events = [];
  const outcomes = [];
  let last = null;
  for (let conn = 0; conn < 20 && events.length < want; conn++) {
    let p = pathBase;
    const headers = {};
    if (last !== null) {
      if (viaQuery) p += `&lastEventId=${encodeURIComponent(last)}`;
      else headers['Last-Event-ID'] = last;
    }
    const need = want - events.length;
    const r = await read(p, { headers, until: (b) => parseEvents(b.toString()).length >= need, timeout: 1000 });
    const evs = parseEvents(r.text);
    events.push(...evs);
    if (evs.length) last = evs[evs.length - 1].id;
    outcomes.push(r.error ? 'error' : r.ended ? 'end' : 'open');
    if (r.timedOut) break; // idle open stream that will not deliver more: stop
  }
  return { events, outcomes };
}

test('drop: socket destroyed after N, resume by header until total', async () => {
  const { events, outcomes } = await reconnectingClient('/drop?after=3&total=7&interval=5&key=d1', 7);
  eq(events.map((e) => e.id), ['1', '2', '3', '4', '5', '6', '7'], 'all ids once, in order');
  eq(outcomes, ['error', 'error', 'open'], 'two network errors, then idle open');
  const log = await getJson('/log?key=d1');
  eq(log.map((e) => e.lastEventIdSource), [null, 'header', 'header'], 'resume source');
  eq(log.map((e) => e.resumeFrom), [1, 4, 7], 'resume points');
  eq(log.map((e) => e.outcome ?? null), ['drop', 'drop', null], 'server-side outcome');
  check(new Set(log.map((e) => e.conn)).size === 3, 'each attempt is a new TCP connection', log.map((e) => e.conn));
  const r = await read('/drop?after=3&total=7&key=d1x', { until: hasEvents(1) });
  check(r.text.startsWith('retry: 50\n'), 'default retry 50', r.text.slice(0, 20));
});

test('drop: resume by lastEventId query', async () => {
  const { events } = await reconnectingClient('/drop?after=2&total=5&interval=0&key=d2', 5, { viaQuery: true });
  eq(events.map((e) => e.id), ['1', '2', '3', '4', '5'], 'ids');
  const log = await getJson('/log?key=d2');
  eq(log.map((e) => e.lastEventIdSource), [null, 'query', 'query'], 'query source');
});

test('end: clean end after N, resume until total', async () => {
  const { events, outcomes } = await reconnectingClient('/end?after=2&total=5&interval=0&retry=10&key=e1', 5);
  eq(events.map((e) => e.id), ['1', '2', '3', '4', '5'], 'ids');
  eq(outcomes, ['end', 'end', 'open'], 'clean ends, then idle open');
  const r = await read('/end?after=2&total=5&retry=10&key=e1x', { until: hasEvents(1) });
  check(r.text.startsWith('retry: 10\n'), 'retry param', r.text.slice(0, 20));
});

test('echo: POST body and request headers', async () => {
  const r = await read('/echo?key=ec&close=1&lastEventId=q9&x=1', {
    method: 'POST',
    body: 'hello body',
    headers: {
      'Content-Type': 'text/plain', 'Last-Event-ID': 'h5', Accept: 'text/event-stream',
      'Cache-Control': 'no-store', Cookie: 'a=b', Origin: 'http://127.0.0.1:9',
    },
  });
  check(r.ended, 'close=1 ends');
  const [ev] = parseEvents(r.text);
  const d = JSON.parse(ev.data);
  eq([d.method, d.body, d.contentType, d.lastEventIdHeader, d.lastEventIdQuery, d.accept, d.cacheControl, d.cookie, d.origin],
    ['POST', 'hello body', 'text/plain', 'h5', 'q9', 'text/event-stream', 'no-store', 'a=b', 'http://127.0.0.1:9'], 'echo fields');
  eq(d.query, { key: 'ec', close: '1', lastEventId: 'q9', x: '1' }, 'echo query');
  const log = await getJson('/log?key=ec');
  eq([log[0].method, log[0].body, log[0].headers['content-type']], ['POST', 'hello body', 'text/plain'], 'log has body');
  const g = await read('/echo?key=ec2', { until: hasEvents(1), timeout: 500 });
  eq(JSON.parse(parseEvents(g.text)[0].data).method, 'GET', 'GET echo');
  check(!g.ended, 'echo stays open without close=1');
});

test('credentials: cred=1 reflects Origin; /credentials forces it; set-cookie', async () => {
  const o = 'http://127.0.0.1:1234';
  const a = await read('/echo?cred=1&close=1', { headers: { Origin: o } });
  eq(a.res.headers.get('access-control-allow-origin'), o, 'reflected origin');
  eq(a.res.headers.get('access-control-allow-credentials'), 'true', 'ACAC');
  const b = await read('/echo?cred=1&close=1');
  eq(b.res.headers.get('access-control-allow-origin'), '*', 'no Origin -> *');
  eq(b.res.headers.get('access-control-allow-credentials'), null, 'no Origin -> no ACAC');
  const c = await read('/echo?close=1', { headers: { Origin: o } });
  eq(corsNames(c.res), ['access-control-allow-origin'], 'without cred=1 only ACAO');
  eq(c.res.headers.get('access-control-allow-origin'), '*', 'without cred=1 -> *');
  const d = await read('/credentials?close=1', { headers: { Origin: o, Cookie: 'k=v' } });
  eq(d.res.headers.get('access-control-allow-origin'), o, '/credentials reflects');
  eq(JSON.parse(parseEvents(d.text)[0].data).cookie, 'k=v', '/credentials echoes cookie');
  const s = await fetch(u('/set-cookie?name=sid&value=abc&cred=1'), { headers: { Origin: o } });
  eq(s.headers.get('set-cookie'), 'sid=abc; Path=/', 'Set-Cookie');
  eq(s.headers.get('access-control-allow-credentials'), 'true', 'set-cookie honours cred=1');
  await s.text();
});

test('status: codes, body, Retry-After', async () => {
  const a = await fetch(u('/status?code=204'));
  eq([a.status, await a.text(), a.headers.get('access-control-allow-origin')], [204, '', '*'], '204');
  for (const code of [404, 500]) {
    const r = await fetch(u(`/status?code=${code}`));
    eq([r.status, await r.text(), r.headers.get('access-control-allow-origin')], [code, 'nope', '*'], String(code));
  }
  const c = await fetch(u('/status?code=503&retry_after=7'));
  eq([c.status, c.headers.get('retry-after'), await c.text()], [503, '7', 'nope'], '503 + Retry-After');
});

test('refuse: status, headers, body; expose; stall', async () => {
  const a = await fetch(u('/refuse'));
  eq([a.status, a.headers.get('x-reason'), a.headers.get('www-authenticate'), a.headers.get('content-type'), await a.text()],
    [401, 'token-expired', 'Bearer error="invalid_token"', 'application/json', '{"error":"token expired"}'], 'default 401');
  eq(a.headers.get('access-control-expose-headers'), null, 'nothing exposed by default');
  const b = await fetch(u('/refuse?code=403&body=ab&repeat=3&ctype=text/plain&expose=1'));
  eq([b.status, b.headers.get('content-type'), b.headers.get('access-control-expose-headers'), await b.text()],
    [403, 'text/plain', 'X-Reason, WWW-Authenticate', 'ababab'], '403, repeated body, exposed');
  const c = await read('/refuse?stall=1&body=partial&key=refuse-stall', { timeout: 300 });
  eq([c.res.status, c.text, c.ended, c.timedOut], [401, 'partial', false, true], 'stall: the body, then nothing');
});

test('ctype: given type and none', async () => {
  const a = await read('/ctype?type=text/plain&close=1');
  eq([a.res.status, a.res.headers.get('content-type'), a.text], [200, 'text/plain', 'data: x\n\n'], 'text/plain');
  const b = await read('/ctype?type=none&close=1');
  eq([b.res.headers.get('content-type'), b.text], [null, 'data: x\n\n'], 'none');
  const c = await read('/ctype?type=text/event-stream;%20charset=utf-8&close=1');
  eq(c.res.headers.get('content-type'), 'text/event-stream; charset=utf-8', 'with parameters');
  const d = await read('/ctype', { until: hasEvents(1), timeout: 300 });
  check(!d.ended, 'ctype keeps open without close=1');
});

test('redirect: codes, Location, ACAO, follow', async () => {
  for (const code of [301, 302, 307, 308]) {
    const r = await fetch(u(`/redirect?code=${code}&to=${encodeURIComponent('/echo?close=1&via=r')}`), { redirect: 'manual' });
    eq([r.status, r.headers.get('location'), r.headers.get('access-control-allow-origin')],
      [code, '/echo?close=1&via=r', '*'], `redirect ${code}`);
    await r.arrayBuffer();
  }
  const f = await read(`/redirect?code=307&to=${encodeURIComponent('/echo?close=1&via=r&key=rd')}&key=rd`);
  check(f.res.redirected && f.res.url.endsWith('/echo?close=1&via=r&key=rd'), 'followed', f.res.url);
  eq(JSON.parse(parseEvents(f.text)[0].data).query.via, 'r', 'reached target');
  eq((await getJson('/log?key=rd')).map((e) => e.path), ['/redirect', '/echo'], 'both logged');
  const bad = await fetch(u('/redirect?to=http://example.com/'));
  eq(bad.status, 400, 'foreign target refused');
  await bad.text();
});

test('raw: exact bytes in chunks', async () => {
  // BOM, "é" split across chunks, CR LF split, a lone CR.
  const bytes = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('data: caf'), Buffer.from([0xc3, 0xa9]),
    Buffer.from('\r\n\r\ndata: b\r\r'),
  ]);
  const t0 = Date.now();
  const r = await read(`/raw?b64=${bytes.toString('base64url')}&chunk=3&delay=10&close=1`);
  const dt = Date.now() - t0;
  check(r.bytes.equals(bytes), 'bytes identical', r.bytes.toString('hex'));
  check(r.ended, 'close=1 ends');
  check(dt >= 60, 'chunks are delayed', dt);
  check(r.reads >= 3, 'arrives in several reads', r.reads);
  const k = await read(`/raw?b64=${Buffer.from('data: k\n\n').toString('base64url')}`, { until: hasEvents(2), timeout: 200 });
  check(k.text === 'data: k\n\n' && !k.ended, 'raw keeps open by default', k.text);
});

test('longpoll: n events with ids, resume, then ends', async () => {
  const a = await read('/longpoll?key=lp');
  check(a.ended && !a.error, 'ends');
  eq(parseEvents(a.text).map((e) => [e.id, e.data]), [['1', 'tick 1'], ['2', 'tick 2'], ['3', 'tick 3']], 'first poll');
  const b = await read('/longpoll?n=2&key=lp', { headers: { 'Last-Event-ID': '3' } });
  eq(parseEvents(b.text).map((e) => e.id), ['4', '5'], 'header resume');
  const c = await read('/longpoll?n=2&key=lp&lastEventId=5');
  eq(parseEvents(c.text).map((e) => e.id), ['6', '7'], 'query resume');
  eq(c.res.headers.get('content-type'), 'text/event-stream', 'content-type');
  eq((await getJson('/log?key=lp')).map((e) => e.lastEventIdSource), [null, 'header', 'query'], 'log');
});

test('big: one unterminated data line of size bytes', async () => {
  const size = 300000;
  const r = await read(`/big?size=${size}&key=bg`, { until: (b) => b.length >= 6 + size, timeout: 3000 });
  eq(r.bytes.length, 6 + size, 'length');
  check(r.text.startsWith('data: xxx') && !r.text.includes('\n'), 'no line end');
  const more = await read(`/big?size=10`, { until: (b) => b.length > 16, timeout: 200 });
  check(more.timedOut && more.text === 'data: xxxxxxxxxx', 'stays open, no eol', more.text);
  eq((await getJson('/open?key=bg&until=0')).open, 0, 'closed after abort');
});

// How fast the burst arrives is the machine's business (the benchmark's, not a test's): what the
// server guarantees is all n events, in order, in one response that stays open.
test('burst: n events, then the stream stays open', async () => {
  const n = 20000;
  const size = 32;
  const r = await read(`/burst?n=${n}&size=${size}`, { until: hasEvents(n), timeout: 5000 });
  const evs = parseEvents(r.text);
  eq(evs.length, n, 'count');
  eq([evs[0].id, evs[n - 1].id, evs[n - 1].data.length], ['1', String(n), size], 'ids and size');
  check(evs.every((e, i) => e.id === String(i + 1)), 'ids 1..n, each once, in order');
  check(!r.ended, 'stays open');
});

test('OPTIONS: 405, no CORS headers, logged', async () => {
  const r = await fetch(u('/stream?key=op'), { method: 'OPTIONS', headers: { Origin: 'http://127.0.0.1:1', 'Access-Control-Request-Method': 'GET' } });
  eq(r.status, 405, 'status');
  eq(corsNames(r), [], 'no CORS headers');
  await r.text();
  const log = await getJson('/log?key=op');
  eq(log.map((e) => [e.method, e.path]), [['OPTIONS', '/stream']], 'logged');
  eq(log[0].headers['access-control-request-method'], 'GET', 'preflight headers logged');
});

test('HEAD probe: no step taken; on /seq after a net step, a socket closed before any byte', async () => {
  const outcome = (p, init) => fetch(u(p), init).then(async (r) => `${r.status} ${(await r.arrayBuffer()).byteLength}`, (e) => `error ${e.name}`);
  const url = '/seq?steps=end,net&n=1&hold=0&key=hp';
  eq(await outcome(url, { method: 'HEAD' }), '200 0', 'HEAD before any step: 200, no body');
  eq(await outcome(url), '200 ' + 'id: 1\ndata: tick 1\n\n'.length, 'GET: the first step (end) all the same');
  eq(await outcome(url), 'error TypeError', 'GET: the net step is a network error');
  // Raw, since what counts is that no byte comes: WebKit takes the net step's broken head for a
  // valid answer to a HEAD.
  const raw = await new Promise((resolve, reject) => {
    const sock = net.connect(Number(new URL(BASE).port), '127.0.0.1', () => sock.write(`HEAD ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
    let got = '';
    sock.setEncoding('latin1').on('data', (c) => { got += c; });
    sock.on('error', () => {}).on('close', () => resolve(got));
    setTimeout(() => { sock.destroy(); reject(new Error('the socket stayed open 2 s')); }, 2000).unref();
  });
  eq(raw, '', 'HEAD after the net step: the socket closed before any byte');
  const log = await getJson('/log?key=hp');
  eq(log.filter((e) => e.method === 'GET').map((e) => e.step), ['end', 'net'], 'the GETs took the steps');
  check(log.filter((e) => e.method === 'HEAD').every((e) => e.step === undefined), 'no HEAD took a step', JSON.stringify(log));
});

test('log: clear, control endpoints not logged, 404, page', async () => {
  await (await fetch(u('/stream?n=1&interval=0&close=1&key=lg'))).text();
  const a = await fetch(u('/log?key=lg&clear=1'));
  eq(a.headers.get('access-control-allow-origin'), '*', 'log ACAO');
  eq((await a.json()).length, 1, 'one entry (log/open not logged)');
  eq(await getJson('/log?key=lg'), [], 'cleared');
  const nf = await fetch(u('/nope'));
  eq([nf.status, nf.headers.get('access-control-allow-origin')], [404, '*'], '404');
  await nf.text();
  const pg = await fetch(u('/page'));
  check(pg.headers.get('content-type').startsWith('text/html') && (await pg.text()).includes('sse-test'), 'page');
});

/** The status code of a request sent byte for byte (no client normalises the target), or null. */
function rawStatus(port, target) {
  return new Promise((resolve) => {
    let text = '';
    const sock = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => sock.destroy(), 3000);
    sock.on('connect', () => sock.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`));
    sock.on('data', (c) => { text += c.toString('latin1'); });
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text });
    });
  });
}

test('static files: hostile paths get a 4xx, nothing outside the root, the server goes on', async () => {
  // In this process: a throw that escaped the server would end the self-test itself.
  const srv = await startServer({ port: 0, files: { '/files/': HERE } });
  try {
    const ok = await rawStatus(srv.port, '/files/README.md');
    eq(ok.status, 200, 'a file below the root is served');
    const cases = [
      ['/files/a%00b', 400], ['/files/README.md%00', 400], ['/files/a%0d%0ab', 400],
      ['/files/%', 400], ['/files/%zz', 400], ['/files/%E0%A4%A', 400], ['/files/%C0%AF', 400],
      ['/files/..%2f..%2fCargo.toml', 403], ['/files/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd', 403],
      ['/files/%2e%2e/%2e%2e/Cargo.toml', 404], ['/files/../../Cargo.toml', 404],
      ['/files/..%5c..%5cCargo.toml', 404], ['/files/', 404], [`/files/${'a'.repeat(300)}`, 404],
      ['//', 400], ['//[', 400], ['//a:b@', 400],
    ];
    const secret = fs.readFileSync(path.join(HERE, '../../Cargo.toml'), 'utf8').match(/^name = .*$/m)[0];
    for (const [target, status] of cases) {
      const r = await rawStatus(srv.port, target);
      eq(r.status, status, `GET ${target}`);
      check(!r.text.includes(secret) && !r.text.includes('root:x:0:0'), `GET ${target}: nothing from outside the root`);
      eq((await rawStatus(srv.port, '/files/README.md')).status, 200, `still serving after GET ${target}`);
    }
  } finally {
    await srv.close();
  }
});

// ---------------------------------------------------------------- process-level tests

async function spawnServer(args) {
  const child = spawn(process.execPath, [SERVER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const line = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no LISTENING line')), 3000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) { clearTimeout(t); resolve(out.split('\n')[0]); }
    });
    child.on('exit', (c) => { clearTimeout(t); reject(new Error(`exited ${c}`)); });
  });
  child.stdout.on('data', (d) => { out += d; });
  return { child, line, out: () => out };
}

async function exitWithin(child, ms) {
  if (child.exitCode !== null) return child.exitCode;
  const r = await Promise.race([once(child, 'exit').then(([c, s]) => c ?? s), sleep(ms).then(() => 'timeout')]);
  if (r === 'timeout') child.kill('SIGKILL');
  return r;
}

test('CLI: LISTENING line, --ports, SIGTERM with open stream', async () => {
  const { child, line, out } = await spawnServer(['--port', '0', '--ports', '1']);
  check(/^LISTENING http:\/\/127\.0\.0\.1:\d+$/.test(line), 'LISTENING line', line);
  const port = Number(line.split(':').pop());
  const r1 = await fetch(`http://127.0.0.1:${port + 1}/status?code=500`);
  eq(r1.status, 500, 'extra port serves');
  await r1.text();
  const ac = new AbortController();
  const res = await fetch(`http://127.0.0.1:${port}/stall`, { signal: ac.signal });
  await res.body.getReader().read();
  child.kill('SIGTERM');
  eq(await exitWithin(child, 2000), 0, 'exit 0 on SIGTERM despite open stream');
  eq(out(), `${line}\n`, 'exactly one stdout line');
  ac.abort();
});

test('CLI: SIGINT; --exit-on-stdin-close', async () => {
  const a = await spawnServer(['--port=0']);
  a.child.kill('SIGINT');
  eq(await exitWithin(a.child, 2000), 0, 'exit 0 on SIGINT');
  const b = await spawnServer(['--port', '0', '--exit-on-stdin-close']);
  b.child.stdin.end();
  eq(await exitWithin(b.child, 2000), 0, 'exit 0 when stdin closes');
  const c = await spawnServer(['--port', '0']);
  c.child.stdin.end();
  eq(await exitWithin(c.child, 300), 'timeout', 'without the flag stdin close is ignored');
});

test('CLI: a mistyped flag, a flag without its value, a stray argument: exit 2, the message names it', async () => {
  for (const [args, named] of [[['--port', '0', '--prots', '1'], "'--prots'"], [['--port'], "'--port <value>'"], [['--port', '0', 'extra'], "'extra'"], [['--port', 'x'], '--port']]) {
    const child = spawn(process.execPath, [SERVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
    const code = await exitWithin(child, 3000);
    eq([code, out], [2, ''], `${args.join(' ')}: exit code, nothing on stdout (no LISTENING)`);
    check(err.includes(named) && err.includes('usage:'), `${args.join(' ')}: stderr names ${named} and shows the usage`, err);
  }
});

// A stream that never ends would keep a plain server.close() waiting for ever (the watchdog would
// fail the run): close() must end it itself. How long that takes is not a test's to time.
test('startServer: close() ends idle streams', async () => {
  const srv = await startServer({ port: 0 });
  const ac = new AbortController();
  const res = await fetch(`${srv.url}/stream?n=1&interval=0`, { signal: ac.signal });
  const reader = res.body.getReader();
  await reader.read();
  await srv.close();
  const r = await reader.read().then((x) => (x.done ? 'done' : 'data'), () => 'error');
  check(r === 'error' || r === 'done', 'client sees the stream end', r);
  ac.abort();
});

// ---------------------------------------------------------------- run

const srv = await startServer({ port: 0 });
BASE = srv.url;
console.log(`selftest: server at ${BASE}`);
const t0 = Date.now();
for (const { name, fn } of tests) {
  const before = failures;
  const checksBefore = passes + failures;
  const ts = Date.now();
  try { await fn(); }
  catch (e) { failures++; console.error(`  FAIL: threw ${e && e.stack}`); }
  // A test that checks nothing would pass unseen.
  if (passes + failures === checksBefore) { failures++; console.error('  FAIL: the test recorded no check'); }
  console.log(`${failures === before ? 'ok  ' : 'FAIL'} ${name} (${Date.now() - ts} ms)`);
}
if (!tests.length || passes === 0) { failures++; console.error('  FAIL: no test passed a check'); }
await srv.close();
clearTimeout(watchdog);
console.log(`selftest: ${passes} checks passed, ${failures} failed, ${tests.length} tests, ${Date.now() - t0} ms`);
process.exit(failures ? 1 : 0);
