// The option cases of eventsource-wasm (README "Beyond the standard"), run in a real browser
// against the real SSE test server (tests/server/sse-server.mjs) by tests/options/run.mjs.
//
// A page (index.html) imports the built package and calls `install(EventSource, EventSourceErrorEvent)`:
//   window.__listCases()  [{ name, browsers }]
//   window.__run(name)    { ok, error, log, ms, pageErrors }: runs one case (the runner gives each
//                         case a fresh page)
//   window.__tab          helpers for the cross-tab sharing case, which the runner drives itself.
//
// The page URL carries the runner's settings: ?b=<origin B>&c=<origin C, /seq only>
// &dead=<origin where nothing listens>&browser=<chromium|firefox|webkit>&run=<id>.
// Server state is checked through the server itself: /log and /logwait (what was sent: method,
// headers, body, query, Last-Event-ID), /open?until=N (which connections are still open).

import { AssertionError, assert as ok, assertions, dropCarrierFallback, eq, show } from '../lib/page-helpers.js';

const params = new URLSearchParams(location.search);
const A = location.origin;
const B = params.get('b') || '';
const C = params.get('c') || '';
const DEAD = params.get('dead') || '';
const BROWSER = params.get('browser') || '';
const RUN = params.get('run') || `r${Math.random().toString(36).slice(2, 8)}`;

// Where the engines differ in a way page code sees (the cases name the difference):
// WebKit (2.50) has no byte streams: no ReadableStreamBYOBReader, and new ReadableStream({ type: 'bytes' }) throws.
const BYTE_STREAMS = BROWSER !== 'webkit';
// A chunked response whose connection is cut before its last chunk is a network error in Chromium
// and Firefox; WebKit ends the body normally (fetch: done; XHR: load), so the source sees the end
// of the stream, status 200.
const CUT_CHUNKED = BROWSER === 'webkit' ? 'error end-of-stream 200 @0 50' : 'error network 0 @0 50';

let ES;
let ErrorEvent_;

// ------------------------------------------------------------------------------------ asserts

function within(value, lo, hi, message) {
  if (!(typeof value === 'number' && value >= lo && value <= hi)) {
    throw new AssertionError(`${message}: expected a number in [${lo}, ${hi}], got ${show(value)}`);
  }
}

function throwsType(f, what, mention) {
  let value;
  try {
    value = f();
  } catch (e) {
    ok(e instanceof TypeError, `${what}: expected a TypeError, got ${e && e.name}: ${e && e.message}`);
    if (mention) ok(String(e.message).includes(mention), `${what}: the TypeError should mention '${mention}': ${e.message}`);
    return e;
  }
  try {
    value?.close?.();
  } catch {
    /* ignore */
  }
  throw new AssertionError(`${what}: did not throw`);
}

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
const b64url = (s) => btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Only where an absence must be checked: wait a bounded time (each call says why it is long enough). */
const quiet = (ms) => new Promise((r) => setTimeout(r, ms));

async function getJson(url) {
  const r = await fetch(url, { cache: 'no-store' });
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return r.json();
}

/** Emulates the page being hidden or shown (Playwright and WebDriver cannot hide a page). */
function setVisibility(state) {
  if (state === null) {
    delete document.visibilityState;
    delete document.hidden;
  } else {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
  }
  document.dispatchEvent(new Event('visibilitychange'));
}

// ----------------------------------------------------------------------------- the case context

/** A compact signature of a log entry, for assertions on sequences. */
function sig(e) {
  if (e.type === 'open') return `open@${e.rs}`;
  if (e.type === 'error') return `error ${e.reason} ${e.status} @${e.rs} ${e.delay}`;
  return `${e.type} #${e.id}`;
}

function brief(e) {
  const extra = e.type === 'error' ? ` statusText=${show(e.statusText)}` : e.type === 'open' ? '' : ` ${show(String(e.data).slice(0, 60))}`;
  return `${String(e.t).padStart(5)} ms  ${e.src}: ${sig(e)}${extra}`;
}

class Context {
  constructor(name) {
    this.name = name;
    this.log = [];
    this.sources = [];
    this.waiters = new Set();
    this.t0 = performance.now();
    this.keys = 0;
    this.nonce = Math.random().toString(36).slice(2, 8);
  }

  now() {
    return Math.round(performance.now() - this.t0);
  }

  /** A server log key unique to this run, case and call. */
  key(suffix = '') {
    this.keys += 1;
    this.usedKeys = this.usedKeys || [];
    this.usedKeys.push(`${RUN}-${this.name.replace(/[^a-zA-Z0-9]+/g, '_').slice(0, 40)}-${this.nonce}-${this.keys}${suffix}`);
    return `${RUN}-${this.name.replace(/[^a-zA-Z0-9]+/g, '_').slice(0, 40)}-${this.nonce}-${this.keys}${suffix}`;
  }

  /** new EventSource(url[, options]), recorded under `label` (open, message, error and `types`). */
  source(url, options, label = 'es', types = []) {
    const es = options === undefined ? new ES(url) : new ES(url, options);
    this.sources.push(es);
    this.watch(es, label, types);
    return es;
  }

  watch(es, label, types = []) {
    for (const type of ['open', 'message', 'error', ...types]) {
      es.addEventListener(type, (ev) => {
        const entry = { src: label, type: ev.type, rs: es.readyState, t: this.now(), ev };
        if (ev.type === 'error') {
          Object.assign(entry, { reason: ev.reason, status: ev.status, statusText: ev.statusText, delay: ev.reconnectDelay });
        } else if (ev.type !== 'open') {
          Object.assign(entry, { data: ev.data, id: ev.lastEventId });
        }
        this.push(entry);
      });
    }
  }

  push(entry) {
    this.log.push(entry);
    for (const w of [...this.waiters]) w();
  }

  of(label) {
    return this.log.filter((e) => e.src === label);
  }

  sigs(label) {
    return this.of(label).map(sig);
  }

  msgs(label, type = 'message') {
    return this.of(label).filter((e) => e.type === type);
  }

  ids(label, type = 'message') {
    return this.msgs(label, type).map((e) => e.id);
  }

  errors(label) {
    return this.of(label).filter((e) => e.type === 'error');
  }

  opens(label) {
    return this.of(label).filter((e) => e.type === 'open');
  }

