// Behavioural cases for the EventSource class of eventsource-wasm, written to run unchanged in
// every environment of tests/envs/: a page (with EventSource, fetch, Response.body … removed),
// a dedicated module worker, a module service worker, and Node.js. Nothing here touches
// `window`, `document` or `location`: the host passes everything in.
//
//   const suite = createSuite({ EventSource, A, B, ctlFetch, expectAuto, env, browser, takeErrors, expect });
//   suite.list(transport)        → names of the cases that apply to this transport here
//   await suite.run(name, transport) → { ok, error, log, facts, notes, errors }
//
// A is the origin the host runs on (same-origin requests), B another port of the same test server
// (cross-origin: the last event ID then travels in the `lastEventId` query). `ctlFetch` is a fetch
// kept by the host for talking to the server's /log and /open endpoints: simulated old browsers
// delete the global one before the library loads. `takeErrors()` returns (and clears) the
// uncaught errors / unhandled rejections the host has seen since the last call.

import { ask, AssertionError, assert, assertions, brief, checkEventInvariants, closeSources, dropCarrierFallback, eq, show, waitUntil } from '../lib/page-helpers.js';

/** Waiting for the absence of something cannot be event-driven: this is the only sleep. */
const quiet = (ms) => new Promise((r) => setTimeout(r, ms));

const b64url = (s) => btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** One line per log entry: `message "tick 1" #1 @1` (type, data, lastEventId, readyState). */
const PLAIN = ['open', 'message', 'error'];
// How long the server may still see a closed source's response open. Chromium cancels a request
// whose read is not pending by draining the rest of the body for up to 5 s (to reuse the socket)
// before it closes the connection; an SSE body never ends, so that is 5 s. (The wait ends as soon
// as the count is 0.)
const OPEN_WAIT = 7000;

/** Whether this platform's own EventTarget keeps event.currentTarget for a second listener. */
function platformKeepsCurrentTarget() {
  const target = new EventTarget();
  const seen = [];
  const listener = (e) => seen.push(e.currentTarget === target);
  target.addEventListener('x', listener);
  target.addEventListener('x', (e) => listener(e));
  target.dispatchEvent(new Event('x'));
  return seen.length === 2 && seen.every(Boolean);
}
const TRANSPORTS = ['native', 'fetch', 'xhr', 'longpoll'];

class Context {
  constructor(name, transport, EventSource, expected) {
    this.name = name;
    this.transport = transport;
    this.EventSource = EventSource;
    this.expected = expected; // the transport es.transport must report
    this.log = [];
    this.facts = {};
    this.notes = {};
    this.sources = [];
    this.waiters = new Set();
    this.keys = [];
    this.t0 = performance.now();
  }

  /** new EventSource(url, { transport }) — or, for 'auto' without options, new EventSource(url): the polyfill user's call. */
  source(url, options = {}, { types = PLAIN } = {}) {
    const plain = this.transport === 'auto' && Object.keys(options).length === 0;
    const es = plain ? new this.EventSource(url) : new this.EventSource(url, { transport: this.transport, ...options });
    this.sources.push(es);
    this.record(es, types);
    return es;
  }

  record(es, types = PLAIN) {
    const listener = (e) => this.push(e, es);
    for (const type of types) es.addEventListener(type, listener);
  }

  push(e, es, extra) {
    const entry = { type: e.type };
    if (e instanceof MessageEvent) {
      entry.data = e.data;
      entry.lastEventId = e.lastEventId;
      entry.origin = e.origin;
    }
    entry.readyState = es.readyState;
    entry.target = e.target === es;
    entry.currentTarget = e.currentTarget === es;
    entry.messageEvent = e instanceof MessageEvent;
    entry.event = e instanceof Event;
    entry.transport = es.transport;
    if (e.type === 'error') {
      entry.reason = e.reason;
      entry.status = e.status;
    }
    if (extra) Object.assign(entry, extra);
    entry.t = Math.round(performance.now() - this.t0);
    this.log.push(entry);
    this.poke();
    return entry;
  }

