// The conformance cases of issue #18 (README "Conformance"), written to run unchanged in a
// page, a dedicated worker, a shared worker and the legacy script's page: nothing here touches
// `window` or `document` but the one case that calls `window.stop()`, which the host hands in.
//
//   const suite = createSuite(host);
//   suite.list(transport)             → [{ name, rule, na }]: na is null, or why the case cannot
//                                        run here (named, never skipped silently)
//   await suite.run(name, transport)  → { ok, error, checks, facts, log, errors }
//
// `transport` is 'native', 'fetch', 'xhr' or 'longpoll' (forced with the `transport` option), or
// 'class' for what belongs to the class rather than a transport (EventSource.fromReadableStream,
// the fetch-override marker). Each case compares with the context's own EventSource where the
// rule is the browser's (`facts.native` records what it did, for the README's table).
//
// host: { EventSource, NativeEventSource (the platform's class, or null), A (this origin's
// server), B (another origin, same server), DEAD (an origin where nothing listens), ctlFetch
// (a fetch the library cannot see, for /log and /open), context ('window', 'worker', 'shared',
// 'legacy'), browser, stop (window.stop, or null), takeErrors }.

import { ask, AssertionError, show, waitUntil } from '../lib/page-helpers.js';

/** Waiting for something *not* to happen cannot be event-driven: the only sleep. */
const quiet = (ms) => new Promise((r) => setTimeout(r, ms));
// How long "nothing more happens" is watched for. Our transports get `reconnect: { delay: 50 }`
// in the cases that check that no reconnect follows, so a wrong reconnect would come 40-50 ms
// after the error; 600 ms leaves a loaded machine ten times that.
const QUIET = 600;