  /** Resolves when `pred()` holds, checked at once and after every recorded event. */
  until(pred, what, ms = 5000) {
    return new Promise((resolve, reject) => {
      let timer;
      const check = () => {
        let v;
        try {
          v = pred();
        } catch (e) {
          this.waiters.delete(check);
          clearTimeout(timer);
          reject(e);
          return;
        }
        if (v) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve(v);
        }
      };
      timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new AssertionError(`timed out after ${ms} ms waiting for: ${what}`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves after a callback-style condition (a promise) or fails after `ms`. */
  async within(promise, what, ms = 5000) {
    let timer;
    try {
      return await Promise.race([
        promise,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new AssertionError(`timed out after ${ms} ms: ${what}`)), ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The server's request log for `key`. */
  /** The server's log for `key`, without the cross-origin fallback for the last event ID (see dropCarrierFallback). */
  async serverLog(key) {
    return dropCarrierFallback(await this.rawLog(key));
  }

  rawLog(key) {
    return getJson(`${A}/log?key=${encodeURIComponent(key)}`);
  }

  /** The server's log for `key` once it has at least `n` entries (fails after `ms`). */
  async waitLog(key, n, ms = 3000, path = '') {
    const log = await getJson(`${A}/logwait?key=${encodeURIComponent(key)}&n=${n}&timeout=${ms}${path ? `&path=${encodeURIComponent(path)}` : ''}`);
    ok(log.length >= n, `the server should have logged ${n} requests for ${key} within ${ms} ms, it has ${log.length}: ${show(log.map((r) => `${r.method} ${r.path}`))}`);
    return log;
  }

  /** Waits (server side) until `key` has `until` open SSE responses; returns the count then. */
  async openCount(key, until, ms = 3000) {
    const r = await getJson(`${A}/open?key=${encodeURIComponent(key)}&until=${until}&timeout=${ms}`);
    return r.open;
  }

  /** A request to the runner (Chromium only; undefined elsewhere). */
  hook(name, arg) {
    if (typeof window.__runnerHook !== 'function') throw new Error(`no runner hook '${name}' in ${BROWSER}`);
    return window.__runnerHook(name, arg);
  }

  closeAll() {
    for (const es of this.sources) {
      try {
        es.close();
      } catch {
        /* ignore */
      }
    }
  }

  describe() {
    return this.log.map(brief);
  }
}

// ------------------------------------------------------------------------------------ the cases

const cases = new Map();
/** Defines a case; `browsers` limits where it runs, `timeout` is the page's limit for it. */
function def(name, fn, { browsers = null, timeout = 12_000 } = {}) {
  if (cases.has(name)) throw new Error(`duplicate case ${name}`);
  cases.set(name, { name, fn, browsers, timeout });
}

/** The options selecting `tr` for the iteration cases: none at all for native, the standard's path. */
const pick = (tr) => (tr === 'native' ? undefined : { transport: tr });

// ---------------------------------------------------------------- request: headers

def('headers: an object, a Headers and pairs are sent (cross-origin: after a preflight)', async (t) => {
  const [k1, k2, k3] = [t.key(), t.key(), t.key()];
  const a = t.source(`${A}/echo?key=${k1}`, { headers: { Authorization: 'Bearer abc', 'X-Trace': 'one' } }, 'object');
  const b = t.source(`${B}/echo?cors=full&key=${k2}`, { headers: new Headers({ Authorization: 'Bearer def' }) }, 'Headers');
  const c = t.source(`${A}/echo?key=${k3}`, { headers: [['X-Pair', 'p'], ['Authorization', 'Bearer ghi']] }, 'pairs');
  for (const es of [a, b, c]) eq(es.transport, 'fetch', 'a headers option selects our fetch transport');
  await t.until(() => ['object', 'Headers', 'pairs'].every((l) => t.msgs(l).length), 'one echo on each source');
  const echo = (l) => JSON.parse(t.msgs(l)[0].data);
  const ea = echo('object');
  eq([ea.headers.authorization, ea.headers['x-trace'], ea.accept], ['Bearer abc', 'one', 'text/event-stream'], 'object: headers sent');
  const eb = echo('Headers');
  eq([eb.headers.authorization, eb.origin], ['Bearer def', A], 'Headers (cross-origin): Authorization sent');
  const eC = echo('pairs');
  eq([eC.headers['x-pair'], eC.headers.authorization], ['p', 'Bearer ghi'], 'pairs: headers sent');
  const logB = await t.serverLog(k2);
  eq(logB.map((r) => r.method), ['OPTIONS', 'GET'], 'cross-origin with a custom header: a preflight, then the request');
  eq(logB[0].headers['access-control-request-headers'], 'authorization', 'the preflight asks for the Authorization header');
  for (const l of ['object', 'Headers', 'pairs']) eq(t.errors(l).length, 0, `${l}: no error`);
});

def('headers: an async function is called before every connect and reconnect with {lastEventId, attempt, url}; the refreshed token is sent (the cut connection: error reason network; in WebKit end-of-stream, it ends a cut chunked body normally)', async (t) => {
  const k = t.key();
  // The first connection ends in a reset 300 ms after its two events: usually both arrive
  // first, but a reset can take with it what the browser had not handed over yet (the source
  // then resumes from an earlier id), so the checks below take the split from the events.
  const url = `${A}/seq?steps=sse,open&n=2&retry=50&hold=300&key=${k}`;
  const calls = [];
  t.source(url, {
    headers: async (info) => {
      calls.push({ ...info });
      await new Promise((r) => setTimeout(r, 30)); // a token refresh takes time
      return { Authorization: `Bearer token-${calls.length}` };
    },
  });
  const afterReopen = () => t.sigs('es').slice(t.sigs('es').indexOf('open@1', 1) + 1);
  await t.until(() => t.sigs('es').indexOf('open@1', 1) > 0 && afterReopen().length >= 2, 'the reconnect and its two events');
  const sigs = t.sigs('es');
  const before = sigs.indexOf('open@1', 1) - 2; // events of the first connection, before its error
  const ids = t.ids('es');
  eq(ids, range(1, before + 2), 'ids 1.. exactly once, in order');
  eq(sigs, ['open@1', ...ids.slice(0, before).map((i) => `message #${i}`), CUT_CHUNKED, 'open@1', ...ids.slice(before).map((i) => `message #${i}`)], 'events');
  const last = before ? String(before) : '';
  eq(calls, [{ lastEventId: '', attempt: 0, url }, { lastEventId: last, attempt: 1, url }], 'what the function was told');
  const log = await t.serverLog(k);
  eq(log.map((r) => [r.method, r.headers.authorization, r.headers['last-event-id'] ?? null]),
    [['GET', 'Bearer token-1', null], ['GET', 'Bearer token-2', last || null]], 'requests: a fresh token each time, the last event ID on the reconnect');
});

def('headers: a function that throws or rejects is a failed attempt (error reason network, the policy reconnects)', async (t) => {
  const k = t.key();
  const calls = [];
  t.source(`${A}/echo?key=${k}`, {
    reconnect: { delay: 50, backoff: 1, jitter: 0 },
    headers: (info) => {
      calls.push(info.attempt);
      if (calls.length === 1) throw new Error('no token yet');
      if (calls.length === 2) return Promise.reject(new Error('token refresh failed'));
      return { Authorization: 'Bearer finally' };
    },
  });
  await t.until(() => t.msgs('es').length >= 1, 'the echo after two failed attempts');
  eq(t.sigs('es'), ['error network 0 @0 50', 'error network 0 @0 50', 'open@1', 'message #'], 'events');
  eq(calls, [0, 1, 2], 'attempt numbers the function saw');
  const log = await t.serverLog(k);
  eq(log.map((r) => r.headers.authorization), ['Bearer finally'], 'only the third attempt reached the server');
});

// ---------------------------------------------------------------- request: method, body

def('method POST with a string, URLSearchParams and FormData body: sent again on every reconnect', async (t) => {
  const [k1, k2, k3] = [t.key(), t.key(), t.key()];
  const drop = (k) => `${A}/seq?steps=end,open&n=2&retry=50&key=${k}`;
  const fd = new FormData();
  fd.append('field', 'value-1');
  const s = t.source(drop(k1), { method: 'POST', body: '{"prompt":"hi"}', headers: { 'Content-Type': 'application/json' } }, 'string');
  t.source(drop(k2), { method: 'POST', body: new URLSearchParams({ a: '1', b: 'two words' }) }, 'params');
  t.source(drop(k3), { method: 'post', body: fd }, 'form');
  eq(s.transport, 'fetch', 'transport');
  await t.until(() => ['string', 'params', 'form'].every((l) => t.msgs(l).length >= 4), 'events 1..4 on every source');
  for (const l of ['string', 'params', 'form']) eq(t.ids(l), range(1, 4), `${l}: ids`);
  const [l1, l2, l3] = await Promise.all([k1, k2, k3].map((k) => t.serverLog(k)));
  for (const [name, log] of [['string', l1], ['params', l2], ['form', l3]]) {
    eq(log.map((r) => [r.method, r.headers['last-event-id'] ?? null]), [['POST', null], ['POST', '2']], `${name}: requests`);
  }
  eq(l1.map((r) => [r.body, r.headers['content-type']]), Array(2).fill(['{"prompt":"hi"}', 'application/json']), 'string body, both times');
  eq(l2.map((r) => r.body), ['a=1&b=two+words', 'a=1&b=two+words'], 'URLSearchParams body, both times');
  ok(l2.every((r) => r.headers['content-type'].startsWith('application/x-www-form-urlencoded')), `URLSearchParams content type: ${l2[0].headers['content-type']}`);
  ok(l3.every((r) => r.headers['content-type'].startsWith('multipart/form-data; boundary=')), `FormData content type: ${l3[0].headers['content-type']}`);
  ok(l3.every((r) => r.body.includes('name="field"') && r.body.includes('value-1')), `FormData body, both times: ${show(l3.map((r) => r.body))}`);
});

// ---------------------------------------------------------------- request: credentials

def("credentials: 'include' sends the cookie cross-origin, 'same-origin' does not; 'omit' leaves it out same-origin", async (t) => {
  const name = `optcookie_${t.nonce}`;
  await fetch(`${A}/set-cookie?name=${name}&value=yes`, { cache: 'no-store' });
  try {
    const ks = [t.key(), t.key(), t.key(), t.key(), t.key()];
    t.source(`${B}/echo?cred=1&cors=full&key=${ks[0]}`, { credentials: 'include' }, 'include');
    t.source(`${B}/echo?cred=1&cors=full&key=${ks[1]}`, { credentials: 'same-origin' }, 'same-origin');
    const wc = t.source(`${B}/echo?cred=1&key=${ks[2]}`, { withCredentials: true, transport: 'fetch' }, 'withCredentials');
    t.source(`${A}/echo?key=${ks[3]}`, { credentials: 'omit' }, 'omit');
    t.source(`${A}/echo?key=${ks[4]}`, { credentials: 'same-origin' }, 'same-origin, same origin');
    const labels = ['include', 'same-origin', 'withCredentials', 'omit', 'same-origin, same origin'];
    await t.until(() => labels.every((l) => t.msgs(l).length), 'one echo on each source');
    const cookie = (l) => JSON.parse(t.msgs(l)[0].data).cookie;
    const has = (l) => (cookie(l) || '').split(/;\s*/).includes(`${name}=yes`);
    eq(labels.map((l) => [l, has(l)]), [['include', true], ['same-origin', false], ['withCredentials', true], ['omit', false], ['same-origin, same origin', true]], 'cookie sent?');
    eq(cookie('omit'), null, "'omit': no Cookie header at all");
    eq(wc.withCredentials, true, 'withCredentials attribute');
  } finally {
    await fetch(`${A}/set-cookie?name=${name}&value=gone&max_age=0`, { cache: 'no-store' });
  }
});

// ---------------------------------------------------------------- request: custom fetch

def('fetch: a custom fetch is called for every connect and its Response is used', async (t) => {
  const k = t.key();
  const url = `${A}/seq?steps=end,open&n=2&retry=50&key=${k}`;
  const calls = [];
  const es = t.source(url, {
    fetch: (input, init) => {
      calls.push({ input: String(input), method: init.method, lastEventId: new Headers(init.headers).get('last-event-id'), signal: init.signal instanceof AbortSignal });
      return fetch(input, init);
    },
  }, 'wrapped');
  eq(es.transport, 'fetch', 'transport');
  await t.until(() => t.msgs('wrapped').length >= 4, 'events 1..4');
  eq(t.ids('wrapped'), range(1, 4), 'ids');
  eq(calls, [{ input: url, method: 'GET', lastEventId: null, signal: true }, { input: url, method: 'GET', lastEventId: '2', signal: true }], 'calls of the custom fetch');
  eq((await t.serverLog(k)).length, 2, 'requests at the server');

  // A Response made up by the application: nothing reaches the server.
  const k2 = t.key();
  const seen = [];
  const fake = t.source(`${A}/never?key=${k2}`, {
    fetch: (input, init) => {
      seen.push(new Headers(init.headers).get('last-event-id'));
      return Promise.resolve(new Response('retry: 50\nid: 7\ndata: made up\n\n', { headers: { 'Content-Type': 'text/event-stream' } }));
    },
  }, 'fake');
  await t.until(() => t.msgs('fake').length >= 2, 'the made-up event, twice (the body ends, the source reconnects)');
  fake.close();
  eq(t.sigs('fake').slice(0, 5), ['open@1', 'message #7', 'error end-of-stream 200 @0 50', 'open@1', 'message #7'], 'events of the made-up responses');
  eq(t.msgs('fake')[0].data, 'made up', 'data');
  eq(seen.slice(0, 2), [null, '7'], 'the reconnect through the custom fetch carried the last event ID');
  eq((await t.serverLog(k2)).length, 0, 'nothing reached the server');
});

def('fetch: a byte-stream body is read into a buffer handed back and forth (BYOB), doubled while reads fill it; any other body, and every body in WebKit (no byte streams there), with the default reader', async (t) => {
  eq([typeof globalThis.ReadableStreamBYOBReader, typeof globalThis.ReadableByteStreamController], BYTE_STREAMS ? ['function', 'function'] : ['undefined', 'undefined'],
    `${BROWSER} has byte streams (ReadableStreamBYOBReader, ReadableByteStreamController)`);
  // How the source reads a body: the reader's mode, and for BYOB the size of every view it
  // passes to read().
  const watch = (res, log) => {
    const getReader = res.body.getReader;
    res.body.getReader = function (options) {
      const reader = getReader.call(this, options); // throws for BYOB on a default stream
      const entry = { mode: (options && options.mode) || 'default', views: [] };
      log.push(entry);
      if (entry.mode === 'byob') {
        const read = reader.read;
        reader.read = function (view) {
          entry.views.push(view.byteLength);
          return read.call(this, view);
        };
      }
      return reader;
    };
    return res;
  };
  const KIB = 1024;
  const sizes = [16, 32, 64, 128, 256].map((k) => k * KIB);

  // From the server: 3,000 events of 100 bytes (~340 KB), then one 200 KB event.
  const log = [];
  const burst = t.source(`${A}/burst?n=3000&size=100`, { fetch: async (i, o) => watch(await fetch(i, o), log) }, 'burst');
  await t.until(() => t.msgs('burst').length >= 3000, '3000 events');
  burst.close();
  eq(t.ids('burst'), range(1, 3000), 'every id, in order');
  ok(t.msgs('burst').every((m) => m.data === 'x'.repeat(100)), 'every event has its 100 bytes of data');
  const bigLog = [];
  const big = t.source(`${A}/big?size=200000&eol=1`, { fetch: async (i, o) => watch(await fetch(i, o), bigLog) }, 'big');
  await t.until(() => t.msgs('big').length >= 1, 'the big event');
  big.close();
  eq(t.msgs('big')[0].data.length, 200000, 'big event: length');
  ok(/^x*$/.test(t.msgs('big')[0].data), 'big event: nothing but the x the server sent');
  for (const [name, l] of [['burst', log], ['big', bigLog]]) {
    eq(l.map((e) => e.mode), [BYTE_STREAMS ? 'byob' : 'default'], `${name}: one reader, ${BYTE_STREAMS ? 'BYOB' : 'the default one'}`);
    if (!BYTE_STREAMS) continue;
    const v = l[0].views;
    ok(v.length >= 3 && v[0] === 16 * KIB, `${name}: several reads, the first into 16 KiB: ${v}`);
    ok(v.every((x, k) => sizes.includes(x) && (k === 0 || x === v[k - 1] || x === 2 * v[k - 1])), `${name}: each read's buffer the last one's or twice it, at most 256 KiB: ${v}`);
  }

  // A byte stream with 1 MB waiting: every read fills its buffer, so it doubles up to 256 KiB.
  // (WebKit cannot make one.)
  if (!BYTE_STREAMS) {
    let made = 'made';
    try {
      new ReadableStream({ type: 'bytes' }); // eslint-disable-line no-new
    } catch (e) {
      made = e.name;
    }
    eq(made, 'TypeError', `${BROWSER}: new ReadableStream({ type: 'bytes' })`);
  }
  const byteLog = [];
  const payload = new TextEncoder().encode(`data: ${'y'.repeat(1 << 20)}\n\n`);
  if (BYTE_STREAMS) {
    const bytes = t.source(`${A}/never`, {
      fetch: () => Promise.resolve(watch(new Response(new ReadableStream({
        type: 'bytes',
        start(c) {
          c.enqueue(payload.slice());
          c.close();
        },
      }), { headers: { 'Content-Type': 'text/event-stream' } }), byteLog)),
    }, 'bytes');
    await t.until(() => t.msgs('bytes').length >= 1, 'the 1 MB event');
    bytes.close();
    eq(t.msgs('bytes')[0].data.length, 1 << 20, '1 MB event: length');
    eq(byteLog.length, 1, 'one reader');
    eq(byteLog[0].mode, 'byob', 'BYOB');
    eq(byteLog[0].views.slice(0, 7), [...sizes, 256 * KIB, 256 * KIB], 'buffer sizes of the first reads');
  }

  // Not a byte stream (a made-up Response over a default stream): no BYOB reader exists for it,
  // so the default one reads it.
  const plainLog = [];
  const plain = t.source(`${A}/never`, {
    fetch: () => Promise.resolve(watch(new Response(new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('id: 1\ndata: one\n\n'));
        c.enqueue(new TextEncoder().encode('id: 2\ndata: two\n\n'));
      },
    }), { headers: { 'Content-Type': 'text/event-stream' } }), plainLog)),
  }, 'plain');
  await t.until(() => t.msgs('plain').length >= 2, 'two events');
  plain.close();
  eq(t.ids('plain'), ['1', '2'], 'ids');
  eq(plainLog.map((e) => e.mode), ['default'], 'the default reader (getReader({ mode: "byob" }) threw, so it was not logged)');

  // A browser from before BYOB readers: no ReadableStreamBYOBReader, and getReader ignores its
  // options (a default reader whatever was asked). The source must not ask: it would take the
  // default reader's chunks for BYOB reads (and double a buffer it never uses).
  const asked = [];
  const savedClass = globalThis.ReadableStreamBYOBReader;
  delete globalThis.ReadableStreamBYOBReader;
  try {
    const old = t.source(`${A}/burst?n=500&size=100`, {
      fetch: async (i, o) => {
        const res = await fetch(i, o);
        const getReader = res.body.getReader;
        res.body.getReader = function (options) {
          asked.push((options && options.mode) || 'default');
          return getReader.call(this); // the options ignored
        };
        return res;
      },
    }, 'old');
    await t.until(() => t.msgs('old').length >= 500, '500 events');
    old.close();
  } finally {
    globalThis.ReadableStreamBYOBReader = savedClass;
  }
  eq(t.ids('old'), range(1, 500), 'old browser: every id, in order');
  eq(asked, ['default'], 'old browser: no BYOB reader asked for');
});

def("fetch: a custom fetch rejecting with an AbortError → error reason 'aborted', CLOSED (a TypeError → 'network', reconnect)", async (t) => {
  let aborts = 0;
  const a = t.source(`${A}/never`, { fetch: () => { aborts++; return Promise.reject(new DOMException('the application aborted it', 'AbortError')); } }, 'reject');
  const body = t.source(`${A}/never`, {
    fetch: () => Promise.resolve(new Response(new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('id: 1\ndata: one\n\n'));
        setTimeout(() => c.error(new DOMException('cut', 'AbortError')), 20);
      },
    }), { headers: { 'Content-Type': 'text/event-stream' } })),
  }, 'body');
  let failures = 0;
  const n = t.source(`${A}/never`, { reconnect: { delay: 50, backoff: 1, jitter: 0 }, fetch: () => { failures++; return Promise.reject(new TypeError('Failed to fetch')); } }, 'typeerror');
  await t.until(() => t.errors('reject').length && t.errors('body').length && t.errors('typeerror').length >= 2, 'the errors');
  n.close();
  eq(t.sigs('reject'), ['error aborted 0 @2 null'], 'rejected with AbortError');
  eq(a.readyState, 2, 'readyState');
  eq(t.sigs('body'), ['open@1', 'message #1', 'error aborted 0 @2 null'], 'body aborted after one event');
  eq(body.readyState, 2, 'readyState');
  eq(t.sigs('typeerror').slice(0, 2), ['error network 0 @0 50', 'error network 0 @0 50'], 'rejected with a TypeError: reconnects');
  ok(failures >= 2, 'the custom fetch was called again');
  await quiet(300); // ≫ the 50 ms reconnect delay: an aborted source would have called fetch again
  eq(aborts, 1, 'the aborted source never called fetch again');
});