  /** Re-checks every pending `until` (call it after changing state a predicate reads). */
  poke() {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves when `pred()` holds (checked now and after every logged event); rejects after `ms`. */
  until(pred, ms, what) {
    return waitUntil(this.waiters, pred, ms, () => `timed out after ${ms} ms waiting for ${what}; events so far: ${show(this.seq())}`);
  }

  count(type) {
    return this.log.filter((e) => e.type === type).length;
  }

  seq() {
    return this.log.map(brief);
  }

  closeAll() {
    closeSources(this.sources);
  }

  /** Rules every dispatched event obeys, checked after every case: event.target & co. */
  checkInvariants() {
    checkEventInvariants(this.log, /^https?:\/\/127\.0\.0\.1:\d+$/);
  }
}

/**
 * @param {object} o
 * @param {Function} o.EventSource     the class under test
 * @param {string} o.A                 same-origin server origin (in Node: just the main port)
 * @param {string} o.B                 another port of the same server
 * @param {string} [o.P]               the pacing proxy in front of the server (tests/envs/pacer.mjs)
 * @param {Function} o.ctlFetch        fetch for the test's own requests to /log and /open
 * @param {string} o.expectAuto        the transport `auto` must pick here
 * @param {string} o.env               a name for this environment (facts, messages)
 * @param {string|null} [o.browser]    the engine it runs in: 'chromium', 'firefox', 'webkit' (null: Node.js)
 * @param {string|null} o.ownOrigin    this environment's origin, or null (Node.js)
 * @param {Function} [o.takeErrors]    () => [strings]: uncaught errors since the last call
 * @param {object} [o.expect]          environment facts to assert in the `environment` case:
 *        { globals: { name: 'function'|'undefined' … }, available: [transports], checks: { label: bool } }
 */
export function createSuite(o) {
  const { EventSource, A, B, ctlFetch, expectAuto, ownOrigin = null } = o;
  const P = o.P || B;
  const takeErrors = o.takeErrors || (() => []);
  const exp = (transport) => (transport === 'auto' ? expectAuto : transport);
  // WebKit ends a chunked response whose connection is cut before its last chunk as if it were
  // complete (fetch: done; XHR: load), where Chromium and Firefox (and Node.js) report a network
  // error. Page code cannot tell such a cut from the end of the response, so there the streaming
  // transports see the end of the stream (error.reason 'end-of-stream', status 200) and long
  // polling sees a finished poll (it asks again, no error, retry: plays no part). The cases that
  // cut connections (/drop) expect that in WebKit, and their names say so there.
  const cutIsEnd = o.browser === 'webkit';
  const CUT = cutIsEnd ? ' (WebKit ends a cut chunked body cleanly: end-of-stream for fetch and xhr, long polling polls again with no error)' : '';

  const getJson = async (url) => {
    const r = await ctlFetch(url, { cache: 'no-store' });
    if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
    return r.json();
  };
  const rawLog = (key) => getJson(`${A}/log?key=${encodeURIComponent(key)}`);
  const serverLog = async (key) => dropCarrierFallback(await rawLog(key));
  const openCount = async (key, until, timeout) => (await getJson(`${A}/open?key=${encodeURIComponent(key)}&until=${until}&timeout=${timeout}`)).open;
  let keySeq = 0;
  const RUN = `${o.env}-${Math.random().toString(36).slice(2, 8)}`;
  const newKey = (t) => {
    const key = `${RUN}-${t.name}-${t.transport}-${++keySeq}`;
    t.keys.push(key);
    return key;
  };

  const ev = (type, data, id, rs = 1) => `${type} ${show(data)} #${id} @${rs}`;
  const msg = (data, id, rs = 1) => ev('message', data, id, rs);
  const ticks = (from, to) => {
    const out = [];
    for (let i = from; i <= to; i++) out.push(msg(`tick ${i}`, String(i)));
    return out;
  };
  const origins = (t) => [...new Set(t.log.filter((e) => e.messageEvent).map((e) => e.origin))];
  /** How the last event ID reaches `origin` on a reconnect (the library's documented rule). */
  // The no-cors probe needs fetch and AbortController as the library found them (the simulated
  // old browsers remove them before it loads).
  const canProbe = typeof globalThis.fetch === 'function' && typeof globalThis.AbortController === 'function';
  const carrierFor = (es, origin) => {
    if (es.transport === 'native') return 'header';
    // No origin (Node.js): no CORS, so the standard's header. Cross-origin the header too, until
    // a server that answers no preflight refuses it: then the query (see withoutFallback).
    return ownOrigin === null || origin === ownOrigin ? 'header' : 'query';
  };
  /**
   * Our transports send the last event ID cross-origin in the header, as the native class does;
   * this server answers no preflight, so the first request that carries it is refused (OPTIONS),
   * a no-cors HEAD finds the server up (a CORS refusal, not a network error), and the request
   * goes out again at once with the ID in the query, as every later one does. Checks that one
   * fallback and returns the log without its two requests.
   */
  const withoutFallback = (log, es, origin, what) => {
    if (es.transport === 'native' || carrierFor(es, origin) !== 'query') return log;
    if (!canProbe) {
      // No probe to tell a refused preflight from a network error: the query from the start.
      eq(log.filter((r) => r.method !== 'GET').map((r) => r.method), [], `${what}: no preflight and no probe (without fetch and AbortController, the ID goes in the query cross-origin from the start)`);
      return log;
    }
    const i = log.findIndex((r) => r.method === 'OPTIONS');
    eq(log.slice(i, i + 2).map((r) => `${r.method} ${r.headers['access-control-request-headers'] || ''}`), ['OPTIONS last-event-id', 'HEAD '], `${what}: the refused preflight for Last-Event-ID, then the probe`);
    return [...log.slice(0, i), ...log.slice(i + 2)];
  };
  const assertNoPreflight = (log, what) =>
    eq(log.filter((r) => r.method === 'OPTIONS').map((r) => `${r.method} ${r.path}`), [], `${what}: preflight requests (the server answers none)`);

  const cases = {};
  /** `when(transport, expected)`: whether the case applies; `limit`: the case's own time limit. */
  const def = (name, fn, { when = () => true, limit = 15000 } = {}) => {
    cases[name] = { fn, when, limit };
  };

  // ------------------------------------------------------------------ the environment itself

  // Runs once per environment (as 'auto'): the globals the host promised, the transport auto
  // picks, and which pinned transports construct or throw NotSupportedError here.
  def('environment', async (transport, t) => {
    const e = o.expect || {};
    const seen = {};
    for (const [name, want] of Object.entries(e.globals || {})) {
      seen[name] = typeof globalThis[name];
      eq(seen[name], want, `typeof ${name} in ${o.env}`);
    }
    for (const [label, value] of Object.entries(e.checks || {})) eq(value, true, label);
    t.facts.globals = seen;
    const es = new EventSource(`${B}/status?code=204&key=${newKey(t)}`);
    eq(es.transport, expectAuto, 'es.transport of new EventSource(url) (auto)');
    es.close();
    const available = [];
    const refused = {};
    for (const kind of TRANSPORTS) {
      try {
        const s = new EventSource(`${B}/status?code=204&key=${newKey(t)}`, { transport: kind });
        eq(s.transport, kind, `es.transport with transport '${kind}'`);
        s.close();
        available.push(kind);
      } catch (err) {
        if (err instanceof AssertionError) throw err;
        refused[kind] = `${err instanceof DOMException ? 'DOMException' : err?.constructor?.name}:${err?.name}`;
      }
    }
    if (e.available) eq(available, e.available, `transports that construct in ${o.env}`);
    for (const [kind, what] of Object.entries(refused)) eq(what, 'DOMException:NotSupportedError', `transport '${kind}' refused with`);
    t.facts.available = available;
  }, { when: (tr) => tr === 'auto' });

  // ------------------------------------------------------------------ behaviour

  // open, messages with ids, readyState, url, origin, event.target, handler `this`.
  def('open-and-messages', async (transport, t) => {
    const key = newKey(t);
    const url = `${B}/stream?n=3&interval=20&ids=1&key=${key}`;
    const es = t.source(url);
    eq(es.readyState, EventSource.CONNECTING, 'readyState right after construction');
    eq(es.transport, t.expected, `es.transport for transport '${transport}'`);
    eq(es.url, url, 'es.url');
    const handled = [];
    es.onmessage = function (e) {
      handled.push([this === es, e.target === es, e.currentTarget === es, e.data]);
    };
    await t.until(() => t.count('message') === 3, 5000, 'three messages');
    eq(es.readyState, EventSource.OPEN, 'readyState while streaming');
    eq(t.seq(), ['open@1', ...ticks(1, 3)], 'events');
    eq(origins(t), [B], 'event.origin');
    // Node.js 20.20 clears event.currentTarget after the first listener of any EventTarget (a
    // platform bug, seen with a bare EventTarget): check currentTarget only where the platform keeps it.
    const keeps = platformKeepsCurrentTarget();
    t.notes.platformKeepsCurrentTarget = keeps;
    eq(handled.map(([a, b, c, d]) => [a, b, keeps ? c : true, d]), [1, 2, 3].map((i) => [true, true, true, `tick ${i}`]), 'onmessage: [this, target, currentTarget === source, data]');
    es.close();
    eq(es.readyState, EventSource.CLOSED, 'readyState after close()');
    const log = await serverLog(key);
    eq(log.map((r) => r.headers.accept), ['text/event-stream'], 'Accept header of the request');
  });

  // `for await` over a source, in every environment: a service worker included, which refuses
  // import() (the iterator was once a chunk loaded on use); leaving the loop closes the source.
  def('async-iteration', async (transport, t) => {
    const key = newKey(t);
    const es = t.source(`${B}/stream?n=3&interval=20&ids=1&key=${key}`);
    const got = [];
    for await (const e of es) {
      got.push(`${e.type} ${e.data} #${e.lastEventId}`);
      if (got.length === 3) break;
    }
    eq(got, [1, 2, 3].map((i) => `message tick ${i} #${i}`), 'events from for await');
    eq(es.readyState, EventSource.CLOSED, 'readyState after leaving the loop');
  });

  // `share: true`: two sources of one URL made together share one connection, where the sharing
  // code (loaded on use) can be loaded; a service worker refuses import(), so there each source
  // connects on its own, with the same events.
  def('share', async (transport, t) => {
    const key = newKey(t);
    const url = `${B}/stream?n=3&interval=20&ids=1&key=${key}`;
    const sources = [t.source(url, { share: true }), t.source(url, { share: true })];
    await t.until(() => t.count('message') === 6, 5000, 'three messages on each source');
    for (const es of sources) eq(es.transport, t.expected, `es.transport with share: true, transport '${transport}'`);
    for (const es of sources) es.close();
    // dist/whole.js holds the sharing code; dist/index.js loads it on use, which a service
    // worker may not.
    const alone = o.env.startsWith('sw') && !o.whole;
    eq((await serverLog(key)).length, alone ? 2 : 1, alone ? 'requests (a service worker cannot load the sharing code: one per source)' : 'requests (one shared connection)');
  });

  // Custom types reach only their listeners; events split over many chunks; lastEventId persists,
  // is reset by an empty `id`, and is set by an event without data; a listener added after open.
  def('types-and-last-event-id', async (transport, t) => {
    const key = newKey(t);
    const body = 'event: custom\nid: 7\ndata: a\n\n' + 'data: b\n\n' + 'event: other\ndata: c\n\n'
      + ': comment\nevent: custom\ndata: d1\ndata: d2\n\n' + 'id\ndata: e\n\n' + 'id: 9\n\n' + 'data: f\n\n' + 'event: late\ndata: g\n\n';
    const es = t.source(`${B}/raw?b64=${b64url(body)}&chunk=8&delay=12&key=${key}`, {}, { types: [...PLAIN, 'custom'] });
    const viaHandler = [];
    es.onmessage = (e) => viaHandler.push(e.data);
    es.addEventListener('open', () => t.record(es, ['late']));
    await t.until(() => t.count('late') === 1, 6000, 'the late event');
    // `id: 9` in a block without data sets the last event ID all the same (the standard's "dispatch
    // the event", step 1, comes before the empty-data check). Firefox's own EventSource ignores it,
    // and the native transport passes on what the browser's class reports: only there, '' is let by.
    const seq = t.seq();
    const nine = es.transport === 'native' && seq[5] === msg('f', '') ? '' : '9';
    if (nine === '') t.notes.browserIgnoresIdWithoutData = true;
    eq(seq, ['open@1', ev('custom', 'a', '7'), msg('b', '7'), ev('custom', 'd1\nd2', '7'), msg('e', ''), msg('f', nine), ev('late', 'g', nine)], 'events');
    eq(viaHandler, ['b', 'e', 'f'], 'onmessage saw only `message` events');
  });

  // A dropped connection reconnects, sending the last event ID: ids 1..5 exactly once, in order.
  // The server cuts each connection after 2 events. What arrived just before a cut can be lost with
  // it: XHR forgets a response that ends in a network error, and an errored ReadableStream drops
  // the chunks not yet read (seen with fetch in a busy service worker). Such events come again after
  // the resume, so the connections may split the ids differently: the check is the rule itself
  // (every error is followed by an open, every reconnect carries the last ID dispatched before it,
  // nothing is lost or repeated).
  /** Checks the resume rule after ids 1..n of /drop arrived on `es` (see above); returns the server log. */
  async function checkResume(t, es, key, origin, n) {
    const seq = t.seq();
    // (WebKit) a cut ends a poll like any other: no error, the next poll resumes.
    const silent = cutIsEnd && es.transport === 'longpoll';
    const ids = [];
    for (let i = 1; i <= n; i++) ids.push([`tick ${i}`, String(i)]);
    // Every error is a reconnect (readyState CONNECTING), open comes only while not open, messages
    // only while open. (A connection can also fail before its headers are handled: error, error.)
    const lastBefore = [];
    let last = null;
    let open = false;
    t.log.forEach((e, i) => {
      const at = `event #${i + 1} ${seq[i]} in ${show(seq)}`;
      if (e.type === 'open') {
        assert(!open, `${at}: open while already open`);
        open = true;
      } else if (e.type === 'error') {
        eq(e.readyState, 0, `${at}: readyState at the error (a dropped connection is reconnected, not failed; error.reason ${e.reason}, status ${e.status})`);
        assert(!silent, `${at}: an error from long polling where the cut looks like the end of a poll`);
        if (es.transport !== 'native') eq(e.reason, cutIsEnd ? 'end-of-stream' : 'network', `${at}: error.reason`);
        open = false;
        lastBefore.push(last);
      } else {
        assert(open, `${at}: a message while not open`);
        last = e.lastEventId;
      }
    });
    eq(t.log.filter((e) => e.type === 'message').map((e) => [e.data, e.lastEventId]), ids, `messages (ids 1..${n} exactly once, in order)`);
    const log = withoutFallback(await rawLog(key), es, origin, 'the reconnects');
    assertNoPreflight(log, 'the source and its reconnects');
    // Nothing was lost at a clean end: each poll resumes after the last event the one before sent.
    if (silent) lastBefore.push(...log.slice(0, -1).map((r) => String(r.resumeFrom + r.sent - 1)));
    eq(log.length, lastBefore.length + 1, 'requests (one per connection)');
    eq(log.map((r) => r.path), log.map(() => '/drop'), 'request paths');
    const carrier = carrierFor(es, origin);
    eq(log.map((r) => [r.lastEventIdSource, r.lastEventIdUsed]), [[null, null], ...lastBefore.map((id) => (id === null ? [null, null] : [carrier, id]))],
      'how each request carried the last event ID (none, then the last one dispatched before each error)');
    for (const r of log.slice(1)) {
      if (carrier === 'header') eq(r.query.lastEventId, undefined, 'lastEventId query parameter beside the header');
      else eq(r.headers['last-event-id'], undefined, 'Last-Event-ID header beside the query parameter');
    }
    t.notes.carrier = carrier;
    t.notes.connections = lastBefore.length + 1;
    return log;
  }

  const resume = (sameOrigin) => async (transport, t) => {
    const origin = sameOrigin ? A : B;
    const key = newKey(t);
    const es = t.source(`${origin}/drop?after=2&total=5&retry=50&key=${key}`);
    await t.until(() => t.count('message') === 5, 8000, 'ids 1..5');
    es.close();
    await checkResume(t, es, key, origin, 5);
  };
  def(`resume-cross-origin${CUT}`, resume(false));
  def(`resume-same-origin${CUT}`, resume(true));

  // A connection that is cut while the environment is busy: its headers, its events and the
  // network error are all waiting when the XHR's handlers get to run. That is still a dropped
  // connection (error, reconnect, resume), never a failed one. The test blocks the thread for
  // 150 ms right after the second request is sent (XMLHttpRequest.prototype.send is wrapped for
  // the length of the case; the library calls it through the prototype). Same-origin: a
  // cross-origin failure that shows no response at all is taken to the CORS probe, which finds
  // the server up and calls it a refusal (the probe's limit, in README.md), and in a busy worker
  // the XHR can show the cut before the response (seen in Chromium and Firefox).
  def(`busy-when-dropped${CUT}`, async (transport, t) => {
    const key = newKey(t);
    const proto = XMLHttpRequest.prototype;
    const send = proto.send;
    let calls = 0;
    proto.send = function (...args) {
      const r = send.apply(this, args);
      calls += 1;
      if (calls === 2) {
        const until = performance.now() + 150;
        while (performance.now() < until) { /* busy */ }
      }
      return r;
    };
    try {
      const es = t.source(`${A}/drop?after=1&total=3&retry=50&key=${key}`);
      await t.until(() => t.count('message') === 3 || t.log.some((e) => e.type === 'error' && e.readyState === 2), 8000, 'ids 1..3');
      es.close();
      await checkResume(t, es, key, A, 3);
      assert(calls >= 2, `the library made ${calls} XHR requests; the wrapper could not block the second`);
    } finally {
      proto.send = send;
    }
  }, { when: (tr, x) => x === 'xhr' || x === 'longpoll' });

  // `retry:` sets the reconnection time (the default, 3 s, would blow the upper bound). The second
  // event and the cut come 250 ms after `retry:` and event 1, so that a busy environment has read
  // them before the cut can take them away (see above).
  def(`retry-honoured${CUT}`, async (transport, t) => {
    const key = newKey(t);
    const es = t.source(`${B}/drop?after=2&total=3&retry=400&interval=250&key=${key}`);
    await t.until(() => t.count('message') === 3, 8000, 'three messages');
    es.close();
    eq(t.log.filter((e) => e.type === 'message').map((e) => e.lastEventId), ['1', '2', '3'], 'message ids');
    if (cutIsEnd && es.transport === 'longpoll') {
      eq(t.seq(), ['open@1', ...ticks(1, 3)], 'events (WebKit: the cut ends the poll cleanly, no error)');
      const log = await serverLog(key);
      eq(log.map((r) => r.lastEventIdUsed), [null, '2'], 'the next poll resumed after id 2');
      return;
    }
    const error = t.log.find((e) => e.type === 'error');
    const reopen = t.log.find((e) => e.type === 'open' && e.t > error.t);
    assert(reopen, `no open after the error: ${show(t.seq())}`);
    // The wait, read on the server (a busy environment can run the page's listeners late, which
    // shortens a gap timed there): the first response cut 250 ms after it began, so the second
    // request cannot come sooner than 650 ms after the first; had `retry:` been ignored, not
    // sooner than 3.25 s.
    const gets = (await serverLog(key)).filter((r) => r.method === 'GET');
    assert(gets.length >= 2, `the server saw ${gets.length} GET request(s)`);
    const gap = gets[1].time - gets[0].time;
    t.notes.gap = gap;
    assert(gap >= 600, `the reconnect came ${gap} ms after the first request; retry: 400 asks for 400 ms after the cut, 250 ms in`);
    assert(gap < 3000, `the reconnect came ${gap} ms after the first request; retry: 400 was ignored (the default is 3 s)`);
  });

  // Responses that fail the connection: one error at CLOSED, no open, no further request.
  const failRule = (path, reason, status) => async (transport, t) => {
    const key = newKey(t);
    const es = t.source(`${B}${path}&key=${key}`);
    await t.until(() => t.count('error') >= 1, 5000, 'the error');
    eq(es.readyState, EventSource.CLOSED, 'es.readyState after the error');
    await quiet(150); // a second error or an open would come at once; a reconnect 3 s later is ruled out by CLOSED
    eq(t.seq(), ['error@2'], 'events (exactly one error, at readyState CLOSED; no open)');
    const log = await serverLog(key);
    eq(log.map((r) => `${r.method} ${r.path}`), [`GET ${path.split('?')[0]}`], 'requests (one, no reconnect)');
    const e = t.log[0];
    if (es.transport === 'native') eq(e.reason, 'native', 'error.reason from the native class');
    else eq([e.reason, e.status], [reason, status], '[error.reason, error.status]');
  };
  def('fail-204', failRule('/status?code=204', 'http-status', 204));
  def('fail-500', failRule('/status?code=500', 'http-status', 500));
  // close=1: Chromium's native class waits for 1 KiB or the end before it sniffs text/plain.
  def('fail-text-plain', failRule('/ctype?type=text/plain&close=1', 'content-type', 200));

  // close() after the first message stops everything: no events, no requests, the server sees the
  // response closed.
  def('close-stops-everything', async (transport, t) => {
    const key = newKey(t);
    const es = t.source(`${B}/stream?n=5&interval=100&ids=1&retry=50&key=${key}`);
    await t.until(() => t.count('message') >= 1, 5000, 'the first message');
    es.close();
    const atClose = t.seq();
    eq(es.readyState, EventSource.CLOSED, 'readyState right after close()');
    eq(await openCount(key, 0, OPEN_WAIT), 0, `SSE responses the server still has open ${OPEN_WAIT / 1000} s after close()`);
    const before = (await serverLog(key)).length;
    await quiet(300);
    // (Under load ticks 1 and 2 can come in one chunk, dispatched before the test gets to close().)
    eq(t.seq().slice(atClose.length), [], 'events after close()');
    eq(atClose.slice(0, 2), ['open@1', ...ticks(1, 1)], 'events before close()');
    const after = (await serverLog(key)).length;
    eq([before, after], [1, 1], 'requests when the server saw the close and 300 ms later');
    eq(es.readyState, EventSource.CLOSED, 'readyState 300 ms after close()');
  });

  // close() inside a listener stops the rest of the same chunk.
  def('close-in-listener', async (transport, t) => {
    const key = newKey(t);
    const body = 'retry: 50\nid: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\ndata: c\n\n';
    const es = t.source(`${B}/raw?b64=${b64url(body)}&key=${key}`); // one write
    let calls = 0;
    es.onmessage = () => {
      calls++;
      es.close();
    };
    await t.until(() => t.count('message') >= 1, 5000, 'the first message');
    eq(es.readyState, EventSource.CLOSED, 'readyState after close() in onmessage');
    eq(await openCount(key, 0, OPEN_WAIT), 0, `SSE responses the server still has open ${OPEN_WAIT / 1000} s after close()`);
    await quiet(300);
    eq(t.seq(), ['open@1', msg('a', '1')], 'events');
    eq(calls, 1, 'onmessage calls');
    eq((await serverLog(key)).length, 1, 'requests');
  });

  // A response that ends cleanly: streaming transports reconnect as the standard says (error,
  // wait retry, open); long-polling asks again at once, silently (no error, no second open).
  def('end-of-response', async (transport, t) => {
    const key = newKey(t);
    const es = t.source(`${B}/end?after=2&total=5&retry=50&key=${key}`);
    await t.until(() => t.count('message') === 5, 8000, 'ids 1..5');
    es.close();
    const polling = t.expected === 'longpoll';
    eq(t.seq(), polling
      ? ['open@1', ...ticks(1, 5)]
      : ['open@1', ...ticks(1, 2), 'error@0', 'open@1', ...ticks(3, 4), 'error@0', 'open@1', ...ticks(5, 5)], 'events');
    if (!polling) eq(t.log.filter((e) => e.type === 'error').map((e) => e.reason), es.transport === 'native' ? ['native', 'native'] : ['end-of-stream', 'end-of-stream'], 'error reasons');
    const log = withoutFallback(await rawLog(key), es, B, 'the reconnects');
    eq(log.map((r) => [r.resumeFrom, r.outcome ?? null]), [[1, 'end'], [3, 'end'], [5, null]], 'requests: [resumed from, how the server ended it]');
    eq(t.log.map((e) => e.transport), t.log.map(() => t.expected), 'es.transport never changed');
  });

  // XHR's responseText only grows: past 4 MiB the request is replaced by one that resumes from
  // the last event ID, invisibly. ~5.4 MB of events through the pacing proxy P (6 MB/s, so that
  // the browser hands them over a few hundred KB at a time): every id exactly once, in order, one
  // open, no error, and each replaced request carried between 4 MiB and 8 MiB of events.
  // A browser whose thread was starved for the whole second of the transfer hands everything over
  // at once, and the replacement can only come at the end: that attempt proves nothing either way,
  // so it is made again (three attempts at most; every other deviation fails at once).
  def('xhr-recycle', async (transport, t) => {
    const n = 25000;
    const size = 200;
    const MiB = 1024 * 1024;
    // The text of events first..last: `id: i\ndata: <size>\n\n` each.
    const bytes = (first, last) => {
      let total = 0;
      for (let i = first; i <= last; i++) total += 13 + String(i).length + size;
      return total;
    };
    t.notes.attempts = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const key = newKey(t);
      const logStart = t.log.length;
      const es = t.source(`${P}/burst?n=${n}&size=${size}&key=${key}`, {}, { types: ['open', 'error'] });
      let next = 1;
      let count = 0;
      const bad = [];
      es.addEventListener('message', (e) => {
        const id = Number(e.lastEventId);
        if ((id !== next || e.data.length !== size) && bad.length < 5) bad.push(`id ${e.lastEventId} (${e.data.length} B) after ${next - 1}`);
        next = id + 1;
        count++;
        if (count === n || bad.length) t.poke();
      });
      await t.until(() => count >= n || bad.length > 0, 12000, `${n} messages (got ${count})`);
      eq(bad, [], 'messages out of order, repeated or cut');
      eq(count, n, 'messages');
      eq(t.seq().slice(logStart), ['open@1'], 'open and error events');
      const log = await serverLog(key);
      es.close();
      const requests = log.map((r) => [r.lastEventIdSource, r.lastEventIdUsed]);
      t.notes.attempts.push(requests);
      eq(log[0].lastEventIdUsed, null, 'the first request carries no last event ID');
      const carrier = carrierFor(es, P);
      for (const [i, r] of log.slice(1).entries()) eq(r.lastEventIdSource, carrier, `request ${i + 2}: how it carried the last event ID`);
      const cuts = log.slice(1).map((r) => Number(r.lastEventIdUsed)).filter((id) => id < n);
      if (!cuts.length && attempt < 3) continue; // everything came at once: inconclusive
      assert(cuts.length >= 1, `no request was replaced within ~5.4 MB in 3 attempts (requests: ${show(t.notes.attempts)}): not recycled past 4 MiB`);
      let from = 1;
      const sizes = [];
      for (const cut of cuts) {
        sizes.push(bytes(from, cut));
        from = cut + 1;
      }
      t.notes.replacedAfterBytes = sizes;
      for (const b of sizes) assert(b > 4 * MiB - 2 * (size + 20) && b < 8 * MiB, `a request was replaced after ${b} bytes of events (${(b / MiB).toFixed(2)} MiB); expected just past 4 MiB: ${show(sizes)}`);
      return;
    }
  }, { when: (tr, x) => x === 'xhr' || x === 'longpoll', limit: 40000 });