/** base64url of the UTF-8 bytes of `text` (no TextEncoder: the legacy page has none). */
const b64url = (text) => btoa(unescape(encodeURIComponent(text))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
/** A header value as Node.js gives it (one character per byte) read as UTF-8. */
const utf8 = (latin1) => {
  try {
    return decodeURIComponent(escape(latin1));
  } catch {
    return `(not UTF-8: ${show(latin1)})`;
  }
};

const ALL = ['native', 'fetch', 'xhr', 'longpoll'];
const OURS = ['fetch', 'xhr', 'longpoll'];

// What the engines do that page code cannot get around: the cases expect these where they apply,
// with the quirk's name in the check, so that an engine that changes shows up as a failure.
const QUIRKS = {
  // WebKit (2.50) puts a script's header value on the wire as the UTF-8 of its characters, not
  // as one byte per character, and refuses characters past U+00FF: a last event ID beyond ASCII
  // cannot reach the server as its UTF-8 bytes in a header a script sets (its own class can).
  headerValuesAsUtf8: (browser) => browser === 'webkit',
  // window.stop() fails a pending fetch() with the TypeError of a network error in every engine
  // (the Fetch standard's terminated fetch): the fetch transport cannot tell it from one.
  fetchStopIsNetworkError: () => true,
  // WebKit's own EventSource ignores window.stop(): it stays CONNECTING, its request pending.
  nativeIgnoresStop: (browser) => browser === 'webkit',
};

class Context {
  constructor(host, name, transport) {
    this.host = host;
    this.name = name;
    this.transport = transport;
    this.checks = 0;
    this.log = [];
    this.facts = {};
    this.sources = [];
    this.waiters = new Set();
    this.t0 = Date.now();
    this.nonce = Math.random().toString(36).slice(2, 8);
    this.keys = 0;
  }

  // ------------------------------------------------------------------ assertions (counted)

  check(cond, message) {
    this.checks++;
    if (!cond) throw new AssertionError(message);
  }

  same(actual, expected, message) {
    this.checks++;
    const a = show(actual);
    const e = show(expected);
    if (a !== e) throw new AssertionError(`${message}:\n    expected ${e}\n    actual   ${a}`);
  }

  /** Runs `make()`, which must throw: returns what it threw. */
  throws(make, what) {
    try {
      const es = make();
      if (es && typeof es.close === 'function') es.close();
    } catch (e) {
      return e;
    }
    this.check(false, `${what}: did not throw`);
    return null;
  }

  // ------------------------------------------------------------------ sources

  /** A log key unique to this run, case and call. */
  key() {
    this.keys += 1;
    return `c-${this.host.context}-${this.transport}-${this.name.slice(0, 24).replace(/[^a-z0-9]+/gi, '_')}-${this.nonce}-${this.keys}`;
  }

  /** Options for the transport under test, plus `extra`. */
  options(extra = {}) {
    return { transport: this.transport, ...extra };
  }

  /** Options that make a wrong reconnect come fast (not for the native transport, which cannot honour them). */
  fast(extra = {}) {
    return this.transport === 'native' ? { ...extra } : { reconnect: { delay: 50 }, ...extra };
  }

  /** Our class on the transport under test, recorded under `label`. */
  ours(url, extra = {}, label = 'es', types = []) {
    const es = new this.host.EventSource(url, this.options(extra));
    this.record(es, label, types);
    return es;
  }

  /** The context's own EventSource (for comparison), recorded under `label`. */
  native(url, init = undefined, label = 'native', types = []) {
    const N = this.host.NativeEventSource;
    const es = init === undefined ? new N(url) : new N(url, init);
    this.record(es, label, types);
    return es;
  }

  record(es, label, types = []) {
    this.sources.push(es);
    for (const type of ['open', 'message', 'error', ...types]) {
      es.addEventListener(type, (ev) => {
        const entry = { src: label, type: ev.type, rs: es.readyState, t: Date.now() - this.t0 };
        if (ev.type === 'error') Object.assign(entry, { reason: ev.reason, status: ev.status, message: ev.message, code: ev.code });
        else if (ev.type !== 'open') Object.assign(entry, { data: ev.data, id: ev.lastEventId, origin: ev.origin });
        entry.targetOk = ev.target === es;
        this.log.push(entry);
        for (const w of [...this.waiters]) w();
      });
    }
  }

  of(label) {
    return this.log.filter((e) => e.src === label);
  }

  /** The events of `label` as `type@readyState` (messages with their data and id). */
  sigs(label) {
    return this.of(label).map((e) => (e.type === 'open' || e.type === 'error' ? `${e.type}@${e.rs}` : `${e.type} ${show(e.data)} #${e.id}`));
  }

  errors(label) {
    return this.of(label).filter((e) => e.type === 'error');
  }

  count(label, type) {
    return this.of(label).filter((e) => e.type === type).length;
  }

  /** Resolves when `pred()` holds, checked now and after every event; rejects after `ms`. */
  until(pred, ms, what) {
    return waitUntil(this.waiters, pred, ms, () => `timed out after ${ms} ms waiting for ${what}; events: ${show(this.log.map((e) => `${e.src}: ${e.type}@${e.rs}`))}`);
  }

  /** Like `until`, but a timeout is an answer (false), not a failure. */
  settle(pred, ms) {
    return this.until(pred, ms, '').then(() => true, () => false);
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

  // ------------------------------------------------------------------ the server

  async json(path) {
    const r = await this.host.ctlFetch(`${this.host.A}${path}`, { cache: 'no-store' });
    if (!r.ok) throw new Error(`GET ${path}: HTTP ${r.status}`);
    return r.json();
  }

  /** Every request the server logged under `key`, in order (OPTIONS and HEAD included). */
  raw(key) {
    return this.json(`/log?key=${encodeURIComponent(key)}`);
  }

  /** The log of `key` once it has `n` requests of `method` (bounded by `ms`). */
  async requests(key, n, { method = 'GET', ms = 8000 } = {}) {
    const deadline = Date.now() + ms;
    for (;;) {
      const log = await this.raw(key);
      if (log.filter((r) => r.method === method).length >= n) return log;
      if (Date.now() > deadline) throw new AssertionError(`the server saw ${log.filter((r) => r.method === method).length} ${method} requests for ${key}, not ${n}, within ${ms} ms: ${show(log.map((r) => r.method))}`);
      await quiet(40);
    }
  }

  /** Waits until `key` has `n` open responses at the server (hung requests count). */
  async openAt(key, n, ms = 5000) {
    const { open } = await this.json(`/open?key=${encodeURIComponent(key)}&until=${n}&timeout=${ms}`);
    return open;
  }
}

// ---------------------------------------------------------------------------- helpers of cases

const methods = (log) => log.map((r) => r.method);
const gets = (log) => log.filter((r) => r.method === 'GET');

/** A stream that sends `retry: 50`, `id`, one message, and ends (a reconnect follows at once). */
const oneEvent = (id, data = 'x') => `retry: 50\nid: ${id}\ndata: ${data}\n\n`;

/** What the context's own class does with `url`: constructor outcome, then events until `pred` or `ms`. */
async function nativeRecord(t, url, init, { until = (s) => s.length > 0, ms = 3000, label } = {}) {
  const name = label || `native ${url}`;
  let es;
  try {
    es = t.native(url, init, name);
  } catch (e) {
    return { threw: `${e && e.name}` };
  }
  await t.settle(() => until(t.sigs(name)), ms);
  await quiet(QUIET);
  const out = { events: t.sigs(name), readyState: es.readyState };
  es.close();
  return out;
}

// ---------------------------------------------------------------------------- the suite

export function createSuite(host) {
  const { A, B, DEAD } = host;
  const ES = host.EventSource;
  // The context's own class, kept for comparisons (the legacy page hides it from the library).
  const hasNative = typeof host.NativeEventSource === 'function';
  // What the library found here when it loaded: which transports exist.
  const has = { native: host.has.native, fetch: host.has.fetch, xhr: host.has.xhr, longpoll: host.has.xhr || host.has.fetch };
  // Without fetch (the legacy page) the library cannot tell a CORS refusal from a network error.
  const probe = host.has.fetch;
  // The browser's own class is looked at for the record (facts.native, the README's table) in one
  // cell per context: the native transport's, else the first transport there is.
  const recordIn = ['native', 'fetch', 'xhr', 'longpoll'].find((x) => has[x]);
  const record = (t) => hasNative && (t.transport === recordIn || t.transport === 'native');
  const cases = [];
  const add = (rule, name, transports, fn, extra = {}) => cases.push({ rule, name, transports, fn, ...extra });

  // ------------------------------------------------------------------------ 1. URLs that are not http(s)

  const NON_HTTP = ['ftp://example.not/', 'about:blank', 'mailto:nobody@example.not', 'javascript:void(0)'];

  /** What our class does with `url`, in the shape of nativeRecord's answer. */
  async function oursRecord(t, url) {
    let es;
    try {
      es = t.ours(url, t.fast(), url);
    } catch (e) {
      return { threw: `${e && e.name}` };
    }
    await t.settle(() => t.sigs(url).length > 0, 3000);
    await quiet(QUIET);
    return { events: t.sigs(url), readyState: es.readyState };
  }

  add(1, 'a URL that is not http(s) (ftp:, about:, mailto:, javascript:): the constructor succeeds, then exactly one error at CLOSED, no reconnect', ALL, async (t) => {
    t.facts.native = {};
    if (t.transport === 'native') {
      // Handed to the browser's own class: the same outcome as the browser's class, whatever it is.
      for (const url of NON_HTTP) {
        const nat = await nativeRecord(t, url);
        t.facts.native[url] = nat;
        t.same(await oursRecord(t, url), nat, `${url}: as the browser's own class`);
      }
      return;
    }
    const sources = new Map();
    for (const url of NON_HTTP) {
      let es = null;
      try {
        es = t.ours(url, t.fast(), url);
      } catch (e) {
        t.check(false, `${url}: the constructor threw ${e && e.name}: ${e && e.message}`);
      }
      t.same(es.readyState, 0, `${url}: readyState right after the constructor`);
      sources.set(url, es);
    }
    for (const url of NON_HTTP) await t.until(() => t.errors(url).length > 0, 5000, `${url}: an error event`);
    await quiet(QUIET);
    for (const url of NON_HTTP) {
      t.same(t.sigs(url), ['error@2'], `${url}: exactly one error, readyState CLOSED in its handler, nothing else`);
      t.same(sources.get(url).readyState, 2, `${url}: readyState`);
      t.same(t.errors(url)[0].reason, 'url-scheme', `${url}: error.reason`);
    }
    if (record(t)) for (const url of NON_HTTP) t.facts.native[url] = await nativeRecord(t, url);
  });

  const DATA = 'data:text/event-stream,data:%20hi%0A%0A';
  add(1, 'a data: URL still works (data:text/event-stream,data:%20hi%0A%0A → message "hi")', OURS, async (t) => {
    const es = t.ours(DATA);
    await t.until(() => t.count('es', 'message') > 0, 5000, 'the message');
    const m = t.of('es').find((e) => e.type === 'message');
    t.same(m.data, 'hi', 'message data');
    t.same(t.sigs('es').slice(0, 2), ['open@1', 'message "hi" #'], 'open, then the message');
    t.facts.origin = m.origin;
    es.close();
    if (record(t)) t.facts.native = await nativeRecord(t, DATA, undefined, { until: (s) => s.some((x) => x.startsWith('message')) });
  });

  add(1, "a data: URL on the native transport: as the browser's own class (Firefox's and WebKit's fail it)", ['native'], async (t) => {
    const nat = await nativeRecord(t, DATA, undefined, { until: (s) => s.some((x) => x.startsWith('message') || x.startsWith('error')) });
    const es = t.ours(DATA);
    await t.until(() => t.of('es').some((e) => e.type !== 'open'), 5000, 'a message or an error');
    t.facts.native = nat;
    t.same(t.sigs('es').slice(0, 2), nat.events.slice(0, 2), "the first events, as the browser's own class");
  });

  // ------------------------------------------------------------------------ 2. a URL the standard's parser refuses

  add(2, "new EventSource('http://this is invalid/') throws a SyntaxError DOMException", ALL, async (t) => {
    for (const url of ['http://this is invalid/', 'https://exa mple.not/s']) {
      const e = t.throws(() => new ES(url, t.options()), url);
      t.check(typeof DOMException === 'function' && e instanceof DOMException, `${url}: a DOMException, not ${e && e.constructor && e.constructor.name}`);
      t.same([e.name, e.code], ['SyntaxError', 12], `${url}: name and code`);
    }
    if (hasNative) {
      try {
        new host.NativeEventSource('http://this is invalid/').close();
        t.facts.native = 'does not throw';
      } catch (e) {
        t.facts.native = `throws ${e && e.name}`;
      }
    }
  });

  // ------------------------------------------------------------------------ 3. CORS failures fail the connection

  for (const [acao, what] of [['none', 'no Access-Control-Allow-Origin'], ['other', 'another origin in Access-Control-Allow-Origin'], ['empty', 'an empty Access-Control-Allow-Origin']]) {
    add(3, `a cross-origin response with ${what}: one error at CLOSED (reason cors), no reconnect`, ALL, async (t) => {
      const key = t.key();
      const es = t.ours(`${B}/stream?n=1&acao=${acao}&key=${key}`, t.fast());
      await t.until(() => t.errors('es').length > 0, 8000, 'the error');
      await quiet(QUIET);
      const log = await t.raw(key);
      if (record(t)) {
        const nk = t.key();
        t.facts.native = await nativeRecord(t, `${B}/stream?n=1&acao=${acao}&key=${nk}`);
        t.facts.native.requests = methods(await t.raw(nk));
      }
      if (t.transport === 'native') {
        t.same({ events: t.sigs('es'), readyState: es.readyState }, { events: t.facts.native.events, readyState: t.facts.native.readyState }, "as the browser's own class");
        return;
      }
      if (!probe) {
        // No fetch to send the probe with: a refusal looks like a network error, so it reconnects.
        t.same(t.sigs('es')[0], 'error@0', 'without fetch, CORS cannot be told from the network: the first error reconnects');
        t.same(t.errors('es')[0].reason, 'network', 'error.reason');
        return;
      }
      t.same(t.sigs('es'), ['error@2'], 'exactly one error, readyState CLOSED in its handler, no open');
      t.same(t.errors('es')[0].reason, 'cors', 'error.reason');
      t.same(es.readyState, 2, 'readyState');
      t.same(gets(log).length, 1, 'one GET at the server: no reconnect');
      t.same(methods(log).filter((m) => m === 'HEAD').length, 1, 'one HEAD probe');
    });
  }

  add(3, 'a real network error (nothing listens) still reconnects: error at CONNECTING, reason network', ALL, async (t) => {
    const es = t.ours(`${DEAD}/stream`, t.fast());
    await t.until(() => t.errors('es').length > 0, 8000, 'the error');
    if (record(t)) t.facts.native = await nativeRecord(t, `${DEAD}/stream`);
    if (t.transport === 'native') {
      t.same(t.sigs('es')[0], t.facts.native.events[0], "the first event as the browser's own class");
      return;
    }
    t.same(t.sigs('es')[0], 'error@0', 'the first error leaves readyState CONNECTING');
    t.same(t.errors('es')[0].reason, 'network', 'error.reason');
    await t.until(() => t.errors('es').length > 1, 8000, 'a second attempt failing too');
    t.same(t.sigs('es').slice(0, 2), ['error@0', 'error@0'], 'it tried again');
    es.close();
  });

  // ------------------------------------------------------------------------ 4. a last event ID beyond Latin-1

  const WIDE_ID = '…é😀ü';
  add(4, `a non-Latin-1 last event ID (${WIDE_ID}) reaches the server on reconnect as its UTF-8 bytes in Last-Event-ID, as native sends it`, ALL, async (t) => {
    const body = b64url(oneEvent(WIDE_ID));
    const key = t.key();
    const es = t.ours(`${A}/raw?b64=${body}&close=1&key=${key}`);
    await t.until(() => t.count('es', 'message') > 0, 5000, 'the event');
    t.same(t.of('es').find((e) => e.type === 'message').id, WIDE_ID, 'event.lastEventId');
    t.same(es.lastEventId, WIDE_ID, 'es.lastEventId');
    const log = await t.requests(key, 2);
    es.close();
    const header = gets(log)[1].headers['last-event-id'];
    if (t.transport !== 'native' && QUIRKS.headerValuesAsUtf8(host.browser)) {
      // The engine sent the UTF-8 of the byte string the library set (see QUIRKS).
      t.same(utf8(utf8(header ?? '')), WIDE_ID, 'WebKit sends a header value a script sets as the UTF-8 of its characters: Last-Event-ID read as UTF-8 twice');
      if (hasNative) {
        const nk = t.key();
        const nat = t.native(`${A}/raw?b64=${body}&close=1&key=${nk}`);
        const nlog = await t.requests(nk, 2);
        nat.close();
        t.facts.native = utf8(gets(nlog)[1].headers['last-event-id'] ?? '');
      }
      return;
    }
    t.same(utf8(header ?? ''), WIDE_ID, 'Last-Event-ID of the reconnect, read as UTF-8');
    if (hasNative) {
      const nk = t.key();
      const nat = t.native(`${A}/raw?b64=${body}&close=1&key=${nk}`);
      const nlog = await t.requests(nk, 2);
      nat.close();
      const nheader = gets(nlog)[1].headers['last-event-id'];
      t.facts.native = utf8(nheader ?? '');
      t.same(header, nheader, "the same bytes as the browser's own class sends");
    }
  });

  // ------------------------------------------------------------------------ 5. Last-Event-ID cross-origin

  /** Opens a source on `url` (a stream that sends id 7 and ends), waits for `n` GETs; returns the log. */
  async function reconnects(t, url, key, extra, n = 3) {
    const es = t.ours(url, extra);
    const log = await t.requests(key, n, { ms: 10_000 });
    es.close();
    return log;
  }
  /** The same with the browser's own class, for the record. */
  async function nativeReconnects(t, url, key, init, n = 3) {
    const es = t.native(url, init);
    try {
      const log = await t.requests(key, n, { ms: 10_000 });
      return gets(log).slice(1, n).map((r) => `header=${r.headers['last-event-id'] ?? '-'} query=${r.query.lastEventId ?? '-'} cookie=${r.headers.cookie ? 'yes' : 'no'}`).concat(methods(log).includes('OPTIONS') ? ['OPTIONS'] : []);
    } catch (e) {
      return `failed: ${e.message}`;
    } finally {
      es.close();
    }
  }
  // The native transport knows no reason ('native'); ours say 'end-of-stream'.
  const errorsOnly = (t, reasons) => t.errors('es').every((e) => (t.transport === 'native' ? ['native'] : reasons).includes(e.reason) && e.rs === 0);

  const crossVariants = [
    ['plain', 'withCredentials false', {}, ''],
    ['cred', 'withCredentials true (cred=1: the origin reflected, credentials allowed)', { withCredentials: true }, '&cred=1'],
  ];
  for (const [tag, what, init, query] of crossVariants) {
    add(5, `cross-origin, ${what}, a server answering only Access-Control-Allow-Origin (no preflight): one refused OPTIONS, one HEAD probe, the same reconnect with ?lastEventId=, the query for good`, ALL, async (t) => {
      const key = t.key();
      const url = `${B}/raw?b64=${b64url(oneEvent(7))}&close=1${query}&key=${key}`;
      const log = await reconnects(t, url, key, init);
      const g = gets(log);
      if (record(t)) t.facts.native = await nativeReconnects(t, url.replace(key, `${key}n`), `${key}n`, init);
      t.check(t.count('es', 'message') >= 1, 'the stream opened and delivered');
      if (t.transport === 'native') {
        t.same(methods(log).filter((m) => m !== 'GET'), [], 'the browser sends no preflight and no probe');
        t.same(g.slice(1, 3).map((r) => [r.headers['last-event-id'], r.query.lastEventId]), [['7', undefined], ['7', undefined]], 'the header on every reconnect');
        return;
      }
      if (!probe) {
        t.same(methods(log).filter((m) => m !== 'GET'), [], 'no preflight: without fetch to probe with, the ID goes in the query cross-origin');
        t.same(g.slice(1, 3).map((r) => [r.headers['last-event-id'], r.query.lastEventId]), [[undefined, '7'], [undefined, '7']], 'the query on every reconnect');
        return;
      }
      const firstReconnect = log.indexOf(g[1]);
      t.same(methods(log).slice(0, firstReconnect + 1), ['GET', 'OPTIONS', 'HEAD', 'GET'], 'the first reconnect: the refused preflight, the probe, then the request');
      t.same(methods(log).filter((m) => m === 'OPTIONS' || m === 'HEAD'), ['OPTIONS', 'HEAD'], 'one preflight and one probe in all: the query for good');
      t.same(g.slice(1, 3).map((r) => [r.headers['last-event-id'], r.query.lastEventId]), [[undefined, '7'], [undefined, '7']], 'the query, not the header, on every later request');
      t.check(errorsOnly(t, ['end-of-stream']), `no error for the refused preflight (only the ends of the stream, at CONNECTING): ${show(t.sigs('es'))} ${show(t.errors('es').map((e) => e.reason))}`);
      if (init.withCredentials) t.same(g.map((r) => r.headers.origin), g.map(() => host.origin), 'every request says its Origin');
    });

    add(5, `cross-origin, ${what}, a server answering preflights (cors=full): the Last-Event-ID header`, ALL, async (t) => {
      const key = t.key();
      const url = `${B}/raw?b64=${b64url(oneEvent(7))}&close=1&cors=full${query}&key=${key}`;
      const log = await reconnects(t, url, key, init);
      const g = gets(log);
      if (record(t)) t.facts.native = await nativeReconnects(t, url.replace(key, `${key}n`), `${key}n`, init);
      if (!probe && t.transport !== 'native') {
        t.same(g.slice(1, 3).map((r) => [r.headers['last-event-id'], r.query.lastEventId]), [[undefined, '7'], [undefined, '7']], 'without fetch to probe with, the query cross-origin');
        return;
      }
      t.same(g.slice(1, 3).map((r) => [r.headers['last-event-id'], r.query.lastEventId]), [['7', undefined], ['7', undefined]], 'the header on every reconnect');
      t.same(methods(log).filter((m) => m === 'HEAD'), [], 'no probe');
      if (t.transport !== 'native') t.check(methods(log).includes('OPTIONS'), 'a script needs a preflight for the header (the browser does not)');
      t.check(errorsOnly(t, ['end-of-stream']), `only the ends of the stream as errors: ${show(t.errors('es').map((e) => e.reason))}`);
    });
  }

  // Cookies a stream's own responses set, on the reconnect.
  for (const [where, wc, expected] of [['same-origin', false, true], ['cross-origin', false, false], ['cross-origin', true, true]]) {
    add(5, `cookies the stream's own responses set: ${where}, withCredentials ${wc} → ${expected ? 'sent' : 'not sent'} on the reconnect, as native does`, ALL, async (t) => {
      const name = `esw_${t.nonce}_${t.transport}`;
      const origin = where === 'same-origin' ? A : B;
      const key = t.key();
      const url = (k, n) => `${origin}/raw?b64=${b64url(oneEvent(7))}&close=1&cred=1&cors=full&setcookie=${n}&key=${k}`;
      try {
        const log = await reconnects(t, url(key, name), key, wc ? { withCredentials: true } : {}, 2);
        const cookie = gets(log)[1].headers.cookie || '';
        if (hasNative) {
          const nk = `${key}n`;
          const nat = t.native(url(nk, `${name}n`), wc ? { withCredentials: true } : undefined);
          const nlog = await t.requests(nk, 2, { ms: 10_000 });
          nat.close();
          const ncookie = gets(nlog)[1].headers.cookie || '';
          t.facts.native = ncookie.includes(`${name}n=`) ? 'sent' : 'not sent';
        }
        t.same(cookie.includes(`${name}=`), expected, `the cookie in the reconnect's Cookie header (${show(cookie)})`);
        if (hasNative) t.same(t.facts.native, expected ? 'sent' : 'not sent', "the browser's own class does the same");
      } finally {
        // The cookies are the browser's for every later request to 127.0.0.1: expire them.
        for (const n of [name, `${name}n`]) await t.json(`/set-cookie?name=${n}&value=&max_age=0&key=${key}-clean`).catch(() => {});
      }
    });
  }

  // ------------------------------------------------------------------------ 6. window.stop()

  add(6, "window.stop() while the first request is pending: one error at CLOSED (reason aborted), no open, no message, no reconnect, as the browser's own class (WebKit's ignores window.stop())", ALL, async (t) => {
    const key = t.key();
    const nk = t.key();
    const es = t.ours(`${A}/hang?key=${key}`, t.fast());
    const nat = hasNative ? t.native(`${A}/hang?key=${nk}`) : null;
    t.same(await t.openAt(key, 1), 1, 'our request is pending at the server');
    if (nat) t.same(await t.openAt(nk, 1), 1, "the browser's own request is pending at the server");
    host.stop();
    const stopIgnored = (e) => e && e.readyState === 0 && QUIRKS.nativeIgnoresStop(host.browser);
    await t.settle(() => (es.readyState === 2 || t.errors('es').length > 0) && (!nat || nat.readyState === 2 || t.errors('native').length > 0), 3000);
    await quiet(QUIET);
    const log = await t.raw(key);
    if (nat) {
      t.facts.native = { events: t.sigs('native'), readyState: nat.readyState, pending: (await t.json(`/open?key=${nk}`)).open };
      if (QUIRKS.nativeIgnoresStop(host.browser)) t.same([t.facts.native.events, nat.readyState], [[], 0], "WebKit's own class ignores window.stop()");
    }
    if (t.transport === 'native') {
      t.same({ events: t.sigs('es'), readyState: es.readyState }, { events: t.facts.native.events, readyState: nat.readyState }, "as the browser's own class");
      return;
    }
    if (t.transport === 'fetch' && QUIRKS.fetchStopIsNetworkError(host.browser)) {
      t.same([t.sigs('es')[0], t.errors('es')[0].reason], ['error@0', 'network'], 'fetch() fails a window.stop() as a network error (a TypeError) in every engine: the fetch transport reconnects');
      return;
    }
    t.same(t.sigs('es'), ['error@2'], 'one error, at CLOSED, and nothing else');
    t.same([es.readyState, t.errors('es')[0].reason], [2, 'aborted'], 'readyState, error.reason');
    t.same(gets(log).length, 1, 'no reconnect');
    if (nat && !stopIgnored(nat)) t.same(t.sigs('es'), t.facts.native.events, "the events of the browser's own class");
  }, { contexts: ['window', 'legacy'], fresh: true });

  // ------------------------------------------------------------------------ 7. the request's headers

  /** The first request's headers, ours and native's, for `origin`. */
  async function firstRequests(t, origin) {
    const key = t.key();
    const es = t.ours(`${origin}/stream?n=1&key=${key}`);
    const log = await t.requests(key, 1);
    await t.until(() => t.count('es', 'message') > 0, 5000, 'the message');
    es.close();
    let nlog = null;
    if (hasNative) {
      const nk = t.key();
      const nat = t.native(`${origin}/stream?n=1&key=${nk}`);
      nlog = await t.requests(nk, 1);
      nat.close();
    }
    return [log, nlog];
  }
  // What is the same for any two requests of one browser, or says nothing of the request's kind.
  const UNCOMPARED = new Set(['host', 'connection', 'cookie', 'content-length', 'priority']);
  function differences(ours, native) {
    const out = {};
    for (const name of new Set([...Object.keys(ours), ...Object.keys(native)])) {
      if (UNCOMPARED.has(name) || ours[name] === native[name]) continue;
      out[name] = [ours[name] ?? null, native[name] ?? null];
    }
    return out;
  }

  for (const [where, origin] of [['same-origin', () => A], ['cross-origin', () => B]]) {
    add(7, `the request's headers, ${where}: Accept: text/event-stream${where === 'same-origin' ? ', Cache-Control: no-cache and Pragma: no-cache' : ' (XHR: no Cache-Control/Pragma, which would cost a preflight)'}, no preflight; compared header by header with native's`, ALL, async (t) => {
      const [log, nlog] = await firstRequests(t, origin());
      t.same(methods(log), ['GET'], 'one GET, no preflight');
      const h = log[0].headers;
      t.same(h.accept, 'text/event-stream', 'Accept');
      t.same(h['last-event-id'], undefined, 'no Last-Event-ID on the first request');
      const xhrCross = where === 'cross-origin' && (t.transport === 'xhr' || t.transport === 'longpoll') && has.xhr;
      if (xhrCross) t.same([h['cache-control'], h.pragma], [undefined, undefined], 'XHR cross-origin: no Cache-Control, no Pragma');
      else t.same([h['cache-control'], h.pragma], ['no-cache', 'no-cache'], 'Cache-Control and Pragma (the standard\'s "no-store" cache mode)');
      if (where === 'cross-origin') t.same(h.origin, host.origin, 'Origin');
      if (nlog) {
        const diff = differences(h, nlog[0].headers);
        t.facts.differences = diff;
        t.facts.native = { accept: nlog[0].headers.accept, cacheControl: nlog[0].headers['cache-control'] ?? null, pragma: nlog[0].headers.pragma ?? null };
        if (t.transport === 'native') t.same(diff, {}, "the same headers as the browser's own class");
        else {
          const named = xhrCross ? ['cache-control', 'pragma'] : [];
          const std = ['accept', 'last-event-id', 'origin', 'cache-control', 'pragma'].filter((n) => !named.includes(n) && n in diff);
          t.same(std, [], "the standard's request headers as the browser's own class sends them");
        }
      }
    });
  }

  // ------------------------------------------------------------------------ 8. fromReadableStream, lastEventId, reconnectionTime, reset()

  const canStream = typeof ReadableStream === 'function';
  const enc = (s) => Uint8Array.from(unescape(encodeURIComponent(s)), (c) => c.charCodeAt(0));
  /** A stream whose controller the case drives: [stream, controller]. */
  function pushStream() {
    let controller;
    const stream = new ReadableStream({ start: (c) => { controller = c; } });
    return [stream, controller];
  }
  const stream = (rule, name, fn) => add(rule, name, ['class'], fn, { needs: canStream ? null : 'no ReadableStream in this context' });

  stream(8, 'fromReadableStream: url about:event-stream, withCredentials false, CONNECTING until the first read, then open; message origin "null"', async (t) => {
    const [s, c] = pushStream();
    const es = ES.fromReadableStream(s);
    t.record(es, 'es');
    t.same([es.url, es.withCredentials, es.readyState], ['about:event-stream', false, 0], 'url, withCredentials, readyState');
    t.check(es instanceof ES, 'an instance of the class');
    await quiet(100);
    t.same([es.readyState, t.log.length], [0, 0], 'still CONNECTING, no event, while nothing was read');
    c.enqueue(enc('data: a\n\n'));
    await t.until(() => t.count('es', 'message') > 0, 5000, 'the message');
    t.same(t.sigs('es'), ['open@1', 'message "a" #'], 'open, then the message');
    t.same(t.of('es')[1].origin, 'null', 'message origin');
    t.same(t.log.every((e) => e.targetOk), true, 'event.target is the source');
  });

  stream(8, "fromReadableStream: the parser's rules (BOM, CR/LF/CRLF, splits inside a BOM and a CRLF, id, retry, event types) and the lastEventId/reconnectionTime getters", async (t) => {
    const [s, c] = pushStream();
    const es = ES.fromReadableStream(s);
    t.record(es, 'es', ['ping']);
    t.same([es.lastEventId, es.reconnectionTime], ['', 3000], 'the getters before any event');
    const bytes = enc('\uFEFFretry: 1234\r\nid: 1\rdata: a\r\n\r\nid: é2\ndata: b\ndata: c\n\nevent: ping\ndata: p\r\rdata: no-end');
    // Every split point, one byte at a time: the BOM and CRLFs are cut everywhere.
    for (const b of bytes) c.enqueue(Uint8Array.of(b));
    await t.until(() => t.count('es', 'ping') > 0, 5000, 'the ping');
    t.same(t.sigs('es'), ['open@1', 'message "a" #1', 'message "b\\nc" #é2', 'ping "p" #é2'], 'the events');
    t.same([es.lastEventId, es.reconnectionTime], ['é2', 1234], 'lastEventId and reconnectionTime');
  });

  stream(8, 'fromReadableStream: a locked stream, or no stream, throws a TypeError', async (t) => {
    // (Calling a missing method throws a TypeError too.)
    t.same(typeof ES.fromReadableStream, 'function', 'EventSource.fromReadableStream is a static method');
    const [s] = pushStream();
    s.getReader();
    for (const [what, make] of [['a locked stream', () => ES.fromReadableStream(s)], ['a string', () => ES.fromReadableStream('data: x\n\n')], ['no argument', () => ES.fromReadableStream()]]) {
      const e = t.throws(make, what);
      t.check(e instanceof TypeError, `${what}: a TypeError, not ${e && e.name}`);
    }
  });

  for (const how of ['end', 'error']) {
    stream(8, `fromReadableStream: the stream's ${how} → one error at CLOSED, no reconnect`, async (t) => {
      const [s, c] = pushStream();
      const es = ES.fromReadableStream(s);
      t.record(es, 'es');
      c.enqueue(enc('id: 3\ndata: a\n\ndata: partial'));
      await t.until(() => t.count('es', 'message') > 0, 5000, 'the message');
      if (how === 'end') c.close();
      else c.error(new Error('gone'));
      await t.until(() => t.errors('es').length > 0, 5000, 'the error');
      await quiet(QUIET);
      t.same(t.sigs('es'), ['open@1', 'message "a" #3', 'error@2'], 'the events (the partial one dropped)');
      t.same([es.readyState, es.lastEventId], [2, '3'], 'readyState, lastEventId after it');
    });
  }

  stream(8, 'fromReadableStream: a chunk that is not bytes (a string) → one error at CLOSED', async (t) => {
    const [s, c] = pushStream();
    const es = ES.fromReadableStream(s);
    t.record(es, 'es');
    c.enqueue(enc('data: a\n\n'));
    await t.until(() => t.count('es', 'message') > 0, 5000, 'the message');
    c.enqueue('data: b\n\n');
    await t.until(() => t.errors('es').length > 0, 5000, 'the error');
    await quiet(QUIET);
    t.same(t.sigs('es'), ['open@1', 'message "a" #', 'error@2'], 'the events');
    t.same(es.readyState, 2, 'readyState');
  });

  stream(8, 'fromReadableStream: reset() drops buffered partial data (one TransformStream fed by a stream per connection)', async (t) => {
    const pipe = new TransformStream();
    const es = ES.fromReadableStream(pipe.readable);
    t.record(es, 'es');
    const feed = async (text) => {
      const [s, c] = pushStream();
      c.enqueue(enc(text));
      c.close();
      await s.pipeTo(pipe.writable, { preventClose: true });
    };
    // The first "connection" ends inside an event; the application resets and pipes the next one.
    await feed('id: 5\ndata: a\n\ndata: cut-sho');
    await t.until(() => t.count('es', 'message') > 0, 5000, 'the first message');
    es.reset();
    await feed('rt\n\ndata: b\n\n');
    await t.until(() => t.count('es', 'message') > 1, 5000, 'the second message');
    t.same(t.sigs('es'), ['open@1', 'message "a" #5', 'message "b" #5'], 'the partial event was dropped, not completed by the next stream; the last event ID stays');
    t.same(es.readyState, 1, 'still OPEN');
  });

  stream(8, "fromReadableStream: a fetch() POST response's body", async (t) => {
    const r = await host.ctlFetch(`${A}/echo?close=1&key=${t.key()}`, { method: 'POST', body: 'hello' });
    const es = ES.fromReadableStream(r.body);
    t.record(es, 'es');
    await t.until(() => t.errors('es').length > 0, 5000, 'the end of the body');
    const m = t.of('es').find((e) => e.type === 'message');
    t.check(m, `a message: ${show(t.sigs('es'))}`);
    const echo = JSON.parse(m.data);
    t.same([echo.method, echo.body], ['POST', 'hello'], 'what the server saw');
    t.same(t.sigs('es').map((x) => x.split(' ')[0]), ['open@1', 'message', 'error@2'], 'open, the message, then one error at CLOSED');
    t.same(m.origin, 'null', 'message origin');
  });

  add(8, 'lastEventId and reconnectionTime on every source: the last id seen, the server\'s retry:', ALL, async (t) => {
    const es = t.ours(`${A}/raw?b64=${b64url('retry: 1234\nid: 42\ndata: x\n\n')}&key=${t.key()}`);
    t.same(es.lastEventId, '', 'lastEventId before any event');
    t.check(typeof es.reconnectionTime === 'number' && es.reconnectionTime > 0, `reconnectionTime is a positive number before any event (${es.reconnectionTime})`);
    await t.until(() => t.count('es', 'message') > 0, 5000, 'the message');
    t.same(es.lastEventId, '42', 'lastEventId');
    if (t.transport === 'native') {
      // The browser's class keeps its reconnection time to itself: the default is all a script knows.
      t.facts.reconnectionTime = es.reconnectionTime;
      t.same(es.reconnectionTime, 3000, 'native: the default (retry: is not visible to a script)');
    } else t.same(es.reconnectionTime, 1234, 'reconnectionTime');
    es.close();
    t.same(es.lastEventId, '42', 'lastEventId after close()');
  });

  // ------------------------------------------------------------------------ 9. Symbol.dispose

  const canDispose = typeof Symbol.dispose === 'symbol';
  let canUsing = false;
  try {
    canUsing = canDispose && typeof new Function('s', '{ using d = s; } return 1;') === 'function';
  } catch {
    /* no `using` in this engine */
  }
  add(9, `Symbol.dispose closes the source (${canUsing ? 'with `using`' : 'called directly: this engine does not parse `using`'})`, ALL, async (t) => {
    const d = Object.getOwnPropertyDescriptor(ES.prototype, Symbol.dispose);
    t.check(d && typeof d.value === 'function' && !d.enumerable, 'EventSource.prototype[Symbol.dispose]: a non-enumerable method');
    const key = t.key();
    const es = t.ours(`${A}/stream?n=1000&interval=30&ids=1&key=${key}`);
    await t.until(() => t.count('es', 'message') > 0, 5000, 'a message');
    if (canUsing) new Function('s', '{ using d = s; }')(es);
    else es[Symbol.dispose]();
    t.same(es.readyState, 2, 'CLOSED at once');
    const seen = t.log.length;
    t.same(await t.openAt(key, 0, 8000), 0, 'the server sees the connection closed');
    t.same(t.log.length, seen, 'no event after it');
  }, { needs: canDispose ? null : 'no Symbol.dispose in this engine' });

  // ------------------------------------------------------------------------ 10. error message and code

  add(10, 'error events carry `message` (a sentence) and `code` (the HTTP status when there is one)', ALL, async (t) => {
    const es = t.ours(`${A}/status?code=500&key=${t.key()}`);
    const net = t.ours(`${DEAD}/stream`, {}, 'net');
    await t.until(() => t.errors('es').length > 0 && t.errors('net').length > 0, 8000, 'both errors');
    es.close();
    net.close();
    const [e500] = t.errors('es');
    const [enet] = t.errors('net');
    for (const [what, e] of [['HTTP 500', e500], ['network', enet]]) {
      t.check(typeof e.message === 'string' && e.message.length > 8 && /^[a-z].*[a-z0-9)]$/i.test(e.message), `${what}: message is a sentence: ${show(e.message)}`);
    }
    t.same(enet.code, undefined, 'network: code is undefined (no response)');
    if (t.transport === 'native') {
      t.same(e500.code, undefined, 'native: the status is not visible to a script');
      t.facts.message = e500.message;
    } else {
      t.same(e500.code, 500, 'HTTP 500: code');
      t.check(e500.message.includes('500'), `HTTP 500: the message names the status: ${e500.message}`);
    }
  });

  // ------------------------------------------------------------------------ 11. the fetch option

  const notResponses = [
    ['undefined', () => undefined],
    ['a plain object', () => ({})],
    ['a response whose body is no web stream', () => ({ status: 200, statusText: 'OK', url: '', headers: new Headers({ 'content-type': 'text/event-stream' }), body: { on() {}, pipe() {} } })],
    ['a response without a body', () => new Response(null, { headers: { 'content-type': 'text/event-stream' } })],
  ];
  for (const [what, make] of notResponses) {
    add(11, `the fetch option resolving to ${what}: one error (reason not-a-response, a clear message) at CLOSED, not a hang, no retry`, ['fetch'], async (t) => {
      let calls = 0;
      const es = t.ours(`${A}/stream?key=${t.key()}`, t.fast({ fetch: async () => { calls++; return make(); } }));
      await t.until(() => t.errors('es').length > 0, 5000, 'the error');
      await quiet(QUIET);
      t.same(t.sigs('es'), ['error@2'], 'one error at CLOSED, no open');
      const [e] = t.errors('es');
      t.same(e.reason, 'not-a-response', 'error.reason');
      t.check(/response/i.test(e.message) && /body|response/i.test(e.message), `error.message says what is wrong: ${show(e.message)}`);
      t.same([es.readyState, calls], [2, 1], 'readyState, and fetch called once');
    }, { needs: typeof Headers === 'function' && typeof Response === 'function' ? null : 'no Headers/Response here' });
  }

  add(11, "EventSource[Symbol.for('eventsource.supports-fetch-override')]: a non-enumerable static, true", ['class'], async (t) => {
    const d = Object.getOwnPropertyDescriptor(ES, Symbol.for('eventsource.supports-fetch-override'));
    t.check(d, 'the property exists');
    t.same([d.value, d.enumerable], [true, false], 'value, enumerable');
  });

  // ------------------------------------------------------------------------ list and run

  function why(c, transport) {
    if (!c.transports.includes(transport)) return 'the rule is not about this transport';
    if (c.contexts && !c.contexts.includes(host.context)) return `not in a ${host.context} context (${c.contexts.join(', ')} only)`;
    if (transport !== 'class' && !has[transport]) return `no ${transport} transport in the ${host.context} context of ${host.browser}${host.why && host.why[transport] ? ` (${host.why[transport]})` : ''}`;
    if (c.needs) return `${c.needs} (${host.browser}, ${host.context})`;
    return null;
  }

  function list(transport) {
    return cases.filter((c) => c.transports.includes(transport)).map((c) => ({ name: c.name, rule: c.rule, fresh: !!c.fresh, na: why(c, transport) }));
  }

  async function run(name, transport) {
    const c = cases.find((x) => x.name === name);
    if (!c) return { ok: false, error: `no case named ${name}`, checks: 0, facts: {}, log: [], errors: [] };
    host.takeErrors();
    const t = new Context(host, name, transport);
    let error = null;
    let timer = 0;
    try {
      const limit = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new AssertionError('the case did not finish within 35 s')), 35_000);
      });
      await Promise.race([c.fn(t), limit]);
      if (!t.checks) error = 'the case made no check';
    } catch (e) {
      error = e instanceof AssertionError ? e.message : `${e && e.name}: ${e && e.message}\n${e && e.stack}`;
    } finally {
      clearTimeout(timer);
      t.closeAll();
    }
    await quiet(30); // rejections from close() surface as unhandled now, if they do
    const log = t.log.slice(0, 100).map((e) => `${String(e.t).padStart(5)} ms ${e.src}: ${e.type}@${e.rs}${e.type === 'error' ? ` ${e.reason} ${e.status ?? ''}` : e.type === 'open' ? '' : ` ${show(String(e.data).slice(0, 60))} #${e.id}`}`);
    return { ok: !error, error, checks: t.checks, facts: t.facts, log, errors: host.takeErrors() };
  }

  return { list, run };
}