// ---------------------------------------------------------------- request: last event ID

def('lastEventIdIn header / query / both, lastEventIdParam, and auto (same-origin header, cross-origin query, no preflight)', async (t) => {
  // /echo?id=5&close=1&retry=50: one event with ID 5, then the end; the reconnect 50 ms later
  // carries the ID, and its echo shows how.
  const variants = [
    ['auto, same-origin', A, '', { transport: 'fetch' }, { header: '5', query: null }],
    ['auto, cross-origin', B, '', { transport: 'fetch' }, { header: null, query: '5' }],
    // (With `transport: 'fetch'`: left to `auto`, 'header' alone would be honoured natively.)
    ['header, cross-origin', B, '&cors=full', { lastEventIdIn: 'header', transport: 'fetch' }, { header: '5', query: null }],
    ['query, same-origin', A, '', { lastEventIdIn: 'query' }, { header: null, query: '5' }],
    ['query, cross-origin', B, '', { lastEventIdIn: 'query' }, { header: null, query: '5' }],
    ['both, cross-origin', B, '&cors=full', { lastEventIdIn: 'both' }, { header: '5', query: '5' }],
    ['query + param since', B, '', { lastEventIdIn: 'query', lastEventIdParam: 'since' }, { header: null, query: null, since: '5' }],
    ['auto + param since, cross-origin', B, '', { lastEventIdParam: 'since', transport: 'fetch' }, { header: null, query: null, since: '5' }],
    ['both + param cursor, same-origin', A, '', { lastEventIdIn: 'both', lastEventIdParam: 'cursor' }, { header: '5', query: null, cursor: '5' }],
  ];
  const keys = new Map();
  // In batches, to stay well below the browsers' six connections per origin.
  for (let i = 0; i < variants.length; i += 3) {
    const batch = variants.slice(i, i + 3);
    for (const [label, origin, extra, opts] of batch) {
      const k = t.key();
      keys.set(label, k);
      t.source(`${origin}/echo?id=5&retry=50&close=1${extra}&key=${k}`, opts, label);
    }
    await t.until(() => batch.every(([l]) => t.msgs(l).length >= 2), 'two echoes on each source of the batch');
    t.closeAll();
  }
  for (const [label, , extra, , want] of variants) {
    const [first, second] = t.msgs(label).map((e) => JSON.parse(e.data));
    eq([first.lastEventIdHeader, first.lastEventIdQuery, first.query.since ?? null, first.query.cursor ?? null], [null, null, null, null], `${label}: the first request carries no ID`);
    const got = { header: second.lastEventIdHeader, query: second.lastEventIdQuery };
    if ('since' in want) got.since = second.query.since ?? null;
    if ('cursor' in want) got.cursor = second.query.cursor ?? null;
    eq(got, want, `${label}: how the reconnect carried the ID`);
    const log = await t.serverLog(keys.get(label));
    const preflights = log.filter((r) => r.method === 'OPTIONS').length;
    if (extra) ok(preflights >= 1, `${label}: a Last-Event-ID header cross-origin needs a preflight`);
    else eq(preflights, 0, `${label}: no preflight`);
  }
});

def('lastEventId: sent on the first request (header same-origin, query cross-origin) and the stream resumes after it', async (t) => {
  const [k1, k2] = [t.key(), t.key()];
  t.source(`${A}/stream?n=3&ids=1&interval=10&key=${k1}`, { lastEventId: '41' }, 'same');
  t.source(`${B}/stream?n=2&ids=1&interval=10&key=${k2}`, { lastEventId: '41' }, 'cross');
  await t.until(() => t.msgs('same').length >= 3 && t.msgs('cross').length >= 2, 'the resumed events');
  eq(t.ids('same'), ['42', '43', '44'], 'same-origin ids');
  eq(t.ids('cross'), ['42', '43'], 'cross-origin ids');
  const [l1, l2] = await Promise.all([t.serverLog(k1), t.serverLog(k2)]);
  eq(l1.map((r) => [r.method, r.headers['last-event-id'] ?? null, r.query.lastEventId ?? null]), [['GET', '41', null]], 'same-origin request');
  eq(l2.map((r) => [r.method, r.headers['last-event-id'] ?? null, r.query.lastEventId ?? null]), [['GET', null, '41']], 'cross-origin request (no preflight)');
});

// ---------------------------------------------------------------- transport choice, option checks

def("transport: no option picks 'native', any option beyond the standard picks 'fetch'; transport 'native' + such an option → TypeError", async (t) => {
  const url = `${A}/stream?n=1&key=${t.key()}`;
  const make = (opts) => {
    const es = opts === undefined ? new ES(url) : new ES(url, opts);
    const tr = es.transport;
    es.close();
    return tr;
  };
  // Options left at values the native class honours don't count: the defaults, and those the
  // native class can do itself (credentials 'include' is withCredentials; it always sends the
  // Last-Event-ID header, without a preflight; a query parameter name alone changes nothing).
  const honoured = [undefined, null, {}, { withCredentials: true }, { headers: undefined, reconnect: undefined }, { share: true },
    { method: 'GET' }, { headers: {} }, { body: null }, { reconnectOnOnline: false }, { credentials: 'include' },
    { credentials: 'same-origin' }, { lastEventIdIn: 'header' }, { lastEventIdIn: 'auto' }, { lastEventIdParam: 'since' },
    { comments: false }, { errorBody: 100 }, { errorBody: 0 }];
  eq(honoured.map((o) => make(o)), Array(honoured.length).fill('native'), 'standard options: native');
  const beyond = [
    ['headers', { headers: { 'X-A': '1' } }],
    ['headers', { headers: () => ({}) }],
    ['method', { method: 'POST' }],
    ['method', { method: 'POST', body: 'x' }],
    ['credentials', { credentials: 'omit' }],
    ['credentials', { credentials: 'same-origin', withCredentials: true }],
    ['fetch', { fetch: (i, o) => fetch(i, o) }],
    ['lastEventIdIn', { lastEventIdIn: 'query' }],
    ['lastEventIdIn', { lastEventIdIn: 'both', lastEventIdParam: 'since' }],
    ['lastEventId', { lastEventId: '3' }],
    ['reconnect', { reconnect: {} }],
    ['heartbeatTimeout', { heartbeatTimeout: 1000 }],
    ['maxEventSize', { maxEventSize: 1000 }],
    ['reconnectOnOnline', { reconnectOnOnline: true }],
    ['reconnectOnPageShow', { reconnectOnPageShow: true }],
    ['pauseWhenHidden', { pauseWhenHidden: true }],
    ['comments', { comments: true }],
  ];
  eq(beyond.map(([n, o]) => [n, make(o)]), beyond.map(([n]) => [n, 'fetch']), 'each option beyond the standard selects fetch');
  for (const [n, o] of beyond) throwsType(() => new ES(url, { transport: 'native', ...o }), `transport 'native' + ${n}`, n);
  eq([make({ transport: 'fetch' }), make({ transport: 'xhr' }), make({ transport: 'native' })], ['fetch', 'xhr', 'native'], 'an explicit transport');
});

def('constructor: invalid option values throw a TypeError', async (t) => {
  const url = `${A}/stream?n=1&key=${t.key()}`;
  const bad = [
    ['body with GET', { body: 'x' }],
    ['body with HEAD', { method: 'HEAD', body: 'x' }],
    ['method CONNECT', { method: 'CONNECT' }],
    ['method with a space', { method: 'PO ST' }],
    ['credentials', { credentials: 'sometimes' }],
    ['headers: bad name', { headers: { 'bad name': 'x' } }],
    ['fetch not a function', { fetch: 'nope' }],
    ['lastEventIdIn', { lastEventIdIn: 'cookie' }],
    ['lastEventIdParam empty', { lastEventIdParam: '' }],
    ['lastEventId with LF', { lastEventId: 'a\nb' }],
    ['reconnect not an object', { reconnect: 5 }],
    ['reconnect.backoff < 1', { reconnect: { backoff: 0.5 } }],
    ['reconnect.jitter > 1', { reconnect: { jitter: 1.5 } }],
    ['reconnect.delay < 0', { reconnect: { delay: -1 } }],
    ['reconnect.maxAttempts NaN', { reconnect: { maxAttempts: NaN } }],
    ['reconnect.onReconnect not a function', { reconnect: { onReconnect: 'x' } }],
    ['heartbeatTimeout < 0', { heartbeatTimeout: -5 }],
    ['maxEventSize 0', { maxEventSize: 0 }],
    ['errorBody < 0', { errorBody: -1 }],
    ['errorBody not a number', { errorBody: '4k' }],
    ['transport', { transport: 'pigeon' }],
  ];
  for (const [what, o] of bad) throwsType(() => new ES(url, o), what);
});