  // A buffering proxy: the response waits 1.1 s, then delivers its 3 events at once and ends.
  // auto notices and goes on by long-polling: es.transport becomes 'longpoll' (after the first
  // response, not before), and events 1..6 arrive exactly once with no error and one open.
  def('buffering-proxy', async (transport, t) => {
    const key = newKey(t);
    const es = t.source(`${B}/buffered?n=3&delay=1100&key=${key}`);
    eq(es.transport, t.expected, 'es.transport before the first response');
    // An error is a failure here: stop at the first one rather than wait out the time limit.
    await t.until(() => t.count('message') >= 6 || t.count('error') > 0, 8000, 'ids 1..6');
    const tr = es.transport;
    es.close();
    eq(t.seq().slice(0, 7), ['open@1', ...ticks(1, 6)], 'events (ids 1..6 exactly once, one open, no error)');
    eq(t.log.slice(1, 4).map((e) => e.transport), [t.expected, t.expected, t.expected], 'es.transport at messages 1..3 (the first response)');
    if (typeof XMLHttpRequest === 'function') eq(t.log.slice(4, 7).map((e) => e.transport), ['longpoll', 'longpoll', 'longpoll'], 'es.transport at messages 4..6');
    // Long-polling runs over XHR; where there is none (Node.js, service workers) the name of the
    // transport that carries on is the library's business, the events above are not.
    if (typeof XMLHttpRequest === 'function') eq(tr, 'longpoll', 'es.transport after the switch');
    t.notes.transportAfter = tr;
    const log = await serverLog(key);
    eq(log.slice(0, 2).map((r) => [r.lastEventIdUsed, r.resumeFrom]), [[null, 1], ['3', 4]], 'the first two requests: [last event ID, resumed from]');
  }, { when: (tr, x) => tr === 'auto' && (x === 'fetch' || x === 'xhr'), limit: 15000 });