/** What a context offers, for the runner's report. */
export function describe(scope) {
  const kinds = {};
  for (const name of ['EventSource', 'XMLHttpRequest', 'fetch', 'ReadableStream', 'TransformStream', 'SharedWorker']) kinds[name] = typeof scope[name];
  return { scope: scope.constructor.name, globals: kinds, dispose: typeof Symbol.dispose === 'symbol' };
}

/** Collects uncaught errors and unhandled rejections of a page or worker. */
export function collectErrors(scope) {
  let errors = [];
  scope.addEventListener('error', (e) => errors.push(`error: ${e.message || 'unknown'}${e.filename ? ` (${e.filename}:${e.lineno})` : ''}`));
  scope.addEventListener('unhandledrejection', (e) => {
    const r = e.reason;
    errors.push(`unhandled rejection: ${r && typeof r === 'object' && ('name' in r || 'message' in r) ? `${r.name}: ${r.message}` : String(r)}`);
  });
  return () => errors.splice(0, errors.length);
}

/** Serves a suite on a message target (a dedicated worker's scope, or a shared worker's port). */
export function serve(target, suite, info) {
  target.addEventListener('message', (event) => {
    const port = event.ports && event.ports[0];
    if (!port) return;
    const { cmd, name, transport } = event.data || {};
    (async () => {
      try {
        if (cmd === 'info') return { ok: true, value: info };
        if (cmd === 'list') return { ok: true, value: suite.list(transport) };
        if (cmd === 'run') return await suite.run(name, transport);
        return { ok: false, error: `unknown command ${cmd}` };
      } catch (e) {
        return { ok: false, error: `host: ${e && e.stack || e}`, checks: 0, log: [] };
      }
    })().then((reply) => port.postMessage(reply));
  });
  if (typeof target.start === 'function') target.start();
}

// The page's side of `serve` (one request to a worker, or a shared worker's port): the shared
// helper, exported here for the suite's pages.
export { ask };