// ---------------------------------------------------------------- reconnection policy

def('reconnect: without a policy, the standard: the server retry: every time, no backoff, no jitter; 3000 ms before any retry:', async (t) => {
  const k = t.key();
  t.source(`${A}/end?after=1&total=4&retry=80&key=${k}`, { transport: 'fetch' }, 'retry80');
  const dead = t.source(`${DEAD}/sse`, { transport: 'fetch' }, 'dead');
  await t.until(() => t.msgs('retry80').length >= 4 && t.errors('dead').length, 'events 1..4, and the first network error');
  dead.close();
  eq(t.sigs('retry80'), ['open@1', 'message #1', 'error end-of-stream 200 @0 80', 'open@1', 'message #2', 'error end-of-stream 200 @0 80', 'open@1', 'message #3', 'error end-of-stream 200 @0 80', 'open@1', 'message #4'], 'events');
  eq(t.errors('retry80').map((e) => e.statusText), ['OK', 'OK', 'OK'], 'statusText');
  eq(t.sigs('dead'), ['error network 0 @0 3000'], 'no retry: from the server yet: 3000 ms');
  const log = await t.serverLog(k);
  const gaps = log.slice(1).map((r, i) => r.time - log[i].time);
  ok(gaps.every((g) => g >= 75), `the reconnects waited the 80 ms: ${show(gaps)}`);
});

def('reconnect: exponential backoff from reconnect.delay (100, 200, 400, capped at maxDelay 500); from the server retry: as the base; the cap never lowers retry:', async (t) => {
  t.source(`${DEAD}/sse`, { reconnect: { delay: 100, backoff: 2, jitter: 0, maxDelay: 500 } }, 'dead');
  const [k1, k2] = [t.key(), t.key()];
  // /seq: the first request gets `retry:` and one event, then the end of the body; every
  // later request fails at the network level.
  t.source(`${C}/seq?steps=end,net&retry=60&key=${k1}`, { reconnect: { backoff: 2, jitter: 0, maxDelay: 200 } }, 'retry60');
  t.source(`${C}/seq?steps=end,net&retry=300&key=${k2}`, { reconnect: { backoff: 2, jitter: 0, maxDelay: 100 } }, 'retry300');
  await t.until(() => t.errors('dead').length >= 5 && t.errors('retry60').length >= 4 && t.errors('retry300').length >= 2, '5, 4 and 2 errors', 6000);
  t.closeAll();
  const dead = t.errors('dead').slice(0, 5);
  eq(dead.map(sig), [100, 200, 400, 500, 500].map((d) => `error network 0 @0 ${d}`), 'backoff from reconnect.delay, capped');
  const gaps = dead.slice(1).map((e, i) => e.t - dead[i].t);
  ok(gaps.every((g, i) => g >= dead[i].delay - 15), `the source waited each reconnectDelay: gaps ${show(gaps)}`);
  eq(t.sigs('retry60').slice(0, 6), ['open@1', 'message #1', 'error end-of-stream 200 @0 60', 'error network 0 @0 120', 'error network 0 @0 200', 'error network 0 @0 200'], 'retry: 60 as the base, capped at 200');
  eq(t.sigs('retry300').slice(0, 4), ['open@1', 'message #1', 'error end-of-stream 200 @0 300', 'error network 0 @0 300'], 'retry: 300 above maxDelay 100: not lowered');
});

def('reconnect: jitter takes a random fraction off, within bounds', async (t) => {
  t.source(`${DEAD}/sse`, { reconnect: { delay: 100, backoff: 1, jitter: 0.5 } }, 'flat');
  t.source(`${DEAD}/sse`, { reconnect: { delay: 40, backoff: 2, jitter: 0.25, maxDelay: 100000 } }, 'backoff');
  await t.until(() => t.errors('flat').length >= 8 && t.errors('backoff').length >= 4, '8 and 4 errors', 6000);
  t.closeAll();
  const flat = t.errors('flat').slice(0, 8).map((e) => e.delay);
  flat.forEach((d, i) => within(d, 50, 100, `flat: delay ${i}`));
  ok(new Set(flat).size > 1, `jitter varies the delays: ${show(flat)}`);
  const bo = t.errors('backoff').slice(0, 4).map((e) => e.delay);
  bo.forEach((d, i) => within(d, 0.75 * 40 * 2 ** i, 40 * 2 ** i, `backoff: delay ${i} of ${show(bo)}`));
});

def('reconnect: the documented defaults (backoff 2, maxDelay 60 s, jitter 0.2, delay 3000, unlimited attempts)', async (t) => {
  // onReconnect is told the planned delay; returning a small number keeps the test fast.
  const plans = { cap: [], jitter: [], base: [] };
  t.source(`${DEAD}/sse`, { reconnect: { delay: 40000, jitter: 0, onReconnect: (i) => { plans.cap.push(i.delay); return 5; } } }, 'cap');
  t.source(`${DEAD}/sse`, { reconnect: { delay: 1000, backoff: 1, onReconnect: (i) => { plans.jitter.push(i.delay); return 5; } } }, 'jitter');
  t.source(`${DEAD}/sse`, { reconnect: { onReconnect: (i) => { plans.base.push(i.delay); return 5; } } }, 'base');
  const plain = t.source(`${DEAD}/sse`, { reconnect: {} }, 'plain');
  t.source(`${DEAD}/sse`, { reconnect: { delay: 5, backoff: 1, jitter: 0 } }, 'many');
  await t.until(() => plans.cap.length >= 3 && plans.jitter.length >= 6 && plans.base.length >= 2 && t.errors('plain').length && t.errors('many').length >= 25, 'enough reconnects', 6000);
  t.closeAll();
  eq(plans.cap.slice(0, 3), [40000, 60000, 60000], 'default backoff 2, capped at 60000');
  plans.jitter.slice(0, 6).forEach((d) => within(d, 800, 1000, `default jitter 0.2 (${show(plans.jitter)})`));
  ok(new Set(plans.jitter).size > 1, `jitter varies: ${show(plans.jitter)}`);
  within(plans.base[0], 2400, 3000, 'default delay 3000 (jittered)');
  within(plans.base[1], 4800, 6000, 'then × 2 (jittered)');
  eq(t.errors('plain').length, 1, 'plain');
  within(t.errors('plain')[0].delay, 2400, 3000, 'reconnect: {} → the first reconnectDelay');
  eq(t.of('many').slice(0, 25).every((e) => e.type === 'error' && e.reason === 'network' && e.rs === 0), true, 'no limit on attempts: 25 reconnects and counting');
});

def("reconnect: maxAttempts → a final error reason 'gave-up', CLOSED; attempts reset after a successful open", async (t) => {
  const k = t.key();
  const m = t.source(`${DEAD}/sse`, { reconnect: { delay: 30, backoff: 1, jitter: 0, maxAttempts: 3 } }, 'max3');
  const zero = t.source(`${DEAD}/sse`, { reconnect: { maxAttempts: 0 } }, 'max0');
  // net, net, then a stream that opens, sends one event and ends, then net for ever.
  const r = t.source(`${C}/seq?steps=net,net,end,net&key=${k}`, { reconnect: { delay: 50, backoff: 2, jitter: 0, maxAttempts: 2 } }, 'reset');
  await t.until(() => [m, zero, r].every((es) => es.readyState === 2), 'all three give up', 6000);
  eq(t.sigs('max3'), ['error network 0 @0 30', 'error network 0 @0 30', 'error network 0 @0 30', 'error gave-up 0 @2 null'], 'maxAttempts 3');
  eq(t.sigs('max0'), ['error gave-up 0 @2 null'], 'maxAttempts 0: the first failure gives up');
  eq(t.sigs('reset'), ['error network 0 @0 50', 'error network 0 @0 100', 'open@1', 'message #1', 'error end-of-stream 200 @0 50', 'error network 0 @0 100', 'error gave-up 0 @2 null'], 'attempts count again from 0 after the open');
  await quiet(300); // ≫ the 100 ms last delay: a source that had not given up would try again
  eq((await t.serverLog(k)).map((e) => e.step), ['net', 'net', 'end', 'net', 'net'], 'requests at the server');
});

def('reconnect: 429 / 503 with Retry-After: 1 → reconnect after ~1 s (reconnectDelay 1000); 429 without it → the backoff delay', async (t) => {
  const [k1, k2, k3] = [t.key(), t.key(), t.key()];
  const a = t.source(`${C}/seq?steps=429,open&retry_after=1&n=2&key=${k1}`, { reconnect: { delay: 50 } }, '429');
  t.source(`${A}/status?code=503&retry_after=1&key=${k2}`, { reconnect: { delay: 50, maxAttempts: 1 } }, '503');
  t.source(`${C}/seq?steps=429,open&n=1&key=${k3}`, { reconnect: { delay: 50, jitter: 0 } }, '429 no Retry-After');
  await t.until(() => t.msgs('429').length >= 2 && t.errors('503').length >= 2 && t.msgs('429 no Retry-After').length, 'the reconnects', 6000);
  eq(t.sigs('429'), ['error http-status 429 @0 1000', 'open@1', 'message #1', 'message #2'], '429 then a stream');
  eq(t.errors('429')[0].statusText, 'Too Many Requests', 'statusText');
  eq(a.readyState, 1, 'open');
  eq(t.sigs('503'), ['error http-status 503 @0 1000', 'error gave-up 503 @2 null'], '503 twice, maxAttempts 1');
  eq(t.errors('503').map((e) => e.statusText), ['Service Unavailable', 'Service Unavailable'], 'statusText');
  eq(t.sigs('429 no Retry-After'), ['error http-status 429 @0 50', 'open@1', 'message #1'], 'no Retry-After: the policy delay');
  const [l1, l2] = await Promise.all([t.serverLog(k1), t.serverLog(k2)]);
  ok(l1.length === 2 && l1[1].time - l1[0].time >= 980, `429: the reconnect came after Retry-After (${l1.length > 1 ? l1[1].time - l1[0].time : '-'} ms)`);
  ok(l2.length === 2 && l2[1].time - l2[0].time >= 980, `503: the reconnect came after Retry-After (${l2.length > 1 ? l2[1].time - l2[0].time : '-'} ms)`);
});

def('reconnect: without a policy 429 / 503 fail the connection (the standard), as with retryAfter: false', async (t) => {
  const ks = [t.key(), t.key(), t.key(), t.key()];
  t.source(`${A}/status?code=429&retry_after=1&key=${ks[0]}`, { transport: 'fetch' }, 'fetch 429');
  t.source(`${A}/status?code=503&retry_after=1&key=${ks[1]}`, { headers: { 'X-Any': '1' } }, 'headers 503');
  const n = t.source(`${A}/status?code=429&retry_after=1&key=${ks[2]}`, undefined, 'native 429');
  t.source(`${A}/status?code=503&retry_after=1&key=${ks[3]}`, { reconnect: { delay: 50, retryAfter: false } }, 'retryAfter false');
  await t.until(() => ['fetch 429', 'headers 503', 'native 429', 'retryAfter false'].every((l) => t.errors(l).length), 'an error on each');
  eq(n.transport, 'native', 'no options: native');
  eq(t.sigs('fetch 429'), ['error http-status 429 @2 null'], 'fetch, no policy');
  eq(t.sigs('headers 503'), ['error http-status 503 @2 null'], 'headers, no policy');
  eq(t.sigs('native 429'), ['error native 0 @2 null'], 'native');
  eq(t.sigs('retryAfter false'), ['error http-status 503 @2 null'], 'retryAfter: false');
  await quiet(1500); // > the 1 s Retry-After: a retrying source would have come back by now
  const logs = await Promise.all(ks.map((k) => t.serverLog(k)));
  eq(logs.map((l) => l.length), [1, 1, 1, 1], 'one request each, no retry');
});