  // A pinned transport never switches: the same held-back response is an end of stream, as the
  // standard says (error, CONNECTING), and es.transport stays.
  def('buffering-pinned', async (transport, t) => {
    const key = newKey(t);
    const es = t.source(`${B}/buffered?n=3&delay=1100&key=${key}`);
    await t.until(() => t.count('error') >= 1, 6000, 'the end of the first response');
    const tr = es.transport;
    es.close();
    eq(t.seq(), ['open@1', ...ticks(1, 3), 'error@0'], 'events');
    eq(tr, transport, 'es.transport after a buffered response');
  }, { when: (tr) => tr === 'fetch' || tr === 'xhr' });

  // ------------------------------------------------------------------ running

  const list = (transport) => Object.entries(cases).filter(([, c]) => c.when(transport, exp(transport))).map(([n]) => n);

  async function run(name, transport) {
    const c = cases[name];
    if (!c) return { ok: false, error: `no case named ${name}`, log: [], facts: {}, notes: {}, errors: [] };
    takeErrors(); // errors before this case are not its own
    const t = new Context(name, transport, EventSource, exp(transport));
    let error = null;
    let timer = 0;
    try {
      const limit = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new AssertionError(`case did not finish within ${c.limit} ms; events so far: ${show(t.seq())}`)), c.limit);
      });
      const before = assertions();
      await Promise.race([c.fn(transport, t), limit]);
      assert(assertions() > before, 'the case asserted nothing');
      t.checkInvariants();
    } catch (e) {
      error = e instanceof AssertionError ? e.message : `${e && e.name}: ${e && e.message}\n${e && e.stack}`;
    } finally {
      clearTimeout(timer);
      t.closeAll();
    }
    await quiet(30); // let rejections from close() surface as unhandled, if they do
    if (error) {
      // What the server saw, for the report: every request of the case, in order.
      try {
        for (const key of t.keys) {
          const log = await serverLog(key);
          if (!log.length) continue;
          error += `\nserver log for ${key.slice(RUN.length + 1)}:`;
          for (const r of log.slice(0, 12)) {
            const { key: _k, ...query } = r.query;
            error += `\n  +${r.time - log[0].time} ms ${r.method} ${r.path}?${new URLSearchParams(query)} conn ${r.conn}` +
              (r.lastEventIdSource ? ` id(${r.lastEventIdSource})=${r.lastEventIdUsed}` : '') + (r.outcome ? ` ${r.outcome} after ${r.sent}` : '');
          }
        }
      } catch (e) {
        error += `\n(server log unavailable: ${e && e.message})`;
      }
    }
    return { ok: !error, error, log: t.log.slice(0, 200), facts: t.facts, notes: t.notes, errors: takeErrors() };
  }

  return { list, run };
}