def('reconnect.onReconnect: false vetoes (gave-up, CLOSED), a number is the delay, anything else (or a throw) goes ahead', async (t) => {
  const ks = [t.key(), t.key(), t.key(), t.key()];
  const infos = [];
  t.source(`${A}/seq?steps=end,open&n=2&retry=50&key=${ks[0]}`, { reconnect: { jitter: 0, onReconnect: (info) => { infos.push({ ...info }); return false; } } }, 'veto');
  t.source(`${B}/seq?steps=end,open&n=2&retry=50&key=${ks[1]}`, { reconnect: { jitter: 0, onReconnect: () => 400 } }, 'number');
  t.source(`${A}/seq?steps=end,open&n=2&retry=50&key=${ks[2]}`, { reconnect: { jitter: 0, onReconnect: () => undefined } }, 'undefined');
  t.source(`${A}/seq?steps=end,open&n=2&retry=50&key=${ks[3]}`, { reconnect: { jitter: 0, onReconnect: () => { throw new Error('a bug in the hook'); } } }, 'throws');
  await t.until(() => t.errors('veto').length && ['number', 'undefined', 'throws'].every((l) => t.msgs(l).length >= 3), 'the veto, and events 1..3 on the others');
  eq(t.sigs('veto'), ['open@1', 'message #1', 'message #2', 'error gave-up 200 @2 null'], 'veto (the status of the response that ended)');
  eq(infos, [{ attempt: 1, delay: 50, reason: 'end-of-stream', status: 200, lastEventId: '2' }], 'what onReconnect was told');
  eq(t.sigs('number').slice(0, 6), ['open@1', 'message #1', 'message #2', 'error end-of-stream 200 @0 400', 'open@1', 'message #3'], 'a number: that delay');
  const [err, reopen] = [t.errors('number')[0], t.opens('number')[1]];
  ok(reopen.t - err.t >= 385, `the source waited the 400 ms (${reopen.t - err.t} ms)`);
  eq(t.sigs('undefined').slice(0, 6), ['open@1', 'message #1', 'message #2', 'error end-of-stream 200 @0 50', 'open@1', 'message #3'], 'undefined: as planned');
  eq(t.sigs('throws').slice(0, 6), ['open@1', 'message #1', 'message #2', 'error end-of-stream 200 @0 50', 'open@1', 'message #3'], 'a throwing hook: as planned');
  await quiet(200); // ≫ the 50 ms delay the veto cancelled
  eq((await t.serverLog(ks[0])).length, 1, 'vetoed: no reconnect');
});

// ---------------------------------------------------------------- liveness and page lifecycle

def("heartbeatTimeout: no bytes for N ms → error reason 'timeout', then a reconnect; steady bytes keep it alive", async (t) => {
  const [k1, k2] = [t.key(), t.key()];
  // 500 ms: five times the 100 ms between the steady stream's events, a margin for a loaded machine.
  // What is guaranteed is the lower bound (no timeout before 500 ms of silence); the upper one
  // (LATE) only tells a timeout of this option from none, since a busy machine runs timers late.
  const LATE = 5000;
  const opts = { heartbeatTimeout: 500, reconnect: { delay: 50, jitter: 0 } };
  const k3 = t.key();
  t.source(`${A}/stall?key=${k1}`, opts, 'stall');
  t.source(`${A}/stream?n=8&interval=100&ids=1&key=${k2}`, opts, 'steady');
  // No response at all (not even headers), then a stream: the timeout covers the wait for headers.
  t.source(`${A}/seq?steps=hang,open&n=1&key=${k3}`, opts, 'no response');
  // The steady stream's events leave the server 100 ms apart, but a busy machine can hand them to
  // the page late, and a gap of 500 ms is then a timeout like any other (the source resumes after
  // its last id). What holds: a timeout comes only after 500 ms without an event, and one comes
  // after the stream's last one.
  const timedOutAtEnd = () => {
    const s = t.of('steady');
    const last = s.findLastIndex((e) => e.type === 'message');
    return last >= 0 && s.slice(last + 1).some((e) => e.type === 'error') && t.msgs('steady').length >= 8;
  };
  await t.until(() => t.opens('stall').length >= 2 && timedOutAtEnd() && t.msgs('no response').length, 'the stalled stream reconnects; the steady one times out after its last event');
  // As it was then: after the timeout the source reconnects, and the stream sends 8 more.
  const steady = t.of('steady');
  const steadyIds = steady.filter((e) => e.type === 'message').map((e) => Number(e.id));
  eq(t.sigs('no response').slice(0, 3), ['error timeout 0 @0 50', 'open@1', 'message #1'], 'no response headers: timeout, then the reconnect');
  within(t.errors('no response')[0].t, 485, LATE, 'no response: the timeout came after ~500 ms');
  eq(t.sigs('stall').slice(0, 3), ['open@1', 'error timeout 0 @0 50', 'open@1'], 'stall');
  const [o1, e1] = [t.opens('stall')[0], t.errors('stall')[0]];
  within(e1.t - o1.t, 485, LATE, 'the timeout came after ~500 ms of silence');
  eq(await t.openCount(k1, 1), 1, 'the server saw the stalled connection closed (one open: the new one)');
  ok((await t.serverLog(k1)).length >= 2, 'stall: a new request after the timeout (the new one stalls too, and times out again)');
  eq(steadyIds, steadyIds.map((_, i) => i + 1), 'steady: ids from 1, each once, in order');
  eq(steady[0] && sig(steady[0]), 'open@1', 'steady: opens first');
  let since = 0; // when the current connection last had news: its request (the reconnect delay after an error), or its last event
  steady.forEach((e, i) => {
    if (e.type === 'message') since = e.t;
    if (e.type !== 'error') return;
    eq(sig(e), 'error timeout 0 @0 50', `steady: error ${i}`);
    within(e.t - since, 485, Infinity, `steady: error ${i} came only after ~500 ms without an event (${show(steady.slice(0, i + 1).map((x) => `${x.t} ${sig(x)}`))})`);
    since = e.t + 50;
  });
  const end = steady.findLastIndex((e) => e.type === 'message');
  within(steady[end + 1].t - steady[end].t, 485, LATE, 'steady: the timeout came ~500 ms after the last event');
});

async function onlineCase(t, trigger) {
  const [k1, k2] = [t.key(), t.key()];
  // One event and `retry: 60000`, then the end of the body: the source waits a minute to reconnect.
  const drop = (k) => `${A}/seq?steps=end,open&n=1&retry=60000&key=${k}`;
  const on = t.source(drop(k1), { reconnectOnOnline: true }, 'reconnectOnOnline');
  t.source(drop(k2), { transport: 'fetch' }, 'without');
  await t.until(() => t.errors('reconnectOnOnline').length && t.errors('without').length, 'both dropped');
  eq(t.sigs('reconnectOnOnline'), ['open@1', 'message #1', 'error end-of-stream 200 @0 60000'], 'waiting a minute');
  const before = t.now();
  await trigger();
  await t.until(() => t.msgs('reconnectOnOnline').length >= 2, 'the reconnect right after online (the delay was 60 s)', 10000);
  // Far below the 60 s it was waiting; no finer bound, since a busy machine runs the page late.
  ok(t.opens('reconnectOnOnline')[1].t - before < 10000, 'reconnected at once');
  eq(t.sigs('reconnectOnOnline'), ['open@1', 'message #1', 'error end-of-stream 200 @0 60000', 'open@1', 'message #2'], 'events');
  const log = await t.serverLog(k1);
  eq(log.map((r) => r.headers['last-event-id'] ?? null), [null, '1'], 'the reconnect carried the last event ID');
  await quiet(400); // the source without the option waits 60 s: nothing may happen within 400 ms
  eq((await t.serverLog(k2)).length, 1, 'without the option: no reconnect');
  eq(on.readyState, 1, 'open');
}

def("reconnectOnOnline: an 'online' event while waiting for a long reconnect (retry: 60000) → reconnect at once", (t) => onlineCase(t, () => window.dispatchEvent(new Event('online'))));

def('reconnectOnOnline: Playwright context.setOffline(true) then (false) → reconnect at once', (t) => onlineCase(t, async () => {
  await t.hook('setOffline', true);
  await t.hook('setOffline', false);
}), { browsers: ['chromium'] });

def('reconnectOnPageShow: pageshow with persisted → a silent reconnect with the last event ID (also while waiting); persisted false → nothing', async (t) => {
  const [k1, k2] = [t.key(), t.key()];
  const s = t.source(`${A}/stream?n=3&interval=20&ids=1&key=${k1}`, { reconnectOnPageShow: true }, 'open');
  t.source(`${A}/seq?steps=end,open&n=1&retry=60000&key=${k2}`, { reconnectOnPageShow: true }, 'waiting');
  await t.until(() => t.msgs('open').length >= 3 && t.errors('waiting').length, 'three events; the other dropped, waiting 60 s');
  window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: false }));
  await quiet(300); // a reconnect would start at once: nothing within 300 ms
  eq([(await t.serverLog(k1)).length, (await t.serverLog(k2)).length], [1, 1], 'persisted: false: no new request');
  window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
  const log = await t.waitLog(k1, 2);
  eq(log.map((r) => r.headers['last-event-id'] ?? null), [null, '3'], 'a new request carrying the last event ID');
  await t.until(() => t.msgs('open').length >= 6 && t.msgs('waiting').length >= 2, 'the events after the reconnects');
  eq(t.sigs('open'), ['open@1', ...range(1, 6).map((i) => `message #${i}`)], 'silent: no error, no second open, no gap, no repeat');
  eq(s.readyState, 1, 'open');
  eq(await t.openCount(k1, 1), 1, 'the server saw the old connection close');
  eq(t.sigs('waiting'), ['open@1', 'message #1', 'error end-of-stream 200 @0 60000', 'open@1', 'message #2'], 'the waiting source reconnected at once');
  eq((await t.serverLog(k2)).map((r) => r.headers['last-event-id'] ?? null), [null, '1'], 'with its last event ID');
});

def('pauseWhenHidden: hidden → the connection closes; visible → a new request with the last event ID, no event lost; off by default', async (t) => {
  const [k1, k2] = [t.key(), t.key()];
  const p = t.source(`${A}/drop?after=1000&total=15&interval=80&retry=50&key=${k1}`, { pauseWhenHidden: true }, 'pause');
  const n = t.source(`${A}/stream?n=1000&interval=80&ids=1&key=${k2}`, undefined, 'default');
  try {
    await t.until(() => t.msgs('pause').length >= 2 && t.msgs('default').length >= 1, 'the first events');
    setVisibility('hidden');
    eq(await t.openCount(k1, 0), 0, 'hidden: the server saw the connection close');
    const seen = t.msgs('pause').length;
    const seenDefault = t.msgs('default').length;
    await quiet(400); // events come every 80 ms: a live connection would deliver ~5 in 400 ms
    eq(t.msgs('pause').length, seen, 'no events while hidden');
    ok(t.msgs('default').length > seenDefault, 'a source without the option keeps streaming while hidden');
    eq(await t.openCount(k2, 1, 0), 1, 'its connection stays open');
    ok(p.readyState !== 2, 'the paused source is not closed');
    eq(n.transport, 'native', 'the default source is the native one');
    const last = t.msgs('pause').at(-1).id;
    setVisibility('visible');
    const log = await t.waitLog(k1, 2);
    eq(log.map((r) => r.headers['last-event-id'] ?? null), [null, last], 'visible: a new request with the last event ID');
    await t.until(() => t.msgs('pause').length >= 15, 'every event up to 15');
    eq(t.ids('pause'), range(1, 15), 'no event lost or repeated');
    eq(t.of('pause').filter((e) => e.type !== 'message').map(sig), ['open@1'], 'no error, one open: the pause is silent');
  } finally {
    setVisibility(null);
  }
});