/** Collects uncaught errors and unhandled rejections of a page, worker or service worker. */
export function collectErrors(scope) {
  let errors = [];
  scope.addEventListener('error', (e) => {
    const where = e.filename ? ` (${e.filename}:${e.lineno})` : '';
    errors.push(`error: ${e.message || 'unknown'}${where}`);
  });
  scope.addEventListener('unhandledrejection', (e) => {
    const r = e.reason;
    const desc = r && typeof r === 'object' && ('name' in r || 'message' in r) ? `${r.name}: ${r.message}` : String(r);
    errors.push(`unhandled rejection: ${desc}`);
  });
  return () => {
    const out = errors;
    errors = [];
    return out;
  };
}

/**
 * Serves a suite over `postMessage` (worker / service worker side): requests
 * { cmd: 'list'|'run', name, transport } arrive with a MessagePort to answer on.
 */
export function serveSuite(scope, suite, info = {}) {
  scope.addEventListener('message', (event) => {
    const port = event.ports && event.ports[0];
    if (!port) return;
    const { cmd, name, transport } = event.data || {};
    const work = (async () => {
      try {
        if (cmd === 'info') return { ok: true, value: info };
        if (cmd === 'list') return { ok: true, value: suite.list(transport) };
        if (cmd === 'run') return await suite.run(name, transport);
        return { ok: false, error: `unknown command ${cmd}` };
      } catch (e) {
        return { ok: false, error: `host: ${e && e.stack || e}`, log: [] };
      }
    })().then((reply) => port.postMessage(reply));
    // A service worker stays alive while the case runs.
    if (typeof event.waitUntil === 'function') event.waitUntil(work);
  });
}

// The page side of serveSuite (one request to a Worker or ServiceWorker): the shared helper,
// exported here for the suite's pages.
export { ask };