def('pauseWhenHidden: hidden while waiting to reconnect, or from the start → no connection until visible', async (t) => {
  const [k1, k2] = [t.key(), t.key()];
  try {
    // One event and `retry: 300`, then the end of the body: the source waits 300 ms.
    t.source(`${A}/seq?steps=end,open&n=1&retry=300&key=${k1}`, { pauseWhenHidden: true }, 'waiting');
    await t.until(() => t.errors('waiting').length, 'the end of the first response');
    setVisibility('hidden');
    await quiet(700); // > the 300 ms reconnect delay: a reconnect would have happened by now
    const whileHidden = (await t.serverLog(k1)).length;
    // A source created while the page is hidden.
    t.source(`${A}/stream?n=1000&interval=50&ids=1&key=${k2}`, { pauseWhenHidden: true }, 'created hidden');
    await quiet(300); // a connection would deliver ~6 events in 300 ms
    const createdHidden = [(await t.serverLog(k2)).length, t.msgs('created hidden').length];
    setVisibility('visible');
    await t.until(() => t.msgs('waiting').length >= 2 && t.msgs('created hidden').length >= 1, 'both connect once visible');
    eq(whileHidden, 1, 'hidden while waiting: no reconnect until visible (requests while hidden)');
    eq(createdHidden, [0, 0], 'created while hidden: [requests, events] before visible');
    eq(t.ids('waiting'), ['1', '2'], 'resumed from the last event ID');
  } finally {
    setVisibility(null);
  }
});

// ---------------------------------------------------------------- error details

async function errorDetails(t, tr) {
  const opts = (extra = {}) => ({ transport: tr, ...extra });
  const k = () => t.key();
  const handled = [];
  const s500 = t.source(`${A}/status?code=500&key=${k()}`, opts(), '500');
  s500.onerror = function (e) { handled.push({ self: this === s500, e }); };
  t.source(`${A}/status?code=404&key=${k()}`, opts(), '404');
  t.source(`${A}/ctype?type=application/json&key=${k()}`, opts(), 'content-type');
  t.source(`${DEAD}/sse`, opts(), 'network');
  t.source(`${A}/big?size=2000&eol=1&key=${k()}`, opts({ maxEventSize: 1000 }), 'size-limit');
  t.source(`${A}/big?size=900&eol=1&key=${k()}`, opts({ maxEventSize: 1000 }), 'fits');
  const lines = `data: ${'y'.repeat(600)}\ndata: ${'z'.repeat(600)}\n\n`;
  t.source(`${A}/raw?b64=${b64url(lines)}&key=${k()}`, opts({ maxEventSize: 1000 }), 'size-limit (lines)');
  t.source(`${A}/stream?n=1&close=1&retry=50&key=${k()}`, opts(), 'end-of-stream');
  const labels = ['500', '404', 'content-type', 'network', 'size-limit', 'size-limit (lines)', 'end-of-stream'];
  await t.until(() => labels.every((l) => t.errors(l).length) && t.msgs('fits').length, 'an error on each, the event that fits');
  t.closeAll();
  const first = (l) => t.errors(l)[0];
  const got = labels.map((l) => [l, t.of(l).filter((e) => e.type !== 'message').slice(0, 2).map(sig).join(', '), first(l).statusText]);
  eq(got, [
    ['500', 'error http-status 500 @2 null', 'Internal Server Error'],
    ['404', 'error http-status 404 @2 null', 'Not Found'],
    ['content-type', 'error content-type 200 @2 null', 'OK'],
    ['network', 'error network 0 @0 3000', ''],
    ['size-limit', 'open@1, error size-limit 0 @2 null', ''],
    ['size-limit (lines)', 'open@1, error size-limit 0 @2 null', ''],
    ['end-of-stream', 'open@1, error end-of-stream 200 @0 50', 'OK'],
  ], `${tr}: [source, events, statusText]`);
  eq(t.msgs('fits')[0].data.length, 900, 'an event within the limit is delivered');
  eq(t.msgs('size-limit (lines)').length, 0, 'the too-large multi-line event is not delivered');
  for (const l of labels) {
    const e = first(l).ev;
    ok(e instanceof Event && e instanceof ErrorEvent_ && !(e instanceof MessageEvent), `${l}: an Event (an EventSourceErrorEvent)`);
    eq([e.type, e.bubbles, e.cancelable], ['error', false, false], `${l}: type, bubbles, cancelable`);
  }
  eq(handled.length, 1, 'onerror was called once');
  ok(handled[0].self && handled[0].e === first('500').ev, 'onerror got the same event, with this = the source');
}

def('error details (fetch): reason, status, statusText for http-status, content-type, network, size-limit, end-of-stream; still an Event for onerror', (t) => errorDetails(t, 'fetch'));
def('error details (xhr): the same through the XHR transport', (t) => errorDetails(t, 'xhr'));

def("error details (native, no options): the standard's error, reason 'native', still an EventSourceErrorEvent", async (t) => {
  const es = t.source(`${A}/status?code=500&key=${t.key()}`, undefined, 'native');
  let handled = null;
  es.onerror = (e) => { handled = e; };
  await t.until(() => t.errors('native').length, 'the error');
  eq(es.transport, 'native', 'transport');
  eq(t.sigs('native'), ['error native 0 @2 null'], 'events');
  const e = t.errors('native')[0].ev;
  ok(e instanceof Event && e instanceof ErrorEvent_, 'an Event');
  ok(handled === e, 'onerror saw it');
});

// ---------------------------------------------------------------- issue #22: comments, refusals, freezing

// A stream with every kind of comment: a bare heartbeat, `: keep-alive`, one without a space,
// one inside an event, CRLF line ends, and `retry: 60000` so that nothing reconnects meanwhile.
const COMMENTED = 'retry: 60000\n:\n: keep-alive\nid: 1\ndata: one\n\n:heartbeat\r\nid: 2\nevent: tick\ndata: two\n: inside\ndata: more\n\n:\n\n::x\ndata: three\n\n';
const COMMENTED_SEEN = [
  ['comment', '', ''], ['comment', 'keep-alive', ''], ['message', 'one', '1'], ['comment', 'heartbeat', '1'],
  ['comment', 'inside', '1'], ['tick', 'two\nmore', '2'], ['comment', '', '2'], ['comment', ':x', '2'], ['message', 'three', '2'],
];

for (const tr of ['fetch', 'xhr', 'longpoll']) {
  def(`comments: true dispatches each comment as a 'comment' event in stream order (split across chunks), never as a message; off by default [${tr}]`, async (t) => {
    // 7 bytes every 5 ms: comments and line ends split across chunks.
    const url = (k) => `${A}/raw?b64=${b64url(COMMENTED)}&chunk=7&delay=5&close=1&key=${k}`;
    const on = t.source(url(t.key()), { transport: tr, comments: true }, 'on', ['tick', 'comment']);
    t.source(url(t.key()), { transport: tr }, 'off', ['tick', 'comment']);
    eq(on.transport, tr, 'transport');
    const seen = (l) => t.of(l).filter((e) => e.type !== 'open' && e.type !== 'error').map((e) => [e.type, e.data, e.id]);
    // Long-polling asks again at once after a batch, and /raw sends it all again: the first
    // batch is what counts.
    await t.until(() => seen('on').length >= COMMENTED_SEEN.length && seen('off').length >= 3, 'the whole stream on both');
    t.closeAll();
    eq(seen('on').slice(0, COMMENTED_SEEN.length), COMMENTED_SEEN, 'comments on: [type, data, lastEventId] in stream order');
    eq(seen('off').slice(0, 3), [['message', 'one', '1'], ['tick', 'two\nmore', '2'], ['message', 'three', '2']], 'comments off: the events only');
    ok(!seen('off').some(([type]) => type === 'comment'), 'no comment event without the option');
    ok(![...seen('on'), ...seen('off')].some(([type, data]) => type === 'message' && data === ''), 'never an empty message');
    const c = t.msgs('on', 'comment')[0].ev;
    ok(c instanceof MessageEvent, 'a comment event is a MessageEvent');
    eq([c.type, c.origin, c.target === on], ['comment', A, true], 'its type, origin and target');
  });
}

def("comments: a long-running stream's heartbeats as they come, and onmessage never sees them", async (t) => {
  // /stream?comment=1 sends `: comment` before each event.
  const es = t.source(`${A}/stream?n=4&interval=30&ids=1&comment=1&key=${t.key()}`, { comments: true }, 'beat', ['comment']);
  const messages = [];
  es.onmessage = (e) => messages.push(e.data);
  await t.until(() => t.msgs('beat').length >= 4, 'four events');
  eq(es.transport, 'fetch', "comments leave the native transport ('auto' picks fetch)");
  eq(t.of('beat').filter((e) => e.type !== 'open').map((e) => `${e.type}:${e.data}`),
    ['comment:comment', 'message:tick 1', 'comment:comment', 'message:tick 2', 'comment:comment', 'message:tick 3', 'comment:comment', 'message:tick 4'], 'in order');
  eq(messages, ['tick 1', 'tick 2', 'tick 3', 'tick 4'], 'onmessage: the messages only');
  throwsType(() => new ES(`${A}/stream?n=1`, { transport: 'native', comments: true }), "transport 'native' + comments", 'comments');
});

/** Waits for the first error of each of `labels`. */
const firstErrors = async (t, labels) => {
  await t.until(() => labels.every((l) => t.errors(l).length), `an error on each of ${labels.join(', ')}`, 8000);
  return Object.fromEntries(labels.map((l) => [l, t.errors(l)[0].ev]));
};

for (const tr of ['fetch', 'xhr', 'longpoll']) {
  def(`errorBody: a refused response's headers and the start of its body come with the error (CORS: exposed headers only cross-origin) [${tr}]`, async (t) => {
    const opts = (extra = {}) => ({ transport: tr, ...extra });
    const long = 'x'.repeat(1000);
    t.source(`${A}/refuse?key=${t.key()}`, opts(), '401');
    t.source(`${B}/refuse?key=${t.key()}`, opts(), 'cross-origin');
    t.source(`${B}/refuse?expose=1&key=${t.key()}`, opts(), 'cross-origin, exposed');
    t.source(`${A}/refuse?code=403&body=${long}&repeat=10&ctype=text/plain&key=${t.key()}`, opts(), '403, 10 kB');
    t.source(`${A}/refuse?code=403&body=${long}&repeat=10&key=${t.key()}`, opts({ errorBody: 100 }), 'errorBody 100');
    t.source(`${A}/refuse?code=500&key=${t.key()}`, opts({ errorBody: 0 }), 'errorBody 0');
    t.source(`${A}/ctype?type=text/html&close=1&key=${t.key()}`, opts(), 'content-type');
    t.source(`${A}/refuse?code=204&key=${t.key()}`, opts(), '204');
    t.source(`${DEAD}/sse`, opts(), 'network');
    const e = await firstErrors(t, ['401', 'cross-origin', 'cross-origin, exposed', '403, 10 kB', 'errorBody 100', 'errorBody 0', 'content-type', '204', 'network']);
    t.closeAll();
    const h = (l, name) => e[l].headers.get(name);
    for (const l of Object.keys(e)) ok(e[l].headers instanceof Headers, `${l}: headers is a Headers`);
    eq([e['401'].reason, e['401'].status, e['401'].body], ['http-status', 401, '{"error":"token expired"}'], '401: reason, status, body');
    eq([h('401', 'x-reason'), h('401', 'www-authenticate'), h('401', 'content-type')], ['token-expired', 'Bearer error="invalid_token"', 'application/json'], '401: headers');
    eq([h('cross-origin', 'x-reason'), h('cross-origin', 'www-authenticate'), h('cross-origin', 'content-type'), e['cross-origin'].body],
      [null, null, 'application/json', '{"error":"token expired"}'], 'cross-origin: safelisted headers and the body only');
    eq([h('cross-origin, exposed', 'x-reason'), h('cross-origin, exposed', 'www-authenticate')], ['token-expired', 'Bearer error="invalid_token"'], 'cross-origin: exposed headers');
    eq([e['403, 10 kB'].status, e['403, 10 kB'].body], [403, 'x'.repeat(4096)], 'a 10 kB body: its first 4096 bytes');
    eq(e['errorBody 100'].body, 'x'.repeat(100), 'errorBody: 100');
    eq([e['errorBody 0'].status, e['errorBody 0'].body, h('errorBody 0', 'x-reason')], [500, '', 'token-expired'], 'errorBody: 0: no body, the headers still');
    eq([e['content-type'].reason, e['content-type'].status, e['content-type'].body, h('content-type', 'content-type')], ['content-type', 200, 'data: x\n\n', 'text/html'], 'wrong Content-Type: its body and type');
    eq([e['204'].status, e['204'].body], [204, ''], '204: no body');
    eq([e.network.reason, e.network.body, [...e.network.headers].length], ['network', '', 0], 'a network error: no body, no headers');
  });

  def(`errorBody: a body that stalls holds the error back for about a second, no more; the request is then ended [${tr}]`, async (t) => {
    const k = t.key();
    const es = t.source(`${A}/refuse?code=403&stall=1&body=partial&key=${k}`, { transport: tr }, 'stall');
    const started = t.now();
    await t.until(() => t.errors('stall').length, 'the error', 8000);
    const e = t.errors('stall')[0];
    eq([e.ev.reason, e.ev.status, e.ev.body, e.ev.headers.get('x-reason')], ['http-status', 403, 'partial', 'token-expired'], 'the error, with what arrived');
    within(e.t - started, 900, 6000, 'the error waited for the rest of the body about a second');
    eq(es.readyState, 2, 'closed');
    eq(await t.openCount(k, 0), 0, 'the server saw the request ended');
  });
}

def("errorBody: the native transport's error has an empty Headers and body ''", async (t) => {
  const es = t.source(`${A}/refuse?key=${t.key()}`, undefined, 'native');
  eq(es.transport, 'native', 'no option beyond the standard: native');
  await t.until(() => t.errors('native').length, 'the error');
  const e = t.errors('native')[0].ev;
  eq([e.reason, e.status, e.body, e.headers instanceof Headers, [...e.headers].length], ['native', 0, '', true, 0], 'native: nothing to tell');
  const made = new ErrorEvent_('error', { reason: 'http-status', status: 401, headers: [['x-reason', 'made']], body: 'made' });
  eq([made.headers.get('x-reason'), made.body, made.status], ['made', 'made', 401], 'the constructor takes headers and body');
});

def("errorBody: shared sources (share: true) each get the refused response's headers and body", async (t) => {
  const url = `${A}/refuse?code=401&key=${t.key()}`;
  t.source(url, { share: true, transport: 'fetch' }, 's1');
  t.source(url, { share: true, transport: 'fetch' }, 's2');
  const e = await firstErrors(t, ['s1', 's2']);
  eq([e.s1.body, e.s1.headers.get('x-reason'), e.s2.body, e.s2.headers.get('x-reason')],
    ['{"error":"token expired"}', 'token-expired', '{"error":"token expired"}', 'token-expired'], 'both subscribers');
});

/** Page Lifecycle: what Chromium fires when it freezes a background tab, and when it thaws it. */
const lifecycle = (type) => document.dispatchEvent(new Event(type));

for (const tr of ['fetch', 'xhr', 'longpoll']) {
  def(`pauseWhenHidden: freeze → the connection closes, no request while frozen; resume → a new request from the last event ID, no loss, no repeat [${tr}]`, async (t) => {
    const k = t.key();
    const es = t.source(`${A}/drop?after=1000&total=15&interval=80&retry=50&key=${k}`, { transport: tr, pauseWhenHidden: true }, 'freeze');
    await t.until(() => t.msgs('freeze').length >= 2, 'the first events');
    lifecycle('freeze');
    eq(await t.openCount(k, 0), 0, 'frozen: the server saw the connection close');
    const seen = t.msgs('freeze').length;
    await quiet(400); // events come every 80 ms, and a reconnect after 50 ms: 400 ms would show either
    eq(t.msgs('freeze').length, seen, 'no events while frozen');
    eq((await t.serverLog(k)).length, 1, 'no request while frozen');
    ok(es.readyState !== 2, 'not closed');
    const last = t.msgs('freeze').at(-1).id;
    lifecycle('resume');
    const log = await t.waitLog(k, 2);
    eq(log.map((r) => r.headers['last-event-id'] ?? null), [null, last], 'resume: a new request with the last event ID');
    await t.until(() => t.msgs('freeze').length >= 15, 'every event up to 15');
    eq(t.ids('freeze'), range(1, 15), 'no event lost or repeated');
    eq(t.of('freeze').filter((e) => e.type !== 'message').map(sig), ['open@1'], 'no error, one open: the pause is silent');
  });
}

def('pauseWhenHidden: a page resumed while still hidden stays paused until shown; without the option freeze changes nothing', async (t) => {
  const [k1, k2] = [t.key(), t.key()];
  try {
    t.source(`${A}/drop?after=1000&total=12&interval=80&retry=50&key=${k1}`, { pauseWhenHidden: true }, 'hidden');
    t.source(`${A}/stream?n=1000&interval=80&ids=1&key=${k2}`, { transport: 'fetch' }, 'without');
    await t.until(() => t.msgs('hidden').length >= 2 && t.msgs('without').length >= 1, 'the first events');
    setVisibility('hidden');
    lifecycle('freeze');
    eq(await t.openCount(k1, 0), 0, 'hidden and frozen: closed');
    lifecycle('resume');
    const n = t.msgs('without').length;
    await quiet(400); // a reconnect would start at once: nothing within 400 ms
    eq((await t.serverLog(k1)).length, 1, 'resumed but hidden: no request');
    ok(t.msgs('without').length > n, 'a source without the option streamed on through freeze and resume');
    eq([(await t.serverLog(k2)).length, await t.openCount(k2, 1, 0)], [1, 1], 'without the option: one request, still open');
    setVisibility('visible');
    await t.until(() => t.msgs('hidden').length >= 12, 'every event once shown');
    eq(t.ids('hidden'), range(1, 12), 'no event lost or repeated');
  } finally {
    setVisibility(null);
  }
});

def('maxEventSize: the default limit is 16 MiB (a longer event fails with size-limit, a shorter one is delivered)', async (t) => {
  const MiB16 = 16 * 1024 * 1024;
  const over = t.source(`${A}/big?size=${MiB16 + 16}&eol=1&key=${t.key()}`, { transport: 'fetch' }, 'over');
  await t.until(() => t.errors('over').length, 'the error', 8000);
  eq(t.sigs('over'), ['open@1', 'error size-limit 0 @2 null'], '16 MiB + 16 bytes');
  eq(over.readyState, 2, 'closed');
  t.source(`${A}/big?size=${MiB16 - 16}&eol=1&key=${t.key()}`, { transport: 'fetch' }, 'under');
  await t.until(() => t.msgs('under').length || t.errors('under').length, 'the event', 8000);
  eq(t.sigs('under'), ['open@1', 'message #'], '16 MiB − 16 bytes');
  eq(t.msgs('under')[0].data.length, MiB16 - 16, 'its data');
});

def('transport xhr: a headers function (on every reconnect), a POST body, the last event ID; it refuses fetch and credentials omit', async (t) => {
  const k = t.key();
  const url = `${A}/seq?steps=end,open&n=2&retry=50&key=${k}`;
  const calls = [];
  const es = t.source(url, {
    transport: 'xhr',
    method: 'POST',
    body: 'payload',
    headers: (info) => {
      calls.push([info.lastEventId, info.attempt]);
      return { Authorization: `Bearer x${calls.length}` };
    },
  });
  eq(es.transport, 'xhr', 'transport');
  await t.until(() => t.msgs('es').length >= 4, 'events 1..4');
  eq(t.sigs('es'), ['open@1', 'message #1', 'message #2', 'error end-of-stream 200 @0 50', 'open@1', 'message #3', 'message #4'], 'events');
  eq(calls, [['', 0], ['2', 1]], 'the headers function');
  const log = await t.serverLog(k);
  eq(log.map((r) => [r.method, r.body, r.headers.authorization, r.headers['last-event-id'] ?? null]),
    [['POST', 'payload', 'Bearer x1', null], ['POST', 'payload', 'Bearer x2', '2']], 'requests');
  throwsType(() => new ES(url, { transport: 'xhr', fetch: (i, o) => fetch(i, o) }), "transport 'xhr' + fetch", 'fetch');
  throwsType(() => new ES(url, { transport: 'xhr', credentials: 'omit' }), "transport 'xhr' + credentials 'omit'", 'omit');
});

// ---------------------------------------------------------------- async iteration, streams

for (const tr of ['native', 'fetch']) {
  def(`for await: collects events; break closes the source and the server sees it close [${tr}]`, async (t) => {
    const k = t.key();
    const es = t.source(`${A}/stream?n=1000&interval=20&ids=1&key=${k}`, pick(tr), 'iter');
    eq(es.transport, tr, 'transport');
    const got = [];
    await t.within((async () => {
      for await (const ev of es) {
        ok(ev instanceof MessageEvent && ev.type === 'message', 'a message event');
        got.push(ev.lastEventId);
        if (got.length === 5) break;
      }
    })(), 'five events');
    eq(got, range(1, 5), 'ids');
    eq(es.readyState, 2, 'break closed the source');
    eq(await t.openCount(k, 0), 0, 'the server saw the connection close');
  });

  def(`for await: reconnects do not end the loop; close() elsewhere ends it [${tr}]`, async (t) => {
    const es = t.source(`${A}/seq?steps=end,end,open&n=2&retry=50&key=${t.key()}`, pick(tr), 'drop');
    const got = [];
    await t.within((async () => {
      for await (const ev of es) {
        got.push(ev.lastEventId);
        if (got.length === 5) break;
      }
    })(), 'five events across two drops');
    eq(got, range(1, 5), 'ids');
    ok(t.errors('drop').length >= 1 && t.errors('drop').every((e) => e.rs === 0), 'the reconnecting errors did not stop the loop');
    const es2 = t.source(`${A}/stream?n=1000&interval=20&ids=1&key=${t.key()}`, pick(tr), 'closed');
    const got2 = [];
    await t.within((async () => {
      for await (const ev of es2) {
        got2.push(ev.lastEventId);
        if (got2.length === 3) setTimeout(() => es2.close());
      }
    })(), 'the loop ends when the source is closed');
    eq(got2.slice(0, 3), range(1, 3), 'ids before the close');
    eq(got2, range(1, got2.length), 'no gap');
  });

  def(`for await: a failing source makes the loop throw an Error whose cause is the error event [${tr}]`, async (t) => {
    const k = t.key();
    // A stream with two events, then the end of the body; the reconnect gets 500.
    const es = t.source(`${C}/seq?steps=end,500&n=2&retry=50&key=${k}`, pick(tr), 'fail');
    const got = [];
    let caught = null;
    await t.within((async () => {
      try {
        for await (const ev of es) got.push(ev.data);
      } catch (e) {
        caught = e;
      }
    })(), 'the loop ends');
    eq(got, ['tick 1', 'tick 2'], 'the events before the failure');
    ok(caught instanceof Error, `the loop threw an Error: ${caught}`);
    ok(caught.cause instanceof Event && caught.cause === t.errors('fail').at(-1).ev, 'its cause is the error event');
    eq(es.readyState, 2, 'closed');
    if (tr === 'native') {
      eq(caught.cause.reason, 'native', 'reason');
    } else {
      eq([caught.cause.reason, caught.cause.status], ['http-status', 500], 'reason, status');
      ok(caught.message.includes('HTTP 500'), `message: ${caught.message}`);
    }
  });

  def(`events(types) yields the events of those types; the default iterator only 'message' [${tr}]`, async (t) => {
    const raw = 'event: a\ndata: 1\n\nevent: b\ndata: 2\n\ndata: 3\n\nevent: c\ndata: 4\n\nevent: a\ndata: 5\n\n';
    const url = `${A}/raw?b64=${b64url(raw)}&key=${t.key()}`;
    const collect = async (iterable, n) => {
      const out = [];
      for await (const ev of iterable) {
        out.push([ev.type, ev.data]);
        if (out.length === n) break;
      }
      return out;
    };
    const e1 = t.source(url, pick(tr), 'ab');
    eq(await t.within(collect(e1.events(['a', 'b']), 3), 'events a, b'), [['a', '1'], ['b', '2'], ['a', '5']], "events(['a', 'b'])");
    eq(e1.readyState, 2, 'leaving the loop closed the source');
    const e2 = t.source(url, pick(tr), 'default');
    eq(await t.within(collect(e2, 1), 'message'), [['message', '3']], 'the default iterator');
    const e3 = t.source(`${A}/stream?type=custom&n=3&ids=1&key=${t.key()}`, pick(tr), 'custom');
    const custom = [];
    await t.within((async () => {
      for await (const ev of e3.events(['custom'])) {
        custom.push([ev.type, ev.lastEventId, ev.data]);
        if (custom.length === 3) break;
      }
    })(), 'custom events');
    eq(custom, [['custom', '1', 'tick 1'], ['custom', '2', 'tick 2'], ['custom', '3', 'tick 3']], "events(['custom'])");
  });

  def(`stream(): a reader gets the events; cancel() closes the source; a failure errors the stream [${tr}]`, async (t) => {
    const k = t.key();
    const es = t.source(`${A}/stream?n=1000&interval=20&ids=1&key=${k}`, pick(tr), 'stream');
    const rs = es.stream();
    ok(rs instanceof ReadableStream, 'a ReadableStream');
    const reader = rs.getReader();
    const got = [];
    for (let i = 0; i < 3; i++) {
      const { value, done } = await t.within(reader.read(), 'a read');
      ok(!done && value instanceof MessageEvent, 'a MessageEvent');
      got.push(value.lastEventId);
    }
    eq(got, range(1, 3), 'ids');
    await reader.cancel();
    eq(es.readyState, 2, 'cancel() closed the source');
    eq(await t.openCount(k, 0), 0, 'the server saw the connection close');
    const c = t.source(`${A}/stream?type=custom&n=2&ids=1&key=${t.key()}`, pick(tr), 'custom');
    const r2 = c.stream(['custom']).getReader();
    const v = [];
    for (let i = 0; i < 2; i++) v.push((await t.within(r2.read(), 'a read')).value.type);
    eq(v, ['custom', 'custom'], "stream(['custom'])");
    await r2.cancel();
    const f = t.source(`${A}/status?code=500&key=${t.key()}`, pick(tr), 'fail');
    let caught = null;
    try {
      await t.within(f.stream().getReader().read(), 'the failing read');
    } catch (e) {
      caught = e;
    }
    ok(caught instanceof Error && caught.cause instanceof Event, `the read rejected with an Error caused by the error event: ${caught}`);
  });
}

// ---------------------------------------------------------------- connection sharing in a page

def('share: true: same URL and options → one request; both get the same events; a latecomer gets open; closing one keeps the others; closing all closes it', async (t) => {
  const k = t.key();
  const url = `${A}/stream?n=1000&interval=40&ids=1&key=${k}`;
  const s1 = t.source(url, { share: true }, 's1');
  const s2 = t.source(url, { share: true }, 's2');
  eq([s1.transport, s2.transport], ['native', 'native'], 'share alone keeps the native transport');
  await t.until(() => t.msgs('s1').length >= 3 && t.msgs('s2').length >= 3, 'three events on both');
  const s3 = t.source(url, { share: true }, 's3');
  // The page stays busy for 100 ms after creating the source (ordinary for an application);
  // events that arrive meanwhile must still come after the latecomer's open.
  const busy = performance.now() + 100;
  while (performance.now() < busy) { /* busy */ }
  await t.until(() => t.msgs('s3').length >= 2, 'the latecomer gets events');
  eq(t.of('s3').slice(0, 2).map((e) => `${e.type}@${e.rs}`), ['open@1', 'message@1'], 'the latecomer: open first, then events in readyState OPEN');
  eq(await t.openCount(k, 1, 0), 1, 'one connection at the server');
  eq((await t.serverLog(k)).length, 1, 'one request');
  s1.close();
  const n1 = t.msgs('s1').length;
  const n2 = t.msgs('s2').length;
  await t.until(() => t.msgs('s2').length >= n2 + 3 && t.msgs('s3').length >= 5, 'the others keep going');
  eq(t.msgs('s1').length, n1, 's1 got nothing after close()');
  eq(await t.openCount(k, 1, 0), 1, 'still one connection');
  const n = Math.min(t.msgs('s1').length, t.msgs('s2').length);
  eq(t.ids('s2').slice(0, n), t.ids('s1').slice(0, n), 's1 and s2 got the same events');
  eq(t.ids('s2'), range(1, t.msgs('s2').length), 's2: no gap');
  const i3 = t.ids('s3');
  eq(i3, range(Number(i3[0]), Number(i3[0]) + i3.length - 1), 's3: no gap');
  s2.close();
  s3.close();
  eq(await t.openCount(k, 0), 0, 'closing all closed the connection');
  eq((await t.serverLog(k)).length, 1, 'still one request');
});

def('share: true: different options → separate connections; equal options (and the same function) share', async (t) => {
  const k = t.key();
  const url = `${A}/stream?n=1000&interval=50&ids=1&key=${k}`;
  t.source(url, { share: true }, 'a');
  t.source(url, { share: true, headers: { 'X-A': '1' } }, 'b');
  t.source(url, { share: true, headers: { 'X-A': '1' } }, 'c (= b)');
  t.source(url, { share: true, headers: { 'X-A': '2' } }, 'd');
  t.source(url, undefined, 'e (not shared)');
  const labels = ['a', 'b', 'c (= b)', 'd', 'e (not shared)'];
  await t.until(() => labels.every((l) => t.msgs(l).length >= 1), 'events on all');
  const log = await t.serverLog(k);
  eq(log.map((r) => r.headers['x-a'] ?? '-').sort(), ['-', '-', '1', '2'], 'four connections: a, b+c, d, e');
  t.closeAll();
  eq(await t.openCount(k, 0), 0, 'all closed');
  const k2 = t.key();
  const url2 = `${A}/stream?n=1000&interval=50&ids=1&key=${k2}`;
  const fn = () => ({ 'X-Fn': '1' });
  t.source(url2, { share: true, headers: fn }, 'f');
  t.source(url2, { share: true, headers: fn }, 'g (same function)');
  t.source(url2, { share: true, headers: () => ({ 'X-Fn': '1' }) }, 'h (another function)');
  await t.until(() => ['f', 'g (same function)', 'h (another function)'].every((l) => t.msgs(l).length >= 1), 'events on all');
  eq((await t.serverLog(k2)).length, 2, 'two connections: f+g, h');
  t.closeAll();
  // Options JSON cannot show (Headers, URLSearchParams and FormData serialise as {}) must not
  // make different requests share: each source must get the echo of its own request.
  const [k3, k4] = [t.key(), t.key()];
  const sameHeaders = new Headers({ 'X-A': '1' });
  t.source(`${A}/echo?key=${k3}`, { share: true, headers: sameHeaders }, 'Headers 1');
  t.source(`${A}/echo?key=${k3}`, { share: true, headers: sameHeaders }, 'Headers 1 (same object)');
  t.source(`${A}/echo?key=${k3}`, { share: true, headers: new Headers({ 'X-A': '2' }) }, 'Headers 2');
  t.source(`${A}/echo?key=${k4}`, { share: true, method: 'POST', body: new URLSearchParams({ q: 'one' }) }, 'body one');
  t.source(`${A}/echo?key=${k4}`, { share: true, method: 'POST', body: new URLSearchParams({ q: 'two' }) }, 'body two');
  const echoes = ['Headers 1', 'Headers 1 (same object)', 'Headers 2', 'body one', 'body two'];
  await t.until(() => echoes.every((l) => t.msgs(l).length >= 1), 'an echo on each');
  const echo = (l) => JSON.parse(t.msgs(l)[0].data);
  eq([echo('Headers 1').headers['x-a'], echo('Headers 1 (same object)').headers['x-a'], echo('Headers 2').headers['x-a']], ['1', '1', '2'], 'each source got its own headers');
  eq([echo('body one').body, echo('body two').body], ['q=one', 'q=two'], 'each source got its own body');
  eq([(await t.serverLog(k3)).length, (await t.serverLog(k4)).length], [2, 2], 'requests: the same Headers object shares, different ones do not');
});

def('share: true with a reconnect policy: one connection, every subscriber sees the drop, the reconnect and all events once', async (t) => {
  const k = t.key();
  const url = `${A}/seq?steps=end,open&n=2&retry=50&key=${k}`;
  const opts = () => ({ share: true, reconnect: { delay: 50, jitter: 0 } });
  const s1 = t.source(url, opts(), 's1');
  t.source(url, opts(), 's2');
  eq(s1.transport, 'fetch', 'transport');
  await t.until(() => t.msgs('s1').length >= 4 && t.msgs('s2').length >= 4, 'events 1..4 on both');
  const want = ['open@1', 'message #1', 'message #2', 'error end-of-stream 200 @0 50', 'open@1', 'message #3', 'message #4'];
  eq(t.sigs('s1'), want, 's1');
  eq(t.sigs('s2'), want, 's2');
  eq((await t.serverLog(k)).map((r) => r.headers['last-event-id'] ?? null), [null, '2'], 'one request per connection, the reconnect with the ID');
});

// ------------------------------------------------------------------------------------ install

/** Page helpers for the cross-tab case, which the runner drives across pages. */
function tabHelpers() {
  const state = { ids: [], opens: 0, errors: [], early: [], es: null, waiters: new Set() };
  const notify = () => { for (const w of [...state.waiters]) w(); };
  return {
    start(url, busyMs = 0) {
      const es = new ES(url, { share: 'tabs' });
      state.es = es;
      // Optionally keep the page busy right after the constructor, as an application may.
      const busy = performance.now() + busyMs;
      while (performance.now() < busy) { /* busy */ }
      es.onopen = () => { state.opens++; notify(); };
      es.onmessage = (e) => {
        if (es.readyState !== 1) state.early.push(`#${e.lastEventId}@${es.readyState}`);
        state.ids.push(Number(e.lastEventId));
        notify();
      };
      es.onerror = (e) => { state.errors.push(`${e.reason} ${e.status} @${es.readyState}`); notify(); };
      return es.transport;
    },
    state() {
      return { ids: state.ids, opens: state.opens, errors: state.errors, early: state.early, readyState: state.es ? state.es.readyState : null };
    },
    waitIds(n, ms = 5000) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => { state.waiters.delete(check); resolve(false); }, ms);
        const check = () => {
          if (state.ids.length >= n) {
            clearTimeout(timer);
            state.waiters.delete(check);
            resolve(true);
          }
        };
        state.waiters.add(check);
        check();
      });
    },
    close() {
      state.es?.close();
    },
  };
}

export function install(EventSourceClass, ErrorEventClass) {
  ES = EventSourceClass;
  ErrorEvent_ = ErrorEventClass;
  window.__tab = tabHelpers();
  window.__listCases = () => [...cases.values()].map(({ name, browsers }) => ({ name, browsers }));
  window.__run = async (name) => {
    const c = cases.get(name);
    if (!c) return { ok: false, error: `no case ${name}`, log: [] };
    const t = new Context(name);
    let error = null;
    const started = performance.now();
    try {
      const before = assertions();
      await t.within(Promise.resolve().then(() => c.fn(t)), `the case (page limit ${c.timeout} ms)`, c.timeout);
      ok(assertions() > before, 'the case asserted nothing');
    } catch (e) {
      error = e && e.name === 'AssertionError' ? e.message : `${e && e.name}: ${e && e.message}\n${e && e.stack}`;
    } finally {
      t.closeAll();
    }
    // Let a rejection from the last moments surface before the page errors are read.
    await quiet(0);
    const log = t.describe();
    if (error) {
      // What the server saw, for the diagnosis.
      for (const k of t.usedKeys || []) {
        try {
          const entries = await t.serverLog(k);
          log.push(`server ${k.slice(k.lastIndexOf('-') + 1)}: ${entries.map((r) => `[${r.method} ${r.path} conn=${r.conn} t=${r.time % 100000}${r.step ? ` step=${r.step}` : ''}${r.sent !== undefined ? ` sent=${r.sent}` : ''}${r.outcome ? ` ${r.outcome}` : ''}${r.headers['last-event-id'] ? ` LEI=${r.headers['last-event-id']}` : ''}]`).join(' ')}`);
        } catch (e) {
          log.push(`server log ${k}: ${e.message}`);
        }
      }
    }
    return { ok: !error, error, log, ms: Math.round(performance.now() - started), pageErrors: [...window.__pageErrors] };
  };
}
